"""Demo data: the reference course's evaluation, answered by most of its participants."""

from __future__ import annotations

import random

from sqlalchemy import select

from ..events.models import Event
from ..extensions import db
from ..registration.models import Registration
from .models import CommentStatus
from .models import EvaluationAnswer
from .models import EvaluationResponse
from .models import QuestionKind
from .services import create_form
from .services import default_window
from .services import eligible_condition
from .services import form_of
from .services import mark_answered
from .services import store_response

#: what participants of a course on foreign-information work might write
COMMENTS = [
    "Các chuyên đề rất thiết thực, gắn với công tác thông tin đối ngoại ở địa phương.",
    "Báo cáo viên trình bày dễ hiểu, nhiều ví dụ thực tế ở khu vực biên giới.",
    "Đề nghị tổ chức thêm lớp chuyên sâu về xử lý thông tin xấu, độc trên mạng xã hội.",
    "Nên gửi tài liệu trước để học viên nghiên cứu.",
    "Thời gian lớp hơi ngắn so với khối lượng nội dung.",
    "Âm thanh hội trường buổi chiều chưa tốt.",
    "Mong có thêm phần thảo luận, trao đổi kinh nghiệm giữa các đơn vị.",
    "Kiến thức về tuyên truyền biển, đảo rất bổ ích cho công việc của tôi.",
]

#: scores mostly 4 and 5, a few 3, rarely lower
SCORE_WEIGHTS = [(5, 46), (4, 40), (3, 11), (2, 2), (1, 1)]


def answer_demo_evaluation(event: Event, rng: random.Random) -> int:
    """Create ``event``'s form from the template, open it for the window around the course,
    and store responses for about 80% of its participants who may answer (each marked as
    having answered); a few comments, some approved. Returns the number of responses."""
    form = form_of(event.id) or create_form(None, event)
    opens_at, closes_at = default_window(event)
    form.opens_at, form.closes_at, form.is_opened = opens_at, closes_at, True
    db.session.flush()
    questions = list(form.questions)
    people = list(
        db.session.scalars(
            select(Registration.id)
            .where(eligible_condition(event.id), Registration.has_evaluated.is_(False))
            .order_by(Registration.id)
        )
    )
    scores = [score for score, _weight in SCORE_WEIGHTS]
    weights = [weight for _score, weight in SCORE_WEIGHTS]
    answered = 0
    for registration_id in people:
        if rng.random() >= 0.8:
            continue
        mood = rng.choice([0, 0, 0, 1, -1])  # some people score everything a little higher
        answers: dict[int, int | str] = {}
        for question in questions:
            if question.kind == QuestionKind.SCORE:
                if rng.random() < 0.04:
                    continue  # a question left out now and then
                score = rng.choices(scores, weights)[0] + mood
                answers[question.id] = min(5, max(1, score))
            elif rng.random() < 0.15:
                answers[question.id] = rng.choice(COMMENTS)
        if not answers:
            continue
        store_response(form, answers)
        mark_answered(registration_id)
        answered += 1
    # About half the comments approved by the organizers, a few hidden, the rest to review.
    for answer in db.session.scalars(
        select(EvaluationAnswer)
        .join(EvaluationResponse, EvaluationResponse.id == EvaluationAnswer.response_id)
        .where(EvaluationResponse.form_id == form.id, EvaluationAnswer.text.is_not(None))
        .order_by(EvaluationAnswer.response_id)
    ):
        roll = rng.random()
        if roll < 0.5:
            answer.comment_status = CommentStatus.APPROVED
        elif roll < 0.6:
            answer.comment_status = CommentStatus.HIDDEN
    db.session.flush()
    return answered
