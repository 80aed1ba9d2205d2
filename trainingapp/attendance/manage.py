"""The check-in desk: pick the session, then check people in by QR scan, typed code or search,
add walk-ins, undo mistakes; and the paper-tick page after the course.

Every POST works without JavaScript (303 back to the check-in page, which shows the result panel
kept in the session). ``static/js/checkin.js`` sends the same POSTs with ``Accept:
application/json`` and gets the rendered panel back, so the page never reloads at the door.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint
from flask import abort
from flask import flash
from flask import g
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import session as browser_session
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guard import guard_manage_blueprint
from ..common.errors import DomainError
from ..common.errors import show_on_form
from ..common.time import local_today
from ..events.models import EventSession
from ..events.models import StaffRole
from ..extensions import db
from ..registration.errors import AlreadyRegistered
from ..registration.labels import STATUS_LABELS as REGISTRATION_STATUS_LABELS
from ..registration.models import Registration
from . import marks
from . import offline
from . import services
from .forms import CodeForm
from .forms import PaperForm
from .forms import SessionActionForm
from .forms import WalkInForm
from .marks import MARK_LABELS
from .marks import Mark
from .models import Attendance
from .models import CheckInMethod
from .services import CheckInResult
from .services import Outcome

attendance_bp = Blueprint("attendance_manage", __name__, url_prefix="/manage")
guard_manage_blueprint(attendance_bp)

#: rows per page of the paper-tick page (numbering continues across pages)
PAPER_PER_PAGE = 100
#: flask session key of the last check-in result, shown once after the redirect
RESULT_KEY = "checkin_result"
#: the answer to a check-in for a session that is not today, sent without the confirmation
CONFIRM_DATE = "confirm_date"
MAX_IDS = 1000


def _int_arg(value: Any) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 12 else None


def _selected_session(sessions: list[EventSession], raw: Any) -> EventSession | None:
    wanted = _int_arg(raw)
    for candidate in sessions:
        if candidate.id == wanted:
            return candidate
    return services.current_session(sessions)


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def _not_today(event_session: EventSession) -> bool:
    return event_session.date != local_today()


def _confirmed_date(event_session: EventSession) -> str:
    """The session's date (ISO) when the request carries the staff member's confirmation that they
    check in for a session that is not today (``confirm_date``: the form of a POST, the address of
    the page); else "". The confirmation names the date, so it holds for this session only, and
    no longer once the session is moved to another day."""
    if not _not_today(event_session):
        return ""
    source = request.form if request.method == "POST" else request.args
    wanted = event_session.date.isoformat()
    return wanted if source.get("confirm_date") == wanted else ""


def _checkin_url(
    event_session: EventSession | None, q: str | None = None, confirm_date: str | None = None
) -> str:
    """The check-in page; it keeps the request's date confirmation unless ``confirm_date`` is
    given, so a whole morning of scans needs one confirmation, also without JavaScript."""
    if confirm_date is None and event_session is not None:
        confirm_date = _confirmed_date(event_session)
    return url_for(
        ".checkin",
        event_id=g.event.id,
        session=event_session.id if event_session else None,
        q=q or None,
        confirm_date=confirm_date or None,
    )


@dataclass
class DateConfirmation:
    """A check-in not recorded because its session is not today. The panel asks "Yes, check in
    for 16/08?" with a form that posts the same check-in again, confirmed."""

    #: the one-tap check-in's registration, or None for a typed or scanned code
    registration_id: int | None
    #: the posted fields to send again (session, code and via, or q)
    fields: dict[str, str]

    @property
    def action(self) -> str:
        if self.registration_id is None:
            return url_for(".checkin_code", event_id=g.event.id)
        return url_for(".checkin_one", event_id=g.event.id, registration_id=self.registration_id)


@dataclass
class Panel:
    """What the result box shows: the outcome of a check-in, or the question about the date; and
    the code that was typed or scanned, if any."""

    result: CheckInResult | None = None
    confirmation: DateConfirmation | None = None
    tried_code: str = ""

    @property
    def kept_code(self) -> str:
        """The code to leave in the input: one that checked nobody in (unknown, or waiting for
        the date to be confirmed) stays, so it can be corrected or sent again."""
        unknown = self.result is not None and self.result.outcome == Outcome.NOT_REGISTERED
        return self.tried_code if unknown or self.confirmation is not None else ""


