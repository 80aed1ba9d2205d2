"""The database outbox: mail is queued in the caller's transaction and delivered after it.

:func:`enqueue` inserts a row in ``db.session``'s transaction and commits nothing: the mail is
written, or not, with the change that caused it. :func:`deliver_due` is what every sender runs (the thread in a
web process, ``flask mail worker``, the ``sync`` mode of the tests): it claims a batch of due
rows, composes each (:mod:`.composers`), hands it to SMTP or writes it as an ``.eml`` file, and
records the outcome. Claims keep several senders, in several processes on several hosts, from
sending one message twice; a failed attempt is retried later with an exponential back-off.
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from email.message import Message
from pathlib import Path
from typing import Any
from typing import Literal

from flask import Flask
from flask import current_app
from flask import has_request_context
from flask import request
from flask_babel import force_locale
from sqlalchemy import ColumnElement
from sqlalchemy import insert
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update

from ..common.dbtx import execute_write
from ..common.time import utcnow
from ..extensions import db
from .composers import composer_for
from .models import OutboxMessage
from .models import OutboxStatus

log = logging.getLogger(__name__)

#: ``db.session.info`` key: the app whose sender to wake once the session's transaction commits
#: (see :mod:`.sender`); a rollback forgets it, with the rows.
WAKE_AFTER_COMMIT = "mail_outbox_wake"
#: a claim older than this belongs to a sender that died; another sender takes the row again
STALE_CLAIM = timedelta(minutes=10)
#: the longest wait between two attempts
MAX_BACKOFF = timedelta(hours=1)


_INSERT: Any = insert(OutboxMessage.__table__)  # type: ignore[arg-type]


def enqueue(kind: str, *, recipient: str, payload: Mapping[str, Any], locale: str) -> int:
    """Queue a message in the current transaction (nothing is committed here); its row id.

    ``kind`` is ``"<composer prefix>.<what>"``; ``payload`` is what the composer needs (ids);
    the site root is captured now so the sender can build absolute links without a request.
    The sender is woken right after the caller's commit; a rollback takes the row with it.
    One Core INSERT, no ORM object: it runs inside the registration's lock.
    """
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    now = utcnow()
    values = {
        "kind": kind,
        "recipient": recipient,
        "payload": dict(payload),
        "locale": locale,
        "base_url": _base_url(app),
        "status": OutboxStatus.QUEUED,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    row_id = execute_write(db.session, _INSERT, values).inserted_primary_key[0]
    db.session.info[WAKE_AFTER_COMMIT] = app
    return int(row_id)


def _base_url(app: Flask) -> str:
    configured = app.config.get("BASE_URL")
    if configured:
        return str(configured).rstrip("/") + "/"
    if has_request_context():
        # url_root keeps the script root of an app mounted under a path (host_url would drop it).
        return request.url_root
    return "http://localhost/"


@dataclass
class DeliveryResult:
    """What one run of a sender did: attempts that went out, failed, or had nothing to send."""

    sent: int = 0
    failed: int = 0
    dropped: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.failed + self.dropped

    def add(self, other: DeliveryResult) -> None:
        self.sent += other.sent
        self.failed += other.failed
        self.dropped += other.dropped


def sender_identity() -> str:
    """``host:pid`` of this process, kept in ``claimed_by``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def deliver_due(app: Flask, limit: int = 50) -> DeliveryResult:
    """Claim and send up to ``limit`` due messages, one by one. Never raises: errors are logged.

    Runs in an application context (and so a database session) of its own, which also makes it
    safe to call from an ``after_commit`` hook of another session (the ``sync`` mode).
    """
    result = DeliveryResult()
    try:
        with app.app_context():
            try:
                _deliver_due(app, limit, result)
            finally:
                db.session.rollback()
    except Exception:  # a sender must survive anything; the rows stay queued
        log.exception("mail delivery interrupted")
    return result


