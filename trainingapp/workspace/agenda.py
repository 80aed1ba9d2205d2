"""Staff area: a course's agenda (/manage/events/<id>/sessions): its sessions and topics.
Routes on the shared ``events_manage`` blueprint (see :mod:`.manage_blueprint`)."""

from __future__ import annotations

from typing import Any

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from ..attendance.services import attendance_by_session
from ..attendance.services import delete_session
from ..common.errors import show_on_form
from ..common.text import name_sort_key
from ..events.access import organizer_required
from ..events.agenda import SessionData
from ..events.agenda import TopicData
from ..events.agenda import add_session
from ..events.agenda import add_topic
from ..events.agenda import delete_topic
from ..events.agenda import move_topic
from ..events.agenda import update_session
from ..events.agenda import update_topic
from ..events.forms import SessionForm
from ..events.forms import TopicForm
from ..events.manage_blueprint import as_choices
from ..events.manage_blueprint import can_edit
from ..events.manage_blueprint import current_event
from ..events.manage_blueprint import of_event
from ..events.models import Event
from ..events.models import EventSession
from ..events.models import Topic
from ..events.services import EventError
from ..extensions import db
from ..lecturers.models import Lecturer
from .blueprint import workspace_bp


def _agenda() -> Any:
    return redirect(url_for(".agenda", event_id=current_event().id), 303)


@workspace_bp.get("/events/<int:event_id>/sessions")
def agenda(event_id: int) -> Any:
    event = db.session.scalars(
        select(Event)
        .where(Event.id == event_id)
        .options(
            selectinload(Event.sessions),
            selectinload(Event.topics).selectinload(Topic.lecturers),
        )
    ).one()
    by_session: dict[int | None, list[Topic]] = {}
    for topic in event.topics:
        by_session.setdefault(topic.session_id, []).append(topic)
    return render_template(
        "manage/agenda.html",
        event=event,
        topics_by_session=by_session,
        attendance=attendance_by_session(event.id),
        can_edit=can_edit(),
    )


# --- Sessions -----------------------------------------------------------------------------------


def _session_data(form: SessionForm) -> SessionData:
    return SessionData(
        name=form.name.data or "",
        date=form.date.data,
        start_time=form.start_time.data,
        end_time=form.end_time.data,
    )


@workspace_bp.route("/events/<int:event_id>/sessions/new", methods=["GET", "POST"])
@organizer_required
def session_new(event_id: int) -> Any:
    event = current_event()
    form = SessionForm()
    if not form.is_submitted():
        form.date.data = event.start_date
    if form.validate_on_submit():
        try:
            add_session(current_user, event, _session_data(form))
        except EventError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The session has been added."), "success")
            return _agenda()
    return render_template("manage/session_form.html", form=form, event=event, event_session=None)


@workspace_bp.route(
    "/events/<int:event_id>/sessions/<int:session_id>/edit", methods=["GET", "POST"]
)
@organizer_required
def session_edit(event_id: int, session_id: int) -> Any:
    event_session = of_event(EventSession, session_id)
    form = SessionForm(obj=event_session)
    if form.validate_on_submit():
        try:
            update_session(current_user, event_session, _session_data(form))
        except EventError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The session has been saved."), "success")
            return _agenda()
    return render_template(
        "manage/session_form.html", form=form, event=current_event(), event_session=event_session
    )


@workspace_bp.post("/events/<int:event_id>/sessions/<int:session_id>/delete")
@organizer_required
def session_delete(event_id: int, session_id: int) -> Any:
    event_session = of_event(EventSession, session_id)
    try:
        delete_session(current_user, event_session)
    except EventError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("The session has been deleted."), "success")
    return _agenda()


# --- Topics -------------------------------------------------------------------------------------


def _fill_topic_choices(form: TopicForm, event: Event) -> None:
    sessions = db.session.scalars(
        select(EventSession)
        .where(EventSession.event_id == event.id)
        .order_by(EventSession.date, EventSession.start_time, EventSession.position)
    ).all()
    form.session_id.choices = [
        SelectChoice("", _("No session yet")),
        *as_choices(
            (s.id, f"{s.name} · {s.date:%d/%m/%Y} {s.start_time:%H:%M}–{s.end_time:%H:%M}")
            for s in sessions
        ),
    ]
    lecturers = db.session.scalars(
        select(Lecturer).options(selectinload(Lecturer.organization))
    ).all()
    form.lecturer_ids.choices = as_choices(
        (
            lecturer.id,
            " ".join(part for part in (lecturer.rank, lecturer.full_name) if part)
            + (f" – {lecturer.organization.name}" if lecturer.organization else ""),
        )
        for lecturer in sorted(lecturers, key=lambda lecturer: name_sort_key(lecturer.full_name))
    )


def _topic_data(form: TopicForm) -> TopicData:
    return TopicData(
        title=form.title.data or "",
        summary=form.summary.data or "",
        session_id=form.session_id.data,
        lecturer_ids=list(form.lecturer_ids.data or []),
    )


@workspace_bp.route("/events/<int:event_id>/topics/new", methods=["GET", "POST"])
@organizer_required
def topic_new(event_id: int) -> Any:
    event = current_event()
    form = TopicForm()
    _fill_topic_choices(form, event)
    if not form.is_submitted():
        wanted = request.args.get("session_id", type=int)
        if wanted is not None and str(wanted) in {
            choice.value for choice in form.session_id.choices
        }:
            form.session_id.data = wanted
    if form.validate_on_submit():
        try:
            add_topic(current_user, event, _topic_data(form))
        except EventError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The topic has been added."), "success")
            return _agenda()
    return render_template("manage/topic_form.html", form=form, event=event, topic=None)


@workspace_bp.route("/events/<int:event_id>/topics/<int:topic_id>/edit", methods=["GET", "POST"])
@organizer_required
def topic_edit(event_id: int, topic_id: int) -> Any:
    topic = of_event(Topic, topic_id)
    form = TopicForm(obj=topic)
    _fill_topic_choices(form, current_event())
    if not form.is_submitted():
        form.lecturer_ids.data = [lecturer.id for lecturer in topic.lecturers]
    if form.validate_on_submit():
        try:
            update_topic(current_user, topic, _topic_data(form))
        except EventError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The topic has been saved."), "success")
            return _agenda()
    return render_template("manage/topic_form.html", form=form, event=current_event(), topic=topic)


@workspace_bp.post("/events/<int:event_id>/topics/<int:topic_id>/delete")
@organizer_required
def topic_delete(event_id: int, topic_id: int) -> Any:
    delete_topic(current_user, of_event(Topic, topic_id))
    db.session.commit()
    flash(_("The topic has been deleted."), "success")
    return _agenda()


@workspace_bp.post("/events/<int:event_id>/topics/<int:topic_id>/up")
@organizer_required
def topic_up(event_id: int, topic_id: int) -> Any:
    move_topic(current_user, of_event(Topic, topic_id), "up")
    db.session.commit()
    return _agenda()


@workspace_bp.post("/events/<int:event_id>/topics/<int:topic_id>/down")
@organizer_required
def topic_down(event_id: int, topic_id: int) -> Any:
    move_topic(current_user, of_event(Topic, topic_id), "down")
    db.session.commit()
    return _agenda()
