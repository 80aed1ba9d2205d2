"""The evaluation form of a course, its questions, and the anonymous responses.

A response (``EvaluationResponse``) has a random string key, a form, and nothing else: no
registration, no time. Its answers are keyed by (response, question). On SQLite both tables are
``WITHOUT ROWID``, so not even the hidden row number tells in which order people answered.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Boolean
from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import false
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..common.enums import EnumText
from ..common.enums import check_in
from ..common.time import utcnow
from ..extensions import Model

if TYPE_CHECKING:
    from ..events.models import Event
    from ..events.models import Topic
    from ..lecturers.models import Lecturer


class Section(StrEnum):
    """The parts of the form, in the order of Circular 10/2017/TT-BNV's survey."""

    CONTENT = "content"
    LECTURER = "lecturer"
    ORGANISATION = "organisation"
    FACILITIES = "facilities"
    GENERAL = "general"


class QuestionKind(StrEnum):
    SCORE = "score"  # 1 (very dissatisfied) … 5 (very satisfied)
    TEXT = "text"


class CommentStatus(StrEnum):
    """A free-text answer shows in the results only once an organizer approved it."""

    PENDING = "pending"
    APPROVED = "approved"
    HIDDEN = "hidden"


SCORES = (1, 2, 3, 4, 5)


def new_response_id() -> str:
    return uuid.uuid4().hex


class EvaluationForm(Model):
    """The evaluation of one course: its questions, its window and whether it was opened."""

    __tablename__ = "evaluation_forms"
    __table_args__ = (
        CheckConstraint(
            "closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at", name="window"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    #: shown above the questions
    intro: Mapped[str] = mapped_column(Text, default="")
    #: the window, instants in naive UTC; answers are taken only inside it, once opened
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    #: the organizers opened it (before that it is a draft they edit)
    is_opened: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()
    questions: Mapped[list[EvaluationQuestion]] = relationship(
        back_populates="form",
        cascade="all, delete-orphan",
        order_by="(EvaluationQuestion.position, EvaluationQuestion.id)",
    )


class EvaluationQuestion(Model):
    __tablename__ = "evaluation_questions"
    __table_args__ = (check_in("section", Section), check_in("kind", QuestionKind))

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_forms.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    section: Mapped[Section] = mapped_column(EnumText(Section))
    kind: Mapped[QuestionKind] = mapped_column(EnumText(QuestionKind))
    text: Mapped[str] = mapped_column(String(500))
    #: the lecturer a question of the lecturer section is about
    lecturer_id: Mapped[int | None] = mapped_column(ForeignKey("lecturers.id", ondelete="SET NULL"))
    #: the topic (chuyên đề) it is about, if one
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"))

    form: Mapped[EvaluationForm] = relationship(back_populates="questions")
    lecturer: Mapped[Lecturer | None] = relationship()
    topic: Mapped[Topic | None] = relationship()


class EvaluationResponse(Model):
    """One participant's answers, with no link to the participant."""

    __tablename__ = "evaluation_responses"
    __table_args__ = {"sqlite_with_rowid": False}

    #: random (uuid4 hex), never an autoincrement that would follow the order of answering
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_response_id)
    form_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_forms.id", ondelete="CASCADE"), index=True
    )

    answers: Mapped[list[EvaluationAnswer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", passive_deletes=True
    )


class EvaluationAnswer(Model):
    __tablename__ = "evaluation_answers"
    __table_args__ = (
        CheckConstraint("score IS NULL OR (score >= 1 AND score <= 5)", name="score_range"),
        check_in("comment_status", CommentStatus),
        {"sqlite_with_rowid": False},
    )

    response_id: Mapped[str] = mapped_column(
        ForeignKey("evaluation_responses.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_questions.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    score: Mapped[int | None]
    text: Mapped[str | None] = mapped_column(Text)
    #: free-text answers only: shown in the results once approved
    comment_status: Mapped[CommentStatus | None] = mapped_column(EnumText(CommentStatus))

    response: Mapped[EvaluationResponse] = relationship(back_populates="answers")
    question: Mapped[EvaluationQuestion] = relationship()
