"""Staff area: the accounts that work on a course (/manage/events/<id>/staff).
Routes on the shared ``events_manage`` blueprint (see :mod:`.manage_blueprint`)."""

from __future__ import annotations

from typing import Any

from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from ..auth.models import Role
from ..auth.models import User
from ..common.errors import show_on_form
from ..extensions import db
from .access import organizer_required
from .forms import StaffForm
from .manage_blueprint import as_choices
from .manage_blueprint import current_event
from .manage_blueprint import manage_bp
from .manage_blueprint import of_event
from .models import EventStaff
from .models import StaffRole
from .services import EventError
from .staffing import assign_staff
from .staffing import remove_staff


@manage_bp.route("/events/<int:event_id>/staff", methods=["GET", "POST"])
@organizer_required
def staff(event_id: int) -> Any:
    event = current_event()
    assignments = db.session.scalars(
        select(EventStaff)
        .where(EventStaff.event_id == event.id)
        .options(selectinload(EventStaff.user))
    ).all()
    assignments = sorted(assignments, key=lambda a: a.user.email)
    creator = db.session.get(User, event.created_by_id) if event.created_by_id else None
    accounts = db.session.scalars(
        select(User)
        .where(User.active.is_(True), User.role != Role.ADMIN)
        .where(User.id != (event.created_by_id or -1))
        .order_by(User.email)
    ).all()
    assigned = {a.user_id for a in assignments}
    accounts = [user for user in accounts if user.id not in assigned]
    form = StaffForm()
    form.user_id.choices = [
        SelectChoice("", _("Choose…")),
        *as_choices(
            (user.id, f"{user.full_name} <{user.email}>" if user.full_name else user.email)
            for user in accounts
        ),
    ]
    if form.validate_on_submit():
        try:
            assign_staff(current_user, event, form.user_id.data, StaffRole(form.role.data))
        except EventError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The account has been assigned to this course."), "success")
            return redirect(url_for(".staff", event_id=event.id), 303)
    return render_template(
        "manage/staff.html",
        event=event,
        assignments=assignments,
        creator=creator,
        form=form,
        nobody_to_add=not accounts,
        can_create_accounts=current_user.role == Role.ADMIN,
    )


@manage_bp.post("/events/<int:event_id>/staff/<int:staff_id>/delete")
@organizer_required
def staff_delete(event_id: int, staff_id: int) -> Any:
    remove_staff(current_user, of_event(EventStaff, staff_id))
    db.session.commit()
    flash(_("The account no longer has a role on this course."), "success")
    return redirect(url_for(".staff", event_id=event_id), 303)
