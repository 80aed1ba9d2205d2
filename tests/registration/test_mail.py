"""Mail: written to the outbox without a server; a server that is down never breaks registration."""

from __future__ import annotations

import smtplib

from trainingapp.extensions import db
from trainingapp.mail import outbox as outbox_module
from trainingapp.registration.models import Registration

from .conftest import form_data
from .conftest import read_mail


def test_smtp_down_keeps_mail_and_retry_sends_it(
    app, client, make_event, outbox, monkeypatch, runner
):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_ASYNC=False, MAIL_TIMEOUT=2)
    make_event()
    response = client.post("/events/lop-1/register", data=form_data())
    assert response.status_code == 303  # registered although no server answered
    with app.app_context():
        assert db.session.query(Registration).count() == 1
    unsent = list((outbox / "unsent").glob("*.eml"))
    assert len(unsent) == 1

    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            assert (host, port) == ("127.0.0.1", 1)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def send_message(self, message):
            sent.append(message)

    monkeypatch.setattr(outbox_module.smtplib, "SMTP", FakeSMTP)
    result = runner.invoke(args=["mail", "retry"])
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output
    assert len(sent) == 1
    assert sent[0]["To"] == "an@example.vn"
    assert list((outbox / "unsent").glob("*")) == []


def test_retry_reports_failures(app, make_event, client, outbox, runner):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_ASYNC=False, MAIL_TIMEOUT=2)
    make_event()
    client.post("/events/lop-1/register", data=form_data())
    result = runner.invoke(args=["mail", "retry"])
    assert result.exit_code == 1
    assert "still unsent 1" in result.output
    assert len(list((outbox / "unsent").glob("*.eml"))) == 1


def test_retry_without_server_explains(runner):
    result = runner.invoke(args=["mail", "retry"])
    assert result.exit_code != 0
    assert "MAIL_SERVER" in result.output


def test_async_send_does_not_block(app, make_event, client, outbox, monkeypatch):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_ASYNC=True)

    def broken(*_args, **_kwargs):
        raise smtplib.SMTPConnectError(421, "down")

    monkeypatch.setattr(outbox_module.smtplib, "SMTP", broken)
    make_event()
    assert client.post("/events/lop-1/register", data=form_data()).status_code == 303


def test_no_email_no_mail(app, make_event, client, outbox):
    make_event()
    client.post("/events/lop-1/register", data=form_data(email=""))
    assert read_mail(outbox) == []