def _remember(shown: Panel | CheckInResult) -> None:
    panel = shown if isinstance(shown, Panel) else Panel(result=shown)
    stored: dict[str, Any] = {"tried": panel.tried_code}
    result = panel.result
    if result is not None:
        stored |= {
            "outcome": result.outcome.value,
            "registration_id": result.registration.id if result.registration else None,
            "attendance_id": result.attendance.id if result.attendance else None,
            "at": result.checked_in_at.isoformat() if result.checked_in_at else None,
        }
    if panel.confirmation is not None:
        stored |= {
            "outcome": CONFIRM_DATE,
            "registration_id": panel.confirmation.registration_id,
            "fields": panel.confirmation.fields,
        }
    browser_session[RESULT_KEY] = stored


def _recall_confirmation(
    stored: dict[str, Any], event_session: EventSession
) -> DateConfirmation | None:
    fields = stored.get("fields")
    if not isinstance(fields, dict) or fields.get("session") != str(event_session.id):
        return None
    return DateConfirmation(
        _int_arg(stored.get("registration_id")),
        {str(key): str(value) for key, value in fields.items()},
    )


def _recall(event_session: EventSession) -> Panel | None:
    """The panel stored by the last POST (one or two queries), forgotten once shown."""
    stored = browser_session.pop(RESULT_KEY, None)
    if not isinstance(stored, dict):
        return None
    tried = str(stored.get("tried") or "")[:200]
    if stored.get("outcome") == CONFIRM_DATE:
        confirmation = _recall_confirmation(stored, event_session)
        return Panel(confirmation=confirmation, tried_code=tried) if confirmation else None
    try:
        outcome = Outcome(str(stored.get("outcome")))
    except ValueError:
        return None
    registration_id = _int_arg(stored.get("registration_id"))
    registration = db.session.get(Registration, registration_id) if registration_id else None
    if registration is not None and registration.event_id != g.event.id:
        return None
    attendance_id = _int_arg(stored.get("attendance_id"))
    attendance = db.session.get(Attendance, attendance_id) if attendance_id else None
    at = stored.get("at")
    result = CheckInResult(
        outcome,
        registration,
        attendance,
        datetime.fromisoformat(at) if isinstance(at, str) else None,
    )
    return Panel(result=result, tried_code=tried)


def _render_result(panel: Panel, event_session: EventSession, q: str = "") -> str:
    return render_template(
        "attendance/_result.html",
        result=panel.result,
        confirmation=panel.confirmation,
        tried_code=panel.tried_code,
        event=g.event,
        event_session=event_session,
        session_day=event_session.date.strftime("%d/%m"),
        today=local_today(),
        undo_form=SessionActionForm(
            session=event_session.id, q=q, confirm_date=_confirmed_date(event_session)
        ),
        can_decide=g.event_role == StaffRole.ORGANIZER,
    )


def _respond(
    result: CheckInResult, event_session: EventSession, q: str = "", tried_code: str = ""
) -> Any:
    """JSON (panel HTML + counters) for the page's script, else remember and redirect."""
    panel = Panel(result=result, tried_code=tried_code)
    if _wants_json():
        return jsonify(
            outcome=result.outcome.value,
            ok=result.ok,
            registration_id=result.registration.id if result.registration else None,
            keep_code=bool(panel.kept_code),
            html=_render_result(panel, event_session, q),
            counts=services.counters(g.event.id, event_session.id),
        )
    _remember(panel)
    return redirect(_checkin_url(event_session, q), 303)


def _ask_date(
    event_session: EventSession,
    registration_id: int | None,
    fields: dict[str, str],
    q: str = "",
    tried_code: str = "",
) -> Any:
    """Answer a check-in for a session that is not today, sent without the confirmation: nothing
    is recorded; the panel asks to confirm (409 for the page's script, else remember and
    redirect)."""
    confirmation = DateConfirmation(registration_id, {"session": str(event_session.id), **fields})
    panel = Panel(confirmation=confirmation, tried_code=tried_code)
    if _wants_json():
        return jsonify(
            outcome=CONFIRM_DATE,
            ok=False,
            session_date=event_session.date.isoformat(),
            keep_code=bool(panel.kept_code),
            html=_render_result(panel, event_session, q),
        ), 409
    _remember(panel)
    return redirect(_checkin_url(event_session, q), 303)


def _form_session() -> EventSession | None:
    return services.session_of_course(g.event.id, _int_arg(request.form.get("session")))


def _date_warning(event_session: EventSession | None, q: str) -> dict[str, Any] | None:
    """The banner of a session that is not today: its date, and whether the page is confirmed."""
    if event_session is None or not _not_today(event_session):
        return None
    iso = event_session.date.isoformat()
    return {
        "date": event_session.date,
        "today": local_today(),
        "day": event_session.date.strftime("%d/%m"),
        "iso": iso,
        "confirmed": bool(_confirmed_date(event_session)),
        "confirm_url": _checkin_url(event_session, q, confirm_date=iso),
    }


