"""The sender: a hanging mail server never holds up a page; a restarted process sends what the
old one left, once."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import select

from tests.factories import make_event
from trainingapp import create_app
from trainingapp.extensions import db
from trainingapp.mail import sender
from trainingapp.mail.models import OutboxMessage
from trainingapp.mail.models import OutboxStatus
from trainingapp.mail.outbox import enqueue

from .conftest import read_mail
from .smtp import HangingSMTPServer
from .smtp import SMTPServer


def form_data(number: int) -> dict[str, Any]:
    return {
        "full_name": f"Nguyễn Văn An {number}",
        "gender": "male",
        "birth_year": "1985",
        "organization": "Sở Thông tin và Truyền thông",
        "position": "Chuyên viên",
        "phone": f"090512345{number}",
        "email": f"an{number}@example.vn",
        "consent": "y",
    }


def wait_for(condition: Any, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return bool(condition())


def outbox_rows(app) -> list[tuple[str, OutboxStatus]]:
    with app.app_context():
        return [
            (row.recipient, row.status)
            for row in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        ]


def test_hanging_smtp_server_never_holds_up_registration_and_a_restart_sends_once(
    app, app_config, stop_senders
):
    people = 4
    with app.app_context():
        slug = make_event(db.session).slug
        db.session.commit()
    with HangingSMTPServer() as hanging:
        settings = {
            "MAIL_SENDER": "thread",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": hanging.port,
            "MAIL_TIMEOUT": 1.5,
            "MAIL_POLL_SECONDS": 0.2,
            "MAIL_BACKOFF_SECONDS": 0.2,
        }
        app.config.update(settings)
        stop_senders.append(app)
        client = app.test_client()
        for number in range(people):
            started = time.monotonic()
            response = client.post(f"/events/{slug}/register", data=form_data(number))
            elapsed = time.monotonic() - started
            assert response.status_code == 303
            assert elapsed < 1.0, f"registration {number} took {elapsed:.2f} s"
        assert sender.sender_for(app).running  # started by the first request
        assert wait_for(lambda: len(hanging.accepted) >= 1)  # it is stuck on the server
        assert outbox_rows(app) == [
            (f"an{number}@example.vn", OutboxStatus.QUEUED) for number in range(people)
        ]
        # The process ends: its sender is gone, whatever it was waiting for.
        sender.stop(app)

    with SMTPServer() as server:
        restarted = create_app({**app_config, **settings, "MAIL_PORT": server.port})
        stop_senders.append(restarted)
        assert restarted.test_client().get("/healthz").status_code == 200  # starts its sender
        assert wait_for(lambda: len(server.mailbox.snapshot()) >= people)
        time.sleep(0.5)  # anything sent twice would arrive now
        received = server.mailbox.snapshot()
    assert sorted(item.recipients[0] for item in received) == [
        f"an{number}@example.vn" for number in range(people)
    ]
    assert len(received) == people
    assert all(item.message["Subject"].startswith("Xác nhận đăng ký") for item in received)
    assert {status for _recipient, status in outbox_rows(app)} == {OutboxStatus.SENT}


def test_thread_is_woken_by_the_commit(app, outbox, stop_senders):
    app.config.update(MAIL_SENDER="thread", MAIL_POLL_SECONDS=60)
    stop_senders.append(app)
    assert app.test_client().get("/healthz").status_code == 200
    the_sender = sender.sender_for(app)
    assert the_sender.running
    assert wait_for(lambda: the_sender._wake.is_set() is False, timeout=2)
    with app.app_context():
        enqueue("test.hello", recipient="an@example.vn", payload={}, locale="vi")
        db.session.commit()
    # Far sooner than the 60 s poll: the commit woke it.
    assert wait_for(lambda: len(read_mail(outbox)) == 1, timeout=5)


def test_one_sender_per_process(app, monkeypatch, stop_senders):
    stop_senders.append(app)
    first = sender.sender_for(app)
    assert sender.sender_for(app) is first
    monkeypatch.setattr(sender.os, "getpid", lambda: first.pid + 1)  # a forked worker
    forked = sender.sender_for(app)
    assert forked is not first
    assert forked.pid == first.pid + 1


def test_unknown_sender_mode_is_refused(app_config):
    with pytest.raises(ValueError, match="MAIL_SENDER"):
        create_app({**app_config, "MAIL_SENDER": "carrier-pigeon"})


def test_worker_mode_starts_no_thread(app, stop_senders):
    app.config["MAIL_SENDER"] = "worker"
    stop_senders.append(app)
    app.test_client().get("/healthz")
    assert not sender.sender_for(app).running


def test_run_worker_until_stopped(app, outbox):
    app.config["MAIL_SENDER"] = "worker"
    stop = threading.Event()
    results = []
    worker = threading.Thread(
        target=lambda: results.append(sender.run_worker(app, poll=0.05, stop_event=stop))
    )
    worker.start()
    try:
        with app.app_context():
            enqueue("test.hello", recipient="an@example.vn", payload={}, locale="vi")
            db.session.commit()
        assert wait_for(lambda: len(read_mail(outbox)) == 1, timeout=5)
    finally:
        stop.set()
        worker.join(5)
    assert not worker.is_alive()
    assert results[0].sent == 1


def _queue_one(app, recipient: str = "an@example.vn") -> None:
    with app.app_context():
        enqueue("test.hello", recipient=recipient, payload={}, locale="vi")
        db.session.commit()


def test_the_thread_gives_way_to_the_requests_of_its_process(app, outbox, stop_senders):
    app.config.update(MAIL_SENDER="thread", MAIL_POLL_SECONDS=60, MAIL_GATHER_SECONDS=0.5)
    stop_senders.append(app)
    assert app.test_client().get("/healthz").status_code == 200
    the_sender = sender.sender_for(app)
    the_sender.request_started()  # a request of this process is being served
    try:
        _queue_one(app)
        time.sleep(1.5)  # woken by the commit, yet it waits
        assert read_mail(outbox) == []
    finally:
        the_sender.request_ended()
    time.sleep(0.1)
    assert read_mail(outbox) == []  # only once the process was quiet for 0.5 s
    assert wait_for(lambda: len(read_mail(outbox)) == 1, timeout=5)


def test_mail_waits_no_longer_than_the_longest_delay(app, outbox, stop_senders):
    app.config.update(
        MAIL_SENDER="thread",
        MAIL_POLL_SECONDS=60,
        MAIL_GATHER_SECONDS=0.5,
        MAIL_MAX_DELAY_SECONDS=1,
    )
    stop_senders.append(app)
    assert app.test_client().get("/healthz").status_code == 200
    the_sender = sender.sender_for(app)
    the_sender.request_started()  # a process that is never quiet
    try:
        _queue_one(app)
        assert wait_for(lambda: len(read_mail(outbox)) == 1, timeout=5)
    finally:
        the_sender.request_ended()


def test_the_mail_of_a_burst_goes_out_after_it(app, outbox, stop_senders):
    with app.app_context():
        slug = make_event(db.session).slug
        db.session.commit()
    app.config.update(MAIL_SENDER="thread", MAIL_POLL_SECONDS=60, MAIL_GATHER_SECONDS=1)
    stop_senders.append(app)
    client = app.test_client()
    for number in range(6):
        response = client.post(f"/events/{slug}/register", data=form_data(number))
        assert response.status_code == 303
    assert read_mail(outbox) == []  # none while the requests came one after the other
    assert wait_for(lambda: len(read_mail(outbox)) == 6, timeout=10)
    assert {status for _recipient, status in outbox_rows(app)} == {OutboxStatus.SENT}


def test_requests_are_counted_while_served(app, stop_senders):
    app.config.update(MAIL_SENDER="thread", MAIL_POLL_SECONDS=60)
    stop_senders.append(app)
    seen: list[float] = []

    @app.get("/idle-for")
    def idle_for() -> str:
        seen.append(sender.sender_for(app).idle_for())
        return "ok"

    client = app.test_client()
    assert client.get("/idle-for").status_code == 200
    assert client.get("/no-such-page").status_code == 404  # ended too, whatever the answer
    assert seen == [0.0]  # busy while serving it
    the_sender = sender.sender_for(app)
    assert the_sender._requests == 0
    assert 0 < the_sender.idle_for() < 5
