"""This package's mail: the answer to a participant's request (``privacy.answer``) and the
organizers' reminder of a request that is due (``privacy.reminder``). The payload holds ids;
the answer's address is the one the participant had when it was answered (a deletion removes it
from the registration)."""

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
from ..i18n import format_date
from ..mail.composers import composer
from ..mail.models import OutboxMessage
from .labels import KIND_LABELS
from .models import DataRequest
from .models import RequestStatus
from .services import ANSWER_MAIL
from .services import PREFIX
from .services import REMINDER_MAIL


def _message(subject: str, text: str, to: str) -> Message:
    mail = MIMEText(text + "\n", "plain", "utf-8")
    mail["Subject"] = Header(subject, "utf-8")  # type: ignore[assignment]  # compat32 takes it
    mail["From"] = current_app.config.get("MAIL_DEFAULT_SENDER") or "trainingapp@localhost"
    mail["To"] = to
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain="trainingapp")
    return mail


def answer_text(data_request: DataRequest) -> str:
    decision = (
        _("The organizers have done what you asked.")
        if data_request.status == RequestStatus.ANSWERED
        else _("The organizers could not do what you asked.")
    )
    text = _(
        "Hello,\n\nYou sent a request about your personal data for the course “%(title)s” "
        "(%(kind)s). %(decision)s\n\nTheir answer:\n%(answer)s",
        title=data_request.event.title,
        kind=KIND_LABELS[data_request.kind],
        decision=decision,
        answer=data_request.answer,
    )
    return str(text)


def reminder_text(data_request: DataRequest) -> str:
    link = url_for(
        "privacy_manage.request_page",
        event_id=data_request.event_id,
        request_id=data_request.id,
        _external=True,
    )
    text = _(
        "A participant's request about their personal data for the course “%(title)s” "
        "(%(kind)s) is due on %(due)s and has no answer yet. The law asks for an answer "
        "within 2 working days.\n\n%(link)s",
        title=data_request.event.title,
        kind=KIND_LABELS[data_request.kind],
        due=format_date(data_request.due_on),
        link=link,
    )
    return str(text)


@composer(PREFIX)
def compose_queued(message: OutboxMessage) -> Message | None:
    """The answer or the reminder as sent now; a reminder of a request answered meanwhile is
    not sent."""
    data_request = db.session.get(DataRequest, message.payload.get("request_id"))
    if data_request is None:
        return None
    if message.kind == ANSWER_MAIL:
        subject = _("Answer to your request: %(title)s", title=data_request.event.title)
        return _message(str(subject), answer_text(data_request), message.recipient)
    if message.kind == REMINDER_MAIL:
        if not data_request.is_open:
            return None
        subject = _("A personal data request is due: %(title)s", title=data_request.event.title)
        return _message(str(subject), reminder_text(data_request), message.recipient)
    return None