# --- the check-in page --------------------------------------------------------------------------


@attendance_bp.get("/events/<int:event_id>/checkin")
def checkin(event_id: int) -> Any:
    sessions = services.course_sessions(event_id)
    event_session = _selected_session(sessions, request.args.get("session"))
    q = (request.args.get("q") or "").strip()[:100]
    results = services.search(event_id, event_session.id, q) if q and event_session else []
    panel = _recall(event_session) if event_session else None
    confirmed = _confirmed_date(event_session) if event_session else ""
    code_form = CodeForm(
        session=event_session.id if event_session else "",
        confirm_date=confirmed,
        code=panel.kept_code if panel else "",
    )
    return render_template(
        "attendance/checkin.html",
        event=g.event,
        sessions=sessions,
        event_session=event_session,
        q=q,
        searched=bool(q),
        results=results,
        code_form=code_form,
        action_form=SessionActionForm(
            session=event_session.id if event_session else "", q=q, confirm_date=confirmed
        ),
        confirmed_date=confirmed,
        date_warning=_date_warning(event_session, q),
        result_html=_render_result(panel, event_session, q) if panel and event_session else "",
        counts=services.counters(event_id, event_session.id) if event_session else None,
        status_labels=REGISTRATION_STATUS_LABELS,
        offline_strings=offline.page_strings() if event_session else None,
    )


@attendance_bp.post("/events/<int:event_id>/checkin")
def checkin_code(event_id: int) -> Any:
    """Check in by typed or scanned code."""
    event_session = _form_session()
    if event_session is None:
        flash(_("Choose a session first."), "warning")
        return redirect(url_for(".checkin", event_id=event_id), 303)
    form = CodeForm()
    if not form.validate_on_submit():
        if _wants_json():
            return jsonify(outcome="invalid", ok=False, errors=form.errors), 400
        for errors in form.errors.values():
            for message in errors:
                flash(message, "warning")
        return redirect(_checkin_url(event_session), 303)
    tried = (form.code.data or "").strip()
    if _not_today(event_session) and not _confirmed_date(event_session):
        return _ask_date(
            event_session, None, {"code": tried, "via": form.via.data or ""}, tried_code=tried
        )
    method = CheckInMethod.QR if form.via.data == "camera" else CheckInMethod.CODE
    try:
        result = services.check_in_by_code(event_id, event_session, tried, method, current_user)
    except services.SessionGone:
        abort(404)
    db.session.commit()
    return _respond(result, event_session, tried_code=tried)


@attendance_bp.post("/events/<int:event_id>/checkin/<int:registration_id>")
def checkin_one(event_id: int, registration_id: int) -> Any:
    """One tap on a search result."""
    form = SessionActionForm()
    event_session = _form_session()
    if event_session is None or not form.validate_on_submit():
        flash(_("Choose a session first."), "warning")
        return redirect(url_for(".checkin", event_id=event_id), 303)
    q = (form.q.data or "")[:100]
    if _not_today(event_session) and not _confirmed_date(event_session):
        return _ask_date(event_session, registration_id, {"q": q}, q=q)
    try:
        result = services.check_in_by_id(
            event_id, event_session, registration_id, CheckInMethod.SEARCH, current_user
        )
    except services.SessionGone:
        abort(404)
    db.session.commit()
    return _respond(result, event_session, q)


@attendance_bp.post("/events/<int:event_id>/attendance/<int:attendance_id>/undo")
def undo(event_id: int, attendance_id: int) -> Any:
    form = SessionActionForm()
    event_session = _form_session()
    target = _checkin_url(event_session, form.q.data) if event_session else None
    target = target or url_for(".checkin", event_id=event_id)
    if not form.validate_on_submit():
        return redirect(target, 303)
    try:
        attendance = services.undo(event_id, attendance_id, current_user)
    except services.AttendanceError as error:
        db.session.rollback()
        flash(str(error.message), "warning")
        return redirect(target, 303)
    name = attendance.registration.full_name
    db.session.commit()
    flash(_("Check-in of %(name)s undone.", name=name), "info")
    return redirect(target, 303)


