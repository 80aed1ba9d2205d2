"""The unit's nomination page ``/n/<token>``: no account, the link is the key (SPEC).

Phone-first: the course and the quota used on top, the unit's nominees with their personal link
and a message ready for Zalo or SMS, then one form to add a person, a box to paste rows from a
spreadsheet and an upload of the unit's list. Every change goes through ``services``, so the
public form's checks and the one seat rule decide."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext

from ..common.errors import DomainError
from ..common.errors import show_on_form
from ..extensions import db
from ..extensions import limiter
from ..registration.models import RegistrationStatus
from ..registration.seats import confirmed_in_unit
from . import services
from .forms import ConfirmForm
from .forms import NomineeForm
from .forms import PasteForm
from .forms import UploadForm
from .messages import nominee_message
from .models import Invitation
from .rows import pasted_people
from .rows import uploaded_people
from .services import LinkState
from .services import RowsRefused

bp = Blueprint("nominations", __name__)


def _limit() -> str:
    return str(current_app.config["REGISTRATION_RATE_LIMIT"])


def _invitation(token: str) -> Invitation:
    invitation = services.invitation_by_token(token)
    if invitation is None:
        abort(404)
    return invitation


def _private(response: Any) -> Any:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _page(
    invitation: Invitation,
    *,
    form: NomineeForm | None = None,
    paste_form: PasteForm | None = None,
    upload_form: UploadForm | None = None,
    problems: list[services.RowProblem] | None = None,
    status: int = 200,
) -> Any:
    state = services.link_state(invitation)
    if state == LinkState.REVOKED:
        return _private(make_response(render_template("nominations/revoked.html"), 410))
    event = invitation.event
    nominees = services.nominees(invitation)
    quota = next(
        (q.seats for q in event.quotas if q.organization_id == invitation.organization_id), 0
    )
    messages = {
        person.id: nominee_message(person, event)
        for person in nominees
        if person.status not in (RegistrationStatus.CANCELLED, RegistrationStatus.REJECTED)
    }
    response = make_response(
        render_template(
            "nominations/unit.html",
            invitation=invitation,
            event=event,
            state=state,
            state_message=services.STATE_MESSAGES[state],
            quota=quota,
            used=confirmed_in_unit(event.id, invitation.organization_id),
            nominees=nominees,
            messages=messages,
            form=form or _nominee_form(invitation, formdata=None),
            paste_form=paste_form or PasteForm(formdata=None),
            upload_form=upload_form or UploadForm(formdata=None),
            withdraw_form=ConfirmForm(formdata=None),
            problems=problems or [],
        ),
        status,
    )
    return _private(response)


def _nominee_form(invitation: Invitation, **kwargs: Any) -> NomineeForm:
    form = NomineeForm(**kwargs)
    form.unit_name = invitation.organization.name
    return form


def _locale() -> str | None:
    return str(get_locale() or "") or None


@bp.get("/n/<token>")
def unit(token: str) -> Any:
    invitation = _invitation(token)
    if services.link_state(invitation) != LinkState.REVOKED:
        services.note_opened(invitation)
        db.session.commit()
    return _page(invitation)


@bp.post("/n/<token>")
@limiter.limit(_limit)
def add(token: str) -> Any:
    invitation = _invitation(token)
    form = _nominee_form(invitation)
    if not form.validate():
        return _page(invitation, form=form, status=422)
    assert form.cleaned is not None
    try:
        registered = services.nominate(invitation, form.cleaned, _locale())
    except DomainError as exc:
        db.session.rollback()
        show_on_form(form, exc)
        return _page(invitation, form=form, status=422)
    db.session.commit()
    flash(_status_sentence(registered.status, form.cleaned.full_name), "success")
    return redirect(url_for(".unit", token=token), 303)


def _status_sentence(status: RegistrationStatus, name: str) -> str:
    if status == RegistrationStatus.CONFIRMED:
        return str(_("%(name)s is nominated and has a seat.", name=name))
    if status == RegistrationStatus.WAITLISTED:
        return str(_("The unit's quota is used up: %(name)s is on the waiting list.", name=name))
    return str(_("%(name)s is nominated; the organizers will confirm.", name=name))


def _save_rows(invitation: Invitation, rows: Any, **forms: Any) -> Any:
    try:
        registered = services.nominate_rows(invitation, rows, _locale())
    except RowsRefused as exc:
        db.session.rollback()
        flash(str(exc.message), "danger")
        return _page(invitation, problems=exc.problems, status=422, **forms)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "danger")
        return _page(invitation, status=422, **forms)
    db.session.commit()
    waiting = sum(1 for r in registered if r.status == RegistrationStatus.WAITLISTED)
    flash(
        ngettext("%(num)d person nominated.", "%(num)d people nominated.", len(registered)),
        "success",
    )
    if waiting:
        flash(
            ngettext(
                "The quota is used up: %(num)d of them is on the waiting list.",
                "The quota is used up: %(num)d of them are on the waiting list.",
                waiting,
            ),
            "warning",
        )
    return redirect(url_for(".unit", token=invitation.token), 303)


@bp.post("/n/<token>/paste")
@limiter.limit(_limit)
def paste(token: str) -> Any:
    invitation = _invitation(token)
    form = PasteForm()
    if not form.validate():
        return _page(invitation, paste_form=form, status=422)
    try:
        rows = pasted_people(form.rows.data or "")
    except DomainError as exc:
        show_on_form(form, exc)
        form.rows.errors = [*form.rows.errors, exc.message]
        return _page(invitation, paste_form=form, status=422)
    return _save_rows(invitation, rows, paste_form=form)


@bp.post("/n/<token>/upload")
@limiter.limit(_limit)
def upload(token: str) -> Any:
    invitation = _invitation(token)
    form = UploadForm()
    if not form.validate():
        return _page(invitation, upload_form=form, status=422)
    try:
        rows = uploaded_people(form.file.data.read())
    except DomainError as exc:
        form.file.errors = [*form.file.errors, exc.message]
        return _page(invitation, upload_form=form, status=422)
    return _save_rows(invitation, rows, upload_form=form)


@bp.route("/n/<token>/people/<int:registration_id>", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def edit(token: str, registration_id: int) -> Any:
    invitation = _invitation(token)
    if services.link_state(invitation) == LinkState.REVOKED:
        return _page(invitation)
    try:
        person = services.nominee_of(invitation, registration_id)
    except DomainError:
        abort(404)
    form = _nominee_form(invitation, obj=person)
    if request.method == "POST" and form.validate():
        assert form.cleaned is not None
        try:
            services.update_nominee(invitation, person.id, form.cleaned)
        except DomainError as exc:
            db.session.rollback()
            show_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("The details of %(name)s were saved.", name=form.cleaned.full_name), "success")
            return redirect(url_for(".unit", token=token), 303)
    elif request.method == "GET" and person.gender is not None:
        form.gender.data = person.gender.value
    response = make_response(
        render_template(
            "nominations/edit.html",
            invitation=invitation,
            event=invitation.event,
            person=person,
            form=form,
            can_change=services.link_state(invitation) == LinkState.OPEN,
        ),
        422 if form.errors else 200,
    )
    return _private(response)


@bp.post("/n/<token>/people/<int:registration_id>/withdraw")
def withdraw(token: str, registration_id: int) -> Any:
    invitation = _invitation(token)
    form = ConfirmForm()
    if not form.validate():
        flash(_("The page had expired. Please try again."), "warning")
        return redirect(url_for(".unit", token=token), 303)
    try:
        services.withdraw_nominee(invitation, registration_id)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "danger")
        return redirect(url_for(".unit", token=token), 303)
    db.session.commit()
    flash(_("The nominee was withdrawn."), "success")
    return redirect(url_for(".unit", token=token), 303)
