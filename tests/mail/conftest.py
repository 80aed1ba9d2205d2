"""Fixtures for the outbox tests: mail delivered inside the commit unless a test says otherwise."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.message import Message
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.factories import make_event
from tests.factories import make_registration
from trainingapp.extensions import db
from trainingapp.mail import sender
from trainingapp.mail.composers import composer
from trainingapp.mail.models import OutboxMessage


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "MAIL_SENDER": "sync"}


@pytest.fixture
def outbox(app: Flask) -> Path:
    return Path(app.config["MAIL_OUTBOX"])


def read_mail(outbox: Path) -> list[EmailMessage]:
    messages = []
    for path in sorted(outbox.glob("*.eml")):
        parsed = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        assert isinstance(parsed, EmailMessage)
        messages.append(parsed)
    return messages


@pytest.fixture
def stop_senders() -> Iterator[list[Flask]]:
    """Apps whose sender threads must end with the test (before their engines are disposed)."""
    apps: list[Flask] = []
    yield apps
    for app in apps:
        sender.stop(app)


@pytest.fixture
def registration_id(app: Flask) -> Callable[..., int]:
    """Commit a confirmed registration with an e-mail on a new course; returns its id."""

    def _make(**overrides: Any) -> int:
        with app.app_context():
            event = make_event(db.session, title="Lớp tập huấn thông tin đối ngoại")
            overrides.setdefault("email", "an@example.vn")
            registration = make_registration(db.session, event, **overrides)
            db.session.commit()
            return registration.id

    return _make


@composer("test")
def compose_test(message: OutboxMessage) -> Message | None:
    """The kinds ``test.*`` of these tests: ``test.drop`` has nothing to send, ``test.boom``
    cannot be composed; anything else is a one-line message naming its row."""
    if message.kind == "test.drop":
        return None
    if message.kind == "test.boom":
        raise RuntimeError("composer exploded")
    mail = EmailMessage()
    mail["Subject"] = f"test {message.id}"
    mail["X-Outbox-Id"] = str(message.id)
    mail.set_content(str(message.payload))
    return mail
