"""Consumer-side hooks of the ops app (huey discovers this module in every consumer)."""

from huey.contrib.djhuey import HUEY

from ops.heartbeat import heartbeat_thread_start


@HUEY.on_startup()
def consumer_heartbeat_start() -> None:
    heartbeat_thread_start()
