"""The participant's evaluation form: from their own link (``/r/<token>/evaluation``) or from
the course's QR code shown at the closing session (``/events/<slug>/evaluation``), which first
asks for the check-in code or the phone and then keeps only the registration's id in the signed
session cookie, never showing the personal link. Also the link on the participant's page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..common.errors import DomainError
from ..events.models import Event
from ..events.models import EventStatus
from ..extensions import db
from ..extensions import limiter
from ..i18n import format_datetime
from ..registration.extras import PageLink
from ..registration.extras import page_link
from ..registration.models import Registration
from ..registration.services import registration_by_token
from . import services
from .forms import ConfirmForm
from .forms import LookupForm
from .forms import read_answers
from .layout import form_layout
from .models import EvaluationForm
from .services import FormState
from .template import SCALE_LABELS

bp = Blueprint("evaluation", __name__)

#: the signed session's key: ``[event id, registration id]`` of whoever the QR page let in
IDENTITY_KEY = "evaluation_identity"


def _limit() -> str:
    return str(current_app.config["REGISTRATION_RATE_LIMIT"])


def _lookup_limit() -> str:
    # A whole hall answers from one Wi-Fi address at the closing session; still far too few
    # tries to guess someone's code (31**6) or phone.
    return str(current_app.config["EVALUATION_LOOKUP_RATE_LIMIT"])


def _private(response: Any) -> Any:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _render(template: str, status: int = 200, **context: Any) -> Any:
    return _private(make_response(render_template(template, **context), status))


def _unavailable(event: Event, form: EvaluationForm | None, reason: str, status: int = 200) -> Any:
    return _render(
        "evaluation/unavailable.html",
        status,
        event=event,
        form=form,
        reason=reason,
        state=services.state_of(form),
    )


def _done(event: Event, *, sent: bool, personal: Registration | None = None) -> Any:
    """The thank-you / already-answered page; the way back to ``/r/<token>`` only for the
    holder of the personal link (never on the course QR code's path)."""
    manage_url = url_for("registration.manage", token=personal.manage_token) if personal else None
    return _render(
        "evaluation/done.html", event=event, sent=sent, personal=personal, manage_url=manage_url
    )


def _answer_page(registration: Registration, *, action: str, done_url: str, personal: bool) -> Any:
    """The form for ``registration`` (GET), or its answers stored (POST)."""
    event = registration.event
    form = services.form_of(event.id)
    state = services.state_of(form)
    if registration.has_evaluated:
        return _done(event, sent=False, personal=registration if personal else None)
    if state != FormState.OPEN:
        return _unavailable(event, form, "window")
    assert form is not None
    if not services.is_eligible(registration):
        return _unavailable(event, form, "not_eligible", 403)
    confirm = ConfirmForm()
    read = None
    status = 200
    if request.method == "POST":
        read = read_answers(form.questions, request.form)
        if not confirm.validate():
            read.errors[0] = _("The page had expired. Please send your answers again.")
        elif not read.errors:
            try:
                services.submit(event.id, registration.id, read.answers)
            except services.AlreadyAnswered:
                db.session.rollback()
                return _done(event, sent=False, personal=registration if personal else None)
            except services.NotOpen:
                db.session.rollback()
                return _unavailable(event, services.form_of(event.id), "window")
            except DomainError as error:
                db.session.rollback()
                read.errors[0] = error.message
            else:
                db.session.commit()
                return redirect(done_url, 303)
        status = 422
    return _render(
        "evaluation/form.html",
        status,
        event=event,
        form=form,
        layout=form_layout(form),
        scale=SCALE_LABELS,
        confirm=confirm,
        read=read,
        action=action,
    )


# --- From the participant's own link ---------------------------------------------------------


def _by_token(token: str) -> Registration:
    registration = registration_by_token(token)
    if registration is None:
        abort(404)
    return registration


@bp.route("/r/<token>/evaluation", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def answer(token: str) -> Any:
    registration = _by_token(token)
    if request.method == "GET" and request.args.get("sent") and registration.has_evaluated:
        return _done(registration.event, sent=True, personal=registration)
    return _answer_page(
        registration,
        action=url_for(".answer", token=token),
        done_url=url_for(".answer", token=token, sent=1),
        personal=True,
    )


@page_link
def evaluation_link(registration: Registration) -> PageLink | None:
    """The button on ``/r/<token>`` while the form is open and this participant may answer."""
    if registration.has_evaluated or registration.status != "confirmed":
        return None
    form = services.form_of(registration.event_id)
    if services.state_of(form) != FormState.OPEN or not services.is_eligible(registration):
        return None
    assert form is not None
    note = _("Anonymous: your answers are not linked to your name.")
    if form.closes_at is not None:
        note = _(
            "Anonymous: your answers are not linked to your name. Open until %(when)s.",
            when=format_datetime(form.closes_at),
        )
    return PageLink(
        _("Evaluate the course"),
        url_for("evaluation.answer", token=registration.manage_token),
        note,
        primary=True,
    )


# --- From the course's QR code -----------------------------------------------------------------


def _public_event(slug: str) -> Event:
    event: Event = db.one_or_404(
        select(Event).where(Event.slug == slug, Event.status != EventStatus.DRAFT)
    )
    return event


def _identified(event: Event) -> Registration | None:
    """The registration the QR page let in for this course, from the signed session."""
    held = session.get(IDENTITY_KEY)
    if not (isinstance(held, list) and len(held) == 2 and held[0] == event.id):
        return None
    registration = db.session.get(Registration, held[1]) if isinstance(held[1], int) else None
    if registration is None or registration.event_id != event.id:
        session.pop(IDENTITY_KEY, None)
        return None
    return registration


def _lookup_page(event: Event, lookup: LookupForm, status: int = 200) -> Any:
    form = services.form_of(event.id)
    if services.state_of(form) != FormState.OPEN:
        return _unavailable(event, form, "window")
    return _render("evaluation/lookup.html", status, event=event, lookup=lookup)


@bp.route("/events/<slug>/evaluation", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def course(slug: str) -> Any:
    event = _public_event(slug)
    registration = _identified(event)
    if registration is None:
        if request.method == "POST":
            # The session ended (or never began) before the answers came: ask again who it is.
            lookup = LookupForm(formdata=None)
            lookup.code.errors = [_("Please enter your check-in code or phone again.")]
            return _lookup_page(event, lookup, 422)
        return _lookup_page(event, LookupForm(formdata=None))
    if registration.has_evaluated:
        session.pop(IDENTITY_KEY, None)
    response = _answer_page(
        registration,
        action=url_for(".course", slug=slug),
        done_url=url_for(".thanks", slug=slug),
        personal=False,
    )
    if response.status_code == 303:
        session.pop(IDENTITY_KEY, None)
    return response


@bp.post("/events/<slug>/evaluation/identify")
@limiter.limit(_lookup_limit)
def identify(slug: str) -> Any:
    """Check the typed check-in code or phone against the course's participants."""
    event = _public_event(slug)
    lookup = LookupForm()
    if not lookup.validate():
        return _lookup_page(event, lookup, 422)
    registration = services.find_participant(event.id, lookup.code.data or "")
    if registration is None:
        lookup.code.errors = [
            _("No participant of this course has that check-in code or phone number.")
        ]
        return _lookup_page(event, lookup, 422)
    if registration.has_evaluated:
        return _done(event, sent=False)
    if not services.is_eligible(registration):
        return _unavailable(event, services.form_of(event.id), "not_eligible", 403)
    session[IDENTITY_KEY] = [event.id, registration.id]
    return redirect(url_for(".course", slug=slug), 303)


@bp.get("/events/<slug>/evaluation/thanks")
def thanks(slug: str) -> Any:
    event = _public_event(slug)
    return _done(event, sent=True)
