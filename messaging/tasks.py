"""Huey tasks: thin, idempotent, and passing ids or plain values only."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from accounts.services.credits import low_balance_notify
from core.counters import flag_raise
from core.locks import task_lock, transaction_lock
from messaging.callbacks.delivery import callback_run
from messaging.callbacks.workers import callback_pool
from messaging.gateways.simulator import SimulatorGateway
from messaging.models import Callback, SimulatedSubmission
from messaging.services.dispatch import dispatch_due, next_due_at, requeue_stale_claims
from messaging.services.engine import get_gateway, receivers_start
from messaging.services.inbound import inbound_parts_expire
from messaging.services.intake import dispatch_woken
from messaging.services.reports import EngineSink
from messaging.services.stats import daily_counts_squash

log = logging.getLogger(__name__)
MAX_CHUNKS_PER_RUN = 200
PERIODIC = timedelta(seconds=60)


@db_task()
def dispatch() -> int:
    """Send everything that is due, chunk by chunk. Safe to run many at once: claims never overlap.
    Receive-only connectors are bound here too (the periodic run starts them within a minute)."""
    dispatch_woken()  # first: a send committed from now on wakes another run
    receivers_start()
    gateway, sent = get_gateway(), 0
    for _ in range(MAX_CHUNKS_PER_RUN):
        claimed = dispatch_due(gateway=gateway, limit=settings.SMS_DISPATCH_CHUNK)
        sent += claimed
        if claimed < settings.SMS_DISPATCH_CHUNK:
            wake_for_next_due()
            return sent
    dispatch()  # more remains: continue in a fresh task so other work can interleave
    return sent


def wake_for_next_due() -> None:
    """Scheduled and throttled messages due within the next minute get a dispatch at their time,
    to the second; later ones are picked up by the periodic task (the database stays the truth)."""
    due = next_due_at()
    if due is None or due - timezone.now() > PERIODIC:
        return
    # One wake-up per second of due time, however many dispatch runs ask for it.
    if flag_raise(f"dispatch-wake:{int(due.timestamp())}", timeout=120):
        dispatch.schedule(eta=due)


@db_periodic_task(crontab(minute="*"))
@task_lock("dispatch-periodic")
def dispatch_periodic() -> None:
    """The database is the source of truth: every minute, send scheduled messages that fell due and
    put back claims a crashed worker left behind."""
    requeue_stale_claims()
    dispatch.call_local()


@db_periodic_task(crontab(minute="*"))
@task_lock("simulator-redeliver")
def simulator_redeliver() -> None:
    gateway = get_gateway()
    if isinstance(gateway, SimulatorGateway):
        gateway.redeliver_reports(older_than=timedelta(minutes=1))


@db_periodic_task(crontab(hour="3", minute="41"))
def simulator_forget() -> None:
    """The simulator's network keeps what it accepted for a day."""
    SimulatedSubmission.objects.filter(submitted_at__lt=timezone.now() - timedelta(days=1)).delete()


@db_task()
def simulator_deliver(reports, replies) -> None:
    sink = EngineSink()
    sink.reports(reports)
    sink.inbound(replies)


@db_task()
def callback_deliver(callback_id: int, team_id: int | None = None) -> None:
    """Hand the callback to the callback threads (messaging/callbacks/workers.py) and return at once:
    huey's threads dispatch messages and never wait on a customer's URL. Inline when huey is."""
    if HUEY.immediate:
        callback_run(team_id, callback_id)
        return
    if team_id is None:
        team_id = Callback.objects.filter(pk=callback_id).values_list("team_id", flat=True).first()
        if team_id is None:
            return
    callback_pool().submit(key=team_id, item=callback_id)


@db_periodic_task(crontab(minute="*"))
@task_lock("callbacks-due")
def callbacks_due() -> None:
    """Retries whose scheduled task was lost (a restarted consumer) are picked up from the database."""
    due = Callback.objects.filter(state=Callback.State.PENDING, next_attempt_at__lte=timezone.now())
    for pk, team_id in due.values_list("pk", "team_id")[:1000]:
        callback_deliver(pk, team_id)


@db_periodic_task(crontab(minute="17"))
@task_lock("squash-daily-counts")
def squash_daily_counts() -> None:
    with transaction.atomic():
        transaction_lock("squash-daily-counts")  # two runs at once would each re-add the same totals
        daily_counts_squash()


@db_periodic_task(crontab(minute="*/10"))
@task_lock("inbound-parts-expire")
def inbound_parts_expire_periodic() -> None:
    """A long reply whose other parts never came is stored with the gaps marked, not lost."""
    inbound_parts_expire(older_than=timedelta(hours=settings.SMS_INBOUND_PART_TIMEOUT_HOURS))


@db_task(retries=3, retry_delay=60)
def low_balance_email(user_id: int) -> None:
    """A balance went below its team's threshold: mail the team's owners and admins."""
    low_balance_notify(user_id=user_id)
