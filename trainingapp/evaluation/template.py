"""The default questions of a course's evaluation, after the survey of Circular 10/2017/TT-BNV
(đánh giá chất lượng bồi dưỡng cán bộ, công chức, viên chức): the content of the course, each
lecturer, the organisation of the course, the facilities and documents, then open questions.

The lecturer block is repeated for every lecturer of the agenda (sessions → topics → lecturers,
in the agenda's order), so the form asks about the people who actually spoke. Texts are written
in the language of the request that creates the form (Vietnamese by default, also outside a
request), as stored data the organizers may reword.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..events.models import Event
from ..events.models import Topic
from ..lecturers.models import Lecturer
from .models import QuestionKind
from .models import Section

SECTION_LABELS = {
    Section.CONTENT: _l("Course content"),
    Section.LECTURER: _l("Lecturers"),
    Section.ORGANISATION: _l("Organisation of the course"),
    Section.FACILITIES: _l("Facilities and documents"),
    Section.GENERAL: _l("Overall assessment and suggestions"),
}

KIND_LABELS = {
    QuestionKind.SCORE: _l("Score from 1 to 5"),
    QuestionKind.TEXT: _l("Free text"),
}

#: the five points of the scale (Circular 10/2017's satisfaction levels)
SCALE_LABELS = {
    1: _l("Very dissatisfied"),
    2: _l("Dissatisfied"),
    3: _l("Neutral"),
    4: _l("Satisfied"),
    5: _l("Very satisfied"),
}


@dataclass(frozen=True)
class QuestionDraft:
    section: Section
    kind: QuestionKind
    text: str
    lecturer_id: int | None = None
    topic_id: int | None = None


def agenda_lecturers(event: Event) -> list[tuple[Lecturer, list[Topic]]]:
    """Each lecturer of the course once, with their topics, in agenda order: topics of the
    sessions by date and time first, then topics without a session."""
    scheduled: list[Topic] = [topic for s in event.sessions for topic in s.topics]
    unscheduled = [topic for topic in event.topics if topic.session_id is None]
    seen: dict[int, tuple[Lecturer, list[Topic]]] = {}
    for topic in [*scheduled, *unscheduled]:
        for lecturer in topic.lecturers:
            seen.setdefault(lecturer.id, (lecturer, []))[1].append(topic)
    return list(seen.values())


def lecturer_heading(lecturer: Lecturer) -> str:
    """ "Thượng tá Nguyễn Văn Hùng": the rank, when known, before the name."""
    return f"{lecturer.rank} {lecturer.full_name}".strip()


def default_questions(event: Event) -> list[QuestionDraft]:
    """The default form of ``event``, in order."""
    score, text = QuestionKind.SCORE, QuestionKind.TEXT
    drafts = [
        QuestionDraft(Section.CONTENT, score, _("The content is relevant to my work.")),
        QuestionDraft(
            Section.CONTENT, score, _("The content is practical: I can apply it in my work.")
        ),
        QuestionDraft(
            Section.CONTENT, score, _("The amount of content suits the length of the course.")
        ),
        QuestionDraft(Section.CONTENT, score, _("The course met its stated objectives.")),
    ]
    for lecturer, topics in agenda_lecturers(event):
        topic_id = topics[0].id if len(topics) == 1 else None
        for wording in (
            _("Command of the subject and of its practice."),
            _("Clear, well-organised presentation."),
            _("Examples from practice and answers to participants' questions."),
            _("Kept to the planned time."),
        ):
            drafts.append(QuestionDraft(Section.LECTURER, score, wording, lecturer.id, topic_id))
    drafts += [
        QuestionDraft(Section.ORGANISATION, score, _("The schedule was reasonable and kept to.")),
        QuestionDraft(
            Section.ORGANISATION,
            score,
            _("Information about the course was given fully and in good time."),
        ),
        QuestionDraft(
            Section.ORGANISATION, score, _("The organizers supported participants well.")
        ),
        QuestionDraft(Section.FACILITIES, score, _("The hall was suitable and comfortable.")),
        QuestionDraft(Section.FACILITIES, score, _("Sound and projector worked well.")),
        QuestionDraft(
            Section.FACILITIES, score, _("The course documents were complete and useful.")
        ),
        QuestionDraft(Section.GENERAL, score, _("Overall, how satisfied are you with the course?")),
        QuestionDraft(Section.GENERAL, text, _("What was most useful to you in this course?")),
        QuestionDraft(
            Section.GENERAL, text, _("What would you suggest to improve the next courses?")
        ),
    ]
    return drafts
