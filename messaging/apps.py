from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"

    def ready(self) -> None:
        from core.generations import bump_on_change
        from messaging.models import BlacklistEntry, PriceRule

        bump_on_change(PriceRule, BlacklistEntry)  # sends read prices and "no blacklist" from caches