def deliver_all_due(app: Flask, limit: int = 50) -> DeliveryResult:
    """:func:`deliver_due` until nothing is due (a failed message waits for its back-off)."""
    total = DeliveryResult()
    while True:
        result = deliver_due(app, limit)
        total.add(result)
        if result.total < limit:
            return total


def make_due_now() -> int:
    """Queue every failed or queued message again, due now (``flask mail retry``); commits.
    Returns how many rows that concerns."""
    statement = (
        update(OutboxMessage)
        .where(OutboxMessage.status.in_([OutboxStatus.QUEUED, OutboxStatus.FAILED]))
        .values(status=OutboxStatus.QUEUED, next_attempt_at=utcnow())
    )
    count = db.session.connection().execute(statement).rowcount
    db.session.commit()
    return count


def _due(now: datetime) -> ColumnElement[bool]:
    return (
        (OutboxMessage.status == OutboxStatus.QUEUED)
        & (OutboxMessage.next_attempt_at <= now)
        & or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < now - STALE_CLAIM)
    )


#: rows one claim takes: small enough that a batch against a slow SMTP server (MAIL_TIMEOUT
#: each) is done long before its claims go stale
CLAIM_BATCH = 20


def _deliver_due(app: Flask, limit: int, result: DeliveryResult) -> None:
    me = sender_identity()
    while result.total < limit:
        claimed = _claim_batch(me, min(CLAIM_BATCH, limit - result.total))
        if not claimed:
            return
        sent: list[int] = []
        dropped: list[int] = []
        try:
            for row_id in claimed:
                outcome = _deliver_one(app, row_id)
                if outcome == "sent":
                    sent.append(row_id)
                elif outcome == "dropped":
                    dropped.append(row_id)
                else:
                    result.failed += 1
        finally:
            # One write for the batch's outcomes: on SQLite every write transaction takes the
            # database's lock from the requests. A crash before it leaves the rows claimed;
            # they go out again once the claim is stale (at least once, never lost).
            _finish(sent, status=OutboxStatus.SENT, sent_at=utcnow())
            _finish(dropped, status=OutboxStatus.DROPPED)
        result.sent += len(sent)
        result.dropped += len(dropped)
        if len(claimed) < CLAIM_BATCH:
            return


def _claim_batch(me: str, size: int) -> list[int]:
    """Claim up to ``size`` due rows for this sender, oldest first; their ids.

    The ids are read first, then claimed by one UPDATE that checks the due condition again, so
    of two senders racing for a row only one updates it. PostgreSQL locks the rows it read and
    other senders skip them (``SKIP LOCKED``); on SQLite the read ends before the UPDATE, which
    takes the write lock only when there is mail (an idle poll never does), and runs one writer
    at a time. (One ``UPDATE ... WHERE id IN (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED)`` is
    not enough on PostgreSQL: the planner may run the subquery more than once and claim more.)
    """
    now = utcnow()
    due = (
        select(OutboxMessage.id)
        .where(_due(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(size)
    )
    postgres = db.engine.dialect.name == "postgresql"
    if postgres:
        due = due.with_for_update(skip_locked=True)
    candidates = list(db.session.scalars(due))
    if not postgres or not candidates:
        db.session.rollback()
    if not candidates:
        return []
    statement = (
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(candidates), _due(now))
        .values(claimed_at=now, claimed_by=me)
        .returning(OutboxMessage.id)
    )
    claimed = sorted(db.session.connection().execute(statement).scalars())
    db.session.commit()
    return claimed


def _deliver_one(app: Flask, row_id: int) -> Literal["sent", "failed", "dropped"]:
    """Compose and send one claimed row; "failed" is recorded here, the caller records the
    others for the whole batch."""
    row = db.session.get(OutboxMessage, row_id)
    if row is None:  # deleted meanwhile
        db.session.rollback()
        return "dropped"
    attempts, recipient, kind = row.attempts, row.recipient, row.kind
    try:
        message = _compose(app, row)
    except Exception as exc:
        log.warning("could not compose mail %s (%s)", row_id, kind, exc_info=True)
        db.session.rollback()
        _record_failure(app, row_id, attempts, exc)
        return "failed"
    # End the read before talking to the mail server: no transaction is held while waiting, and
    # on SQLite the write that records the outcome starts a fresh transaction.
    db.session.rollback()
    if message is None:
        log.info("mail %s (%s) dropped: nothing to send any more", row_id, kind)
        return "dropped"
    try:
        _transport(app, message, recipient)
    except Exception as exc:
        log.warning("mail %s (%s) not sent", row_id, kind, exc_info=True)
        _record_failure(app, row_id, attempts, exc)
        return "failed"
    return "sent"


def _compose(app: Flask, row: OutboxMessage) -> Message | None:
    fn = composer_for(row.kind)
    # A request on the site root the mail was queued from: url_for(..., _external=True) works,
    # and so do translations in the participant's language.
    with app.test_request_context(base_url=row.base_url), force_locale(row.locale):
        message = fn(row)
    if message is None:
        return None
    if not message["From"]:
        message["From"] = app.config.get("MAIL_DEFAULT_SENDER") or "trainingapp@localhost"
    if not message["To"]:
        message["To"] = row.recipient
    return message


def _finish(row_ids: list[int], **values: Any) -> None:
    """Record the outcome of attempts that went through (sent, or nothing left to send)."""
    if not row_ids:
        return
    statement = (
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(row_ids))
        .values(claimed_at=None, last_error=None, attempts=OutboxMessage.attempts + 1, **values)
    )
    db.session.connection().execute(statement)
    db.session.commit()


