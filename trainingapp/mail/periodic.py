"""Small periodic tasks run by whatever sends mail (the sender thread of each web process, or
``flask mail worker``), at most once a :data:`PERIOD` per process. Mail knows no domain: packages
register their tasks here, as they register composers. A task must be idempotent and safe to
run in several processes at once (it takes its own locks and commits its own work)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from flask import Flask

log = logging.getLogger(__name__)

PERIOD = 60.0
Task = Callable[[], object]

_tasks: dict[str, Task] = {}
_last_run = {"at": float("-inf")}
_lock = threading.Lock()


def periodic(name: str) -> Callable[[Task], Task]:
    """Register the decorated function to run every :data:`PERIOD` seconds, in an app context."""

    def decorate(fn: Task) -> Task:
        _tasks[name] = fn
        return fn

    return decorate


def run_due(app: Flask, *, force: bool = False) -> None:
    """Run every task if the period has passed (``force``: now). Never raises."""
    now = time.monotonic()
    with _lock:
        if not force and now - _last_run["at"] < PERIOD:
            return
        _last_run["at"] = now
    for name, task in list(_tasks.items()):
        try:
            with app.app_context():
                task()
        except Exception:
            log.exception("periodic task %s failed", name)


# --- background work ----------------------------------------------------------------------------

#: ``work(app) -> bool``: do one piece of due work (True), or find none (False); never raises
Work = Callable[[Flask], bool]

_work: dict[str, Work] = {}


def background_work(name: str) -> Callable[[Work], Work]:
    """Register work that the mail's senders also run on every pass, not once a period: the
    background jobs (``jobs.runner``). It takes its own application context and commits."""

    def decorate(fn: Work) -> Work:
        _work[name] = fn
        return fn

    return decorate


def run_work(app: Flask) -> bool:
    """One piece of each registered work; True when any did something (more may be due)."""
    worked = False
    for name, work in list(_work.items()):
        try:
            worked = work(app) or worked
        except Exception:
            log.exception("background work %s failed", name)
    return worked
