from django.apps import AppConfig


class OpsConfig(AppConfig):
    """What the people running the platform watch from outside: health, metrics, logs, errors."""

    name = "ops"
