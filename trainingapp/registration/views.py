"""Public registration: the form, the participant's own page (/r/<token>), its calendar, QR image
and cancel."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import jsonify
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..common.dbtx import autocommit_reads
from ..common.emails import InvalidEmailError
from ..common.emails import normalise_email
from ..common.errors import show_on_form
from ..common.phones import InvalidPhoneError
from ..common.phones import normalise_phone
from ..common.time import local_today
from ..common.time import utcnow
from ..events.caching import course_version
from ..events.caching import public_page
from ..events.models import Event
from ..events.models import EventStatus
from ..events.services import registration_is_open
from ..extensions import db
from ..extensions import limiter
from ..organizations.services import suggest_organizations
from . import errors
from . import services
from .calendar import calendar_for
from .extras import links_for
from .forms import CancelForm
from .forms import RegisterAgainForm
from .forms import RegistrationForm
from .forms import ResendLinkForm
from .models import Registration
from .models import RegistrationStatus
from .normalise import RegistrationInput
from .notice import NOTICE_VERSION
from .notifications import MailKind
from .notifications import queue_mail
from .tokens import existing_nonce
from .tokens import manage_token_for
from .tokens import qr_png
from .tokens import qr_svg
from .tokens import same_token
from .tokens import session_nonce
from .waiting import waiting_text

bp = Blueprint("registration", __name__)

ACTIVE = (RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)

#: how long after a browser's own submission the same details submitted again from it (a double
#: click, a reload) show the registration it made instead of the "already registered" message
DOUBLE_SUBMIT_WINDOW = timedelta(seconds=10)


def _registration_limit() -> str:
    return str(current_app.config["REGISTRATION_RATE_LIMIT"])


def _public_event(slug: str) -> Event:
    """A course anyone may see; a draft (or unknown) course is a 404."""
    event: Event = db.one_or_404(
        select(Event).where(Event.slug == slug, Event.status != EventStatus.DRAFT)
    )
    return event


def _closed(event: Event) -> str:
    opens_at = event.registration_opens_at
    later = event.status == EventStatus.PUBLISHED and opens_at is not None and opens_at > utcnow()
    return render_template(
        "registration/closed.html", event=event, opens_at=opens_at if later else None
    )


def _no_store(response: Any) -> Any:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/events/<slug>/register", methods=["GET", "POST"])
@limiter.limit(_registration_limit, methods=["POST"])
def register(slug: str) -> Any:
    if request.method == "GET":
        autocommit_reads(db.session)
    form = RegistrationForm()
    duplicate_of: str | None = None
    # A valid submission goes straight to the service, which finds the course by its slug under
    # the lock and checks the window there; the course is loaded as an object only for a page.
    if form.validate_on_submit() and form.cleaned is not None:
        token = manage_token_for(
            current_app.config["SECRET_KEY"], existing_nonce(session), slug, form.cleaned.phone
        )
        try:
            registered = services.register_online(
                slug, form.cleaned, manage_token=token, locale=str(get_locale())
            )
            db.session.commit()
        except errors.AlreadyRegistered as error:
            db.session.rollback()
            if same_token(error.manage_token, token) and _just_made(
                error.registration_id, form.cleaned
            ):
                # The same browser submitted twice (double click): show what the first made.
                return redirect(url_for(".manage", token=token), 303)
            form[error.field or "phone"].errors.append(error.message)
            duplicate_of = error.field or "phone"
        except errors.InvalidRegistration as error:
            db.session.rollback()
            show_on_form(form, error)
        except errors.RegistrationClosed:
            db.session.rollback()
            return _closed(_public_event(slug))  # a draft or unknown course: 404 there
        except errors.RegistrationError as error:
            db.session.rollback()
            flash(str(error.message), "danger")
        else:
            return redirect(url_for(".manage", token=registered.manage_token), 303)
    event = _public_event(slug)
    if not registration_is_open(event):
        return _closed(event)
    session_nonce(session)  # the form page gives the browser its nonce
    resend_form = None
    if duplicate_of is not None:
        resend_form = ResendLinkForm(
            formdata=None, phone=form.phone.data, email=form.email.data or ""
        )

    def page() -> str:
        return render_template(
            "registration/form.html",
            event=event,
            form=form,
            resend_form=resend_form,
            duplicate_of=duplicate_of,
        )

    if request.method == "GET":
        # A blank form: for anonymous visitors, the same stored page (their CSRF token put back).
        return public_page(("register", *course_version(event)), page)
    return page()


def _just_made(registration_id: int, submitted: RegistrationInput) -> bool:
    """Whether the registration a submission collided with is this very submission made a moment
    ago: same phone and same name, within :data:`DOUBLE_SUBMIT_WINDOW`. The caller has checked
    the token, which proves it was made from this browser. Anyone else at the same browser later
    (a shared office computer), or with other details, gets the duplicate message instead."""
    made = db.session.get(Registration, registration_id)
    return (
        made is not None
        and made.phone == submitted.phone
        and made.full_name == submitted.full_name
        # either way: the first request may have been served by a host whose clock is ahead
        and abs(utcnow() - made.created_at) <= DOUBLE_SUBMIT_WINDOW
    )


@bp.post("/events/<slug>/register/resend")
@limiter.limit(_registration_limit)
def resend_link(slug: str) -> Any:
    """Send the manage link to the address on file; the same answer whatever was typed."""
    event = _public_event(slug)
    form = ResendLinkForm()
    if form.validate_on_submit():
        phone: str | None = None
        email: str | None = None
        try:
            phone = normalise_phone(form.phone.data)
        except InvalidPhoneError:
            phone = None
        try:
            email = normalise_email(form.email.data)
        except InvalidEmailError:
            email = None
        if phone or email:
            registration = services.find_registration(event.id, phone or "", email)
            if registration is not None:
                queue_mail(registration, MailKind.LINK)
                db.session.commit()
        flash(
            _(
                "If that registration has an e-mail address, its link is on its way there. "
                "Otherwise, please contact the organizers."
            ),
            "info",
        )
    return redirect(url_for("events.detail", slug=event.slug), 303)


@bp.get("/events/<slug>/organizations.json")
def organizations(slug: str) -> Any:
    """Current units whose name contains ``q``, ignoring case and accents (for the datalist)."""
    _public_event(slug)
    term = (request.args.get("q") or "")[:100]
    response = jsonify([org.name for org in suggest_organizations(term, limit=10)])
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


@bp.get("/privacy")
def privacy() -> str:
    """The personal data notice, with its version (what each registration records)."""
    config = current_app.config
    return render_template(
        "registration/privacy.html",
        notice_version=NOTICE_VERSION,
        controller=str(config.get("PRIVACY_CONTROLLER") or ""),
        retention_months=int(config.get("RETENTION_MONTHS") or 24),
    )


def _by_token(token: str) -> Registration:
    registration = services.registration_by_token(token)
    if registration is None:
        abort(404)
    return registration


def _can_cancel(registration: Registration) -> bool:
    return registration.status in ACTIVE and registration.event.end_date >= local_today()


def _qr_filename(registration: Registration) -> str:
    """The name the QR image is saved under (course slug and check-in code: ASCII only)."""
    return f"{registration.event.slug}-{registration.checkin_code}.png"


@bp.get("/r/<token>")
def manage(token: str) -> Any:
    registration = _by_token(token)
    event = registration.event
    qr = None
    if registration.status == RegistrationStatus.CONFIRMED:
        qr = qr_svg(
            registration.checkin_code, _("Check-in code %(code)s", code=registration.checkin_code)
        )
    response = make_response(
        render_template(
            "registration/manage.html",
            registration=registration,
            event=event,
            qr=qr,
            qr_filename=_qr_filename(registration) if qr is not None else None,
            can_cancel=_can_cancel(registration),
            extra_links=links_for(registration),
            waiting=waiting_text(registration),
            register_again_form=(
                RegisterAgainForm()
                if services.can_register_again(registration, registration.event)
                else None
            ),
        )
    )
    return _no_store(response)


@bp.get("/r/<token>/qr.png")
def qr_image(token: str) -> Any:
    """The check-in QR code as a PNG, for the phone's gallery; only while confirmed."""
    registration = _by_token(token)
    if registration.status != RegistrationStatus.CONFIRMED:
        abort(404)
    response = make_response(qr_png(registration.checkin_code))
    response.headers["Content-Type"] = "image/png"
    response.headers["Content-Disposition"] = f'inline; filename="{_qr_filename(registration)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/r/<token>/calendar.ics")
