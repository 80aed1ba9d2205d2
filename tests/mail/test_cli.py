"""``flask mail worker --once`` and ``flask mail retry``."""

from __future__ import annotations

from sqlalchemy import select

from trainingapp.extensions import db
from trainingapp.mail.models import OutboxMessage
from trainingapp.mail.models import OutboxStatus
from trainingapp.mail.outbox import enqueue

from .conftest import read_mail
from .smtp import SMTPServer
from .smtp import closed_port


def statuses(app) -> list[OutboxStatus]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))


def test_worker_once_delivers_what_is_due(app, outbox, runner):
    app.config["MAIL_SENDER"] = "worker"
    with app.app_context():
        for number in range(3):
            enqueue("test.hello", recipient=f"p{number}@example.vn", payload={}, locale="vi")
        enqueue("test.drop", recipient="gone@example.vn", payload={}, locale="vi")
        db.session.commit()
    result = runner.invoke(args=["mail", "worker", "--once", "--poll", "1"])
    assert result.exit_code == 0, result.output
    assert "sent 3, failed 0, dropped 1" in result.output
    assert len(read_mail(outbox)) == 3
    result = runner.invoke(args=["mail", "worker", "--once"])
    assert "sent 0, failed 0, dropped 0" in result.output


def test_retry_sends_failed_and_waiting_mail_now(app, runner):
    app.config.update(
        MAIL_SENDER="worker", MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port(), MAIL_MAX_ATTEMPTS=1
    )
    with app.app_context():
        enqueue("test.hello", recipient="a@example.vn", payload={}, locale="vi")
        db.session.commit()
    result = runner.invoke(args=["mail", "retry"])
    assert result.exit_code == 1
    assert "sent 0, failed 1" in result.output
    assert statuses(app) == [OutboxStatus.FAILED]

    app.config["MAIL_MAX_ATTEMPTS"] = 20
    with app.app_context():
        enqueue("test.hello", recipient="b@example.vn", payload={}, locale="vi")
        db.session.commit()
    assert "sent 0, failed 2" in runner.invoke(args=["mail", "retry"]).output
    # Retried once more each; now both wait for their back-off (a has attempts left again).
    assert statuses(app) == [OutboxStatus.QUEUED, OutboxStatus.QUEUED]

    with SMTPServer() as server:
        app.config["MAIL_PORT"] = server.port
        result = runner.invoke(args=["mail", "retry"])
    assert result.exit_code == 0, result.output
    assert "sent 2, failed 0" in result.output
    assert sorted(item.recipients[0] for item in server.mailbox.snapshot()) == [
        "a@example.vn",
        "b@example.vn",
    ]
    assert statuses(app) == [OutboxStatus.SENT, OutboxStatus.SENT]


def test_retry_without_server_writes_the_outbox(app, outbox, runner):
    app.config["MAIL_SENDER"] = "worker"
    with app.app_context():
        enqueue("test.hello", recipient="a@example.vn", payload={}, locale="vi")
        db.session.commit()
    result = runner.invoke(args=["mail", "retry"])
    assert result.exit_code == 0, result.output
    assert "sent 1, failed 0" in result.output
    assert len(read_mail(outbox)) == 1
