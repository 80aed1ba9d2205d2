"""Staff side of registration: the pending list, approve and reject (one by one or in bulk)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm

from ..events.access import guard_manage_blueprint
from ..events.access import organizer_required
from ..events.models import StaffRole
from ..extensions import db
from ..mail.messages import MailKind
from ..mail.messages import notify
from . import services

manage_bp = Blueprint("registration_manage", __name__, url_prefix="/manage")
guard_manage_blueprint(manage_bp)

MAX_BULK = 500


class DecisionForm(FlaskForm):
    """CSRF only; the chosen ids and the action are read from the posted checkboxes/buttons."""


@manage_bp.get("/events/<int:event_id>/pending")
def pending(event_id: int) -> Any:
    page = db.paginate(
        services.pending_registrations(event_id),
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["ITEMS_PER_PAGE"],
        error_out=False,
    )
    return render_template(
        "registration/manage_pending.html",
        event=g.event,
        page=page,
        form=DecisionForm(),
        can_decide=g.event_role == StaffRole.ORGANIZER,
    )


def _parse_decision() -> tuple[str | None, list[int]]:
    """``only=approve:12`` (a row's button) or ``action=approve`` + ``ids`` (the bulk form)."""
    only = request.form.get("only", "")
    if only:
        action, _sep, raw_id = only.partition(":")
        ids = [int(raw_id)] if raw_id.isdigit() and len(raw_id) < 12 else []
    else:
        action = request.form.get("action", "")
        ids = [
            int(value)
            for value in request.form.getlist("ids")[:MAX_BULK]
            if value.isdigit() and len(value) < 12
        ]
    return (action if action in ("approve", "reject") else None), ids


@manage_bp.post("/events/<int:event_id>/pending")
@organizer_required
def decide(event_id: int) -> Any:
    target = url_for(".pending", event_id=event_id)
    if not DecisionForm().validate_on_submit():
        flash(
            _("Your form expired or was sent twice. Please reload the page and try again."),
            "danger",
        )
        return redirect(target, 303)
    action, ids = _parse_decision()
    if action is None:
        flash(_("Choose approve or reject."), "warning")
        return redirect(target, 303)
    if not ids:
        flash(_("Select at least one registration."), "warning")
        return redirect(target, 303)
    if action == "approve":
        result = services.approve(event_id, ids, current_user)
    else:
        result = services.reject(event_id, ids, current_user)
    db.session.commit()
    for registration in result.confirmed:
        notify(registration, MailKind.APPROVED)
    for registration in result.waitlisted:
        notify(registration, MailKind.WAITLISTED)
    for registration in result.rejected:
        notify(registration, MailKind.REJECTED)
    if result.confirmed:
        flash(
            ngettext(
                "%(num)d registration confirmed.",
                "%(num)d registrations confirmed.",
                len(result.confirmed),
            ),
            "success",
        )
    if result.waitlisted:
        flash(
            ngettext(
                "%(num)d registration approved onto the waiting list (no seat left in the course or the unit's quota).",
                "%(num)d registrations approved onto the waiting list (no seat left in the course or the unit's quota).",
                len(result.waitlisted),
            ),
            "info",
        )
    if result.rejected:
        flash(
            ngettext(
                "%(num)d registration rejected.",
                "%(num)d registrations rejected.",
                len(result.rejected),
            ),
            "success",
        )
    if result.full:
        flash(
            ngettext(
                "%(num)d registration left pending: the course is full and has no waiting list.",
                "%(num)d registrations left pending: the course is full and has no waiting list.",
                len(result.full),
            ),
            "warning",
        )
    if not (result.changed or result.full):
        flash(_("Nothing changed: those registrations are no longer pending."), "info")
    return redirect(target, 303)
