"""Staff area: seats a course reserves for units (/manage/events/<id>/quotas).
Routes on the shared ``events_manage`` blueprint (see :mod:`.manage_blueprint`)."""

from __future__ import annotations

from typing import Any

from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..common.errors import show_on_form
from ..events.access import organizer_required
from ..events.forms import QuotaForm
from ..events.manage_blueprint import can_edit
from ..events.manage_blueprint import current_event
from ..events.manage_blueprint import of_event
from ..events.manage_blueprint import organization_select_choices
from ..events.models import Event
from ..events.models import Quota
from ..events.services import EventError
from ..extensions import db
from ..registration.quotas import quota_total
from ..registration.quotas import remove_quota
from ..registration.quotas import set_quota
from ..registration.seats import quota_use
from .blueprint import workspace_bp


def _quotas_page(form: QuotaForm | None) -> Any:
    event = current_event()
    uses = quota_use(event.id)
    total = sum(use.seats for use in uses)
    return render_template(
        "manage/quotas.html",
        event=event,
        quotas=uses,
        total=total,
        over_capacity=total > event.capacity,
        form=form,
        can_edit=can_edit(),
    )


def _warn_if_over_capacity(event: Event) -> None:
    total = quota_total(event)
    if total > event.capacity:
        flash(
            _(
                "The quotas add up to %(total)d seats, more than the capacity (%(capacity)d).",
                total=total,
                capacity=event.capacity,
            ),
            "warning",
        )


def _quota_form() -> QuotaForm:
    form = QuotaForm()
    form.organization_id.choices = [
        SelectChoice("", _("Choose…")),
        *organization_select_choices([]),
    ]
    return form


@workspace_bp.get("/events/<int:event_id>/quotas")
def quotas(event_id: int) -> Any:
    """Every role on the course sees the quotas; organizers add or change them."""
    return _quotas_page(_quota_form() if can_edit() else None)


@workspace_bp.post("/events/<int:event_id>/quotas/new")
@organizer_required
def quota_new(event_id: int) -> Any:
    """Add a unit's quota, or change it when the unit already has one."""
    event = current_event()
    form = _quota_form()
    if form.validate_on_submit():
        saved = _save_quota(event, form, form.organization_id.data)
        if saved is not None:
            return saved
    return _quotas_page(form)


def _save_quota(event: Event, form: QuotaForm, organization_id: int) -> Any:
    """Set the quota and go back to the list (None: refused, the errors are on ``form``)."""
    try:
        set_quota(current_user, event, organization_id, form.seats.data or 0)
    except EventError as error:
        db.session.rollback()
        show_on_form(form, error)
        return None
    db.session.commit()
    flash(_("The quota has been saved."), "success")
    _warn_if_over_capacity(event)
    return redirect(url_for(".quotas", event_id=event.id), 303)


@workspace_bp.route("/events/<int:event_id>/quotas/<int:quota_id>/edit", methods=["GET", "POST"])
@organizer_required
def quota_edit(event_id: int, quota_id: int) -> Any:
    event = current_event()
    quota = of_event(Quota, quota_id)
    form = QuotaForm(obj=quota)
    del form.organization_id  # the unit of a quota does not change; remove it and add another
    if form.validate_on_submit():
        saved = _save_quota(event, form, quota.organization_id)
        if saved is not None:
            return saved
    return render_template("manage/quota_form.html", form=form, event=event, quota=quota)


@workspace_bp.post("/events/<int:event_id>/quotas/<int:quota_id>/delete")
@organizer_required
def quota_delete(event_id: int, quota_id: int) -> Any:
    remove_quota(current_user, of_event(Quota, quota_id))
    db.session.commit()
    flash(_("The quota has been removed."), "success")
    return redirect(url_for(".quotas", event_id=event_id), 303)
