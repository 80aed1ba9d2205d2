"""Results of a course's evaluation: response rate, per question count, average and distribution,
averages per section and per lecturer, approved comments; as page data, server-made SVG charts
and an XLSX file.

Anonymity: averages and distributions are shown only from :data:`MIN_RESPONSES` responses (and,
for one question or lecturer, from as many answers to it): with fewer, one person's scores could
be read off them. :func:`summary` is what the course report (báo cáo kết quả) reads.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field

import xlsxwriter
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlalchemy import select

from ..events.models import Event
from ..extensions import db
from ..i18n import format_score
from ..lecturers.models import Lecturer
from .models import SCORES
from .models import CommentStatus
from .models import EvaluationAnswer
from .models import EvaluationForm
from .models import EvaluationQuestion
from .models import EvaluationResponse
from .models import QuestionKind
from .models import Section
from .services import eligible_count
from .services import form_of
from .services import response_count
from .template import SECTION_LABELS
from .template import agenda_lecturers
from .template import lecturer_heading

#: averages and distributions are shown from this many answers
MIN_RESPONSES = 5

HIDDEN_NOTE = _l(
    "Averages are shown from %(min)d answers, to keep answers anonymous.", min=MIN_RESPONSES
)


@dataclass
class QuestionResult:
    question: EvaluationQuestion
    #: how many answered it
    count: int = 0
    #: None while hidden (too few answers)
    average: float | None = None
    #: answers per score 1..5; None while hidden
    distribution: list[int] | None = None

    @property
    def is_score(self) -> bool:
        return self.question.kind == QuestionKind.SCORE


@dataclass
class LecturerBlock:
    lecturer_id: int
    name: str
    topics: str
    questions: list[QuestionResult] = field(default_factory=list)
    average: float | None = None
    answers: int = 0


@dataclass
class SectionResult:
    section: Section
    label: str
    questions: list[QuestionResult] = field(default_factory=list)
    #: the lecturer section's questions, grouped by lecturer
    lecturers: list[LecturerBlock] = field(default_factory=list)
    average: float | None = None
    answers: int = 0


@dataclass(frozen=True)
class SectionAverage:
    section: Section
    label: str
    average: float | None
    answers: int


@dataclass(frozen=True)
class LecturerAverage:
    lecturer_id: int
    name: str
    topics: str
    average: float | None
    answers: int


@dataclass(frozen=True)
class Comment:
    question: str
    text: str


@dataclass(frozen=True)
class EvaluationSummary:
    """The figures the course report quotes. Averages are None while hidden."""

    responses: int
    eligible: int
    #: responses / eligible, None without eligible participants
    rate: float | None
    overall_average: float | None
    section_averages: list[SectionAverage]
    lecturer_averages: list[LecturerAverage]
    #: approved free-text answers only
    comments: list[Comment]
    #: True while fewer than MIN_RESPONSES answered (every average is then None)
    averages_hidden: bool


@dataclass
class ReviewItem:
    """A free-text answer for the organizers to approve or hide."""

    response_id: str
    question_id: int
    question: str
    text: str
    status: CommentStatus


@dataclass
class EvaluationResults:
    form: EvaluationForm | None
    summary: EvaluationSummary
    sections: list[SectionResult]
    review: list[ReviewItem]


def _average(total: int, count: int) -> float | None:
    if count < MIN_RESPONSES:
        return None
    return round(total / count, 2)


def results(event: Event) -> EvaluationResults:
    """Everything the results page shows (a handful of grouped queries)."""
    form = form_of(event.id)
    responses = response_count(form.id) if form is not None else 0
    eligible = eligible_count(event.id)
    hidden = responses < MIN_RESPONSES
    rate = responses / eligible if eligible else None
    if form is None:
        summary = EvaluationSummary(responses, eligible, rate, None, [], [], [], hidden)
        return EvaluationResults(None, summary, [], [])

    counts: dict[int, list[int]] = defaultdict(lambda: [0] * len(SCORES))
    for question_id, score, number in db.session.execute(
        select(EvaluationAnswer.question_id, EvaluationAnswer.score, func.count())
        .join(EvaluationResponse, EvaluationResponse.id == EvaluationAnswer.response_id)
        .where(EvaluationResponse.form_id == form.id, EvaluationAnswer.score.is_not(None))
        .group_by(EvaluationAnswer.question_id, EvaluationAnswer.score)
    ):
        if score in SCORES:
            counts[question_id][score - 1] = number
    text_counts = dict(
        db.session.execute(
            select(EvaluationAnswer.question_id, func.count())
            .join(EvaluationResponse, EvaluationResponse.id == EvaluationAnswer.response_id)
            .where(EvaluationResponse.form_id == form.id, EvaluationAnswer.text.is_not(None))
            .group_by(EvaluationAnswer.question_id)
        ).all()
    )

    # Names and topics of lecturers, as the agenda says now; a lecturer taken off the agenda
    # keeps their name from the directory.
    agenda = {lecturer.id: (lecturer, topics) for lecturer, topics in agenda_lecturers(event)}
    lecturer_ids = {q.lecturer_id for q in form.questions if q.lecturer_id is not None}
    missing = lecturer_ids - set(agenda)
    if missing:
        for lecturer in db.session.scalars(select(Lecturer).where(Lecturer.id.in_(missing))):
            agenda[lecturer.id] = (lecturer, [])

    sections = {s: SectionResult(s, str(SECTION_LABELS[s])) for s in Section}
    blocks: dict[int, LecturerBlock] = {}
    totals: dict[object, list[int]] = defaultdict(lambda: [0, 0])  # key -> [sum, count]
    for question in sorted(form.questions, key=lambda q: (q.position, q.id)):
        result = QuestionResult(question)
        if question.kind == QuestionKind.SCORE:
            distribution = counts.get(question.id, [0] * len(SCORES))
            result.count = sum(distribution)
            weighted = sum(score * n for score, n in zip(SCORES, distribution, strict=True))
            if not hidden and result.count >= MIN_RESPONSES:
                result.average = round(weighted / result.count, 2)
                result.distribution = list(distribution)
            keys: list[object] = ["all", question.section]
            if question.lecturer_id is not None:
                keys.append(("lecturer", question.lecturer_id))
            for key in keys:
                totals[key][0] += weighted
                totals[key][1] += result.count
        else:
            result.count = int(text_counts.get(question.id, 0))
        section = sections[question.section]
        if question.section == Section.LECTURER and question.lecturer_id is not None:
            block = blocks.get(question.lecturer_id)
            if block is None:
                lecturer, topics = agenda[question.lecturer_id]
                block = LecturerBlock(
                    lecturer.id,
                    lecturer_heading(lecturer),
                    "; ".join(topic.title for topic in topics),
                )
                blocks[lecturer.id] = block
                section.lecturers.append(block)
            block.questions.append(result)
        else:
            section.questions.append(result)

    def hidden_or(key: object) -> float | None:
        total, count = totals.get(key, [0, 0])
        return None if hidden else _average(total, count)

    for section in sections.values():
        section.average = hidden_or(section.section)
        section.answers = totals.get(section.section, [0, 0])[1]
    for block in blocks.values():
        block.average = hidden_or(("lecturer", block.lecturer_id))
        block.answers = totals.get(("lecturer", block.lecturer_id), [0, 0])[1]

    review = [
        ReviewItem(
            response_id,
            question_id,
            text_of_question,
            text or "",
            status or CommentStatus.PENDING,
        )
        for response_id, question_id, text_of_question, text, status in db.session.execute(
            select(
                EvaluationAnswer.response_id,
                EvaluationAnswer.question_id,
                EvaluationQuestion.text,
                EvaluationAnswer.text,
                EvaluationAnswer.comment_status,
            )
            .join(EvaluationQuestion, EvaluationQuestion.id == EvaluationAnswer.question_id)
            .where(EvaluationQuestion.form_id == form.id, EvaluationAnswer.text.is_not(None))
            # The random response key: an order that says nothing about who answered when.
            .order_by(EvaluationQuestion.position, EvaluationAnswer.response_id)
        )
    ]
    used = [s for s in sections.values() if s.questions or s.lecturers]
    summary = EvaluationSummary(
        responses=responses,
        eligible=eligible,
        rate=rate,
        overall_average=hidden_or("all"),
        section_averages=[
            SectionAverage(s.section, s.label, s.average, s.answers)
            for s in used
            if s.answers or any(q.is_score for q in s.questions) or s.lecturers
        ],
        lecturer_averages=[
            LecturerAverage(b.lecturer_id, b.name, b.topics, b.average, b.answers)
            for b in blocks.values()
        ],
        comments=[
            Comment(item.question, item.text)
            for item in review
            if item.status == CommentStatus.APPROVED
        ],
        averages_hidden=hidden,
    )
    return EvaluationResults(form, summary, used, review)


def summary(event: Event) -> EvaluationSummary:
    """The course's evaluation in figures (for the course report)."""
    return results(event).summary


