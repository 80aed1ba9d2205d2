"""Staff exports of a course: registrations (CSV, XLSX), the sign-in sheet (print view, PDF, XLSX)
and the attendance report (page, XLSX). Any account with a role on the course may use them; every
download is audited and the audit entry is committed before the file is sent."""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import g
from flask import render_template
from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from ..auth.guard import guard_manage_blueprint
from ..events.access import organizer_required
from ..events.labels import session_label
from ..events.manage_blueprint import can_edit
from ..events.models import Event
from ..events.models import EventSession
from ..extensions import db
from . import report as reports
from . import services
from .course_report import COURSE_REPORT_EXPORT
from .course_report import course_report
from .csv import iter_csv
from .filters import FILTER_ARGS
from .filters import ListFilters
from .filters import filters_from_args
from .report_docx import DOCX_MIMETYPE
from .report_docx import render_report
from .report_docx import report_filename
from .rows import registration_table
from .rows import signin_header
from .rows import signin_rows
from .signin_sheet import sheet_header
from .signin_sheet import signin_pdf
from .signin_sheet import signin_xlsx
from .xlsx import XLSX_MIMETYPE
from .xlsx import write_table

exports_bp = Blueprint("exports_manage", __name__, url_prefix="/manage")
guard_manage_blueprint(exports_bp)

NO_STORE = {"Cache-Control": "no-store"}


def _event() -> Event:
    event: Event = g.event
    return event


def css_string(text: str) -> Markup:
    """``text`` as a quoted CSS string, every character but letters, digits and spaces escaped."""
    escaped = "".join(
        ch if ch.isascii() and (ch.isalnum() or ch == " ") else f"\\{ord(ch):06x}" for ch in text
    )
    return Markup(f'"{escaped}"')  # noqa: S704  (only hex escapes and [A-Za-z0-9 ])


def _filters() -> tuple[ListFilters, dict[str, str]]:
    """The registrant list's filters from the query string, and the ones given (for the audit)."""
    given = {name: request.args[name][:100] for name in FILTER_ARGS if request.args.get(name)}
    return filters_from_args(request.args), given


def _chosen_session(event: Event) -> EventSession | None:
    """``?session=<id>``: a session of this course, or 404; absent or empty means the course."""
    raw = request.args.get("session", "")
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 12:
        abort(404)
    event_session: EventSession = db.first_or_404(
        select(EventSession).where(EventSession.id == int(raw), EventSession.event_id == event.id)
    )
    return event_session


FILE_CHUNK = 64 * 1024


def _stream_file(path: Path) -> Iterator[bytes]:
    try:
        with path.open("rb") as file:
            while chunk := file.read(FILE_CHUNK):
                yield chunk
    finally:
        path.unlink(missing_ok=True)


