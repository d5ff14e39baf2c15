from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Teams, users and credits"

    def ready(self) -> None:
        from accounts.models import ApiKey, Team, User
        from core.generations import bump_on_change

        bump_on_change(ApiKey, User, Team)  # API requests authenticate from a cache of them
