"""Forms of the evaluation pages: shape only. The participant's answers are read from the
posted fields ``q<question id>`` by :func:`read_answers` (the questions are the course's own)."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms import HiddenField
from wtforms import IntegerField
from wtforms import SelectField
from wtforms import StringField
from wtforms import SubmitField
from wtforms import TextAreaField
from wtforms import TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional

from .models import CommentStatus
from .models import EvaluationQuestion
from .models import QuestionKind
from .models import Section
from .services import TEXT_LIMIT
from .template import KIND_LABELS
from .template import SECTION_LABELS


class ConfirmForm(FlaskForm):
    """A button that needs only the CSRF token (open, close, remind, reset, send answers)."""

    submit = SubmitField()


class LookupForm(FlaskForm):
    """The course QR code's page: who is answering (kept out: people who are not participants)."""

    code = StringField(
        _l("Your check-in code or phone number"),
        validators=[
            DataRequired(_l("Enter your check-in code or your phone number.")),
            Length(max=40, message=_l("At most 40 characters.")),
        ],
        render_kw={"autocomplete": "off", "autocapitalize": "characters"},
    )
    submit = SubmitField(_l("Continue"))


class SettingsForm(FlaskForm):
    intro = TextAreaField(
        _l("Text above the questions"),
        validators=[Optional(), Length(max=TEXT_LIMIT)],
        render_kw={"rows": 3},
    )
    opens_day = DateField(_l("Opens on"), validators=[Optional()])
    opens_time = TimeField(_l("at"), validators=[Optional()])
    closes_day = DateField(_l("Closes on"), validators=[Optional()])
    closes_time = TimeField(_l("at"), validators=[Optional()])
    submit = SubmitField(_l("Save"))


class QuestionForm(FlaskForm):
    section = SelectField(
        _l("Section"),
        choices=[SelectChoice(s.value, SECTION_LABELS[s]) for s in Section],
        default=Section.CONTENT.value,
    )
    kind = SelectField(
        _l("Answer"),
        choices=[SelectChoice(k.value, KIND_LABELS[k]) for k in QuestionKind],
        default=QuestionKind.SCORE.value,
    )
    lecturer_id = SelectField(_l("Lecturer (for the lecturers section)"), coerce=int, default=0)
    text = StringField(
        _l("Question"),
        validators=[
            DataRequired(_l("Enter the question.")),
            Length(max=500, message=_l("At most 500 characters.")),
        ],
    )
    submit = SubmitField(_l("Add the question"))


class EditQuestionForm(FlaskForm):
    question_id = IntegerField(validators=[DataRequired()])
    text = StringField(
        _l("Question"),
        validators=[
            DataRequired(_l("Enter the question.")),
            Length(max=500, message=_l("At most 500 characters.")),
        ],
    )


class QuestionActionForm(FlaskForm):
    """Delete or move one question (``direction`` "up" or "down" for a move)."""

    question_id = IntegerField(validators=[DataRequired()])
    direction = HiddenField()


class CommentForm(FlaskForm):
    response_id = HiddenField(validators=[DataRequired(), Length(max=32)])
    question_id = IntegerField(validators=[DataRequired()])
    status = SelectField(
        choices=[
            SelectChoice(CommentStatus.APPROVED.value, ""),
            SelectChoice(CommentStatus.HIDDEN.value, ""),
        ],
        validate_choice=True,
    )


@dataclass
class ReadAnswers:
    #: question id -> score (int) or text, as posted (empty ones left out)
    answers: dict[int, int | str] = field(default_factory=dict)
    #: what was typed or chosen, to show the form again as it was
    typed: dict[int, str] = field(default_factory=dict)
    #: question id -> message
    errors: dict[int, Any] = field(default_factory=dict)


def read_answers(
    questions: Iterable[EvaluationQuestion], formdata: Mapping[str, str]
) -> ReadAnswers:
    """The answers to ``questions`` in the posted ``q<id>`` fields (others are ignored)."""
    read = ReadAnswers()
    for question in questions:
        raw = (formdata.get(f"q{question.id}") or "").strip()
        if not raw:
            continue
        read.typed[question.id] = raw[: TEXT_LIMIT + 100]
        if question.kind == QuestionKind.SCORE:
            if raw in {"1", "2", "3", "4", "5"}:
                read.answers[question.id] = int(raw)
            else:
                read.errors[question.id] = _l("Choose a score from 1 to 5.")
        elif len(raw) > TEXT_LIMIT:
            read.errors[question.id] = _l("At most %(limit)d characters.", limit=TEXT_LIMIT)
        else:
            read.answers[question.id] = raw
    return read
