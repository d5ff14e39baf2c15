"""Dashboard page of the 2FA verification log (views in otp/views.py)."""

from django.urls import path

from otp.views import VerificationListView

urlpatterns = [
    path("verifications/", VerificationListView.as_view(), name="verifications"),
]
