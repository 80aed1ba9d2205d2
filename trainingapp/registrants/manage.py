"""Staff list of a course's registrations: search, filters, sort, bulk actions; one
registration's page (details, attendance, history) and its edit form.

Who may do what (see ACCESS in tests/test_permissions.py): every account with a role on the
course may see the list and a registration, edit a registration's details (typos fixed at the
door; audited) and mark attendance; confirming, rejecting and cancelling change who holds a seat
and are for the course's organizers (and admins) only.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import HiddenField
from wtforms import SelectField
from wtforms import StringField
from wtforms import SubmitField
from wtforms.validators import Length

from ..attendance import marks as attendance_marks
from ..attendance import services as attendance_services
from ..attendance.marks import MARK_LABELS
from ..attendance.marks import REASON_MAX
from ..attendance.marks import Mark
from ..auth.guard import guard_manage_blueprint
from ..common.errors import DomainError
from ..common.errors import show_on_form
from ..events.manage_blueprint import as_choices
from ..events.models import StaffRole
from ..extensions import db
from ..organizations.models import Organization
from ..organizations.models import OrganizationKind
from ..organizations.services import KIND_LABELS
from ..registration.forms import RegistrationForm
from ..registration.labels import SOURCE_LABELS
from ..registration.labels import STATUS_LABELS as REGISTRATION_STATUS_LABELS
from ..registration.models import Registration
from ..registration.models import RegistrationSource
from ..registration.models import RegistrationStatus
from . import services as registrants
from .listing import ATTENDED
from .listing import NOT_ATTENDED
from .listing import SORT_NAME
from .listing import SORT_TIME
from .listing import ListFilters
from .listing import registrants_query

registrants_bp = Blueprint("registrants_manage", __name__, url_prefix="/manage")
guard_manage_blueprint(registrants_bp)

MAX_BULK = 500

STATUS_LABELS = REGISTRATION_STATUS_LABELS
STATUS_COLOURS = {
    RegistrationStatus.PENDING: "warning",
    RegistrationStatus.CONFIRMED: "success",
    RegistrationStatus.WAITLISTED: "info",
    RegistrationStatus.CANCELLED: "secondary",
    RegistrationStatus.REJECTED: "danger",
}
#: bulk actions and whether they need an organizer
ACTIONS = {"confirm": True, "reject": True, "cancel": True, "attend": False}


class FilterForm(FlaskForm):
    """The list's GET filters (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Search"),
        render_kw={
            # Short enough for a phone's width; the label says the rest.
            "placeholder": _l("Name, unit, phone, code"),
            "type": "search",
            "autocomplete": "off",
        },
    )
    status = SelectField(_l("Status"), validate_choice=False)
    kind = SelectField(_l("Kind of unit"), validate_choice=False)
    organization = SelectField(_l("Organization"), validate_choice=False)
    source = SelectField(_l("Source"), validate_choice=False)
    session = SelectField(_l("Session"), validate_choice=False)
    attendance = SelectField(_l("Attendance"), validate_choice=False)
    sort = SelectField(_l("Order"), validate_choice=False)


class BulkForm(FlaskForm):
    """CSRF only; ids, action and session come from the posted checkboxes and selects."""


class MarkForm(FlaskForm):
    """One session's attendance mark on a registration's page."""

    session_id = HiddenField()
    mark = SelectField(_l("Mark"), choices=as_choices((m.value, MARK_LABELS[m]) for m in Mark))
    reason = StringField(_l("Reason (for an excused absence)"), validators=[Length(max=REASON_MAX)])
    submit = SubmitField(_l("Save the mark"))


class RegistrationEditForm(RegistrationForm):
    """The public form's fields and validation, without the participant's consent box."""

    consent = None
    submit = SubmitField(_l("Save"))


def _enum(enum: Any, raw: str | None) -> Any:
    try:
        return enum(raw) if raw else None
    except ValueError:
        return None


def _int(raw: Any) -> int | None:
    text = str(raw or "")
    return int(text) if text.isdigit() and len(text) < 12 else None


def _can_decide() -> bool:
    return bool(g.event_role == StaffRole.ORGANIZER)


def _unit_choices(event_id: int) -> list[tuple[str, str]]:
    """Units that have registrations in this course (one query)."""
    used = (
        select(Registration.organization_id)
        .where(Registration.event_id == event_id)
        .distinct()
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Organization.id, Organization.name)
        .where(Organization.id.in_(used))
        .order_by(Organization.name_key)
    ).all()
    return [("", _("All organizations")), *((str(i), name) for i, name in rows)]


