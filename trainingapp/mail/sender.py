"""Who runs :func:`.outbox.deliver_due`, chosen by ``MAIL_SENDER``.

- ``"thread"`` (default): a daemon thread in each web process, started on the process's first
  request or first queued mail, woken right after a commit that queued mail and otherwise every
  ``MAIL_POLL_SECONDS`` (which also picks up what another process queued, or a restarted one
  left). Forked workers (gunicorn) each start their own: the thread is per process id.
- ``"worker"``: web processes only queue; ``flask mail worker`` processes send, on any host.
Both also run the registered periodic tasks (``periodic.py``), such as releasing the seats
held for invited units once their nomination deadline has passed.
- ``"sync"``: delivered inside the ``after_commit`` hook, in the committing thread. For tests:
  a mail is on disk when the request that queued it returns.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.orm import SessionTransaction

from .outbox import WAKE_AFTER_COMMIT
from .outbox import DeliveryResult
from .outbox import deliver_due
from .periodic import run_due

log = logging.getLogger(__name__)

MODES = ("thread", "worker", "sync")
_EXTENSION = "trainingapp.mail.sender"
#: how many due messages one run takes before looking again (a full batch loops at once)
BATCH = 50
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

    def _run(self) -> None:
        while not self._stop.is_set():
            app = self._app()
            if app is None:
                return
            poll = float(app.config.get("MAIL_POLL_SECONDS") or 5)
            gather = float(app.config.get("MAIL_GATHER_SECONDS") or 0)
            self._wake.clear()
            result = deliver_due(app, BATCH)
            run_due(app)
            del app
            if result.total >= BATCH:
                continue  # more may be due
            if self._wake.wait(poll) and gather:
                # Woken by a commit: let the mail of a burst of registrations gather, so one
                # claim and one update serve many messages instead of two writes each.
                self._stop.wait(gather)


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
        # "worker": the workers poll the table.
    except Exception:
        log.exception("could not wake the mail sender")


def stop(app: Flask, timeout: float | None = 10) -> None:
    sender: Sender | None = app.extensions.get(_EXTENSION)
    if sender is not None and sender.pid == os.getpid():
        sender.stop(timeout)


def init_app(app: Flask) -> None:
    """Check ``MAIL_SENDER`` and start the sender thread with the process's first request."""
    if mode(app) not in MODES:
        raise ValueError(f"MAIL_SENDER must be one of {', '.join(MODES)}, not {mode(app)!r}")

    @app.before_request
    def _start_mail_sender() -> None:
        # Cheap after the first request of a process: the sender exists and its thread runs.
        if mode(app) == "thread":
            sender = sender_for(app)
            if not sender.running:
                sender.start()


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
        total.add(result)
        if result.total >= BATCH:
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
