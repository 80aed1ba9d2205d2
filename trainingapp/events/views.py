"""Public pages: the course list and a course's page.

Both are served through :mod:`.caching`: a fixed few queries whatever the size of the agenda or
the number of registrations (the course, its seats left; the agenda only when its fragment is not
stored yet), and for anonymous visitors the whole page from the store with an ETag."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import get_template_attribute
from flask import render_template
from flask import request
from markupsafe import Markup
from sqlalchemy import select

from ..common.dbtx import autocommit_reads
from ..extensions import db
from ..registration.seats import SEATS_LEFT
from ..registration.seats import seats_left_of
from .agenda import public_agenda
from .caching import course_version
from .caching import fragment
from .caching import public_page
from .models import Event
from .models import EventStatus
from .services import PUBLIC_STATUSES
from .services import past_public_events
from .services import registration_is_open
from .services import upcoming_public_events

bp = Blueprint("events", __name__)

#: the macros of ``events/_course.html`` that make a course's stored fragments
COURSE_PIECES = ("header", "main", "about")


#: what the home page's key needs of each course (seats left, whether registration is open, its
#: version): read as plain rows; the courses themselves are loaded only to render the page
_KEY_COLUMNS = (
    Event.id,
    Event.created_at,
    Event.content_version,
    Event.capacity,
    Event.approval_required,
    Event.waitlist_enabled,
    Event.nominations_close_at,
    Event.status,
    Event.start_date,
    Event.registration_opens_at,
    Event.registration_closes_at,
    SEATS_LEFT,
)


@bp.get("/")
def index() -> Any:
    autocommit_reads(db.session)
    rows = db.session.execute(upcoming_public_events().with_only_columns(*_KEY_COLUMNS)).all()
    left = {row.id: seats_left_of(row.seats_left) for row in rows}
    open_ids = {row.id for row in rows if registration_is_open(row)}
    parts = [(*course_version(row), left[row.id], row.id in open_ids) for row in rows]

    def render() -> str:
        # Only the courses of the key: one published since the first query waits for the next.
        events = [e for e in db.session.scalars(upcoming_public_events()) if e.id in left]
        return render_template(
            "events/index.html", events=events, seats_left=left, open_ids=open_ids
        )

    return public_page(("index", *parts), render)


@bp.get("/archive")
def archive() -> str:
    page = db.paginate(
        past_public_events(),
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["ITEMS_PER_PAGE"],
        error_out=False,
    )
    return render_template("events/archive.html", page=page)


def public_course(slug: str) -> tuple[Event, int]:
    """A course its public page shows (archived ones too) and its seats left, in one query;
    without its agenda: that comes with :func:`course_pieces` when it is not stored."""
    row = db.session.execute(
        select(Event, SEATS_LEFT).where(
            Event.slug == slug, Event.status.in_((*PUBLIC_STATUSES, EventStatus.ARCHIVED))
        )
    ).one_or_none()
    if row is None:
        abort(404)
    return row[0], seats_left_of(row[1])


def course_pieces(event: Event) -> dict[str, Markup]:
    """The parts of the course page that only its content changes (title and organizers, the
    description and agenda, dates and venue), stored per course version and language."""

    def render() -> dict[str, str]:
        agenda = public_agenda(event.id)
        organizers = [event.organizer.name, *(unit.name for unit in event.co_organizers)]
        return {
            name: str(
                get_template_attribute("events/_course.html", name)(
                    event=event, organizers=organizers, agenda=agenda
                )
            )
            for name in COURSE_PIECES
        }

    return fragment(("course", *course_version(event)), render)


@bp.get("/events/<slug>")
def detail(slug: str) -> Any:
    autocommit_reads(db.session)
    event, left = public_course(slug)
    is_open = registration_is_open(event)
    return public_page(
        ("course", *course_version(event), left, is_open),
        lambda: render_template(
            "events/detail.html",
            event=event,
            pieces=course_pieces(event),
            seats_left=left,
            registration_open=is_open,
        ),
    )