@registrants_bp.get("/events/<int:event_id>/registrations")
def registrations(event_id: int) -> Any:
    sessions = attendance_services.course_sessions(event_id)
    form = FilterForm(request.args)
    form.status.choices = [("", _("All statuses"))] + [
        (s.value, str(label)) for s, label in STATUS_LABELS.items()
    ]
    form.kind.choices = [("", _("All kinds"))] + [
        (k.value, str(label)) for k, label in KIND_LABELS.items()
    ]
    form.organization.choices = _unit_choices(event_id)
    form.source.choices = [("", _("All sources"))] + [
        (s.value, str(label)) for s, label in SOURCE_LABELS.items()
    ]
    form.session.choices = [("", _("Any session"))] + [(str(s.id), s.name) for s in sessions]
    form.attendance.choices = [
        ("", _("Attended or not")),
        (ATTENDED, _("Attended")),
        (NOT_ATTENDED, _("Not attended")),
    ]
    form.sort.choices = [(SORT_NAME, _("Name (official order)")), (SORT_TIME, _("Newest first"))]
    session_ids = {s.id for s in sessions}
    session_id = _int(form.session.data)
    filters = ListFilters(
        q=(form.q.data or "").strip(),
        status=_enum(RegistrationStatus, form.status.data),
        kind=_enum(OrganizationKind, form.kind.data),
        organization_id=_int(form.organization.data),
        source=_enum(RegistrationSource, form.source.data),
        session_id=session_id if session_id in session_ids else None,
        attendance=form.attendance.data or None,
        sort=form.sort.data if form.sort.data in (SORT_NAME, SORT_TIME) else SORT_NAME,
    )
    page = db.paginate(
        registrants_query(event_id, filters),
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["ITEMS_PER_PAGE"],
        max_per_page=current_app.config["ITEMS_PER_PAGE"],
        error_out=False,
    )
    present = attendance_services.attendance_map([r.id for r in page.items])
    excused = attendance_marks.excused_map([r.id for r in page.items])
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "registrants/list.html",
        event=g.event,
        form=form,
        filtered=any(v for k, v in args.items() if k != "sort"),
        page=page,
        args=args,
        sessions=sessions,
        present=present,
        excused=excused,
        mark_labels=MARK_LABELS,
        bulk_form=BulkForm(),
        can_decide=_can_decide(),
        status_labels=STATUS_LABELS,
        status_colours=STATUS_COLOURS,
        source_labels=SOURCE_LABELS,
        current_session=attendance_services.current_session(sessions),
    )


def _flash_counts(action: str, result: Any) -> None:
    if action == "attend":
        if result.checked_in:
            flash(
                ngettext(
                    "%(num)d participant marked as attended.",
                    "%(num)d participants marked as attended.",
                    len(result.checked_in),
                ),
                "success",
            )
        if result.already:
            flash(
                ngettext(
                    "%(num)d was already checked in.",
                    "%(num)d were already checked in.",
                    len(result.already),
                ),
                "info",
            )
        if result.refused:
            flash(
                ngettext(
                    "%(num)d not marked: only confirmed registrations can attend.",
                    "%(num)d not marked: only confirmed registrations can attend.",
                    len(result.refused),
                ),
                "warning",
            )
        return
    messages = {
        "confirm": ngettext(
            "%(num)d registration confirmed.",
            "%(num)d registrations confirmed.",
            len(result.changed),
        ),
        "reject": ngettext(
            "%(num)d registration rejected.",
            "%(num)d registrations rejected.",
            len(result.changed),
        ),
        "cancel": ngettext(
            "%(num)d registration cancelled.",
            "%(num)d registrations cancelled.",
            len(result.changed),
        ),
    }
    if result.changed:
        flash(messages[action], "success")
    if result.waitlisted:
        flash(
            ngettext(
                "%(num)d moved to the waiting list: no seat left in the course or the unit's quota.",
                "%(num)d moved to the waiting list: no seat left in the course or the unit's quota.",
                len(result.waitlisted),
            ),
            "info",
        )
    if result.promoted:
        flash(
            ngettext(
                "%(num)d registration confirmed from the waiting list.",
                "%(num)d registrations confirmed from the waiting list.",
                len(result.promoted),
            ),
            "info",
        )
    if result.skipped:
        hint = {
            "confirm": _("only pending or waitlisted ones with a free seat can be confirmed"),
            "reject": _("only pending ones can be rejected"),
            "cancel": _("they were already cancelled or rejected"),
        }[action]
        flash(
            ngettext(
                "%(num)d left unchanged: %(hint)s.",
                "%(num)d left unchanged: %(hint)s.",
                len(result.skipped),
                hint=hint,
            ),
            "warning",
        )


