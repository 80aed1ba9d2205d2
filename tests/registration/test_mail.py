"""Mail from the public form: queued with the registration, so a mail server that is down never
breaks registration and loses nothing; ``flask mail retry`` sends it once the server is back."""

from __future__ import annotations

import smtplib

from sqlalchemy import select

from trainingapp.extensions import db
from trainingapp.mail import outbox as outbox_module
from trainingapp.mail.models import OutboxMessage
from trainingapp.mail.models import OutboxStatus
from trainingapp.registration.models import Registration

from .conftest import form_data
from .conftest import read_mail


def _down(*_args, **_kwargs):
    raise smtplib.SMTPConnectError(421, "down")


def _queued(app) -> list[OutboxMessage]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage)))


def test_smtp_down_keeps_mail_and_retry_sends_it(
    app, client, make_event, outbox, monkeypatch, runner
):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_TIMEOUT=2)
    monkeypatch.setattr(outbox_module.smtplib, "SMTP", _down)
    make_event()
    response = client.post("/events/lop-1/register", data=form_data())
    assert response.status_code == 303  # registered although no server answered
    with app.app_context():
        assert db.session.query(Registration).count() == 1
    (row,) = _queued(app)
    assert row.status == OutboxStatus.QUEUED
    assert row.attempts == 1
    assert "SMTPConnectError" in row.last_error
    assert row.recipient == "an@example.vn"

    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            assert (host, port) == ("127.0.0.1", 1)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def send_message(self, message, to_addrs):
            sent.append((message, to_addrs))

    monkeypatch.setattr(outbox_module.smtplib, "SMTP", FakeSMTP)
    result = runner.invoke(args=["mail", "retry"])
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output
    assert len(sent) == 1
    message, to_addrs = sent[0]
    assert message["To"] == "an@example.vn"
    assert to_addrs == ["an@example.vn"]
    (row,) = _queued(app)
    assert row.status == OutboxStatus.SENT
    assert read_mail(outbox) == []  # with a server, nothing goes to files


def test_retry_reports_failures(app, make_event, client, monkeypatch, runner):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_TIMEOUT=2)
    monkeypatch.setattr(outbox_module.smtplib, "SMTP", _down)
    make_event()
    client.post("/events/lop-1/register", data=form_data())
    result = runner.invoke(args=["mail", "retry"])
    assert result.exit_code == 1
    assert "failed 1" in result.output
    (row,) = _queued(app)
    assert row.status == OutboxStatus.QUEUED
    assert row.attempts == 2


def test_no_email_no_mail(app, make_event, client, outbox):
    make_event()
    client.post("/events/lop-1/register", data=form_data(email=""))
    assert read_mail(outbox) == []
    assert _queued(app) == []
