"""The participant's mail about their registration, in the language they registered in.

Verbs queue it with :func:`queue_mail` in their own transaction (``mail.outbox.enqueue``); the
sender composes it later with :func:`compose_queued`, registered with the mail package for the
kinds ``registration.*``. The payload is the registration's id only: what the mail says is read
when it is sent, and nothing is sent for a registration that is gone or anonymised.
"""

from __future__ import annotations

import uuid
from email.header import Header
from email.message import Message
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate
from email.utils import make_msgid
from enum import StrEnum
from typing import Any

from flask import current_app
from flask import render_template
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..audit.models import AuditEntry
from ..extensions import db
from ..mail.composers import composer
from ..mail.models import OutboxMessage
from ..mail.outbox import enqueue
from .calendar import calendar_for
from .models import Registration
from .models import RegistrationStatus
from .tokens import qr_png
from .waiting import waiting_text

#: the composer prefix of this package's mail kinds: "registration.confirmed", ...
PREFIX = "registration"


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

#: kinds that show a confirmed registration its check-in QR code (``link`` too, when confirmed)
WITH_QR = {MailKind.CONFIRMED, MailKind.PROMOTED, MailKind.APPROVED, MailKind.LINK}

#: the mail that tells a new registration its status
STATUS_KIND = {
    RegistrationStatus.CONFIRMED: MailKind.CONFIRMED,
    RegistrationStatus.PENDING: MailKind.PENDING,
    RegistrationStatus.WAITLISTED: MailKind.WAITLISTED,
}


def queue_mail(registration: Registration, kind: MailKind, locale: str | None = None) -> None:
    """Queue ``kind`` to the participant in the current transaction (nothing without e-mail).

    The language: ``locale``, else the one the participant registered in, else the site's."""
    if not registration.email or registration.anonymised_at is not None:
        return
    chosen = locale or getattr(registration, "locale", None) or _audited_locale(registration.id)
    queue_mail_to(registration.id, registration.email, kind, chosen)


def queue_mail_to(registration_id: int, email: str, kind: MailKind, locale: str | None) -> None:
    """:func:`queue_mail` for a registration known by its id and address (the registration hot
    path, which has no ORM object)."""
    if not email:
        return
    enqueue(
        f"{PREFIX}.{kind.value}",
        recipient=email,
        payload={"registration_id": registration_id},
        locale=_supported(locale),
    )


def queue_status_mail(registration: Registration, locale: str | None = None) -> None:
    """Queue the mail matching the registration's status (confirmed, pending, waiting list)."""
    kind = STATUS_KIND.get(registration.status)
    if kind is not None:
        queue_mail(registration, kind, locale)


def _supported(locale: str | None) -> str:
    config = current_app.config
    if locale and locale in config["LANGUAGES"]:
        return locale
    return str(config["BABEL_DEFAULT_LOCALE"])


def _audited_locale(registration_id: int) -> str | None:
    """The language kept in the creation's audit entry, for registrations older than the
    ``locale`` column (migration 0004 copies it; this covers the rest)."""
    details = db.session.scalar(
        select(AuditEntry.details)
        .where(
            AuditEntry.object_type == "Registration",
            AuditEntry.object_id == registration_id,
            AuditEntry.action == "registration.create",
        )
        .limit(1)
    )
    locale = (details or {}).get("locale")
    return str(locale) if locale else None


@composer(PREFIX)
def compose_queued(message: OutboxMessage) -> Message | None:
    """The queued ``message`` as sent now; None when its registration is gone, anonymised or
    has no e-mail any more. Runs in a request context on the site root, in the mail's locale."""
    kind = MailKind(message.kind.removeprefix(f"{PREFIX}."))
    registration = db.session.get(Registration, message.payload.get("registration_id"))
    if registration is None or registration.anonymised_at is not None or not registration.email:
        return None
    return compose(registration, kind, to=message.recipient)


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


def _shows_qr(registration: Registration, kind: MailKind) -> bool:
    """Whether the mail carries the check-in QR code: the registration is confirmed now (the
    mail is composed when sent, so a confirmation cancelled meanwhile shows none)."""
    return kind in WITH_QR and registration.status == RegistrationStatus.CONFIRMED


def _png_width(png: bytes) -> int:
    """The width in pixels from a PNG's IHDR chunk (signature, length, "IHDR", width)."""
    return int.from_bytes(png[16:20], "big")


def compose(registration: Registration, kind: MailKind, *, to: str | None = None) -> Message:
    """The message for ``kind`` in the current locale, as plain text and HTML, with the .ics of
    the course attached. Needs a request context (absolute links).

    A confirmed registration's HTML shows its check-in QR code as an inline PNG (mail clients
    show no inline SVG): ``multipart/related`` holds the HTML and the image it references by
    Content-ID, in place of the bare HTML part of ``multipart/alternative``."""
    event = registration.event
    manage_url = url_for("registration.manage", token=registration.manage_token, _external=True)
    png = qr_png(registration.checkin_code) if _shows_qr(registration, kind) else None
    qr_cid = f"qr-{uuid.uuid4().hex}@trainingapp" if png is not None else None
    context: dict[str, Any] = {
        "registration": registration,
        "event": event,
        "kind": kind.value,
        "manage_url": manage_url,
        "qr_cid": qr_cid,
        "qr_width": _png_width(png) if png is not None else None,
        "waiting": waiting_text(registration) if kind == MailKind.WAITLISTED else "",
    }
    text = render_template("mail/registration.txt", **context)
    html = render_template("mail/registration.html", **context)
    subject = _subject(kind, event.title)
    # The compat32 MIME classes: several times cheaper to build than EmailMessage, which parses
    # every header it is given. Boundaries chosen here: left to the generator, each one costs a
    # regex compile to prove it absent from the text; "=_" cannot occur in the base64 bodies.
    message = MIMEMultipart("mixed", boundary=_boundary())
    message["Subject"] = Header(subject, "utf-8")  # type: ignore[assignment]  # compat32 takes it
    message["From"] = current_app.config.get("MAIL_DEFAULT_SENDER") or "trainingapp@localhost"
    message["To"] = to or registration.email or ""
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="trainingapp")
    message["Content-Language"] = str(get_locale())
    body = MIMEMultipart("alternative", boundary=_boundary())
    body.attach(MIMEText(text, "plain", "utf-8"))
    html_part = MIMEText(html, "html", "utf-8")
    if png is None:
        body.attach(html_part)
    else:
        related = MIMEMultipart("related", boundary=_boundary(), type="text/html")
        related.attach(html_part)
        image = MIMEImage(png, "png")
        image["Content-ID"] = f"<{qr_cid}>"
        image.add_header(
            "Content-Disposition", "inline", filename=f"qr-{registration.checkin_code}.png"
        )
        related.attach(image)
        body.attach(related)
    message.attach(body)
    if kind in WITH_CALENDAR:
        ics = MIMEText(calendar_for(event, url=manage_url), "calendar", "utf-8")
        ics.set_param("method", "PUBLISH")
        ics.add_header("Content-Disposition", "attachment", filename="course.ics")
        message.attach(ics)
    return message
