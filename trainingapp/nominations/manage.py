"""The organizer's invitations page ``/manage/events/<id>/nominations``: invite units (one, or
every current unit of a kind) with a quota and a contact, set the nomination deadline, follow
who opened the link and who nominated, remind, withdraw or renew a link, and download the
invitation letters (one DOCX, or all as a ZIP) from the office's own template."""

from __future__ import annotations

import io
from datetime import datetime
from datetime import time
from typing import Any

from flask import Blueprint
from flask import Response
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import send_file
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from ..auth.guard import guard_manage_blueprint
from ..common.errors import DomainError
from ..common.errors import show_on_form
from ..common.time import local_to_utc
from ..common.time import to_local
from ..events.access import organizer_required
from ..events.models import Event
from ..extensions import db
from ..organizations.models import OrganizationKind
from ..organizations.services import KIND_LABELS
from ..registration.seats import held_seats
from ..registration.seats import holds_seats
from . import documents
from . import services
from .forms import ConfirmForm
from .forms import DeadlineForm
from .forms import InviteForm
from .forms import InviteKindForm
from .forms import LetterTemplateForm
from .letter import DEFAULT_TEMPLATE
from .letter import LetterTemplateError
from .letter import letter_filename
from .letter import letters_zip
from .letter import template_variables
from .messages import reminder_message
from .models import Invitation

nominations_bp = Blueprint("nominations_manage", __name__, url_prefix="/manage")
guard_manage_blueprint(nominations_bp)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _event(event_id: int) -> Event:
    return db.get_or_404(Event, event_id)


def _invitation(event_id: int, invitation_id: int) -> Invitation:
    if not 0 < invitation_id < 2**31:
        abort(404)
    invitation: Invitation = db.first_or_404(
        select(Invitation).where(Invitation.id == invitation_id, Invitation.event_id == event_id)
    )
    return invitation


def _invite_form(event: Event, formdata: Any = None) -> InviteForm:
    form = InviteForm(formdata=formdata)
    form.organization_id.choices = [(0, _("Choose a unit…"))] + [
        (unit.id, unit.name) for unit in services.invitable_units(event)
    ]
    return form


def _kind_form(formdata: Any = None) -> InviteKindForm:
    form = InviteKindForm(formdata=formdata)
    form.kind.choices = [(kind.value, str(KIND_LABELS[kind])) for kind in OrganizationKind]
    return form


def _deadline_form(event: Event, formdata: Any = None) -> DeadlineForm:
    form = DeadlineForm(formdata=formdata)
    if formdata is None and event.nominations_close_at is not None:
        local = to_local(event.nominations_close_at)
        form.day.data, form.at.data = local.date(), local.time()
    return form


def _page(event: Event, status: int = 200, **forms: Any) -> Any:
    rows = services.tracker(event.id)
    return (
        render_template(
            "nominations/tracker.html",
            event=event,
            rows=rows,
            reminders={row.invitation.id: reminder_message(row.invitation) for row in rows},
            invite_form=forms.get("invite_form") or _invite_form(event),
            kind_form=forms.get("kind_form") or _kind_form(),
            deadline_form=forms.get("deadline_form") or _deadline_form(event),
            template_form=forms.get("template_form") or LetterTemplateForm(formdata=None),
            action_form=ConfirmForm(formdata=None),
            template=documents.template_of(event),
            variables=template_variables(),
            holding=holds_seats(event),
            held=held_seats(event),
        ),
        status,
    )


@nominations_bp.get("/events/<int:event_id>/nominations")
@organizer_required
def tracker(event_id: int) -> Any:
    return _page(_event(event_id))


@nominations_bp.post("/events/<int:event_id>/nominations/invite")
@organizer_required
def invite(event_id: int) -> Any:
    event = _event(event_id)
    form = _invite_form(event, request.form)
    if not form.validate() or not form.organization_id.data:
        if not form.organization_id.data:
            form.organization_id.errors = [_("Choose the unit from the list.")]
        return _page(event, 422, invite_form=form)
    contact = services.Contact(
        form.contact_name.data or "", form.contact_phone.data or "", form.contact_email.data or ""
    )
    try:
        invitation = services.invite(
            current_user, event, form.organization_id.data, form.seats.data or 0, contact
        )
    except DomainError as exc:
        db.session.rollback()
        show_on_form(form, exc)
        return _page(event, 422, invite_form=form)
    db.session.commit()
    flash(_("%(unit)s is invited.", unit=invitation.organization.name), "success")
    return redirect(url_for(".tracker", event_id=event_id), 303)


@nominations_bp.post("/events/<int:event_id>/nominations/invite-kind")
@organizer_required
def invite_kind(event_id: int) -> Any:
    event = _event(event_id)
    form = _kind_form(request.form)
    if not form.validate():
        return _page(event, 422, kind_form=form)
    try:
        invited = services.invite_kind(
            current_user, event, OrganizationKind(form.kind.data), form.seats.data or 0
        )
    except DomainError as exc:
        db.session.rollback()
        show_on_form(form, exc)
        return _page(event, 422, kind_form=form)
    db.session.commit()
    if invited:
        flash(ngettext("%(num)d unit invited.", "%(num)d units invited.", len(invited)), "success")
    else:
        flash(_("Every current unit of this kind is already invited."), "info")
    return redirect(url_for(".tracker", event_id=event_id), 303)


