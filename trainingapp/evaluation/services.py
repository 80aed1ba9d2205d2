"""The evaluation's verbs and rules: the form (created from the default template, edited until the
first response, opened for a window), who may answer, submitting (once per registration,
anonymously), the reminder mail and the review of free-text answers. Callers commit.

Who may answer: a confirmed registration of the course. Once attendance has been taken for the
course (any check-in), only participants checked in to at least one session: the form asks
about sessions they attended. Before any check-in (a course whose attendance is not recorded in
the app) every confirmed participant may answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from datetime import time
from datetime import timedelta
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement
from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import aliased

from ..attendance.models import Attendance
from ..audit.services import record
from ..auth.models import User
from ..common.errors import DomainError
from ..common.phones import InvalidPhoneError
from ..common.phones import normalise_phone
from ..common.text import clean
from ..common.time import local_to_utc
from ..common.time import utcnow
from ..events.locking import lock_course
from ..events.models import Event
from ..extensions import db
from ..registration.models import Registration
from ..registration.models import RegistrationStatus
from ..registration.tokens import parse_checkin_payload
from .models import SCORES
from .models import CommentStatus
from .models import EvaluationAnswer
from .models import EvaluationForm
from .models import EvaluationQuestion
from .models import EvaluationResponse
from .models import QuestionKind
from .models import Section
from .template import default_questions

#: longest free-text answer kept
TEXT_LIMIT = 2000
#: the form stays open this many days after the course's last day, by default
DEFAULT_OPEN_DAYS = 7


class EvaluationError(DomainError):
    default_message = _l("The evaluation could not be saved.")


class QuestionsFrozen(EvaluationError):  # noqa: N818  (a refusal, like EventFull)
    default_message = _l(
        "The questions can no longer be changed: participants have already answered."
    )


class NotOpen(EvaluationError):  # noqa: N818  (a refusal, like EventFull)
    default_message = _l("The evaluation is not open.")


class AlreadyAnswered(EvaluationError):  # noqa: N818  (a refusal, like EventFull)
    default_message = _l("You have already answered this evaluation. Thank you!")


class NotEligible(EvaluationError):  # noqa: N818  (a refusal, like EventFull)
    default_message = _l("This evaluation is for the course's confirmed participants.")


class FormState(StrEnum):
    DRAFT = "draft"  # not opened by the organizers yet
    UPCOMING = "upcoming"  # opened, its window starts later
    OPEN = "open"
    CLOSED = "closed"


# --- The form ---------------------------------------------------------------------------------


def form_of(event_id: int) -> EvaluationForm | None:
    return db.session.scalar(select(EvaluationForm).where(EvaluationForm.event_id == event_id))


def state_of(form: EvaluationForm | None, now: datetime | None = None) -> FormState:
    if form is None or not form.is_opened:
        return FormState.DRAFT
    now = now or utcnow()
    if form.opens_at is not None and now < form.opens_at:
        return FormState.UPCOMING
    if form.closes_at is not None and now >= form.closes_at:
        return FormState.CLOSED
    return FormState.OPEN


def default_window(event: Event) -> tuple[datetime, datetime]:
    """From the course's first morning to a week after its last day (local time)."""
    opens = local_to_utc(datetime.combine(event.start_date, time(0, 0)))
    closes = local_to_utc(
        datetime.combine(event.end_date + timedelta(days=DEFAULT_OPEN_DAYS), time(23, 59))
    )
    return opens, closes


def response_count(form_id: int) -> int:
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(EvaluationResponse)
            .where(EvaluationResponse.form_id == form_id)
        )
        or 0
    )


def has_responses(form: EvaluationForm) -> bool:
    return bool(db.session.scalar(select(exists().where(EvaluationResponse.form_id == form.id))))


def _add_default_questions(form: EvaluationForm, event: Event) -> int:
    drafts = default_questions(event)
    for position, draft in enumerate(drafts, start=1):
        db.session.add(
            EvaluationQuestion(
                form_id=form.id,
                position=position,
                section=draft.section,
                kind=draft.kind,
                text=draft.text,
                lecturer_id=draft.lecturer_id,
                topic_id=draft.topic_id,
            )
        )
    db.session.flush()
    return len(drafts)


def ensure_form(actor: User | None, event: Event) -> EvaluationForm:
    """The course's form, created from the default template the first time (under the course
    lock, so two first visits make one form)."""
    form = form_of(event.id)
    if form is not None:
        return form
    event_id = event.id
    lock_course(event_id)
    form = form_of(event_id)
    if form is not None:
        return form
    locked = db.session.get(Event, event_id, populate_existing=True)
    assert locked is not None  # locked a moment ago
    return create_form(actor, locked)


