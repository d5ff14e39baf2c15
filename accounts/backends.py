"""The login backend of the dashboard, the admin and the password-based API dialects."""

from django.contrib.auth.backends import ModelBackend

from accounts.access import user_is_active
from accounts.models import User


class ActiveAccountBackend(ModelBackend):
    """Django's backend with the one rule for "active" (accounts.access): a user of a deactivated
    team cannot log in, and a session already open no longer resolves to its user."""

    def user_can_authenticate(self, user) -> bool:
        return user_is_active(user)

    def get_user(self, user_id):
        user = User.objects.select_related("team").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
