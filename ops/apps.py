from django.apps import AppConfig


class OpsConfig(AppConfig):
    """What the people running the platform watch from outside: health, metrics, logs, errors."""

    name = "ops"

    def ready(self) -> None:
        from ops import logs, tasks  # noqa: F401 (the huey hooks)

        logs.configure()
