"""2FA API of seed 000 (views in api/messenger/twofa.py)."""

from api.routing import path

from .twofa import TwoFactorSendApi, TwoFactorVerifyApi

urlpatterns = [
    path("api/2fa/send", TwoFactorSendApi.as_view()),
    path("api/2fa/verify", TwoFactorVerifyApi.as_view()),
]
