"""Structured logs: one line per request (django-structlog's RequestMiddleware, `request_finished`)
and per huey task (`task_finished`, below), as JSON in production and readable text locally
(DJANGO_LOG_FORMAT). A request id bound per request is on every line written while it runs, from
any logger, and travels with the tasks it enqueues (a hidden task argument, read back before the
task runs), so the dispatch and callback tasks a send causes carry the id of the request that sent it.

Every line passes through the secret masking (core/logsecrets.py): the MaskSecretsFilter on every
handler, and `mask_event` on every string value of a structured event."""

import logging
import time
import uuid
from typing import Any

import structlog

from core.logsecrets import mask_secrets

REQUEST_ID_KWARG = "_request_id"


def mask_event(logger: Any, method_name: str, event_dict: dict) -> dict:
    """A structlog processor: the masking of core/logsecrets.py on every string value."""
    for key, value in event_dict.items():
        if isinstance(value, str):
            event_dict[key] = mask_secrets(value)
    return event_dict


SHARED = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.processors.StackInfoRenderer(),
    structlog.processors.format_exc_info,
    mask_event,
]


def formatter(*, json: bool) -> structlog.stdlib.ProcessorFormatter:
    """The handlers' formatter (settings.LOGGING): structlog events and plain `logging` records alike."""
    renderer = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=SHARED,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )


def json_formatter() -> structlog.stdlib.ProcessorFormatter:
    return formatter(json=True)


def console_formatter() -> structlog.stdlib.ProcessorFormatter:
    return formatter(json=False)


def configure() -> None:
    """structlog hands its events to the standard `logging` handlers (and so to their filters)."""
    structlog.configure(
        processors=[structlog.stdlib.filter_by_level, *SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


# --- huey: the request id into the task, one line per task -------------------------------------------
task_log = structlog.get_logger("ops.tasks")


def task_enqueued(signal: str, task: Any, *args: Any) -> None:
    """In the enqueuing process: the bound request id rides along as a hidden keyword argument."""
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    if request_id and task.kwargs is not None:
        task.kwargs.setdefault(REQUEST_ID_KWARG, request_id)


def task_starting(task: Any) -> None:
    """huey pre-execute hook: take the hidden argument off and bind the ids for this run."""
    kwargs = task.kwargs or {}
    request_id = kwargs.pop(REQUEST_ID_KWARG, None) or str(uuid.uuid4())
    task._log_tokens = structlog.contextvars.bind_contextvars(request_id=request_id, task_id=task.id)
    task._log_started = time.perf_counter()


FINISHED = {"complete": logging.INFO, "error": logging.ERROR, "retrying": logging.WARNING}


def task_finished(signal: str, task: Any, exc: BaseException | None = None) -> None:
    """One line per task run, then the context as it was (a task run inline keeps its request's)."""
    started = getattr(task, "_log_started", None)
    task_log.log(
        FINISHED.get(signal, logging.INFO),
        "task_finished",
        task=task.name,
        outcome=signal,
        duration_ms=round((time.perf_counter() - started) * 1000, 1) if started else None,
        error=type(exc).__name__ if exc else None,
    )
    tokens = getattr(task, "_log_tokens", None)
    if tokens:
        structlog.contextvars.reset_contextvars(**tokens)
        task._log_tokens = None
