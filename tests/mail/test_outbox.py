"""The outbox: queued in the caller's transaction, delivered after its commit, retried, claimed."""

from __future__ import annotations

import threading
from datetime import timedelta
from email.message import Message

import pytest
from sqlalchemy import func
from sqlalchemy import select

from trainingapp.common.time import utcnow
from trainingapp.extensions import db
from trainingapp.mail import outbox as outbox_module
from trainingapp.mail.models import OutboxMessage
from trainingapp.mail.models import OutboxStatus
from trainingapp.mail.outbox import WAKE_AFTER_COMMIT
from trainingapp.mail.outbox import backoff
from trainingapp.mail.outbox import deliver_due
from trainingapp.mail.outbox import enqueue
from trainingapp.registration.models import Registration
from trainingapp.registration.notifications import MailKind
from trainingapp.registration.notifications import queue_mail

from .conftest import read_mail
from .smtp import SMTPServer
from .smtp import closed_port


def rows() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_rolled_back_mail_is_never_sent(app, outbox, registration_id):
    reg_id = registration_id()
    with app.app_context():
        registration = db.session.get(Registration, reg_id)
        queue_mail(registration, MailKind.CONFIRMED)
        assert db.session.info[WAKE_AFTER_COMMIT] is app
        db.session.rollback()
        assert WAKE_AFTER_COMMIT not in db.session.info
        db.session.commit()  # a later commit has nothing to send
        assert rows() == []
    assert deliver_due(app).total == 0
    assert read_mail(outbox) == []


def test_committed_mail_is_delivered_in_vietnamese(app, outbox, registration_id):
    reg_id = registration_id()
    with app.app_context():
        registration = db.session.get(Registration, reg_id)
        token = registration.manage_token
        queue_mail(registration, MailKind.CONFIRMED)
        assert read_mail(outbox) == []  # nothing before the commit
        db.session.commit()
        (row,) = rows()
        assert row.status == OutboxStatus.SENT
        assert row.kind == "registration.confirmed"
        assert row.payload == {"registration_id": reg_id}
        assert row.locale == "vi"
        assert row.attempts == 1
        assert row.sent_at is not None
        assert row.claimed_at is None
    (mail,) = read_mail(outbox)
    assert mail["Subject"] == "Xác nhận đăng ký: Lớp tập huấn thông tin đối ngoại"
    assert mail["To"] == "an@example.vn"
    assert mail["Content-Language"] == "vi"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert f"http://localhost/r/{token}" in body  # no request: the default site root
    assert [part.get_filename() for part in mail.iter_attachments()] == ["course.ics"]
    assert list(outbox.glob("*.tmp")) == []


def test_english_mail_and_base_url_of_the_request(app, outbox, registration_id):
    reg_id = registration_id()
    with app.test_request_context(base_url="https://taphuan.example.vn/tap-huan/"):
        registration = db.session.get(Registration, reg_id)
        queue_mail(registration, MailKind.LINK, locale="en")
        db.session.commit()
        (row,) = rows()
        assert row.base_url == "https://taphuan.example.vn/tap-huan/"
        token = registration.manage_token
    (mail,) = read_mail(outbox)
    assert mail["Subject"] == "Your registration link: Lớp tập huấn thông tin đối ngoại"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert f"https://taphuan.example.vn/tap-huan/r/{token}" in body


def test_configured_base_url_wins(app, outbox, registration_id):
    app.config["BASE_URL"] = "https://dangky.example.gov.vn"
    reg_id = registration_id()
    with app.test_request_context(base_url="http://10.0.0.5:8000/"):
        registration = db.session.get(Registration, reg_id)
        queue_mail(registration, MailKind.CONFIRMED)
        db.session.commit()
        token = registration.manage_token
    (mail,) = read_mail(outbox)
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert f"https://dangky.example.gov.vn/r/{token}" in body


def test_unknown_locale_falls_back_to_the_default(app, registration_id):
    reg_id = registration_id()
    app.config["MAIL_SENDER"] = "worker"
    with app.app_context():
        queue_mail(db.session.get(Registration, reg_id), MailKind.CONFIRMED, locale="fr")
        db.session.commit()
        assert rows()[0].locale == "vi"