def create_form(actor: User | None, event: Event) -> EvaluationForm:
    """A new form for ``event`` from the default template (no lock: :func:`ensure_form` is
    the way for pages; the demo data, written alone, calls this)."""
    opens_at, closes_at = default_window(event)
    form = EvaluationForm(event_id=event.id, opens_at=opens_at, closes_at=closes_at)
    db.session.add(form)
    db.session.flush()
    count = _add_default_questions(form, event)
    db.session.expire(form, ["questions"])
    record(actor, "evaluation.create", form, event_id=event.id, details={"questions": count})
    return form


def update_settings(
    actor: User | None,
    form: EvaluationForm,
    *,
    intro: str,
    opens_at: datetime | None,
    closes_at: datetime | None,
) -> None:
    """The text above the questions and the window (naive UTC instants; either may be None:
    open from when the organizers open it, until they close it)."""
    if opens_at is not None and closes_at is not None and closes_at <= opens_at:
        raise EvaluationError({"closes_day": _l("The evaluation must close after it opens.")})
    before = {
        "intro": form.intro,
        "opens_at": form.opens_at,
        "closes_at": form.closes_at,
    }
    form.intro = (intro or "").strip()[:TEXT_LIMIT]
    form.opens_at, form.closes_at = opens_at, closes_at
    db.session.flush()
    details = {
        name: [_iso(value), _iso(getattr(form, name))]
        for name, value in before.items()
        if value != getattr(form, name)
    }
    if details:
        record(actor, "evaluation.settings", form, event_id=form.event_id, details=details)


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def open_form(actor: User | None, form: EvaluationForm) -> None:
    """Start taking answers (from ``opens_at``, if later)."""
    if not form.questions:
        raise EvaluationError(_l("Add at least one question before opening the evaluation."))
    if form.closes_at is not None and form.closes_at <= utcnow():
        raise EvaluationError(
            {"closes_day": _l("The closing time has passed: set a later one first.")}
        )
    if not form.is_opened:
        form.is_opened = True
        db.session.flush()
        record(actor, "evaluation.open", form, event_id=form.event_id)


def close_form(actor: User | None, form: EvaluationForm) -> None:
    """Stop taking answers now; an evaluation whose window has not started goes back to draft."""
    state = state_of(form)
    if state == FormState.UPCOMING:
        form.is_opened = False
    elif state == FormState.OPEN:
        form.closes_at = utcnow()
    else:
        return
    db.session.flush()
    record(actor, "evaluation.close", form, event_id=form.event_id)


# --- Questions (editable until the first response) --------------------------------------------


def _editable(form: EvaluationForm) -> None:
    if has_responses(form):
        raise QuestionsFrozen()


def _question(form: EvaluationForm, question_id: int | None) -> EvaluationQuestion:
    question = next((q for q in form.questions if q.id == question_id), None)
    if question is None:
        raise EvaluationError(_l("That question is not on this form any more."))
    return question


def _clean_text(text: str | None) -> str:
    cleaned = clean(text or "")
    if not cleaned:
        raise EvaluationError({"text": _l("Enter the question.")})
    if len(cleaned) > 500:
        raise EvaluationError({"text": _l("At most 500 characters.")})
    return cleaned


def _lecturer_choice(form: EvaluationForm, lecturer_id: int | None) -> int | None:
    if not lecturer_id:
        return None
    from .template import agenda_lecturers

    if lecturer_id not in {lecturer.id for lecturer, _topics in agenda_lecturers(form.event)}:
        raise EvaluationError({"lecturer_id": _l("Choose a lecturer of this course.")})
    return lecturer_id


def add_question(
    actor: User | None,
    form: EvaluationForm,
    *,
    section: Section,
    kind: QuestionKind,
    text: str,
    lecturer_id: int | None = None,
) -> EvaluationQuestion:
    _editable(form)
    cleaned = _clean_text(text)
    if section == Section.LECTURER:
        lecturer_id = _lecturer_choice(form, lecturer_id)
        if lecturer_id is None:
            raise EvaluationError({"lecturer_id": _l("Choose the lecturer the question is about.")})
    else:
        lecturer_id = None
    question = EvaluationQuestion(
        form_id=form.id,
        position=max((q.position for q in form.questions), default=0) + 1,
        section=section,
        kind=kind,
        text=cleaned,
        lecturer_id=lecturer_id,
    )
    form.questions.append(question)
    db.session.flush()
    record(
        actor,
        "evaluation.question.create",
        question,
        event_id=form.event_id,
        details={"section": section.value, "kind": kind.value, "text": cleaned},
    )
    return question


