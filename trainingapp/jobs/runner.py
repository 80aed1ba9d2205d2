"""Running background jobs, on the mail's sender machinery (``mail.sender``).

A job is a row (:class:`~.models.Job`). Whoever queues it commits it like any other change; the
commit wakes the sender thread of the web process (``MAIL_SENDER = "thread"``, the default), and
``flask worker`` processes on any host find it by polling (``"worker"``); in ``"sync"`` mode
(tests) it runs right after the commit. One job runs at a time per sender, claimed by an UPDATE
that only one sender can win.

The job's work runs in one transaction with the job's own "done": the rows an import writes
and the job's end are committed together or not at all. A job whose process dies (a restart, a
crash) keeps its claim for ``JOB_LEASE_SECONDS``, then another sender takes it up again, up to
:data:`MAX_ATTEMPTS` times: nothing of the dead attempt was committed.

Progress is written outside that transaction: on PostgreSQL to the job's row through a
connection of its own (autocommit); on SQLite, whose one writer is the job itself while it
holds the course lock, to a small file next to the database (``instance/jobs/<id>.json``),
which every web process of the machine reads.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update

from ..common.time import utcnow
from ..extensions import db
from ..mail.outbox import WAKE_AFTER_COMMIT
from ..mail.periodic import background_work
from ..mail.periodic import periodic
from .models import Job
from .models import JobStatus

log = logging.getLogger(__name__)

#: claims of one job before it is marked failed (each a process that died running it)
MAX_ATTEMPTS = 3
#: progress is written at most this often (seconds), and always at the end
PROGRESS_EVERY = 0.3
#: how long finished jobs (and their files) are kept
KEEP = timedelta(days=2)


class JobFailed(Exception):  # noqa: N818  (a refusal, like the services' DomainError)
    """An expected end of a job without result: ``message`` is shown to whoever asked."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


Progress = Callable[[int, int], None]
#: ``run(job, progress) -> result``: the work, in the session's transaction, never committed
Handler = Callable[[Job, Progress], dict[str, Any]]


@dataclass(frozen=True)
class JobKind:
    name: str
    run: Handler
    #: the job's page: its title, and the template of what it shows once done
    title: Any
    done_template: str
    #: called after the job's end was committed (e.g. to delete the upload it read)
    on_done: Callable[[Job], None] | None = None


_kinds: dict[str, JobKind] = {}


def job_kind(
    name: str,
    *,
    title: Any,
    done_template: str,
    on_done: Callable[[Job], None] | None = None,
) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of jobs of kind ``name``."""

    def decorate(fn: Handler) -> Handler:
        _kinds[name] = JobKind(name, fn, title, done_template, on_done)
        return fn

    return decorate


def kind_of(job: Job) -> JobKind | None:
    return _kinds.get(job.kind)


def enqueue(
    kind: str, payload: dict[str, Any], *, owner_id: int | None, event_id: int | None
) -> Job:
    """Queue a job in the caller's transaction; it starts once the caller commits."""
    if kind not in _kinds:
        raise ValueError(f"no such job kind: {kind}")
    job = Job(kind=kind, payload=payload, owner_id=owner_id, event_id=event_id)
    db.session.add(job)
    db.session.flush()
    db.session.info[WAKE_AFTER_COMMIT] = current_app._get_current_object()  # type: ignore[attr-defined]
    return job


# --- where a job keeps its progress and files -------------------------------------------------


def jobs_folder() -> Path:
    """``JOB_FOLDER``, by default ``instance/jobs``: on one disk for all the web processes."""
    return Path(current_app.config.get("JOB_FOLDER") or Path(current_app.instance_path) / "jobs")


def files_of(job_id: int) -> Path:
    """The folder of a job's files (a ZIP it made), created on first use."""
    folder = jobs_folder() / str(job_id)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _progress_file(job_id: int) -> Path:
    return jobs_folder() / f"{job_id}.json"


def _writes_progress_to_file() -> bool:
    return db.engine.dialect.name == "sqlite"


