"""Dashboard pages of 2FA (views in otp/views.py)."""

from django.urls import path

from otp.views import PolicyView, VerificationListView

urlpatterns = [
    path("verifications/", VerificationListView.as_view(), name="verifications"),
    path("settings/2fa/", PolicyView.as_view(), name="otp-policy"),
]
