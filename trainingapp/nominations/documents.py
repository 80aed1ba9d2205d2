"""An invited unit's letter from what the app holds: the course, its agenda, the unit's quota,
the deadline and link; rendered with the issuing unit's own template when it uploaded one."""

from __future__ import annotations

from collections.abc import Iterator

from flask import current_app
from flask import url_for
from sqlalchemy import select

from ..audit.services import record
from ..auth.models import User
from ..common.time import to_local
from ..events.documents import course_subject
from ..events.documents import issuer_of
from ..events.documents import lecturer_text
from ..events.models import Event
from ..extensions import db
from ..registration.tokens import link_qr_png
from .letter import Letter
from .letter import LetterSession
from .letter import check_template
from .letter import letter_filename
from .letter import render_letter
from .models import Invitation
from .models import LetterTemplate


def _sessions(event: Event) -> list[LetterSession]:
    sessions = []
    for session in event.sessions:
        topics = []
        for topic in session.topics:
            speakers = ", ".join(lecturer_text(lecturer) for lecturer in topic.lecturers)
            topics.append(f"{topic.title} — {speakers}" if speakers else topic.title)
        sessions.append(
            LetterSession(session.name, session.date, session.start_time, session.end_time, topics)
        )
    return sessions


def letter_for(invitation: Invitation) -> Letter:
    event = invitation.event
    issuer = issuer_of(event)
    quota = next(
        (q.seats for q in event.quotas if q.organization_id == invitation.organization_id), 0
    )
    url = url_for("nominations.unit", token=invitation.token, _external=True)
    return Letter(
        parent_body=issuer.parent_body,
        issuing_body=issuer.issuing_body,
        place=issuer.place,
        issued_on=None,
        course_title=course_subject(event.title),
        start_date=event.start_date,
        end_date=event.end_date,
        venue=event.venue,
        sessions=_sessions(event),
        unit_name=invitation.organization.name,
        quota=quota,
        deadline=to_local(event.nominations_close_at) if event.nominations_close_at else None,
        nomination_url=url,
        qr_png=link_qr_png(url),
        contact_name=invitation.contact_name,
        organizer_contact=str(current_app.config.get("LETTER_ORGANIZER_CONTACT") or ""),
        recipients=[invitation.organization.name],
        signer_title=issuer.signer_title,
        signer_name=issuer.signer_name,
    )


def template_of(event: Event) -> LetterTemplate | None:
    return db.session.scalar(
        select(LetterTemplate).where(LetterTemplate.organization_id == event.organizer_id)
    )


def letter_docx(invitation: Invitation, template: LetterTemplate | None) -> bytes:
    return render_letter(letter_for(invitation), template.data if template else None)


def all_letters(
    invitations: list[Invitation], template: LetterTemplate | None
) -> Iterator[tuple[str, bytes]]:
    for invitation in invitations:
        yield letter_filename(invitation.organization.name), letter_docx(invitation, template)


def save_template(actor: User | None, event: Event, filename: str, data: bytes) -> None:
    """The course's issuing unit's own template, after :func:`check_template` (raises
    ``LetterTemplateError`` with a message for the organizer). Audited."""
    check_template(data)
    template = template_of(event)
    if template is None:
        template = LetterTemplate(organization_id=event.organizer_id, filename="", data=b"")
        db.session.add(template)
    template.filename = filename[:255] or "giay-moi.docx"
    template.data = data
    template.uploaded_by_id = actor.id if actor else None
    db.session.flush()
    record(
        actor,
        "letter_template.upload",
        template,
        event_id=event.id,
        details={"filename": template.filename, "bytes": len(data)},
    )


def reset_template(actor: User | None, event: Event) -> None:
    template = template_of(event)
    if template is not None:
        record(actor, "letter_template.delete", template, event_id=event.id)
        db.session.delete(template)
        db.session.flush()
