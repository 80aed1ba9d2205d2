"""Mail to participants about their registration, in the language they registered in."""

from __future__ import annotations

import logging
import uuid
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate
from email.utils import make_msgid
from enum import StrEnum
from typing import Any

from flask import current_app
from flask import render_template
from flask import url_for
from flask_babel import force_locale
from flask_babel import get_locale
from flask_babel import gettext as _

from ..registration.calendar import calendar_for
from ..registration.models import Registration
from ..registration.models import RegistrationStatus
from ..registration.services import registration_locale
from .outbox import deliver

log = logging.getLogger(__name__)


class MailKind(StrEnum):
    CONFIRMED = "confirmed"
    PENDING = "pending"
    WAITLISTED = "waitlisted"
    PROMOTED = "promoted"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    LINK = "link"


#: kinds whose message carries the course's calendar file
WITH_CALENDAR = {
    MailKind.CONFIRMED,
    MailKind.PENDING,
    MailKind.WAITLISTED,
    MailKind.PROMOTED,
    MailKind.APPROVED,
    MailKind.LINK,
}

STATUS_KIND = {
    RegistrationStatus.CONFIRMED: MailKind.CONFIRMED,
    RegistrationStatus.PENDING: MailKind.PENDING,
    RegistrationStatus.WAITLISTED: MailKind.WAITLISTED,
}


def _subject(kind: MailKind, title: str) -> str:
    subjects: dict[MailKind, str] = {
        MailKind.CONFIRMED: _("Registration confirmed: %(title)s", title=title),
        MailKind.PENDING: _("Registration received, pending approval: %(title)s", title=title),
        MailKind.WAITLISTED: _("You are on the waiting list: %(title)s", title=title),
        MailKind.PROMOTED: _("A seat is now yours: %(title)s", title=title),
        MailKind.APPROVED: _("Registration approved: %(title)s", title=title),
        MailKind.REJECTED: _("Registration not approved: %(title)s", title=title),
        MailKind.CANCELLED: _("Registration cancelled: %(title)s", title=title),
        MailKind.LINK: _("Your registration link: %(title)s", title=title),
    }
    return subjects[kind]


def _boundary() -> str:
    return f"=_{uuid.uuid4().hex}"


def compose(registration: Registration, kind: MailKind, locale: str) -> Message:
    """The message for ``kind`` as plain text and HTML, with the .ics for the course attached."""
    event = registration.event
    with force_locale(locale):
        manage_url = url_for("registration.manage", token=registration.manage_token, _external=True)
        context: dict[str, Any] = {
            "registration": registration,
            "event": event,
            "kind": kind.value,
            "manage_url": manage_url,
        }
        text = render_template("mail/registration.txt", **context)
        html = render_template("mail/registration.html", **context)
        subject = _subject(kind, event.title)
    # The compat32 MIME classes: several times cheaper to build than EmailMessage, which
    # parses every header it is given (this runs inside the registration request).
    # Boundaries chosen here: left to the generator, each one costs a regex compile to prove it
    # absent from the text; "=_" cannot occur in the base64 bodies.
    message = MIMEMultipart("mixed", boundary=_boundary())
    message["Subject"] = Header(subject, "utf-8")  # type: ignore[assignment]  # compat32 takes it
    message["From"] = current_app.config.get("MAIL_DEFAULT_SENDER") or "trainingapp@localhost"
    message["To"] = registration.email or ""
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="trainingapp")
    message["Content-Language"] = locale
    body = MIMEMultipart("alternative", boundary=_boundary())
    body.attach(MIMEText(text, "plain", "utf-8"))
    body.attach(MIMEText(html, "html", "utf-8"))
    message.attach(body)
    if kind in WITH_CALENDAR:
        ics = MIMEText(calendar_for(event, url=manage_url), "calendar", "utf-8")
        ics.set_param("method", "PUBLISH")
        ics.add_header("Content-Disposition", "attachment", filename="course.ics")
        message.attach(ics)
    return message


def notify(registration: Registration, kind: MailKind, *, locale: str | None = None) -> None:
    """Tell the participant (when they gave an e-mail). Call after commit; never raises."""
    if not registration.email:
        return
    try:
        chosen = locale or registration_locale(registration) or str(get_locale())
        if chosen not in current_app.config["LANGUAGES"]:
            chosen = current_app.config["BABEL_DEFAULT_LOCALE"]
        deliver(compose(registration, kind, chosen))
    except Exception:  # mail must never break the page that triggered it
        log.exception("could not compose mail %s for registration %s", kind, registration.id)


def notify_status(registration: Registration, *, locale: str | None = None) -> None:
    """The mail matching a new registration's status."""
    kind = STATUS_KIND.get(registration.status)
    if kind is not None:
        notify(registration, kind, locale=locale)
