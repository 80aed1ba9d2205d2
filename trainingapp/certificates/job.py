"""The ZIP of a course's valid certificates, made as a background job (``jobs.runner``): 500
PDFs take longer than a request may. The file waits in the job's folder for its download."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from ..auth.models import User
from ..events.models import Event
from ..extensions import db
from ..jobs.models import Job
from ..jobs.runner import JobFailed
from ..jobs.runner import Progress
from ..jobs.runner import enqueue
from ..jobs.runner import files_of
from ..jobs.runner import job_kind
from . import services
from .pdf import course_texts
from .pdf import write_zip

KIND = "certificates.zip"
FILE = "certificates.zip"


def queue_zip(event: Event, *, owner_id: int, count: int, locale: str) -> Job:
    payload = {"locale": locale, "label": event.title, "count": count}
    return enqueue(KIND, payload, owner_id=owner_id, event_id=event.id)


@job_kind(KIND, title=_l("All certificates (ZIP)"), done_template="certificates/job_done.html")
def make_zip(job: Job, progress: Progress) -> dict[str, Any]:
    event = db.session.get(Event, job.event_id) if job.event_id is not None else None
    if event is None:
        raise JobFailed(_l("This course no longer exists."))
    certificates = services.valid_certificates(event.id)
    if not certificates:
        raise JobFailed(_l("No valid certificates to download yet."))
    progress(0, len(certificates))
    texts = course_texts(services.settings_for(event.id), event)
    write_zip(certificates, texts, files_of(job.id) / FILE, progress)
    owner = db.session.get(User, job.owner_id) if job.owner_id is not None else None
    # Audited when made, in the job's transaction: the file holds the personal data.
    services.record_download(owner, event, file_format="zip", rows=len(certificates))
    return {
        "file": FILE,
        "download_name": f"{event.slug}-certificates.zip",
        "mimetype": "application/zip",
        "count": len(certificates),
    }
