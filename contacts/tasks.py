"""Huey tasks of contacts: thin, passing ids only."""

from datetime import timedelta

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from contacts.csv_import import contact_import_run
from contacts.keywords import keyword_answer as keyword_answer_send
from contacts.models import ContactImport, ImportStatus
from core.locks import task_lock
from messaging.models import Message

RETRIES = 2
STUCK_AFTER = timedelta(minutes=30)  # 100,000 rows take seconds: a run this old lost its worker
PREVIEW_KEPT = timedelta(days=1)
QUEUED_RESEND = timedelta(minutes=5)  # a queued import's task should have started by then


@db_task(retries=RETRIES, retry_delay=30, context=True)
def contact_import_task(import_id: int, task=None) -> None:
    """Run a queued CSV import. Idempotent: only a `queued` import is claimed, and a retry resumes
    after the last committed chunk."""
    contact_import_run(import_id=import_id, last_attempt=task is None or not task.retries)


@db_periodic_task(crontab(minute="*/5"))
@task_lock("contact-imports-tidy")
def contact_imports_tidy() -> None:
    """Imports whose worker died go back to the queue (they resume after the last committed chunk);
    imports queued whose task never reached the queue (Redis was down when they started) get one;
    uploads previewed but never started are forgotten after a day."""
    now = timezone.now()
    waiting = ContactImport.objects.filter(status=ImportStatus.QUEUED, created_at__lt=now - QUEUED_RESEND)
    for pk in list(waiting.values_list("pk", flat=True)):
        contact_import_task(pk)  # a second task for an import already queued does nothing: the claim is guarded
    stuck = ContactImport.objects.filter(status=ImportStatus.RUNNING, started_at__lt=now - STUCK_AFTER)
    for pk in list(stuck.values_list("pk", flat=True)):
        if ContactImport.objects.filter(pk=pk, status=ImportStatus.RUNNING).update(status=ImportStatus.QUEUED):
            contact_import_task(pk)
    ContactImport.objects.filter(status=ImportStatus.UPLOADED, created_at__lt=now - PREVIEW_KEPT).delete()


@db_task()
def keyword_answer(message_id: int) -> None:
    """Answer a stored inbound message that begins with one of its team's keywords."""
    inbound = Message.objects.select_related("team").filter(pk=message_id).first()
    if inbound is not None:
        keyword_answer_send(inbound=inbound)