def _attachment(body: Any, mimetype: str, name: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers.update(NO_STORE)
    return response


def _file_download(path: Path, mimetype: str, name: str) -> Response:
    """Stream a temporary file and delete it; nothing is opened until the server reads the body,
    and the file is deleted even if the response is dropped unread."""
    response = _attachment(_stream_file(path), mimetype, name)
    response.headers["Content-Length"] = str(path.stat().st_size)
    response.call_on_close(lambda: path.unlink(missing_ok=True))
    weakref.finalize(response, path.unlink, missing_ok=True)
    return response


def _in_app_context(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Run a streamed body in an application context of its own: the request's context (and its
    database session) is gone by the time a WSGI server reads the body."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def body() -> Iterator[bytes]:
        with app.app_context():
            yield from chunks

    return body()


# --- Registrations ---------------------------------------------------------------------------------


@exports_bp.get("/events/<int:event_id>/export.csv")
def export_csv(event_id: int) -> Any:
    event = _event()
    filters, given = _filters()
    table = registration_table(event, filters)
    services.record_export(
        current_user,
        services.REGISTRATION_EXPORT,
        event,
        file_format="csv",
        rows=table.count,
        filters=given,
    )
    name = f"{event.slug}-registrations.csv"
    db.session.commit()  # the audit entry is kept even if the download is interrupted
    # ``mimetype`` gets its charset from Werkzeug: "text/csv; charset=utf-8", said once.
    return _attachment(_in_app_context(iter_csv(table)), "text/csv", name)


@exports_bp.get("/events/<int:event_id>/export.xlsx")
def export_xlsx(event_id: int) -> Any:
    event = _event()
    filters, given = _filters()
    name = f"{event.slug}-registrations.xlsx"
    path, written = write_table(registration_table(event, filters))
    try:
        services.record_export(
            current_user,
            services.REGISTRATION_EXPORT,
            event,
            file_format="xlsx",
            rows=written,
            filters=given,
        )
        db.session.commit()
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return _file_download(path, XLSX_MIMETYPE, name)


# --- Sign-in sheet -------------------------------------------------------------------------------


def _signin_export(file_format: str) -> tuple[Any, Any, EventSession | None]:
    event = _event()
    event_session = _chosen_session(event)
    header = sheet_header(event, event_session)
    rows = signin_rows(event.id)
    services.record_export(
        current_user,
        services.SIGNIN_SHEET_EXPORT,
        event,
        file_format=file_format,
        rows=len(rows),
        event_session=event_session,
    )
    return header, rows, event_session


@exports_bp.get("/events/<int:event_id>/signin-sheet")
def signin_sheet(event_id: int) -> Any:
    header, rows, event_session = _signin_export("html")
    event = _event()
    sessions = list(event.sessions)
    slug = event.slug
    db.session.commit()
    return (
        render_template(
            "exports/signin_sheet.html",
            event_id=event_id,
            slug=slug,
            header=header,
            columns=signin_header(),
            rows=rows,
            sessions=[(s, session_label(s)) for s in sessions],
            chosen=event_session.id if event_session else None,
            page_label_css=css_string(_("Page")),
        ),
        200,
        NO_STORE,
    )


@exports_bp.get("/events/<int:event_id>/signin-sheet.pdf")
def signin_sheet_pdf(event_id: int) -> Any:
    header, rows, _session = _signin_export("pdf")
    name = f"{_event().slug}-signin-sheet.pdf"
    content = signin_pdf(header, rows)
    db.session.commit()
    return _attachment(content, "application/pdf", name)


@exports_bp.get("/events/<int:event_id>/signin-sheet.xlsx")
def signin_sheet_xlsx(event_id: int) -> Any:
    header, rows, _session = _signin_export("xlsx")
    name = f"{_event().slug}-signin-sheet.xlsx"
    path = signin_xlsx(header, rows)
    try:
        db.session.commit()
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return _file_download(path, XLSX_MIMETYPE, name)


# --- Attendance report --------------------------------------------------------------------------------


@exports_bp.get("/events/<int:event_id>/report")
def report(event_id: int) -> Any:
    event = _event()
    figures = reports.attendance_report(event)
    return render_template(
        "exports/report.html",
        event=event,
        can_edit=can_edit(),
        report=figures,
        charts={
            "sessions": reports.bar_chart(figures.sessions),
            "kinds": reports.bar_chart(figures.kinds),
            "units": reports.bar_chart(figures.units),
        },
        title=_("Attendance report"),
    )


@exports_bp.get("/events/<int:event_id>/report.xlsx")
def report_xlsx(event_id: int) -> Any:
    event = _event()
    figures = reports.attendance_report(event)
    name = f"{event.slug}-attendance-report.xlsx"
    path = reports.report_xlsx(event, figures)
    try:
        services.record_export(
            current_user,
            services.REPORT_EXPORT,
            event,
            file_format="xlsx",
            rows=len(figures.units),
        )
        db.session.commit()
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return _file_download(path, XLSX_MIMETYPE, name)


@exports_bp.get("/events/<int:event_id>/report.docx")
@organizer_required
def report_docx(event_id: int) -> Any:
    """The course report (báo cáo kết quả), Decree 30/2020 layout, for the organizer to finish
    in Word: figures as on the report page, the sign-in list and the absentees as annexes."""
    event = _event()
    figures = course_report(event)
    content = render_report(figures)
    services.record_export(
        current_user, COURSE_REPORT_EXPORT, event, file_format="docx", rows=len(figures.signin)
    )
    db.session.commit()
    return _attachment(content, DOCX_MIMETYPE, report_filename(event.slug))
