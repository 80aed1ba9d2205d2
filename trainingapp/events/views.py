"""Public pages: the course list and a course's page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import current_app
from flask import render_template
from flask import request

from ..extensions import db
from ..registration.seats import seats_left
from ..registration.seats import seats_left_by_event
from .services import past_public_events
from .services import public_event_by_slug
from .services import registration_is_open
from .services import upcoming_public_events

bp = Blueprint("events", __name__)


@bp.get("/")
def index() -> str:
    events = db.session.scalars(upcoming_public_events()).all()
    return render_template(
        "events/index.html",
        events=events,
        seats_left=seats_left_by_event(events),
        open_ids={event.id for event in events if registration_is_open(event)},
    )


@bp.get("/archive")
def archive() -> str:
    page = db.paginate(
        past_public_events(),
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["ITEMS_PER_PAGE"],
        error_out=False,
    )
    return render_template("events/archive.html", page=page)


@bp.get("/events/<slug>")
def detail(slug: str) -> Any:
    event = db.one_or_404(public_event_by_slug(slug))
    unscheduled = [topic for topic in event.topics if topic.session_id is None]
    return render_template(
        "events/detail.html",
        event=event,
        unscheduled_topics=unscheduled,
        seats_left=seats_left(event),
        registration_open=registration_is_open(event),
    )