def update_question(
    actor: User | None, form: EvaluationForm, question_id: int | None, text: str
) -> EvaluationQuestion:
    _editable(form)
    question = _question(form, question_id)
    cleaned = _clean_text(text)
    if cleaned != question.text:
        before, question.text = question.text, cleaned
        db.session.flush()
        record(
            actor,
            "evaluation.question.update",
            question,
            event_id=form.event_id,
            details={"text": [before, cleaned]},
        )
    return question


def delete_question(actor: User | None, form: EvaluationForm, question_id: int | None) -> None:
    _editable(form)
    question = _question(form, question_id)
    record(
        actor,
        "evaluation.question.delete",
        question,
        event_id=form.event_id,
        details={"text": question.text},
    )
    form.questions.remove(question)
    db.session.flush()


def _group_key(question: EvaluationQuestion) -> tuple[Section, int | None]:
    return question.section, question.lecturer_id


def move_question(
    actor: User | None, form: EvaluationForm, question_id: int | None, direction: str
) -> bool:
    """Swap with the neighbour of the same section (and lecturer); False at either end."""
    _editable(form)
    question = _question(form, question_id)
    ordered = sorted(form.questions, key=lambda q: (q.position, q.id))
    for position, each in enumerate(ordered, start=1):
        each.position = position
    siblings = [q for q in ordered if _group_key(q) == _group_key(question)]
    index = siblings.index(question)
    other_index = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other_index < len(siblings):
        return False
    other = siblings[other_index]
    question.position, other.position = other.position, question.position
    db.session.flush()
    record(
        actor,
        "evaluation.question.move",
        question,
        event_id=form.event_id,
        details={"direction": direction},
    )
    return True


def reset_questions(actor: User | None, form: EvaluationForm) -> int:
    """Start again from the default template (after the agenda changed, say)."""
    _editable(form)
    form.questions.clear()
    db.session.flush()
    count = _add_default_questions(form, form.event)
    db.session.expire(form, ["questions"])
    record(actor, "evaluation.reset", form, event_id=form.event_id, details={"questions": count})
    return count


# --- Who may answer -------------------------------------------------------------------------


def eligible_condition(event_id: int) -> ColumnElement[bool]:
    """The registrations of ``event_id`` that may answer (see the module docstring)."""
    # An alias, so the enclosing query's Registration is not correlated into this one.
    other = aliased(Registration)
    taken = (
        select(Attendance.id)
        .join(other, other.id == Attendance.registration_id)
        .where(other.event_id == event_id)
        .exists()
    )
    attended = select(Attendance.id).where(Attendance.registration_id == Registration.id).exists()
    return (
        (Registration.event_id == event_id)
        & (Registration.status == RegistrationStatus.CONFIRMED)
        & (~taken | attended)
    )


def is_eligible(registration: Registration) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Registration.id == registration.id, eligible_condition(registration.event_id)
                )
            )
        )
    )


def eligible_count(event_id: int) -> int:
    return int(
        db.session.scalar(
            select(func.count()).select_from(Registration).where(eligible_condition(event_id))
        )
        or 0
    )


def find_participant(event_id: int, typed: str) -> Registration | None:
    """The registration of the course whose check-in code or phone was typed (at the closing
    session's QR code), or None."""
    typed = (typed or "")[:40]
    code = parse_checkin_payload(typed)
    if code and len(code) <= 12:
        by_code = db.session.scalar(
            select(Registration).where(
                Registration.event_id == event_id, Registration.checkin_code == code
            )
        )
        if by_code is not None:
            return by_code
    try:
        phone = normalise_phone(typed)
    except InvalidPhoneError:
        return None
    return db.session.scalar(
        select(Registration).where(Registration.event_id == event_id, Registration.phone == phone)
    )


# --- Answering -------------------------------------------------------------------------------

#: a score (1–5) for a score question, a text for a text question
Answers = Mapping[int, int | str]


def check_answers(form: EvaluationForm, answers: Answers) -> dict[int, int | str]:
    """The answers that count (empty texts dropped), or the refusal: per question ("q<id>"), or
    for the whole form when nothing was answered."""
    questions = {q.id: q for q in form.questions}
    kept: dict[int, int | str] = {}
    errors: dict[str, Any] = {}
    for question_id, value in answers.items():
        question = questions.get(question_id)
        if question is None:
            errors[""] = _l("The questions changed while you answered. Please check the form.")
        elif question.kind == QuestionKind.SCORE:
            if isinstance(value, bool) or value not in SCORES:
                errors[f"q{question_id}"] = _l("Choose a score from 1 to 5.")
            else:
                kept[question_id] = value
        else:
            text = str(value).strip()
            if len(text) > TEXT_LIMIT:
                errors[f"q{question_id}"] = _l("At most %(limit)d characters.", limit=TEXT_LIMIT)
            elif text:
                kept[question_id] = text
    if errors:
        raise EvaluationError(errors)
    if not kept:
        raise EvaluationError(_l("Answer at least one question before sending."))
    return kept