def test_savepoint_commit_waits_for_the_outer_commit(app, outbox, registration_id):
    reg_id = registration_id()
    with app.app_context():
        registration = db.session.get(Registration, reg_id)
        with db.session.begin_nested():
            queue_mail(registration, MailKind.CONFIRMED)
        assert read_mail(outbox) == []  # only the savepoint is committed
        db.session.commit()
    assert len(read_mail(outbox)) == 1


def test_no_mail_without_address_or_after_anonymisation(app, registration_id):
    without = registration_id(email=None)
    anonymised = registration_id(email="b@example.vn", anonymised_at=utcnow())
    with app.app_context():
        queue_mail(db.session.get(Registration, without), MailKind.CONFIRMED)
        queue_mail(db.session.get(Registration, anonymised), MailKind.CONFIRMED)
        db.session.commit()
        assert rows() == []


def test_worker_mode_only_queues(app, outbox, registration_id):
    app.config["MAIL_SENDER"] = "worker"
    reg_id = registration_id()
    with app.app_context():
        queue_mail(db.session.get(Registration, reg_id), MailKind.CONFIRMED)
        db.session.commit()
        assert [row.status for row in rows()] == [OutboxStatus.QUEUED]
    assert read_mail(outbox) == []
    assert deliver_due(app).sent == 1
    assert len(read_mail(outbox)) == 1
    assert deliver_due(app).total == 0  # sent once


def test_gone_registration_is_dropped(app, outbox, registration_id):
    app.config["MAIL_SENDER"] = "worker"
    reg_id = registration_id()
    with app.app_context():
        queue_mail(db.session.get(Registration, reg_id), MailKind.CONFIRMED)
        db.session.commit()
        db.session.delete(db.session.get(Registration, reg_id))
        db.session.commit()
    result = deliver_due(app)
    assert (result.sent, result.failed, result.dropped) == (0, 0, 1)
    with app.app_context():
        assert rows()[0].status == OutboxStatus.DROPPED
    assert read_mail(outbox) == []


def test_composer_errors_and_unknown_kinds_are_failed_attempts(app):
    app.config["MAIL_SENDER"] = "worker"
    with app.app_context():
        enqueue("test.boom", recipient="a@example.vn", payload={}, locale="vi")
        enqueue("nobody.knows", recipient="b@example.vn", payload={}, locale="vi")
        enqueue("test.drop", recipient="c@example.vn", payload={}, locale="vi")
        db.session.commit()
    result = deliver_due(app)
    assert (result.sent, result.failed, result.dropped) == (0, 2, 1)
    with app.app_context():
        boom, unknown, dropped = rows()
        assert boom.status == unknown.status == OutboxStatus.QUEUED
        assert boom.attempts == unknown.attempts == 1
        assert "composer exploded" in boom.last_error
        assert "no composer" in unknown.last_error
        assert dropped.status == OutboxStatus.DROPPED


def test_backoff_doubles_up_to_an_hour(app):
    waits = [backoff(app, attempts).total_seconds() for attempts in range(1, 10)]
    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_smtp_failure_is_retried_with_backoff_then_given_up(app):
    app.config.update(
        MAIL_SENDER="worker", MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port(), MAIL_MAX_ATTEMPTS=3
    )
    with app.app_context():
        enqueue("test.hello", recipient="an@example.vn", payload={}, locale="vi")
        db.session.commit()

    def due_now() -> None:
        with app.app_context():
            row = rows()[0]
            row.next_attempt_at = utcnow() - timedelta(seconds=1)
            db.session.commit()

    started = utcnow()
    assert deliver_due(app).failed == 1
    with app.app_context():
        (row,) = rows()
        assert (row.status, row.attempts) == (OutboxStatus.QUEUED, 1)
        assert "Connection refused" in row.last_error or "ConnectionRefused" in row.last_error
        assert row.claimed_at is None
        wait = row.next_attempt_at - started
        assert timedelta(seconds=29) < wait < timedelta(seconds=35)
    assert deliver_due(app).total == 0  # not due before its back-off

    due_now()
    assert deliver_due(app).failed == 1
    with app.app_context():
        (row,) = rows()
        assert row.attempts == 2
        assert timedelta(seconds=55) < row.next_attempt_at - utcnow() < timedelta(seconds=65)

    due_now()
    assert deliver_due(app).failed == 1
    with app.app_context():
        (row,) = rows()
        assert (row.status, row.attempts) == (OutboxStatus.FAILED, 3)

    due_now()  # a failed message waits for `flask mail retry`
    assert deliver_due(app).total == 0

    with SMTPServer() as server:
        app.config["MAIL_PORT"] = server.port
        with app.app_context():
            outbox_module.make_due_now()
        assert deliver_due(app).sent == 1
    (received,) = server.mailbox.snapshot()
    assert received.recipients == ["an@example.vn"]
    with app.app_context():
        (row,) = rows()
        assert (row.status, row.attempts, row.last_error) == (OutboxStatus.SENT, 4, None)


