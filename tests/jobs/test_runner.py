"""Background jobs: queued in the caller's transaction, claimed by one sender, run with their
work in one transaction, failed with words, taken up again after a dead process, swept."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from trainingapp.common.time import utcnow
from trainingapp.extensions import db
from trainingapp.jobs import runner
from trainingapp.jobs.models import Job
from trainingapp.jobs.models import JobStatus
from trainingapp.mail import sender
from trainingapp.organizations.models import Organization
from trainingapp.organizations.models import OrganizationKind

RUNS: list[dict[str, Any]] = []


@runner.job_kind("tests.units", title="Units", done_template="jobs/job.html")
def _make_units(job: Job, progress: runner.Progress) -> dict[str, Any]:
    """Adds units (uncommitted, like every handler), then fails if told to."""
    RUNS.append(dict(job.payload))
    names = job.payload["names"]
    for done, name in enumerate(names, 1):
        db.session.add(Organization(name=name, kind=OrganizationKind.OTHER))
        db.session.flush()
        progress(done, len(names))
    if job.payload.get("refuse"):
        raise runner.JobFailed("Không làm được: thiếu tệp.")
    if job.payload.get("crash"):
        raise RuntimeError("disk on fire")
    return {"made": len(names)}


@pytest.fixture(autouse=True)
def _forget_runs() -> None:
    RUNS.clear()


def _queue(app: Flask, **payload: Any) -> int:
    with app.app_context():
        job = runner.enqueue("tests.units", payload, owner_id=None, event_id=None)
        db.session.commit()
        return job.id


def _job(app: Flask, job_id: int) -> Job:
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job is not None
        db.session.expunge(job)
        return job


def _units(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Organization.name).order_by(Organization.id)))


def test_a_job_runs_after_the_commit_that_queued_it(app: Flask) -> None:
    job_id = _queue(app, names=["Đồn A", "Đồn B"])  # MAIL_SENDER "sync": run at the commit
    job = _job(app, job_id)
    assert job.status == JobStatus.DONE
    assert job.result == {"made": 2}
    assert (job.done, job.total, job.attempts) == (2, 2, 1)
    assert job.finished_at is not None
    assert _units(app) == ["Đồn A", "Đồn B"]


def test_a_rolled_back_job_never_runs(app: Flask) -> None:
    with app.app_context():
        runner.enqueue("tests.units", {"names": ["X"]}, owner_id=None, event_id=None)
        db.session.rollback()
    assert runner.run_until_idle(app) == 0
    assert RUNS == []


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"refuse": True}, "Không làm được: thiếu tệp."),
        ({"crash": True}, "The job failed because of an unexpected error."),
    ],
)
def test_a_failed_job_keeps_nothing_of_its_work_and_says_why(
    app: Flask, payload: dict[str, Any], message: str
) -> None:
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    job = _job(app, _queue(app, names=["Đồn A"], **payload))
    assert job.status == JobStatus.FAILED
    assert job.error == message
    assert _units(app) == []


def test_a_claimed_job_is_left_alone_until_its_lease_runs_out(app: Flask) -> None:
    app.config["MAIL_SENDER"] = "worker"
    job_id = _queue(app, names=["Đồn A"])
    with app.app_context():
        job = db.session.get(Job, job_id)
        job.status, job.attempts = JobStatus.RUNNING, 1
        job.lease_until = utcnow() + timedelta(minutes=5)
        db.session.commit()
    assert runner.run_until_idle(app) == 0
    with app.app_context():
        db.session.get(Job, job_id).lease_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert runner.run_until_idle(app) == 1
    job = _job(app, job_id)
    assert (job.status, job.attempts) == (JobStatus.DONE, 2)
    assert _units(app) == ["Đồn A"]


def test_a_job_that_keeps_killing_its_process_is_stopped(app: Flask) -> None:
    app.config.update(MAIL_SENDER="worker", BABEL_DEFAULT_LOCALE="en")
    job_id = _queue(app, names=["Đồn A"])
    with app.app_context():
        job = db.session.get(Job, job_id)
        job.status, job.attempts = JobStatus.RUNNING, runner.MAX_ATTEMPTS
        job.lease_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    runner.run_until_idle(app)
    job = _job(app, job_id)
    assert job.status == JobStatus.FAILED
    assert "interrupted too many times" in job.error
    assert RUNS == []


def test_the_sender_thread_runs_jobs_in_the_web_process(app: Flask) -> None:
    app.config.update(MAIL_SENDER="thread", MAIL_POLL_SECONDS=60, MAIL_GATHER_SECONDS=0)
    try:
        job_id = _queue(app, names=["Đồn A"])
        deadline = time.monotonic() + 10
        while _job(app, job_id).status != JobStatus.DONE and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _job(app, job_id).status == JobStatus.DONE
    finally:
        sender.stop(app)


def test_progress_is_read_from_the_file_while_running_on_sqlite(app: Flask) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL keeps progress in the job's row")
    app.config["MAIL_SENDER"] = "worker"
    job_id = _queue(app, names=["Đồn A"])
    with app.app_context():
        job = db.session.get(Job, job_id)
        job.status = JobStatus.RUNNING
        db.session.commit()
        report = runner._Reporter(job_id, timedelta(minutes=5))
        report(40, 100)
        assert runner.progress_of(job) == (40, 100)
        report.discard()
        assert runner.progress_of(job) == (0, 0)  # the row's own, as last committed


def test_finished_jobs_are_swept_with_their_files(app: Flask) -> None:
    old_id = _queue(app, names=["Đồn A"])
    new_id = _queue(app, names=["Đồn B"])
    with app.app_context():
        (runner.files_of(old_id) / "x.zip").write_bytes(b"PK")
        db.session.get(Job, old_id).finished_at = utcnow() - runner.KEEP - timedelta(hours=1)
        db.session.commit()
        runner.sweep_finished_jobs()
        assert db.session.get(Job, old_id) is None
        assert db.session.get(Job, new_id) is not None
        assert not (runner.jobs_folder() / str(old_id)).exists()
