"""Huey tasks of contacts: thin, passing ids only."""

from huey.contrib.djhuey import db_task

from contacts.csv_import import contact_import_run

RETRIES = 2


@db_task(retries=RETRIES, retry_delay=30, context=True)
def contact_import_task(import_id: int, task=None) -> None:
    """Run a queued CSV import. Idempotent: only a `queued` import is claimed, and a retry resumes
    after the last committed chunk."""
    contact_import_run(import_id=import_id, last_attempt=task is None or not task.retries)
