"""Huey tasks of the 2FA service: thin, idempotent."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from core.locks import task_lock
from otp.services import pin_purge

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
@task_lock("otp-purge")
def purge_pins() -> None:
    """Every minute: hashes of verified, failed and expired PINs are emptied; log rows past the
    retention (OTP_LOG_RETENTION_DAYS) are deleted."""
    result = pin_purge()
    if result.wiped or result.deleted:
        log.info("2FA purge: %d hashes emptied, %d log rows deleted", result.wiped, result.deleted)