def store_response(form: EvaluationForm, answers: Mapping[int, int | str]) -> str:
    """Insert one response (random key, no person, no time) and its answers; its id."""
    response = EvaluationResponse(form_id=form.id)
    kinds = {q.id: q.kind for q in form.questions}
    for question_id, value in answers.items():
        if kinds[question_id] == QuestionKind.SCORE:
            response.answers.append(EvaluationAnswer(question_id=question_id, score=int(value)))
        else:
            response.answers.append(
                EvaluationAnswer(
                    question_id=question_id, text=str(value), comment_status=CommentStatus.PENDING
                )
            )
    db.session.add(response)
    db.session.flush()
    return response.id


def mark_answered(registration_id: int) -> None:
    """Set the flag without touching ``updated_at`` (its onupdate would tell when the person
    answered, and so which response is theirs)."""
    db.session.execute(
        update(Registration)
        .where(Registration.id == registration_id)
        .values(has_evaluated=True, updated_at=Registration.updated_at)
        .execution_options(synchronize_session=False)
    )


def submit(event_id: int, registration_id: int, answers: Answers) -> str:
    """Store ``answers`` of a participant of ``event_id``: under the course lock, once per
    registration (a double submit makes one response), inside the open window. No audit entry:
    it would tie the person to the moment, and so to the response."""
    lock_course(event_id)
    registration = db.session.get(Registration, registration_id, populate_existing=True)
    if registration is None or registration.event_id != event_id:
        raise NotEligible()
    form = form_of(event_id)
    if state_of(form) != FormState.OPEN:
        raise NotOpen()
    assert form is not None
    if registration.has_evaluated:
        raise AlreadyAnswered()
    if not is_eligible(registration):
        raise NotEligible()
    kept = check_answers(form, answers)
    response_id = store_response(form, kept)
    mark_answered(registration_id)
    db.session.expire(registration, ["has_evaluated"])
    return response_id


# --- Reminders and comments ----------------------------------------------------------------


def reminder_recipients(event_id: int) -> list[Registration]:
    """Participants who may answer, have not, and have an e-mail address."""
    return list(
        db.session.scalars(
            select(Registration)
            .where(
                eligible_condition(event_id),
                Registration.has_evaluated.is_(False),
                Registration.email.is_not(None),
                Registration.email != "",
            )
            .order_by(Registration.id)
        )
    )


def send_reminders(actor: User | None, form: EvaluationForm) -> int:
    """Queue the reminder mail to every participant who has not answered; how many."""
    from .messages import queue_reminder

    if state_of(form) != FormState.OPEN:
        raise NotOpen(_l("Reminders can be sent only while the evaluation is open."))
    recipients = reminder_recipients(form.event_id)
    for registration in recipients:
        queue_reminder(registration)
    record(
        actor,
        "evaluation.remind",
        form,
        event_id=form.event_id,
        details={"queued": len(recipients)},
    )
    return len(recipients)


def set_comment_status(
    actor: User | None,
    form: EvaluationForm,
    response_id: str,
    question_id: int | None,
    status: CommentStatus,
) -> None:
    """Approve (show in the results) or hide a free-text answer."""
    answer = db.session.scalar(
        select(EvaluationAnswer)
        .join(EvaluationResponse, EvaluationResponse.id == EvaluationAnswer.response_id)
        .where(
            EvaluationAnswer.response_id == (response_id or "")[:32],
            EvaluationAnswer.question_id == (question_id or 0),
            EvaluationResponse.form_id == form.id,
            EvaluationAnswer.comment_status.is_not(None),
        )
    )
    if answer is None:
        raise EvaluationError(_l("That answer was not found."))
    if answer.comment_status != status:
        before, answer.comment_status = answer.comment_status, status
        db.session.flush()
        record(
            actor,
            "evaluation.comment",
            form,
            event_id=form.event_id,
            details={"question_id": answer.question_id, "status": [before, status.value]},
        )


EXPORT = "evaluation.export"


def record_export(actor: User | None, event: Event, *, responses: int) -> None:
    """Audit a download of the results (SPEC rule 4: every export is logged)."""
    record(actor, EXPORT, event, event_id=event.id, details={"format": "xlsx", "rows": responses})
