"""The participant's rights from their own link ``/r/<token>``: the data held (a page and
``data.json``), corrections, withdrawing consent and requests to the organizers."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import make_response
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext as _

from ..attendance.marks import MARK_LABELS
from ..common.errors import DomainError
from ..common.errors import show_on_form
from ..extensions import db
from ..extensions import limiter
from ..i18n import format_date
from ..registration.models import Registration
from ..registration.services import registration_by_token
from . import services
from .forms import CorrectionForm
from .forms import RequestForm
from .forms import WithdrawForm
from .labels import ACTOR_WORDS
from .labels import KIND_LABELS
from .labels import MAIL_LABELS
from .labels import MAIL_STATUS_LABELS
from .labels import STATUS_LABELS
from .labels import VOUCHED_WORDS
from .models import RequestKind

bp = Blueprint("privacy", __name__)


def _limit() -> str:
    return str(current_app.config["REGISTRATION_RATE_LIMIT"])


def _by_token(token: str) -> Registration:
    registration = registration_by_token(token)
    if registration is None:
        abort(404)
    return registration


def _private(body: Any) -> Any:
    response = make_response(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/r/<token>/data")
def data(token: str) -> Any:
    """Everything held about this registration, as a page."""
    registration = _by_token(token)
    held = services.held_data(registration)
    return _private(
        render_template(
            "privacy/data.html",
            registration=registration,
            event=registration.event,
            held=held,
            vouched=services.vouched_by(registration),
            actor_words=ACTOR_WORDS,
            kind_labels=KIND_LABELS,
            status_labels=STATUS_LABELS,
            mail_labels=MAIL_LABELS,
            mail_status_labels=MAIL_STATUS_LABELS,
            vouched_words=VOUCHED_WORDS,
            mark_labels=MARK_LABELS,
        )
    )


@bp.get("/r/<token>/data.json")
def data_json(token: str) -> Any:
    """The same as a JSON file to keep (``Content-Disposition: attachment``)."""
    registration = _by_token(token)
    # The audit log's words for actions are the app's template filter (admin owns them).
    action_label = current_app.jinja_env.filters["audit_action"]
    document = services.as_document(services.held_data(registration), action_label)
    response = _private(json.dumps(document, ensure_ascii=False, indent=2))
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{registration.event.slug}-{registration.checkin_code}.json"'
    )
    return response


@bp.route("/r/<token>/correct", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def correct(token: str) -> Any:
    """Correct one's details; the same rules as a staff edit (a phone or e-mail already
    registered in the course is refused)."""
    registration = _by_token(token)
    form = CorrectionForm(
        data={
            "full_name": registration.full_name,
            "gender": registration.gender.value if registration.gender else None,
            "birth_year": str(registration.birth_year or ""),
            "position": registration.position,
            "phone": registration.phone or "",
            "email": registration.email or "",
        }
    )
    form.unit_name = registration.organization.name if registration.organization else "-"
    if form.validate_on_submit() and form.cleaned is not None:
        try:
            services.correct_details(registration, form.cleaned)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            flash(_("Your details have been corrected."), "success")
            return redirect(url_for(".data", token=token), 303)
    return _private(
        render_template(
            "privacy/correct.html", registration=registration, event=registration.event, form=form
        )
    )


@bp.route("/r/<token>/withdraw", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def withdraw(token: str) -> Any:
    """GET explains what withdrawing does; POST withdraws (and cancels the registration)."""
    registration = _by_token(token)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            cancelled = services.withdraw_consent(registration)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "warning")
        else:
            flash(
                _("Your consent is withdrawn and your registration cancelled.")
                if cancelled
                else _("Your consent is withdrawn."),
                "success",
            )
        return redirect(url_for("registration.manage", token=token), 303)
    return _private(
        render_template(
            "privacy/withdraw.html", registration=registration, event=registration.event, form=form
        )
    )


@bp.route("/r/<token>/request", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def ask(token: str) -> Any:
    """Ask the organizers: a deletion, a correction one cannot make here, anything else."""
    registration = _by_token(token)
    form = RequestForm()
    if form.validate_on_submit():
        try:
            data_request = services.make_request(
                registration, RequestKind(form.kind.data), form.message.data or ""
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            flash(
                _(
                    "Your request has been sent. The organizers will answer by %(date)s.",
                    date=format_date(data_request.due_on),
                ),
                "success",
            )
            return redirect(url_for(".data", token=token), 303)
    return _private(
        render_template(
            "privacy/request.html",
            registration=registration,
            event=registration.event,
            form=form,
            due_on=services.request_due_on(),
        )
    )
