"""The reminder mail (kind ``evaluation.reminder``): queued in the outbox for one participant who
has not answered, composed when sent with their own ``/r/<token>/evaluation`` link. Nothing is
sent any more if they answered (or the evaluation closed) in between."""

from __future__ import annotations

from email.header import Header
from email.message import Message
from email.mime.text import MIMEText
from email.utils import formatdate
from email.utils import make_msgid

from flask import current_app
from flask import url_for
from flask_babel import gettext as _

from ..extensions import db
from ..i18n import format_datetime
from ..mail.composers import composer
from ..mail.models import OutboxMessage
from ..mail.outbox import enqueue
from ..registration.models import Registration
from .services import FormState
from .services import form_of
from .services import state_of

PREFIX = "evaluation"
REMINDER = f"{PREFIX}.reminder"


def queue_reminder(registration: Registration) -> None:
    """Queue the reminder to ``registration``'s e-mail, in the language they registered in."""
    assert registration.email
    enqueue(
        REMINDER,
        recipient=registration.email,
        payload={"registration_id": registration.id},
        locale=registration.locale or "vi",
    )


def reminder_text(registration: Registration, closes_at_text: str) -> str:
    link = url_for("evaluation.answer", token=registration.manage_token, _external=True)
    text = _(
        "Dear %(name)s,\n\nThank you for taking part in the course “%(title)s”. Please tell the "
        "organizers what you thought of it: the evaluation takes a few minutes and your answers "
        "are anonymous.\n\n%(link)s",
        name=registration.full_name,
        title=registration.event.title,
        link=link,
    )
    if closes_at_text:
        text += "\n\n" + _("The evaluation closes on %(when)s.", when=closes_at_text)
    return str(text)


@composer(PREFIX)
def compose_queued(message: OutboxMessage) -> Message | None:
    """The reminder as sent now; nothing once the person answered or the form closed."""
    registration = db.session.get(Registration, message.payload.get("registration_id"))
    if registration is None or registration.has_evaluated or not registration.email:
        return None
    form = form_of(registration.event_id)
    if state_of(form) != FormState.OPEN:
        return None
    assert form is not None
    mail = MIMEText(
        reminder_text(registration, format_datetime(form.closes_at)) + "\n", "plain", "utf-8"
    )
    mail["Subject"] = Header(  # type: ignore[assignment]  # compat32 takes a Header
        _("Your evaluation of the course: %(title)s", title=registration.event.title), "utf-8"
    )
    mail["From"] = current_app.config.get("MAIL_DEFAULT_SENDER") or "trainingapp@localhost"
    mail["To"] = message.recipient
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain="trainingapp")
    return mail
