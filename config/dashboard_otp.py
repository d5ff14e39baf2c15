"""Dashboard page of the 2FA verification log (views in otp/views.py)."""

urlpatterns: list = []