def progress_of(job: Job) -> tuple[int, int]:
    """``(done, total)`` as last reported."""
    if job.status == JobStatus.RUNNING and _writes_progress_to_file():
        try:
            data = json.loads(_progress_file(job.id).read_text())
            return int(data["done"]), int(data["total"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
    return job.done, job.total


class _Reporter:
    """The ``progress(done, total)`` a handler is given."""

    def __init__(self, job_id: int, lease: timedelta) -> None:
        self.job_id = job_id
        self.lease = lease
        self.to_file = _writes_progress_to_file()
        self.path = _progress_file(job_id)
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last < PROGRESS_EVERY:
            return
        self.last = now
        if self.to_file:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(json.dumps({"done": done, "total": total}))
            partial.replace(self.path)  # atomic: a reader never sees half a file
            return
        statement = (
            update(Job)
            .where(Job.id == self.job_id)
            .values(done=done, total=total, lease_until=utcnow() + self.lease)
        )
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(statement)

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


# --- claiming and running -------------------------------------------------------------------


def _lease() -> timedelta:
    return timedelta(seconds=float(current_app.config.get("JOB_LEASE_SECONDS") or 300))


def _due(now: Any) -> Any:
    return or_(
        Job.status == JobStatus.QUEUED,
        (Job.status == JobStatus.RUNNING) & (Job.lease_until < now),
    )


def _claim() -> Job | None:
    """The oldest due job, claimed for this process; None when none is due. A read first, so
    that an idle poll never takes SQLite's write lock; the UPDATE checks the due condition again,
    so that of two senders only one wins."""
    now = utcnow()
    found = db.session.execute(
        select(Job.id, Job.attempts).where(_due(now)).order_by(Job.id).limit(1)
    ).first()
    db.session.rollback()
    if found is None:
        return None
    job_id, attempts = found
    if attempts >= MAX_ATTEMPTS:
        _finish_failed(job_id, _("The job was interrupted too many times and was stopped."))
        return None
    claimed = db.session.execute(  # type: ignore[attr-defined]  # an UPDATE's CursorResult
        update(Job)
        .where(Job.id == job_id, _due(now))
        .values(
            status=JobStatus.RUNNING,
            attempts=Job.attempts + 1,
            lease_until=now + _lease(),
            started_at=func.coalesce(Job.started_at, now),
        )
    ).rowcount
    db.session.commit()
    return db.session.get(Job, job_id) if claimed == 1 else None


def _finish_failed(job_id: int, message: str) -> None:
    db.session.rollback()
    db.session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(status=JobStatus.FAILED, error=message, finished_at=utcnow(), lease_until=None)
    )
    db.session.commit()


def _run(job: Job) -> None:
    job_id = job.id
    kind = kind_of(job)
    reporter = _Reporter(job_id, _lease())
    locale = str(job.payload.get("locale") or current_app.config.get("BABEL_DEFAULT_LOCALE"))
    with force_locale(locale):
        try:
            if kind is None:
                raise JobFailed(_("This kind of job is not known to this version of the app."))
            result = kind.run(job, reporter)
            finished = db.session.get(Job, job_id)
            if finished is None:  # its course was deleted meanwhile
                db.session.rollback()
                return
            done, total = _last_progress(reporter, finished)
            finished.status = JobStatus.DONE
            finished.result = result
            finished.done, finished.total = done, total
            finished.finished_at = utcnow()
            finished.lease_until = None
            db.session.commit()
            if kind.on_done is not None:
                kind.on_done(finished)
        except JobFailed as failed:
            _finish_failed(job_id, str(failed.message))
        except Exception:
            log.exception("job %s (%s) failed", job_id, job.kind)
            _finish_failed(job_id, _("The job failed because of an unexpected error."))
        finally:
            reporter.discard()


def _last_progress(reporter: _Reporter, job: Job) -> tuple[int, int]:
    """The last progress reported, to keep on the finished job's row."""
    if reporter.to_file:
        try:
            data = json.loads(reporter.path.read_text())
            return int(data["done"]), int(data["total"])
        except (OSError, ValueError, KeyError, TypeError):
            return job.done, job.total
    db.session.refresh(job, ["done", "total"])
    return job.done, job.total


@background_work("jobs")
def run_next(app: Flask) -> bool:
    """Claim the oldest due job and run it to its end; False when none was due."""
    with app.app_context():
        try:
            job = _claim()
            if job is None:
                return False
            _run(job)
            return True
        finally:
            db.session.rollback()


def run_until_idle(app: Flask) -> int:
    """Run due jobs until none is left (``flask worker --once``, tests); how many ran."""
    count = 0
    while run_next(app):
        count += 1
    return count


@periodic("jobs.sweep")
def sweep_finished_jobs() -> None:
    """Forget jobs finished more than :data:`KEEP` ago, and delete their files."""
    old = list(
        db.session.scalars(
            select(Job.id).where(
                Job.status.in_((JobStatus.DONE, JobStatus.FAILED)),
                Job.finished_at < utcnow() - KEEP,
            )
        )
    )
    db.session.rollback()
    if not old:
        return
    db.session.execute(delete(Job).where(Job.id.in_(old)))
    db.session.commit()
    for job_id in old:
        shutil.rmtree(jobs_folder() / str(job_id), ignore_errors=True)
