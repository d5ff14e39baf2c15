"""2FA API of seed 000 (views in api/messenger/twofa.py)."""

urlpatterns: list = []
