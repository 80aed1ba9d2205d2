"""The workspace's home pages (/manage): the list of courses and a course's dashboard, with
figures from every part of the app (registrations, quotas, attendance) and links to its pages."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import extract
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..attendance.services import attendance_by_session
from ..events.manage import TRANSITION_TEXTS
from ..events.manage_blueprint import can_edit
from ..events.models import Event
from ..events.models import EventStatus
from ..events.permissions import can_create_event
from ..events.permissions import visible_events
from ..events.services import allowed_transitions
from ..extensions import db
from ..registration import seats
from ..registration.models import RegistrationStatus
from .blueprint import workspace_bp

#: pages of other parts of the workspace, linked from the dashboard once they exist
OTHER_PAGES = [
    ("/registrations", _l("Registrations"), False),
    ("/pending", _l("Pending approval"), False),
    ("/checkin", _l("Check-in"), False),
    ("/signin-sheet", _l("Sign-in sheet"), False),
    ("/signin-sheet.pdf", _l("Sign-in sheet (PDF)"), False),
    ("/signin-sheet.xlsx", _l("Sign-in sheet (Excel)"), False),
    ("/report", _l("Attendance report"), False),
    # Excel first: a CSV opened by double-click in Excel loses phones' leading zeros and reads
    # dd/mm dates as mm/dd under English settings.
    ("/export.xlsx", _l("Export (Excel)"), False),
    ("/export.csv", _l("Export (CSV, for other programs; open the Excel file in Excel)"), False),
    ("/import", _l("Import participants"), True),
    ("/evaluation", _l("Evaluation"), True),
    ("/certificates", _l("Certificates"), False),
    ("/report.docx", _l("Course report (Word)"), True),
]


# --- Course list --------------------------------------------------------------------------------


@workspace_bp.get("/")
def index() -> Any:
    status = request.args.get("status", "")
    year = request.args.get("year", type=int)
    query = visible_events(current_user)
    years = sorted(
        {
            int(y)
            for y in db.session.scalars(
                query.with_only_columns(extract("year", Event.start_date)).distinct()
            )
            if y is not None
        },
        reverse=True,
    )
    if status in EventStatus.__members__.values():
        query = query.where(Event.status == EventStatus(status))
    else:
        status = ""
    if year is not None and year in years:
        query = query.where(extract("year", Event.start_date) == year)
    else:
        year = None
    page = db.paginate(
        query.options(selectinload(Event.organizer)).order_by(
            Event.start_date.desc(), Event.id.desc()
        ),
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["ITEMS_PER_PAGE"],
        error_out=False,
    )
    confirmed = seats.confirmed_by_event([event.id for event in page.items])
    return render_template(
        "manage/index.html",
        page=page,
        confirmed=confirmed,
        years=years,
        status=status,
        year=year,
        statuses=list(EventStatus),
        can_create=can_create_event(current_user),
    )


# --- Dashboard ----------------------------------------------------------------------------------


def _other_pages(event: Event) -> list[tuple[str, Any]]:
    """Links to pages other parts of the app provide, for those that are installed."""
    rules = {
        rule.rule: rule.endpoint
        for rule in current_app.url_map.iter_rules()
        if rule.methods and "GET" in rule.methods
    }
    links = []
    for suffix, label, organizers_only in OTHER_PAGES:
        endpoint = rules.get(f"/manage/events/<int:event_id>{suffix}")
        if endpoint and endpoint in current_app.view_functions:
            if organizers_only and not can_edit():
                continue
            links.append((url_for(endpoint, event_id=event.id), label))
    return links


@workspace_bp.get("/events/<int:event_id>")
def dashboard(event_id: int) -> Any:
    event = db.session.scalars(
        select(Event)
        .where(Event.id == event_id)
        .options(
            selectinload(Event.organizer),
            selectinload(Event.co_organizers),
            selectinload(Event.sessions),
        )
    ).one()
    counts = seats.registration_counts(event.id)
    confirmed = counts[RegistrationStatus.CONFIRMED]
    quotas = seats.quota_use(event.id)
    return render_template(
        "manage/dashboard.html",
        event=event,
        counts=counts,
        seats_left=max(event.capacity - confirmed - seats.held_seats(event), 0),
        held_seats=seats.held_seats(event),
        quotas=quotas,
        quota_total=sum(q.seats for q in quotas),
        attendance=attendance_by_session(event.id),
        can_edit=can_edit(),
        transitions=[
            (status, TRANSITION_TEXTS[(event.status, status)][0])
            for status in allowed_transitions(event)
        ],
        other_pages=_other_pages(event),
    )