@registrants_bp.post("/events/<int:event_id>/registrations")
def bulk(event_id: int) -> Any:
    """One POST for the checked rows: confirm, reject, cancel (organizers) or mark attended."""
    back = request.form.get("back", "")
    back_id = _int(back)
    target = (
        url_for(".registration", event_id=event_id, registration_id=back_id)
        if back_id
        else url_for(".registrations", event_id=event_id, **_list_args(back))
    )
    if not BulkForm().validate_on_submit():
        flash(
            _("Your form expired or was sent twice. Please reload the page and try again."),
            "danger",
        )
        return redirect(target, 303)
    action = request.form.get("action", "")
    ids = [i for raw in request.form.getlist("ids")[:MAX_BULK] if (i := _int(raw))]
    if action not in ACTIONS:
        flash(_("Choose what to do with the selected registrations."), "warning")
        return redirect(target, 303)
    if ACTIONS[action] and not _can_decide():
        abort(403)
    if not ids:
        flash(_("Select at least one registration."), "warning")
        return redirect(target, 303)
    if action == "attend":
        event_session = attendance_services.session_of_course(
            event_id, _int(request.form.get("session"))
        )
        if event_session is None:
            flash(_("Choose the session they attended."), "warning")
            return redirect(target, 303)
        result: Any = attendance_services.mark_attended(event_id, event_session, ids, current_user)
        db.session.commit()
        _flash_counts(action, result)
        return redirect(target, 303)
    verb = {
        "confirm": registrants.confirm_many,
        "reject": registrants.reject_many,
        "cancel": registrants.cancel_many,
    }[action]
    result = verb(event_id, ids, current_user)
    db.session.commit()
    _flash_counts(action, result)
    return redirect(target, 303)


def _list_args(back: str) -> dict[str, Any]:
    """The list's query string posted back as ``back`` (``q=..&status=..``), kept on redirect."""
    from urllib.parse import parse_qsl

    allowed = {"q", "status", "kind", "organization", "source", "session", "attendance", "sort"}
    return {k: v[:100] for k, v in parse_qsl(back[:1000]) if k in allowed or k == "page"}


def _registration_or_404(event_id: int, registration_id: int) -> Registration:
    registration = (
        db.session.scalar(
            select(Registration)
            .where(Registration.id == registration_id, Registration.event_id == event_id)
            .options(selectinload(Registration.organization))
        )
        if 0 < registration_id < 2**63
        else None
    )
    if registration is None:
        abort(404)
    return registration


@registrants_bp.get("/events/<int:event_id>/pending")
def pending(event_id: int) -> Any:
    """Pending approval: the list with its status filter set (approve = confirm, reject)."""
    return redirect(
        url_for(".registrations", event_id=event_id, status=RegistrationStatus.PENDING.value),
        303,
    )


@registrants_bp.get("/events/<int:event_id>/registrations/<int:registration_id>")
def registration(event_id: int, registration_id: int) -> Any:
    item = _registration_or_404(event_id, registration_id)
    sessions = attendance_services.course_sessions(event_id)
    present = attendance_services.attendance_map([item.id]).get(item.id, {})
    excused = attendance_marks.excused_map([item.id]).get(item.id, {})
    return render_template(
        "registrants/detail.html",
        event=g.event,
        registration=item,
        sessions=sessions,
        present=present,
        excused=excused,
        mark_of=attendance_marks.mark_of,
        mark_labels=MARK_LABELS,
        mark_form=MarkForm(),
        history=registrants.registration_history(item.id),
        bulk_form=BulkForm(),
        can_decide=_can_decide(),
        status_labels=STATUS_LABELS,
        status_colours=STATUS_COLOURS,
        source_labels=SOURCE_LABELS,
    )


@registrants_bp.post("/events/<int:event_id>/registrations/<int:registration_id>/mark")
def registration_mark(event_id: int, registration_id: int) -> Any:
    """Late or on time for a check-in; excused or not for an absence (any course staff)."""
    item = _registration_or_404(event_id, registration_id)
    form = MarkForm()
    back = url_for(".registration", event_id=event_id, registration_id=item.id) + "#attendance"
    session_id = _int(form.session_id.data)
    if not form.validate_on_submit() or session_id is None:
        flash(_("The mark was not saved: %(reason)s", reason=_mark_form_error(form)), "danger")
        return redirect(back, 303)
    try:
        mark = attendance_marks.set_mark(
            event_id,
            item.id,
            session_id,
            Mark(form.mark.data),
            current_user,
            reason=form.reason.data or "",
        )
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "danger")
    else:
        db.session.commit()
        flash(_("Marked: %(mark)s.", mark=MARK_LABELS[mark]), "success")
    return redirect(back, 303)


def _mark_form_error(form: MarkForm) -> str:
    for errors in form.errors.values():
        return str(errors[0])
    return str(_("choose a session and a mark."))


@registrants_bp.route(
    "/events/<int:event_id>/registrations/<int:registration_id>/edit", methods=["GET", "POST"]
)
def registration_edit(event_id: int, registration_id: int) -> Any:
    item = _registration_or_404(event_id, registration_id)
    form = RegistrationEditForm()
    if request.method == "GET":
        form.full_name.data = item.full_name
        form.gender.data = item.gender.value if item.gender else None
        form.birth_year.data = str(item.birth_year) if item.birth_year else ""
        form.organization.data = item.organization.name if item.organization else ""
        form.position.data = item.position
        form.phone.data = item.phone or ""
        form.email.data = item.email or ""
    elif form.validate_on_submit():
        try:
            registrants.update_registration(item.id, form.raw_input(), current_user)
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Registration saved."), "success")
            return redirect(
                url_for(".registration", event_id=event_id, registration_id=registration_id), 303
            )
    return render_template("registrants/edit.html", event=g.event, registration=item, form=form), (
        400 if request.method == "POST" else 200
    )
