"""How a form's questions are shown: by section in the Circular's order, the lecturers section in
one block per lecturer (name, rank and topics as the agenda says now)."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from sqlalchemy import select

from ..extensions import db
from ..lecturers.models import Lecturer
from .models import EvaluationForm
from .models import EvaluationQuestion
from .models import Section
from .template import SECTION_LABELS
from .template import agenda_lecturers
from .template import lecturer_heading


@dataclass
class Group:
    #: the lecturer's rank and name; empty outside the lecturers section
    heading: str
    topics: str
    questions: list[EvaluationQuestion] = field(default_factory=list)


@dataclass
class SectionView:
    section: Section
    label: str
    groups: list[Group] = field(default_factory=list)


def form_layout(form: EvaluationForm) -> list[SectionView]:
    agenda = {lecturer.id: (lecturer, topics) for lecturer, topics in agenda_lecturers(form.event)}
    missing = {q.lecturer_id for q in form.questions if q.lecturer_id is not None} - set(agenda)
    if missing:
        for lecturer in db.session.scalars(select(Lecturer).where(Lecturer.id.in_(missing))):
            agenda[lecturer.id] = (lecturer, [])
    views = {s: SectionView(s, str(SECTION_LABELS[s])) for s in Section}
    groups: dict[tuple[Section, int | None], Group] = {}
    for question in sorted(form.questions, key=lambda q: (q.position, q.id)):
        key = (question.section, question.lecturer_id)
        group = groups.get(key)
        if group is None:
            heading = topics = ""
            if question.lecturer_id is not None and question.lecturer_id in agenda:
                lecturer, topic_list = agenda[question.lecturer_id]
                heading = lecturer_heading(lecturer)
                topics = "; ".join(topic.title for topic in topic_list)
            group = groups[key] = Group(heading, topics)
            views[question.section].groups.append(group)
        group.questions.append(question)
    return [view for view in views.values() if view.groups]
