"""Words sent to people outside the app: the message a unit's contact forwards to a nominee
(Zalo, SMS), the reminder to a unit that has not answered (as text to copy, and as mail queued in
the outbox and composed when sent)."""

from __future__ import annotations

from email.header import Header
from email.message import Message
from email.mime.text import MIMEText
from email.utils import formatdate
from email.utils import make_msgid

from flask import current_app
from flask import url_for
from flask_babel import gettext as _

from ..events.models import Event
from ..extensions import db
from ..i18n import format_date
from ..i18n import format_datetime
from ..mail.composers import composer
from ..mail.models import OutboxMessage
from ..mail.outbox import enqueue
from ..registration.models import Registration
from ..registration.models import RegistrationStatus
from .models import Invitation

PREFIX = "nominations"
REMINDER = f"{PREFIX}.reminder"


def _dates(event: Event) -> str:
    if event.end_date != event.start_date:
        return f"{format_date(event.start_date)} – {format_date(event.end_date)}"
    return format_date(event.start_date)


def nominee_message(person: Registration, event: Event) -> str:
    """What the contact sends a nominee: the course, the status, the check-in code and the
    personal link (where the QR code and the details are)."""
    link = url_for("registration.manage", token=person.manage_token, _external=True)
    where = _(" at %(venue)s", venue=event.venue) if event.venue else ""
    if person.status == RegistrationStatus.CONFIRMED:
        status = _("Your check-in code: %(code)s.", code=person.checkin_code)
    elif person.status == RegistrationStatus.WAITLISTED:
        status = _("You are on the waiting list; we will tell you when a seat is free.")
    else:
        status = _("The organizers will confirm your place.")
    return str(
        _(
            "Dear %(name)s, you have been nominated to attend the course “%(title)s” on "
            "%(dates)s%(where)s. %(status)s Your registration and QR code: %(link)s",
            name=person.full_name,
            title=event.title,
            dates=_dates(event),
            where=where,
            status=status,
            link=link,
        )
    )


def reminder_message(invitation: Invitation) -> str:
    """The reminder to a unit, as text for Zalo or SMS (the mail says the same)."""
    event = invitation.event
    quota = next(
        (q.seats for q in event.quotas if q.organization_id == invitation.organization_id), 0
    )
    return str(
        _(
            "Reminder from the organizers of the course “%(title)s” (%(dates)s): please nominate "
            "%(quota)d people of %(unit)s by %(deadline)s at %(link)s",
            title=event.title,
            dates=_dates(event),
            quota=quota,
            unit=invitation.organization.name,
            deadline=format_datetime(event.nominations_close_at),
            link=url_for("nominations.unit", token=invitation.token, _external=True),
        )
    )


def queue_reminder(invitation: Invitation, locale: str) -> bool:
    """Queue the reminder mail to the unit's contact (False without an e-mail)."""
    if not invitation.contact_email:
        return False
    enqueue(
        REMINDER,
        recipient=invitation.contact_email,
        payload={"invitation_id": invitation.id},
        locale=locale,
    )
    return True


@composer(PREFIX)
def compose_queued(message: OutboxMessage) -> Message | None:
    """The reminder as sent now: nothing when the link was withdrawn or the invitation is gone
    (the link in the mail is the current one)."""
    invitation = db.session.get(Invitation, message.payload.get("invitation_id"))
    if invitation is None or invitation.revoked_at is not None:
        return None
    text = reminder_message(invitation)
    if invitation.contact_name:
        text = _("Dear %(name)s,", name=invitation.contact_name) + "\n\n" + text
    mail = MIMEText(text + "\n", "plain", "utf-8")
    mail["Subject"] = Header(  # type: ignore[assignment]  # compat32 takes a Header
        _("Please nominate participants: %(title)s", title=invitation.event.title), "utf-8"
    )
    mail["From"] = current_app.config.get("MAIL_DEFAULT_SENDER") or "trainingapp@localhost"
    mail["To"] = message.recipient
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain="trainingapp")
    return mail
