from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class MessagingConfig(AppConfig):
    name = "messaging"

    def ready(self) -> None:
        from core.generations import bump_on_change
        from messaging.models import BlacklistEntry, PriceRule

        bump_on_change(PriceRule, BlacklistEntry)  # sends read prices and "no blacklist" from caches

        # Not a rule, a cache: however a connector or route is edited (admin, shell, a cascade),
        # the running processes' routing snapshots must hear of it.
        from messaging.models import Connector, ConnectorCost, Route, RouteConnector

        for model in (Connector, ConnectorCost, Route, RouteConnector):
            post_save.connect(_routing_changed, sender=model, dispatch_uid=f"routing-save-{model.__name__}")
            post_delete.connect(_routing_changed, sender=model, dispatch_uid=f"routing-delete-{model.__name__}")


def _routing_changed(**kwargs: object) -> None:
    from messaging.routing.table import routing_changed

    routing_changed()
