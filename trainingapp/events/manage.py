"""Staff area for courses (/manage/events/...): the course form, status and clone.

The course staff pages are in :mod:`.manage_staff`, on the same ``manage_bp`` (defined in
:mod:`.manage_blueprint`); importing this module imports it, so the app factory registers the
whole blueprint with ``from .events.manage import manage_bp``. The course list, the dashboard,
the agenda and quota pages show figures of several packages and live in ``workspace``. Every
route requires a signed-in account; routes with an ``event_id`` require a role on that course
(see ``auth.guard`` and :mod:`.access`)."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..common.errors import show_on_form
from ..common.time import local_to_utc
from ..common.time import to_local
from ..extensions import db
from ..organizations.models import Organization

# Imported for its routes, which it adds to manage_bp (see the module docstring).
from . import manage_staff  # noqa: F401
from .access import organizer_required
from .cloning import CloneData
from .cloning import clone_event
from .cloning import event_for_clone
from .cloning import proposed_organizer_id
from .forms import CloneForm
from .forms import EventForm
from .forms import StatusForm
from .manage_blueprint import EVENT_STATUS_LABELS
from .manage_blueprint import current_event
from .manage_blueprint import manage_bp as manage_bp
from .manage_blueprint import organization_select_choices
from .models import Event
from .models import EventStatus
from .permissions import can_create_event
from .services import EventData
from .services import EventError
from .services import PublishNotConfirmed
from .services import allowed_transitions
from .services import change_status
from .services import create_event
from .services import publish_warnings
from .services import update_event

#: (from, to) -> (button label, what it means, shown on the confirmation page)
TRANSITION_TEXTS = {
    (EventStatus.DRAFT, EventStatus.PUBLISHED): (
        _l("Publish"),
        _l("The course will appear on the public site and participants can register."),
    ),
    (EventStatus.PUBLISHED, EventStatus.CLOSED): (
        _l("Close registration"),
        _l("Registration stops; the course stays on the public site."),
    ),
    (EventStatus.PUBLISHED, EventStatus.DRAFT): (
        _l("Back to draft"),
        _l("The course disappears from the public site. Only possible before anyone registers."),
    ),
    (EventStatus.CLOSED, EventStatus.PUBLISHED): (
        _l("Reopen"),
        _l("Registration opens again (within the registration dates, if set)."),
    ),
    (EventStatus.CLOSED, EventStatus.ARCHIVED): (
        _l("Archive"),
        _l("The course is finished. It stays in the list of past courses; it cannot be reopened."),
    ),
}


def _dashboard(event: Event | None = None) -> Any:
    return redirect(url_for("workspace.dashboard", event_id=(event or current_event()).id), 303)


# --- Course form --------------------------------------------------------------------------------


def _fill_event_choices(form: EventForm, event: Event | None) -> None:
    keep = [event.organizer_id, *(o.id for o in event.co_organizers)] if event else []
    choices = organization_select_choices(keep)
    form.organizer_id.choices = [SelectChoice("", _("Choose…")), *choices]
    form.co_organizer_ids.choices = choices


def _event_data(form: EventForm) -> EventData:
    opens = form.registration_opens_at.data
    closes = form.registration_closes_at.data
    return EventData(
        title=form.title.data or "",
        slug=form.slug.data or "",
        description=form.description.data or "",
        organizer_id=form.organizer_id.data,
        co_organizer_ids=list(form.co_organizer_ids.data or []),
        venue=form.venue.data or "",
        start_date=form.start_date.data,
        end_date=form.end_date.data,
        registration_opens_at=local_to_utc(opens) if opens else None,
        registration_closes_at=local_to_utc(closes) if closes else None,
        capacity=form.capacity.data,
        waitlist_enabled=bool(form.waitlist_enabled.data),
        approval_required=bool(form.approval_required.data),
        retention_months=form.retention_months.data,
    )


@manage_bp.route("/events/new", methods=["GET", "POST"])
def create() -> Any:
    if not can_create_event(current_user):
        abort(403)
    form = EventForm()
    _fill_event_choices(form, None)
    if form.validate_on_submit():
        try:
            event = create_event(current_user, _event_data(form))
        except EventError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The course has been created as a draft."), "success")
            return _dashboard(event)
    return render_template("manage/event_form.html", form=form, event=None)


@manage_bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@organizer_required
def edit(event_id: int) -> Any:
    event = current_event()
    form = EventForm(obj=event)
    _fill_event_choices(form, event)
    if not form.is_submitted():
        form.co_organizer_ids.data = [o.id for o in event.co_organizers]
        for name in ("registration_opens_at", "registration_closes_at"):
            instant = getattr(event, name)
            getattr(form, name).data = to_local(instant).replace(tzinfo=None) if instant else None
    if form.validate_on_submit():
        try:
            update_event(
                current_user,
                event,
                _event_data(form),
                move_sessions=bool(form.move_sessions.data),
            )
        except EventError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The course has been saved."), "success")
            return _dashboard(event)
    return render_template("manage/event_form.html", form=form, event=event)


# --- Status -------------------------------------------------------------------------------------


def _status_page(event: Event, form: StatusForm, target: EventStatus) -> Any:
    label, explanation = TRANSITION_TEXTS[(event.status, target)]
    return render_template(
        "manage/status_confirm.html",
        event=event,
        form=form,
        target=target,
        label=label,
        explanation=explanation,
        warnings=publish_warnings(event) if target == EventStatus.PUBLISHED else [],
    )


@manage_bp.route("/events/<int:event_id>/status", methods=["GET", "POST"])
@organizer_required
def status(event_id: int) -> Any:
    """GET shows what the move means and asks to confirm; the POST makes it. Publishing a
    course whose dates or registration window are past needs the box ticked as well."""
    event = current_event()
    form = StatusForm()
    if form.validate_on_submit():
        try:
            target = EventStatus(form.status.data or "")
            change_status(current_user, event, target, confirm_past=bool(form.confirm_past.data))
        except ValueError:
            flash(_("A course cannot move from this status to that one."), "danger")
        except PublishNotConfirmed as error:
            db.session.rollback()
            show_on_form(form, error)
            return _status_page(current_event(), form, target)
        except EventError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(
                _("The course is now: %(status)s.", status=EVENT_STATUS_LABELS[target]), "success"
            )
        return _dashboard(event)
    target_text = request.args.get("to", "")
    if target_text not in EventStatus.__members__.values():
        abort(404)
    target = EventStatus(target_text)
    if target not in allowed_transitions(event):
        flash(_("A course cannot move from this status to that one."), "danger")
        return _dashboard(event)
    form.status.data = target.value
    return _status_page(event, form, target)


# --- Clone --------------------------------------------------------------------------------------


@manage_bp.route("/events/<int:event_id>/clone", methods=["GET", "POST"])
@organizer_required
def clone(event_id: int) -> Any:
    if not can_create_event(current_user):
        abort(403)
    source = current_event()
    form = CloneForm()
    form.organizer_id.choices = [
        SelectChoice("", _("Choose…")),
        *organization_select_choices([source.organizer_id]),
    ]
    proposed = proposed_organizer_id(source)
    if not form.is_submitted():
        form.title.data = source.title
        form.organizer_id.data = proposed
    if form.validate_on_submit():
        source = db.session.scalars(event_for_clone(source.id)).one()
        try:
            copy = clone_event(
                current_user,
                source,
                CloneData(
                    title=form.title.data or "",
                    slug=form.slug.data or "",
                    start_date=form.start_date.data,
                    end_date=form.end_date.data,
                    organizer_id=form.organizer_id.data,
                ),
            )
        except EventError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(
                _("The copy has been created as a draft. Check its dates and details."), "success"
            )
            return _dashboard(copy)
    successor = db.session.get(Organization, proposed) if proposed != source.organizer_id else None
    return render_template("manage/clone.html", form=form, event=source, successor=successor)