def backoff(app: Flask, attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failure: 30 s, 1 min, 2 min, ... at most an hour."""
    base = float(app.config.get("MAIL_BACKOFF_SECONDS", 30))
    return min(timedelta(seconds=base * 2 ** min(attempts - 1, 30)), MAX_BACKOFF)


def _record_failure(app: Flask, row_id: int, attempts_before: int, exc: BaseException) -> None:
    attempts = attempts_before + 1
    max_attempts = int(app.config.get("MAIL_MAX_ATTEMPTS", 20))
    values: dict[str, Any] = {
        "attempts": attempts,
        "claimed_at": None,
        "last_error": f"{type(exc).__name__}: {exc}"[:2000],
    }
    if attempts >= max_attempts:
        values["status"] = OutboxStatus.FAILED
        log.error("mail %s failed %s times; giving up (flask mail retry)", row_id, attempts)
    else:
        values["next_attempt_at"] = utcnow() + backoff(app, attempts)
    statement = update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values)
    db.session.connection().execute(statement)
    db.session.commit()


def _transport(app: Flask, message: Message, recipient: str) -> None:
    """SMTP when ``MAIL_SERVER`` is set, otherwise an ``.eml`` file in the outbox folder."""
    if app.config.get("MAIL_SERVER"):
        _smtp_send(app.config, message, recipient)
    else:
        _write(outbox_dir(app), message)


def outbox_dir(app: Flask | None = None) -> Path:
    """Where ``.eml`` files go without ``MAIL_SERVER`` (``MAIL_OUTBOX``, else ``instance/outbox``)."""
    app = app or current_app
    configured = app.config.get("MAIL_OUTBOX")
    return Path(configured) if configured else Path(app.instance_path) / "outbox"


def _file_name() -> str:
    return f"{utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:12]}.eml"


def _write(folder: Path, message: Message) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / _file_name()
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(message.as_bytes())
    os.replace(tmp, path)  # readers never see half a file
    return path


def _smtp_send(config: Mapping[str, Any], message: Message, recipient: str) -> None:
    timeout = float(config.get("MAIL_TIMEOUT") or 10)
    with smtplib.SMTP(
        config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25), timeout=timeout
    ) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message, to_addrs=[recipient])
