"""Staff side of imports: upload a unit's list, correct the column mapping, preview, confirm.

The uploaded file waits between steps under ``instance/imports/<random token>`` (never in the
session cookie, never at a path the client names) with a small JSON file saying whose upload it
is and for which course. It is deleted after the import or a cancel, and any upload older than a
day is swept away whenever a new one arrives.

Progress: the upload shows a progress bar (``static/js/import.js``); the preview is computed on
each page view and paginated. The confirm step checks the rows again and, if anything is refused,
redirects to the preview with nothing saved; otherwise it queues the import as a background job
(``imports/job.py``, run by ``jobs.runner`` outside the request, so no server timeout cuts it)
and sends the organizer to the job's page, which shows the rows written so far and then a
summary with links onward. The job writes every row or none, in one transaction; a failure
part-way rolls everything back and the page says that nothing was saved.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from wtforms import BooleanField
from wtforms import HiddenField
from wtforms import SelectField
from wtforms import SubmitField
from wtforms.fields.choices import SelectChoice

from ..auth.guard import guard_manage_blueprint
from ..events.access import organizer_required
from ..extensions import db
from . import reading
from . import services as imports
from . import uploads
from .job import ParsedUpload
from .job import queue_import
from .job import refused_message
from .reading import FIELD_LABELS
from .reading import FIELDS
from .reading import ImportFileError
from .services import REFUSED
from .services import ImportRefused
from .services import Outcome

imports_bp = Blueprint("imports_manage", __name__, url_prefix="/manage")
guard_manage_blueprint(imports_bp)

IGNORE = ""

OUTCOME_LABELS = {
    Outcome.CONFIRMED: _l("New: confirmed"),
    Outcome.PENDING: _l("New: pending approval"),
    Outcome.WAITLISTED: _l("New: waitlisted"),
    Outcome.DUPLICATE: _l("Duplicate in the file"),
    Outcome.REGISTERED: _l("Already registered"),
    Outcome.INVALID: _l("Invalid"),
    Outcome.FULL: _l("Course full"),
}
OUTCOME_STYLES = {
    Outcome.CONFIRMED: "success",
    Outcome.PENDING: "info",
    Outcome.WAITLISTED: "warning",
    Outcome.DUPLICATE: "danger",
    Outcome.REGISTERED: "danger",
    Outcome.INVALID: "danger",
    Outcome.FULL: "danger",
}


class UploadForm(FlaskForm):
    file = FileField(
        _l("File (Excel .xlsx or CSV)"),
        validators=[FileRequired(_l("Choose a file to upload."))],
        render_kw={"accept": ".xlsx,.csv,.txt"},
    )
    submit = SubmitField(_l("Upload and preview"))


class StepForm(FlaskForm):
    """CSRF plus the upload's token; the confirm, cancel and mapping forms extend it."""

    token = HiddenField()


class ConfirmForm(StepForm):
    skip_invalid = BooleanField(_l("Skip the rows that cannot be imported and import the others"))
    submit = SubmitField(_l("Import"))


class MappingForm(StepForm):
    """One select per column of the file, added by :func:`_mapping_form`."""

    submit = SubmitField(_l("Apply these columns"))


def _mapping_form(headers: list[str], mapping: list[str | None], formdata: Any = None) -> Any:
    choices = [SelectChoice(IGNORE, _l("(ignore this column)"))] + [
        SelectChoice(name, FIELD_LABELS[name]) for name in FIELDS
    ]

    class _Form(MappingForm):
        pass

    for index, header in enumerate(headers):
        label = header or _("Column %(n)d", n=index + 1)
        setattr(_Form, f"col_{index}", SelectField(label, choices=choices, default=IGNORE))
    form = _Form(formdata=formdata)
    if formdata is None:
        for index, name in enumerate(mapping):
            getattr(form, f"col_{index}").data = name or IGNORE
    return form


# --- reading the stored upload ------------------------------------------------------------------


def _preview_url(token: str, **args: Any) -> str:
    return url_for(".upload", event_id=g.event.id, token=token, **args)


# --- views --------------------------------------------------------------------------------------


@imports_bp.route("/events/<int:event_id>/import", methods=["GET", "POST"])
@organizer_required
def upload(event_id: int) -> Any:
    """GET: the upload form, or with ``?token=`` the preview. POST: one of the steps."""
    if request.method == "POST":
        step = request.form.get("step", "upload")
        if step == "mapping":
            return _post_mapping(event_id)
        if step == "confirm":
            return _post_confirm(event_id)
        if step == "cancel":
            return _post_cancel(event_id)
        return _post_upload(event_id)
    token = request.args.get("token", "")
    if token:
        return _show_preview(event_id, token)
    return _render_upload(UploadForm())


def _render_upload(form: UploadForm) -> Any:
    return render_template(
        "imports/upload.html", event=g.event, form=form, max_mb=reading.MAX_BYTES >> 20
    )


def _post_upload(event_id: int) -> Any:
    form = UploadForm()
    if form.validate_on_submit():
        storage = form.file.data
        data = storage.stream.read(reading.MAX_BYTES + 1)
        try:
            sheet = reading.read_file(data)
            header_index = reading.find_header(sheet)
            if len(sheet.rows) <= header_index + 1:
                raise ImportFileError(_l("The file has no participant rows below the header."))
        except ImportFileError as error:
            form.file.errors = [*form.file.errors, error.message]
        else:
            token = uploads.save(data, storage.filename or "", event_id, current_user.id)
            return redirect(_preview_url(token), 303)
    return _render_upload(form)


def _expired() -> Any:
    flash(
        _("This upload has expired or was already used. Please upload the file again."), "warning"
    )
    return redirect(url_for(".upload", event_id=g.event.id), 303)


