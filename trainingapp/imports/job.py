"""The import as a background job (``jobs.runner``): the confirm step queues it and shows its
page; the job reads the stored upload again, checks every row under the course lock and writes
them all, or none, in the transaction that also marks the job done."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ..auth.models import User
from ..extensions import db
from ..jobs.models import Job
from ..jobs.runner import JobFailed
from ..jobs.runner import Progress
from ..jobs.runner import enqueue
from ..jobs.runner import job_kind
from . import reading
from . import services as imports
from . import uploads
from .reading import FIELDS
from .reading import ImportFileError
from .services import ImportRefused
from .services import Outcome

KIND = "imports.registrations"


class ParsedUpload:
    """The stored upload read again: its rows, header, mapping and the mapping's problems."""

    def __init__(self, data: bytes, meta: dict[str, Any]) -> None:
        self.sheet = reading.read_file(data)
        self.header_index = reading.find_header(self.sheet)
        self.header_line, self.headers = self.sheet.rows[self.header_index]
        width = max((len(cells) for _n, cells in self.sheet.rows), default=0)
        self.headers = self.headers + [""] * (width - len(self.headers))
        stored = meta.get("mapping")
        if isinstance(stored, list) and len(stored) == len(self.headers):
            self.mapping: list[str | None] = [m if m in FIELDS else None for m in stored]
        else:
            self.mapping = reading.detect_mapping(self.headers)
        self.mapping_errors = reading.mapping_errors(self.mapping)
        self.inputs = reading.row_inputs(self.sheet, self.header_index, self.mapping)
        first = self.sheet.rows[self.header_index + 1 : self.header_index + 2]
        self.sample = first[0][1] if first else []


def refused_message(plan: imports.Plan) -> str:
    return str(
        ngettext(
            "Nothing was imported: %(num)d row cannot be imported (row %(rows)s). Correct the "
            "file and upload it again, or tick “skip” to import only the other rows.",
            "Nothing was imported: %(num)d rows cannot be imported (rows %(rows)s). Correct the "
            "file and upload it again, or tick “skip” to import only the other rows.",
            len(plan.refused),
            rows=imports.problem_lines(plan),
        )
    )


def summary(counts: dict[str, Any]) -> str:
    imported = ngettext(
        "%(num)d participant imported",
        "%(num)d participants imported",
        counts["imported"],
    )
    outcomes = _(
        ". Confirmed: %(confirmed)d; pending approval: %(pending)d; waitlisted: %(waitlisted)d; "
        "rows skipped: %(skipped)d.",
        confirmed=counts.get(Outcome.CONFIRMED.value, 0),
        pending=counts.get(Outcome.PENDING.value, 0),
        waitlisted=counts.get(Outcome.WAITLISTED.value, 0),
        skipped=counts["skipped"],
    )
    return f"{imported}{outcomes}"


def queue_import(
    event_id: int, token: str, *, owner_id: int, skip_invalid: bool, filename: str, locale: str
) -> Job:
    """Queue the import of the upload ``token`` in the caller's transaction."""
    payload = {
        "token": token,
        "skip_invalid": skip_invalid,
        "filename": filename,
        "label": filename,
        "locale": locale,
    }
    return enqueue(KIND, payload, owner_id=owner_id, event_id=event_id)


def _discard_upload(job: Job) -> None:
    uploads.discard(str(job.payload.get("token") or ""))


@job_kind(
    KIND,
    title=_l("Import of participants"),
    done_template="imports/job_done.html",
    on_done=_discard_upload,
)
def run_import(job: Job, progress: Progress) -> dict[str, Any]:
    payload = job.payload
    if job.event_id is None or job.owner_id is None:
        raise JobFailed(_l("This course no longer exists."))
    stored = uploads.load(str(payload.get("token") or ""), job.event_id, job.owner_id)
    if stored is None:
        raise JobFailed(
            _l("The uploaded file is no longer here (uploads are kept for a day). Upload it again.")
        )
    data, meta = stored
    try:
        parsed = ParsedUpload(data, meta)
        if parsed.mapping_errors:
            raise ImportFileError(parsed.mapping_errors[0])
        progress(0, len(parsed.inputs))
        result = imports.import_rows(
            job.event_id,
            parsed.inputs,
            actor=db.session.get(User, job.owner_id),
            skip_invalid=bool(payload.get("skip_invalid")),
            source_name=str(payload.get("filename") or ""),
            progress=progress,
        )
    except ImportRefused as refused:  # the course changed since the confirm step's check
        raise JobFailed(refused_message(refused.plan)) from None
    except ImportFileError as error:
        raise JobFailed(error.message) from None
    return {"counts": result.counts, "summary": summary(result.counts)}