@nominations_bp.post("/events/<int:event_id>/nominations/deadline")
@organizer_required
def deadline(event_id: int) -> Any:
    event = _event(event_id)
    form = _deadline_form(event, request.form)
    if not form.validate():
        return _page(event, 422, deadline_form=form)
    closes_at = None
    if form.day.data is not None:
        closes_at = local_to_utc(datetime.combine(form.day.data, form.at.data or time(17, 0)))
    try:
        services.set_deadline(current_user, event, closes_at)
    except DomainError as exc:
        db.session.rollback()
        form.day.errors = [*form.day.errors, exc.message]
        return _page(event, 422, deadline_form=form)
    db.session.commit()
    flash(_("The nomination deadline was saved."), "success")
    return redirect(url_for(".tracker", event_id=event_id), 303)


def _action(event_id: int, invitation_id: int, verb: Any, done: str) -> Any:
    invitation = _invitation(event_id, invitation_id)
    if not ConfirmForm().validate():
        flash(_("The page had expired. Please try again."), "warning")
        return redirect(url_for(".tracker", event_id=event_id), 303)
    verb(invitation)
    db.session.commit()
    flash(done % {"unit": invitation.organization.name}, "success")
    return redirect(url_for(".tracker", event_id=event_id) + f"#invitation-{invitation.id}", 303)


@nominations_bp.post("/events/<int:event_id>/nominations/<int:invitation_id>/revoke")
@organizer_required
def revoke(event_id: int, invitation_id: int) -> Any:
    return _action(
        event_id,
        invitation_id,
        lambda inv: services.revoke(current_user, inv),
        _("The link of %(unit)s no longer works."),
    )


@nominations_bp.post("/events/<int:event_id>/nominations/<int:invitation_id>/renew")
@organizer_required
def renew(event_id: int, invitation_id: int) -> Any:
    return _action(
        event_id,
        invitation_id,
        lambda inv: services.renew(current_user, inv),
        _("%(unit)s has a new link; the old one no longer works. Send the unit its new letter."),
    )


@nominations_bp.post("/events/<int:event_id>/nominations/<int:invitation_id>/remind")
@organizer_required
def remind(event_id: int, invitation_id: int) -> Any:
    invitation = _invitation(event_id, invitation_id)
    mailed = invitation.contact_email is not None

    def verb(inv: Invitation) -> None:
        services.remind(current_user, inv, str(get_locale() or "vi"))

    return _action(
        event_id,
        invitation_id,
        verb,
        _("A reminder was e-mailed to %(unit)s.")
        if mailed
        else _("%(unit)s has no e-mail: copy the reminder and send it by Zalo or SMS."),
    )


def _docx_response(data: bytes, filename: str) -> Response:
    response = send_file(
        io.BytesIO(data), mimetype=DOCX, as_attachment=True, download_name=filename
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@nominations_bp.get("/events/<int:event_id>/nominations/<int:invitation_id>/letter.docx")
@organizer_required
def letter(event_id: int, invitation_id: int) -> Any:
    invitation = _invitation(event_id, invitation_id)
    event = invitation.event
    try:
        data = documents.letter_docx(invitation, documents.template_of(event))
    except LetterTemplateError as exc:
        flash(str(exc), "danger")
        return redirect(url_for(".tracker", event_id=event_id), 303)
    return _docx_response(data, letter_filename(invitation.organization.name))


@nominations_bp.get("/events/<int:event_id>/nominations/letters.zip")
@organizer_required
def letters(event_id: int) -> Any:
    event = _event(event_id)
    invitations = [
        row.invitation for row in services.tracker(event_id) if not row.invitation.is_revoked
    ]
    if not invitations:
        flash(_("Invite units first: there are no letters to make."), "warning")
        return redirect(url_for(".tracker", event_id=event_id), 303)
    try:
        data = letters_zip(documents.all_letters(invitations, documents.template_of(event)))
    except LetterTemplateError as exc:
        flash(str(exc), "danger")
        return redirect(url_for(".tracker", event_id=event_id), 303)
    response = send_file(
        io.BytesIO(data),
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"giay-moi-{event.slug}.zip",
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@nominations_bp.get("/events/<int:event_id>/nominations/template.docx")
@organizer_required
def template_download(event_id: int) -> Any:
    """The template in use (the office's own, else the default), to edit in Word."""
    template = documents.template_of(_event(event_id))
    if template is not None:
        return _docx_response(template.data, template.filename)
    return _docx_response(DEFAULT_TEMPLATE.read_bytes(), "mau-giay-moi.docx")


@nominations_bp.post("/events/<int:event_id>/nominations/template")
@organizer_required
def template_upload(event_id: int) -> Any:
    event = _event(event_id)
    form = LetterTemplateForm()
    if not form.validate():
        return _page(event, 422, template_form=form)
    upload = form.file.data
    try:
        documents.save_template(current_user, event, upload.filename or "", upload.read())
    except LetterTemplateError as exc:
        db.session.rollback()
        form.file.errors = [*form.file.errors, exc.message]
        return _page(event, 422, template_form=form)
    db.session.commit()
    flash(
        _("The letter template was saved; every letter of this unit's courses uses it."), "success"
    )
    return redirect(url_for(".tracker", event_id=event_id) + "#letters", 303)


@nominations_bp.post("/events/<int:event_id>/nominations/template/reset")
@organizer_required
def template_reset(event_id: int) -> Any:
    event = _event(event_id)
    if ConfirmForm().validate():
        documents.reset_template(current_user, event)
        db.session.commit()
        flash(_("The default letter template is used again."), "success")
    return redirect(url_for(".tracker", event_id=event_id) + "#letters", 303)