# --- Charts: server-made SVG, no script --------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    y: int
    width: float
    value_text: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    label_width: int
    bars: list[Bar]


LABEL_CHARS = 24


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def distribution_chart(distribution: list[int], *, width: int = 320) -> Chart:
    """Five horizontal bars, one per score, scaled to the most frequent one."""
    label_width, bar_height = 28, 20
    plot = width - label_width - 70
    total = sum(distribution) or 1
    top = max(distribution, default=0) or 1
    bars = [
        Bar(
            label=str(score),
            y=index * bar_height,
            width=round(plot * count / top, 1),
            value_text=f"{count} ({count * 100 / total:.0f}%)",
        )
        for index, (score, count) in enumerate(zip(SCORES, distribution, strict=True))
    ]
    return Chart(width, len(bars) * bar_height, label_width, bars)


def averages_chart(lines: list[tuple[str, float]], *, width: int = 440) -> Chart:
    """One bar per (label, average), on the 0–5 scale."""
    label_width, bar_height = 190, 26
    plot = width - label_width - 44
    bars = [
        Bar(_short(label), index * bar_height, round(plot * average / 5, 1), format_score(average))
        for index, (label, average) in enumerate(lines)
    ]
    return Chart(width, max(len(bars), 1) * bar_height, label_width, bars)


