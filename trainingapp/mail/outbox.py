"""Delivery of composed messages: SMTP or .eml files, with a spool for mail not yet sent."""

from __future__ import annotations

import logging
import os
import smtplib
import threading
import time
import uuid
from dataclasses import dataclass
from email import policy
from email.message import Message
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from flask import Flask
from flask import current_app

from ..common.time import utcnow

log = logging.getLogger(__name__)

UNSENT = "unsent"
#: a message being sent is renamed to this suffix, so two senders never send it twice
CLAIMED = ".sending"
#: a claimed message older than this (seconds) belongs to a sender that died; retry takes it
STALE_CLAIM = 600


def outbox_dir(app: Flask | None = None) -> Path:
    app = app or current_app
    configured = app.config.get("MAIL_OUTBOX")
    return Path(configured) if configured else Path(app.instance_path) / "outbox"


def unsent_dir(app: Flask | None = None) -> Path:
    return outbox_dir(app) / UNSENT


def _file_name() -> str:
    return f"{utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:12]}.eml"


def _write(folder: Path, message: Message) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / _file_name()
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(message.as_bytes())
    os.replace(tmp, path)  # readers never see half a file
    return path


def _smtp_send(config: Any, message: Message) -> None:
    timeout = float(config.get("MAIL_TIMEOUT", 10))
    with smtplib.SMTP(
        config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25), timeout=timeout
    ) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)


def send_spooled(config: Any, path: Path) -> bool:
    """Send one spooled message; True when the server took it (the file is then removed).

    On failure the message goes back to the spool and the error is logged, never raised.
    """
    claimed = path.with_suffix(CLAIMED) if path.suffix != CLAIMED else path
    if claimed != path:
        try:
            os.replace(path, claimed)
        except FileNotFoundError:
            return False  # another sender has it
    try:
        message = BytesParser(policy=policy.default).parsebytes(claimed.read_bytes())
        _smtp_send(config, message)
    except Exception:  # a mail server that is down must never break the caller
        log.warning("mail not sent, kept in %s", claimed.parent, exc_info=True)
        os.replace(claimed, claimed.with_suffix(".eml"))
        return False
    claimed.unlink(missing_ok=True)
    return True


def deliver(message: Message) -> Path | None:
    """Send ``message`` now or keep it; never raises. Returns the file written, if any.

    Without ``MAIL_SERVER`` the message is written to the outbox folder (development, tests).
    With it, the message is spooled to ``unsent/`` and sent from a background thread (or inline
    when ``MAIL_ASYNC`` is false), so a slow server never holds up the page.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    config = app.config
    if not message["From"]:
        message["From"] = config.get("MAIL_DEFAULT_SENDER") or "trainingapp@localhost"
    try:
        if not config.get("MAIL_SERVER"):
            return _write(outbox_dir(app), message)
        path = _write(unsent_dir(app), message)
    except OSError:
        log.exception("could not write mail to the outbox")
        return None
    if config.get("MAIL_ASYNC", True):
        threading.Thread(
            target=send_spooled, args=(dict(config), path), name="mail", daemon=True
        ).start()
    else:
        send_spooled(config, path)
    return path


@dataclass
class RetryResult:
    sent: int = 0
    failed: int = 0


def retry_unsent(app: Flask | None = None) -> RetryResult:
    """Try again every spooled message (and claims left behind by a sender that died)."""
    app = app or current_app
    folder = unsent_dir(app)
    result = RetryResult()
    if not folder.is_dir():
        return result
    now = time.time()
    paths = sorted(folder.glob("*.eml"))
    paths += [
        p for p in sorted(folder.glob(f"*{CLAIMED}")) if now - p.stat().st_mtime > STALE_CLAIM
    ]
    for path in paths:
        if send_spooled(app.config, path):
            result.sent += 1
        else:
            result.failed += 1
    return result
