"""Who runs :func:`.outbox.deliver_due`, chosen by ``MAIL_SENDER``.

- ``"thread"`` (default): a daemon thread in each web process, started on the process's first
  request or first queued mail, woken right after a commit that queued mail and otherwise every
  ``MAIL_POLL_SECONDS`` (which also picks up what another process queued, or a restarted one
  left). Forked workers (gunicorn) each start their own: the thread is per process id.
  It gives way to the requests of its process: composing a message costs as much as a
  registration, and on the same cores (and, in Python, the same interpreter lock) it would slow
  the requests of a burst and hold their SQLite writes up. So it sends once the process has
  served no request for ``MAIL_GATHER_SECONDS`` (the mail of a burst then goes out as one batch
  after it), and at the latest ``MAIL_MAX_DELAY_SECONDS`` after it was woken, busy or not.
- ``"worker"``: web processes only queue; ``flask mail worker`` processes send, on any host.
Both also run the registered periodic tasks (``periodic.py``), such as releasing the seats
held for invited units once their nomination deadline has passed, and the registered background
work: the jobs of ``jobs.runner`` (a large import, a ZIP of certificates), one per pass.
- ``"sync"``: delivered inside the ``after_commit`` hook, in the committing thread. For tests:
  a mail is on disk when the request that queued it returns.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.orm import SessionTransaction

from .outbox import WAKE_AFTER_COMMIT
from .outbox import DeliveryResult
from .outbox import deliver_due
from .periodic import run_due
from .periodic import run_work

log = logging.getLogger(__name__)

MODES = ("thread", "worker", "sync")
_EXTENSION = "trainingapp.mail.sender"
#: how many due messages one run takes before looking again (a full batch loops at once)
BATCH = 50
#: the same for the sender thread, which looks again whether requests came in between two runs
THREAD_BATCH = 20
#: the longest a woken sender thread gives way to requests (``MAIL_MAX_DELAY_SECONDS``)
MAX_DELAY = 30.0
_registry_lock = threading.Lock()


def mode(app: Flask) -> str:
    return str(app.config.get("MAIL_SENDER") or "thread")


class Sender:
    """The sender thread of one app in one process."""

    def __init__(self, app: Flask) -> None:
        # A weak reference: the thread must not keep an app alive (tests build many).
        self._app = weakref.ref(app)
        self.pid = os.getpid()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        # Requests of this process being served, and when the last one ended (monotonic).
        # A new sender counts as just after a request: the thread, started by a process's
        # first request, must not take the process for one that has long been quiet.
        self._requests = 0
        self._last_request_end = time.monotonic()
        self._requests_lock = threading.Lock()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        with self._lock:
            if self.running or self._stop.is_set():
                return
            self._thread = threading.Thread(target=self._run, name="mail-sender", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        self.start()
        self._wake.set()

    def stop(self, timeout: float | None = 10) -> None:
        """Ask the thread to end after its current message and wait for it (tests, shutdown)."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def request_started(self) -> None:
        with self._requests_lock:
            self._requests += 1

    def request_ended(self) -> None:
        with self._requests_lock:
            self._requests -= 1
            self._last_request_end = time.monotonic()

    def idle_for(self) -> float:
        """Seconds since this process last served a request (0 while it serves one)."""
        with self._requests_lock:
            if self._requests > 0:
                return 0.0
            return time.monotonic() - self._last_request_end

    def _give_way(self, quiet: float, deadline: float) -> None:
        """Wait until the process has served no request for ``quiet`` seconds, or until
        ``deadline`` (monotonic), or until stopped. A commit's wake-up does not cut it short."""
        while not self._stop.is_set():
            left = deadline - time.monotonic()
            idle = self.idle_for()
            if idle >= quiet or left <= 0:
                return
            self._stop.wait(min(quiet - idle, left))

    def _run(self) -> None:
        since: float | None = None  # when the mail now waiting started to wait
        while not self._stop.is_set():
            app = self._app()
            if app is None:
                return
            poll = float(app.config.get("MAIL_POLL_SECONDS") or 5)
            quiet = float(app.config.get("MAIL_GATHER_SECONDS") or 0)
            longest = float(app.config.get("MAIL_MAX_DELAY_SECONDS") or MAX_DELAY)
            del app  # not kept alive while waiting
            if since is None:
                since = time.monotonic()
            # The mail of a burst gathers meanwhile: one claim and one update then serve many
            # messages, instead of two writes each taking the database's lock from requests.
            self._give_way(quiet, since + longest)
            app = self._app()
            if app is None or self._stop.is_set():
                return
            self._wake.clear()
            result = deliver_due(app, THREAD_BATCH)
            run_due(app)
            worked = run_work(app)
            del app
            if result.total >= THREAD_BATCH or worked:
                continue  # more may be due; overdue mail (past ``since + longest``) goes at once
            since = None
            self._wake.wait(poll)