def test_stale_claims_are_taken_again_fresh_ones_are_not(app, outbox):
    app.config["MAIL_SENDER"] = "worker"
    with app.app_context():
        dead = db.session.get(
            OutboxMessage, enqueue("test.dead", recipient="a@example.vn", payload={}, locale="vi")
        )
        busy = db.session.get(
            OutboxMessage, enqueue("test.busy", recipient="b@example.vn", payload={}, locale="vi")
        )
        dead.claimed_at, dead.claimed_by = utcnow() - timedelta(minutes=11), "old-host:1"
        busy.claimed_at, busy.claimed_by = utcnow() - timedelta(minutes=1), "other-host:2"
        db.session.commit()
    assert deliver_due(app).sent == 1
    with app.app_context():
        dead_row, busy_row = rows()
        assert dead_row.status == OutboxStatus.SENT
        assert dead_row.claimed_by != "old-host:1"  # this sender's host:pid
        assert busy_row.status == OutboxStatus.QUEUED
    (mail,) = read_mail(outbox)
    assert mail["To"] == "a@example.vn"


@pytest.mark.parametrize("senders", [2, 4])
def test_concurrent_senders_never_send_a_message_twice(app, monkeypatch, sql_statements, senders):
    app.config["MAIL_SENDER"] = "worker"
    with app.app_context():
        for number in range(40):
            enqueue("test.race", recipient=f"p{number}@example.vn", payload={}, locale="vi")
        db.session.commit()
        ids = [row.id for row in rows()]

    sent: list[int] = []
    lock = threading.Lock()

    def slow_transport(_app, message: Message, recipient: str) -> None:
        threading.Event().wait(0.005)  # a mail server that takes its time widens the race
        with lock:
            sent.append(int(message["X-Outbox-Id"]))

    monkeypatch.setattr(outbox_module, "_transport", slow_transport)
    barrier = threading.Barrier(senders)
    results = []

    def run() -> None:
        barrier.wait()
        results.append(deliver_due(app, limit=50))

    threads = [threading.Thread(target=run) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(sent) == ids  # every message once, none twice
    assert sum(result.sent for result in results) == len(ids)
    assert sum(result.failed for result in results) == 0
    with app.app_context():
        statuses = db.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
        assert statuses == [(OutboxStatus.SENT, len(ids))]
        if db.engine.dialect.name == "postgresql":
            assert any("FOR UPDATE SKIP LOCKED" in statement for statement in sql_statements)


def test_a_burst_is_claimed_and_recorded_in_batches(app, outbox, sql_statements):
    """On SQLite each write transaction takes the lock the registrations wait for: 45 messages
    take three claims and three outcome updates, not two writes each."""
    app.config["MAIL_SENDER"] = "worker"
    with app.app_context():
        for number in range(45):
            enqueue("test.hello", recipient=f"p{number}@example.vn", payload={}, locale="vi")
        db.session.commit()
    sql_statements.clear()
    result = deliver_due(app, limit=50)
    assert (result.sent, result.failed) == (45, 0)
    updates = [s for s in sql_statements if s.lstrip().upper().startswith("UPDATE MAIL_OUTBOX")]
    assert len(updates) == 6  # claims of 20, 20 and 5, each followed by one "sent" update
    assert len(read_mail(outbox)) == 45
    with app.app_context():
        assert {(row.status, row.attempts, row.claimed_at) for row in rows()} == {
            (OutboxStatus.SENT, 1, None)
        }
