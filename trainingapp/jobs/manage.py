"""A job's page under its course: progress while it runs (the page reloads itself, no script
needed), then what it did, or why it failed; and the file it made, if any."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import abort
from flask import render_template
from flask import send_file
from flask_login import current_user

from ..auth.guard import guard_manage_blueprint
from ..auth.models import Role
from ..extensions import db
from .models import Job
from .models import JobStatus
from .runner import files_of
from .runner import kind_of
from .runner import progress_of

jobs_bp = Blueprint("jobs_manage", __name__, url_prefix="/manage")
guard_manage_blueprint(jobs_bp)

#: seconds between reloads of a running job's page
RELOAD_SECONDS = 2


def _own_job(event_id: int, job_id: int) -> Job:
    """The job, if it is this course's and the signed-in account's (or an admin's look)."""
    job = db.session.get(Job, job_id) if 0 < job_id < 2**63 else None
    if job is None or job.event_id != event_id:
        abort(404)
    if job.owner_id != current_user.id and current_user.role != Role.ADMIN:
        abort(404)
    return job


@jobs_bp.get("/events/<int:event_id>/jobs/<int:job_id>")
def job_page(event_id: int, job_id: int) -> Any:
    job = _own_job(event_id, job_id)
    done, total = progress_of(job)
    kind = kind_of(job)
    response = render_template(
        "jobs/job.html",
        job=job,
        kind=kind,
        done=done,
        total=total,
        percent=round(100 * done / total) if total else 0,
        reload_seconds=None if job.finished else RELOAD_SECONDS,
        statuses=JobStatus,
    )
    return response, 200, {"Cache-Control": "no-store"}


@jobs_bp.get("/events/<int:event_id>/jobs/<int:job_id>/file")
def job_file(event_id: int, job_id: int) -> Any:
    job = _own_job(event_id, job_id)
    result = job.result or {}
    name = result.get("file")
    if job.status != JobStatus.DONE or not name:
        abort(404)
    path = files_of(job.id) / name
    if not path.is_file():
        abort(404)  # swept away: the page says to start again
    return send_file(
        path,
        mimetype=result.get("mimetype") or "application/octet-stream",
        as_attachment=True,
        download_name=result.get("download_name") or name,
        max_age=0,
    )
