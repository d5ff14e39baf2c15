"""Consumer-side hooks of the ops app (huey discovers this module in every consumer; the web
processes import it from OpsConfig.ready, for the request id handed to the tasks they enqueue)."""

from huey import signals
from huey.contrib.djhuey import HUEY

from ops import logs
from ops.heartbeat import heartbeat_thread_start


@HUEY.on_startup()
def consumer_heartbeat_start() -> None:
    heartbeat_thread_start()


HUEY.signal(signals.SIGNAL_ENQUEUED)(logs.task_enqueued)
HUEY.pre_execute()(logs.task_starting)
HUEY.signal(signals.SIGNAL_COMPLETE, signals.SIGNAL_ERROR, signals.SIGNAL_RETRYING)(logs.task_finished)