# --- XLSX -------------------------------------------------------------------------------------


def _number_or_blank(
    sheet: xlsxwriter.worksheet.Worksheet, row: int, col: int, value: float | None, fmt: object
) -> None:
    if value is None:
        sheet.write_blank(row, col, None)
    else:
        sheet.write_number(row, col, value, fmt)


def results_xlsx(event: Event, data: EvaluationResults) -> bytes:
    """Three sheets: summary (rate, averages per section and lecturer), questions (count,
    average, distribution), approved comments. Text is written as text, never as a formula."""
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        out,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    title = workbook.add_format({"bold": True, "font_size": 13})
    note = workbook.add_format({"italic": True, "font_color": "#555555"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    decimal = workbook.add_format({"num_format": "0.00"})
    percent = workbook.add_format({"num_format": "0%"})
    info = data.summary

    sheet = workbook.add_worksheet(_("Overview")[:31])
    sheet.set_column(0, 0, 46)
    sheet.set_column(1, 3, 14)
    sheet.write_string(0, 0, event.title, title)
    sheet.write_string(1, 0, _("Evaluation results"), bold)
    row = 3
    for label, value, fmt in (
        (_("Responses"), info.responses, None),
        (_("Participants who may answer"), info.eligible, None),
        (_("Response rate"), info.rate, percent),
        (_("Overall average (1–5)"), info.overall_average, decimal),
    ):
        sheet.write_string(row, 0, label)
        if value is None:
            sheet.write_blank(row, 1, None)
        else:
            sheet.write_number(row, 1, value, fmt)
        row += 1
    if info.averages_hidden:
        sheet.write_string(row, 0, str(HIDDEN_NOTE), note)
        row += 1
    row += 1
    sheet.write_row(row, 0, [_("Section"), _("Average (1–5)"), _("Answers")], bold)
    for item in info.section_averages:
        row += 1
        sheet.write_string(row, 0, item.label)
        _number_or_blank(sheet, row, 1, item.average, decimal)
        sheet.write_number(row, 2, item.answers)
    row += 2
    sheet.write_row(row, 0, [_("Lecturer"), _("Average (1–5)"), _("Answers"), _("Topics")], bold)
    for lecturer in info.lecturer_averages:
        row += 1
        sheet.write_string(row, 0, lecturer.name)
        _number_or_blank(sheet, row, 1, lecturer.average, decimal)
        sheet.write_number(row, 2, lecturer.answers)
        sheet.write_string(row, 3, lecturer.topics)

    sheet = workbook.add_worksheet(_("Questions")[:31])
    header = [_("Section"), _("Lecturer"), _("Question"), _("Answers"), _("Average (1–5)")]
    header += [str(score) for score in SCORES]
    sheet.write_row(0, 0, header, bold)
    sheet.set_column(0, 1, 24)
    sheet.set_column(2, 2, 50)
    sheet.set_column(3, 9, 10)
    sheet.freeze_panes(1, 0)
    row = 0
    for section in data.sections:
        groups = [("", section.questions)] + [(b.name, b.questions) for b in section.lecturers]
        for lecturer_name, questions in groups:
            for result in questions:
                row += 1
                sheet.write_string(row, 0, section.label, wrap)
                sheet.write_string(row, 1, lecturer_name, wrap)
                sheet.write_string(row, 2, result.question.text, wrap)
                sheet.write_number(row, 3, result.count)
                if result.is_score:
                    _number_or_blank(sheet, row, 4, result.average, decimal)
                    for index, count in enumerate(result.distribution or []):
                        sheet.write_number(row, 5 + index, count)
    if info.averages_hidden or any(
        r.is_score and r.distribution is None and r.count
        for s in data.sections
        for r in [*s.questions, *(q for b in s.lecturers for q in b.questions)]
    ):
        sheet.write_string(row + 2, 0, str(HIDDEN_NOTE), note)

    sheet = workbook.add_worksheet(_("Comments")[:31])
    sheet.write_row(0, 0, [_("Question"), _("Comment")], bold)
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, 1, 80)
    for row, comment in enumerate(info.comments, start=1):
        sheet.write_string(row, 0, comment.question, wrap)
        sheet.write_string(row, 1, comment.text, wrap)
    if not info.comments:
        sheet.write_string(1, 0, _("No approved comments."), note)
    workbook.close()
    return out.getvalue()
