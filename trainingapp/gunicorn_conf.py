"""gunicorn's settings for TrainingApp, used by the README's production command:

    gunicorn -c python:trainingapp.gunicorn_conf 'trainingapp:create_app()'

Each setting can be changed through the environment (``GUNICORN_BIND``, ``GUNICORN_WORKERS``,
``GUNICORN_TIMEOUT``); gunicorn's own ``GUNICORN_CMD_ARGS`` and command-line options win over this
file. ``kill -HUP <master pid>`` reloads the code and restarts the workers one by one without
dropping a request (a graceful restart, e.g. after an update and ``flask db upgrade``).
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Requests are short (long work runs as background jobs), so a few sync workers per core are
# enough; more would only queue on SQLite's one writer.
workers = int(os.environ.get("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8)))
# The largest request (a 10,000-row sign-in sheet PDF) takes a few seconds; imports and the ZIP
# of certificates run as jobs. A request still running after this is a bug: gunicorn kills it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
# On a restart a worker finishes its requests, and its sender thread the message or job in
# hand, within this time.
graceful_timeout = 30
keepalive = 5
# Workers are replaced after this many requests (with jitter, not all at once): memory held by
# one large export does not stay for good.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
# The access log keeps the first characters of secret links (/r/<token>, /n/<token>) and no
# searched names: trainingapp/access_log.py.
logger_class = "trainingapp.gunicorn_logging.AccessLogger"


def when_ready(server: Any) -> None:
    """Log ``flask check-config``'s warnings once, from the master, before workers start."""
    from trainingapp import create_app
    from trainingapp.check_config import app_report

    try:
        report = app_report(create_app(), workers=server.cfg.workers)
    except Exception as error:  # a broken setting stops the workers; say it once here
        server.log.warning("check-config: could not check the configuration: %s", error)
        return
    for warning in report.warnings:
        server.log.warning("check-config: %s", warning)


def worker_exit(server: Any, worker: Any) -> None:
    """Let the worker's sender thread end the job or message it is on before the process goes
    (a job cut short would wait for its lease to run out before another process takes it up)."""
    from trainingapp.mail import sender

    app = getattr(worker, "wsgi", None)
    if app is not None and hasattr(app, "extensions"):
        sender.stop(app, timeout=graceful_timeout)
