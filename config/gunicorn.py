"""gunicorn settings for production: `gunicorn -c config/gunicorn.py config.wsgi`.

The access log writes the path without the query, and every atom passes through the same masking
as Django's logs (core/logsecrets.py): the URL-sending token in the path, credential parameters
in a `%(r)s`/`%(q)s` someone adds to the format, and credential headers in `%({...}i)s`."""

import os

from gunicorn.glogging import Logger

from core.logsecrets import SECRET_HEADERS, mask_secrets


class MaskingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name, value in atoms.items():
            if name.endswith("}i") and name[1:-2] in SECRET_HEADERS:
                atoms[name] = "***"
            elif isinstance(value, str):
                atoms[name] = mask_secrets(value)
        return atoms


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))  # what group commit gathers (messaging/services/intake.py)
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)s'
logger_class = MaskingLogger


def child_exit(server, worker):
    """Prometheus' multiprocess mode (core/metrics.py): a dead worker's live gauges stop counting."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