def calendar(token: str) -> Any:
    registration = _by_token(token)
    body = calendar_for(
        registration.event, url=url_for(".manage", token=registration.manage_token, _external=True)
    )
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{registration.event.slug}.ics"'
    )
    return _no_store(response)


@bp.post("/r/<token>/register-again")
@limiter.limit(_registration_limit)
def register_again(token: str) -> Any:
    """A cancelled registration taken up again (the rules decide its new status)."""
    registration = _by_token(token)
    form = RegisterAgainForm()
    if form.validate_on_submit():
        try:
            registration = services.register_again(registration.id)
            db.session.commit()
        except errors.RegistrationError as error:
            db.session.rollback()
            flash(str(error.message), "warning")
        else:
            flash(_("Your registration is active again."), "success")
    return redirect(url_for(".manage", token=token), 303)


@bp.route("/r/<token>/cancel", methods=["GET", "POST"])
def cancel(token: str) -> Any:
    """GET asks for confirmation; POST cancels (and promotes from the waiting list)."""
    registration = _by_token(token)
    form = CancelForm()
    if not _can_cancel(registration):
        flash(_("This registration can no longer be cancelled."), "warning")
        return redirect(url_for(".manage", token=token), 303)
    if form.validate_on_submit():
        result = services.cancel(registration.id, actor=None)
        db.session.commit()
        if result.changed:
            flash(_("Your registration has been cancelled."), "success")
        return redirect(url_for(".manage", token=token), 303)
    response = make_response(
        render_template(
            "registration/cancel.html",
            registration=registration,
            event=registration.event,
            form=form,
        )
    )
    return _no_store(response)
