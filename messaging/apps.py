from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"

    def ready(self) -> None:
        from core.generations import bump_on_change
        from messaging.models import PriceRule

        bump_on_change(PriceRule)  # sends price from a cache of the table