def sender_for(app: Flask) -> Sender:
    """This process's sender of ``app`` (a new one after a fork: threads do not survive it)."""
    sender: Sender | None = app.extensions.get(_EXTENSION)
    if sender is None or sender.pid != os.getpid():
        with _registry_lock:
            sender = app.extensions.get(_EXTENSION)
            if sender is None or sender.pid != os.getpid():
                sender = Sender(app)
                app.extensions[_EXTENSION] = sender
    return sender


def wake(app: Flask) -> None:
    """Mail was just committed: have it sent as ``MAIL_SENDER`` says. Never raises."""
    try:
        chosen = mode(app)
        if chosen == "thread":
            sender_for(app).wake()
        elif chosen == "sync":
            deliver_due(app, BATCH)
            while run_work(app):  # each pass ends one job, done or failed
                pass
        # "worker": the workers poll the table.
    except Exception:
        log.exception("could not wake the mail sender")


def stop(app: Flask, timeout: float | None = 10) -> None:
    sender: Sender | None = app.extensions.get(_EXTENSION)
    if sender is not None and sender.pid == os.getpid():
        sender.stop(timeout)


class _TellSender:
    """WSGI middleware: starts the sender thread with the process's first request and tells it
    when requests start and end, so that it gives way to them (see the module docstring)."""

    def __init__(self, app: Flask, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if mode(self.app) != "thread":
            return self.wsgi_app(environ, start_response)
        # Cheap after the first request of a process: the sender exists and its thread runs.
        sender = sender_for(self.app)
        sender.request_started()  # before the thread starts, which would otherwise not wait
        try:
            sender.start()
            return self.wsgi_app(environ, start_response)
        finally:
            sender.request_ended()


def init_app(app: Flask) -> None:
    """Check ``MAIL_SENDER``; the sender thread starts with the process's first request."""
    if mode(app) not in MODES:
        raise ValueError(f"MAIL_SENDER must be one of {', '.join(MODES)}, not {mode(app)!r}")
    app.wsgi_app = _TellSender(app, app.wsgi_app)  # type: ignore[method-assign]


def run_worker(
    app: Flask, *, poll: float, once: bool = False, stop_event: threading.Event | None = None
) -> DeliveryResult:
    """``flask mail worker``: deliver until ``stop_event`` is set (or, ``once``, until nothing
    is due). Returns what it did."""
    stop_event = stop_event or threading.Event()
    total = DeliveryResult()
    while not stop_event.is_set():
        result = deliver_due(app, BATCH)
        run_due(app)
        worked = run_work(app)
        total.add(result)
        if result.total >= BATCH or worked:
            continue
        if once or stop_event.wait(poll):
            break
    return total


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the mail is not committed until the outer transaction is
    app = session.info.pop(WAKE_AFTER_COMMIT, None)
    if app is not None:
        wake(app)


@event.listens_for(Session, "after_transaction_end")
def _forget_on_rollback(session: Session, transaction: SessionTransaction) -> None:
    # After a commit the hook above has taken the flag; anything left is a rollback's.
    if transaction.parent is None:
        session.info.pop(WAKE_AFTER_COMMIT, None)