def _show_preview(event_id: int, token: str) -> Any:
    stored = uploads.load(token, event_id, current_user.id)
    if stored is None:
        return _expired()
    data, meta = stored
    try:
        parsed = ParsedUpload(data, meta)
        plan = imports.preview(g.event, parsed.inputs) if not parsed.mapping_errors else None
    except ImportFileError as error:
        uploads.discard(token)
        flash(error.message, "danger")
        return redirect(url_for(".upload", event_id=event_id), 303)
    return _render_preview(token, meta, parsed, plan)


def _render_preview(
    token: str,
    meta: dict[str, Any],
    parsed: ParsedUpload,
    plan: imports.Plan | None,
    mapping_form: Any = None,
) -> Any:
    rows = plan.rows if plan else []
    refused = plan.refused if plan else []
    show = request.args.get("show", "problems" if refused else "all")
    shown = refused if show == "problems" else rows
    per_page = current_app.config["ITEMS_PER_PAGE"]
    pages = max((len(shown) + per_page - 1) // per_page, 1)
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    counts = plan.counts if plan else {}
    return render_template(
        "imports/preview.html",
        event=g.event,
        token=token,
        filename=meta.get("filename") or "",
        parsed=parsed,
        plan=plan,
        counts=counts,
        accepted=len(rows) - len(refused),
        refused=len(refused),
        show=show,
        rows=shown[(page - 1) * per_page : page * per_page],
        page=page,
        pages=pages,
        fields=FIELDS,
        field_labels=FIELD_LABELS,
        outcome_labels=OUTCOME_LABELS,
        outcome_styles=OUTCOME_STYLES,
        refused_outcomes=REFUSED,
        mapping_form=mapping_form or _mapping_form(parsed.headers, parsed.mapping),
        confirm_form=ConfirmForm(token=token),
        cancel_form=StepForm(token=token),
    )


def _post_mapping(event_id: int) -> Any:
    token = request.form.get("token", "")
    stored = uploads.load(token, event_id, current_user.id)
    if stored is None:
        return _expired()
    data, meta = stored
    try:
        parsed = ParsedUpload(data, meta)
    except ImportFileError as error:
        flash(error.message, "danger")
        return redirect(url_for(".upload", event_id=event_id), 303)
    form = _mapping_form(parsed.headers, parsed.mapping, formdata=request.form)
    if not form.validate_on_submit():
        # An unknown choice or an expired form: show the preview with the errors by the fields.
        return _render_preview(token, meta, parsed, None, mapping_form=form)
    mapping = [getattr(form, f"col_{index}").data or None for index in range(len(parsed.headers))]
    uploads.save_mapping(token, meta, mapping)
    errors = reading.mapping_errors(mapping)
    if not errors:
        flash(_("The columns were updated."), "success")
    return redirect(_preview_url(token), 303)


def _post_confirm(event_id: int) -> Any:
    """Check the upload again (read-only) and refuse with a redirect as the preview would; when
    it can go ahead, answer with a streamed page that reports each batch (:func:`_run_import`)."""
    form = ConfirmForm()
    token = form.token.data or ""
    stored = uploads.load(token, event_id, current_user.id)
    if stored is None:
        return _expired()
    data, meta = stored
    if not form.validate_on_submit():
        flash(
            _("Your form expired or was sent twice. Please reload the page and try again."),
            "danger",
        )
        return redirect(_preview_url(token), 303)
    skip_invalid = bool(form.skip_invalid.data)
    try:
        parsed = ParsedUpload(data, meta)
        if parsed.mapping_errors:
            raise ImportFileError(parsed.mapping_errors[0])
        plan = imports.preview(g.event, parsed.inputs)
        if plan.refused and not skip_invalid:
            raise ImportRefused(plan)
        if not plan.accepted:
            raise ImportFileError(_l("No row can be imported."))
    except ImportRefused as refused:
        db.session.rollback()
        flash(refused_message(refused.plan), "danger")
        return redirect(_preview_url(token, show="problems"), 303)
    except ImportFileError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(_preview_url(token), 303)
    db.session.rollback()  # read-only so far; the job takes its own transaction and lock
    job = queue_import(
        event_id,
        token,
        owner_id=current_user.id,
        skip_invalid=skip_invalid,
        filename=meta.get("filename") or "",
        locale=str(get_locale() or "vi"),
    )
    db.session.commit()
    return redirect(url_for("jobs_manage.job_page", event_id=event_id, job_id=job.id), 303)


def _post_cancel(event_id: int) -> Any:
    form = StepForm()
    token = form.token.data or ""
    if not form.validate_on_submit():
        return redirect(url_for(".upload", event_id=event_id), 303)
    # Only the account that uploaded the file, for this course, may throw it away: another
    # account's token (even an admin's on the course), or one already used, is refused with the
    # expired-upload message, which tells nobody whose it is, and the file stays.
    if uploads.load(token, event_id, current_user.id) is None:
        return _expired()
    uploads.discard(token)
    flash(_("The upload was discarded; nothing was imported."), "info")
    return redirect(url_for(".upload", event_id=event_id), 303)


@imports_bp.get("/events/<int:event_id>/import/template.xlsx")
@organizer_required
def template_xlsx(event_id: int) -> Response:
    return _download(
        reading.template_xlsx(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "mau-danh-sach-hoc-vien.xlsx",
    )


@imports_bp.get("/events/<int:event_id>/import/template.csv")
@organizer_required
def template_csv(event_id: int) -> Response:
    return _download(
        reading.template_csv(), "text/csv; charset=utf-8", "mau-danh-sach-hoc-vien.csv"
    )


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