@attendance_bp.post("/events/<int:event_id>/attendance/<int:attendance_id>/late")
def late(event_id: int, attendance_id: int) -> Any:
    """At the door: mark the person just checked in as late (or on time again)."""
    form = SessionActionForm()
    event_session = _form_session()
    target = _checkin_url(event_session, form.q.data) if event_session else None
    target = target or url_for(".checkin", event_id=event_id)
    attendance = db.session.get(Attendance, attendance_id) if 0 < attendance_id < 2**31 else None
    if not form.validate_on_submit() or attendance is None:
        flash(_("This check-in no longer exists."), "warning")
        return redirect(target, 303)
    mark = Mark.PRESENT if request.form.get("late") == "0" else Mark.LATE
    try:
        marks.set_mark(
            event_id, attendance.registration_id, attendance.session_id, mark, current_user
        )
    except services.AttendanceError as error:
        db.session.rollback()
        flash(str(error.message), "warning")
        return redirect(target, 303)
    name = attendance.registration.full_name
    db.session.commit()
    flash(_("%(name)s: %(mark)s.", name=name, mark=MARK_LABELS[mark]), "info")
    return redirect(target, 303)


@attendance_bp.get("/events/<int:event_id>/checkin/counts")
def counts(event_id: int) -> Any:
    """Checked in versus expected for a session, polled by the check-in page."""
    event_session = services.session_of_course(event_id, _int_arg(request.args.get("session")))
    if event_session is None:
        return jsonify(error="unknown session"), 404
    response = jsonify(session_id=event_session.id, **services.counters(event_id, event_session.id))
    response.headers["Cache-Control"] = "no-store"
    return response


# --- walk-ins -----------------------------------------------------------------------------------


@attendance_bp.route("/events/<int:event_id>/walk-in", methods=["GET", "POST"])
def walk_in(event_id: int) -> Any:
    sessions = services.course_sessions(event_id)
    raw_session = request.form.get("session") if request.method == "POST" else None
    event_session = _selected_session(sessions, raw_session or request.args.get("session"))
    form = WalkInForm()
    if request.method == "GET":
        form.session.data = str(event_session.id) if event_session else ""
    existing: Registration | None = None
    if form.validate_on_submit():
        try:
            registration, _checked = services.walk_in(
                event_id, form.raw_input(), event_session, current_user
            )
        except AlreadyRegistered as error:
            db.session.rollback()
            show_on_form(form, error)
            existing = db.session.get(Registration, error.registration_id)
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            if registration.over_capacity:
                flash(
                    _(
                        "%(name)s registered as a walk-in over capacity (the course or the unit's quota was full).",
                        name=registration.full_name,
                    ),
                    "warning",
                )
            else:
                flash(
                    _("%(name)s registered as a walk-in.", name=registration.full_name), "success"
                )
            if _checked is not None:
                _remember(_checked)
            return redirect(_checkin_url(event_session), 303)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "attendance/walk_in.html",
        event=g.event,
        form=form,
        event_session=event_session,
        existing=existing,
        action_form=SessionActionForm(session=event_session.id if event_session else ""),
    ), status


# --- ticks from the signed paper sheet ----------------------------------------------------------


def _ids(name: str) -> list[int]:
    return [value for raw in request.form.getlist(name)[:MAX_IDS] if (value := _int_arg(raw))]


@attendance_bp.route(
    "/events/<int:event_id>/sessions/<int:session_id>/paper", methods=["GET", "POST"]
)
def paper(event_id: int, session_id: int) -> Any:
    """Enter the ticks of the signed sign-in sheet: rows in the sheet's order and numbering."""
    event_session = services.session_of_course(event_id, session_id)
    if event_session is None:
        return render_template(
            "errors/error.html",
            code=404,
            title=_("Page not found"),
            message=_("This session does not belong to the course."),
        ), 404
    page_number = request.args.get("page", 1, type=int)
    form = PaperForm()
    if request.method == "POST":
        if form.validate_on_submit():
            result = services.save_paper_ticks(
                event_id, event_session, _ids("shown"), _ids("present"), current_user
            )
            db.session.commit()
            flash(
                _(
                    "Sign-in sheet saved: %(added)d added, %(removed)d removed.",
                    added=result.added,
                    removed=result.removed,
                ),
                "success",
            )
        return redirect(
            url_for(".paper", event_id=event_id, session_id=session_id, page=page_number), 303
        )
    page = db.paginate(
        services.paper_rows(event_id),
        page=page_number,
        per_page=PAPER_PER_PAGE,
        error_out=False,
    )
    present = services.attendance_map([r.id for r in page.items], event_session.id)
    return render_template(
        "attendance/paper.html",
        event=g.event,
        event_session=event_session,
        sessions=services.course_sessions(event_id),
        page=page,
        first_number=(page.page - 1) * PAPER_PER_PAGE + 1,
        present=present,
        form=form,
        counts=services.counters(event_id, event_session.id),
    )
