"""The participant's pages (personal link and course QR code) and the organizers' pages."""

from __future__ import annotations

import email
import io
from datetime import timedelta

import openpyxl
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.evaluation.conftest import Course
from tests.evaluation.conftest import login
from tests.evaluation.conftest import open_evaluation
from tests.evaluation.conftest import score_answers
from trainingapp.audit.models import AuditEntry
from trainingapp.common.time import utcnow
from trainingapp.evaluation import results
from trainingapp.evaluation import services
from trainingapp.evaluation.models import CommentStatus
from trainingapp.evaluation.models import EvaluationAnswer
from trainingapp.evaluation.models import EvaluationResponse
from trainingapp.evaluation.models import QuestionKind
from trainingapp.events.models import Event
from trainingapp.extensions import db
from trainingapp.mail.models import OutboxMessage


def _responses(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(db.func.count()).select_from(EvaluationResponse)))


def _text_question(app: Flask, event_id: int) -> int:
    with app.app_context():
        form = services.form_of(event_id)
        assert form is not None
        return next(q.id for q in form.questions if q.kind == QuestionKind.TEXT)


# --- Personal link ---------------------------------------------------------------------------


def test_answer_from_the_personal_link(app: Flask, client: FlaskClient, course: Course) -> None:
    open_evaluation(app, course.event_id)
    token = course.token("Nguyễn Văn An")
    page = client.get(f"/r/{token}")
    assert f"/r/{token}/evaluation" in page.text
    assert "Đánh giá lớp tập huấn" in page.text or "Evaluate the course" in page.text

    form = client.get(f"/r/{token}/evaluation")
    assert form.status_code == 200
    assert "<fieldset" in form.text
    assert "<legend" in form.text
    assert 'type="radio"' in form.text
    assert form.headers["Cache-Control"] == "no-store"
    assert "Thượng tá Nguyễn Văn Hùng" in form.text

    data = score_answers(app, course.event_id, 5)
    data[f"q{_text_question(app, course.event_id)}"] = "Rất bổ ích"
    sent = client.post(f"/r/{token}/evaluation", data=data)
    assert sent.status_code == 303
    assert sent.headers["Location"].endswith(f"/r/{token}/evaluation?sent=1")
    thanks = client.get(sent.headers["Location"])
    assert 'id="evaluation-done"' in thanks.text
    assert "Xin cảm ơn!" in thanks.text

    again = client.get(f"/r/{token}/evaluation")
    assert "Already answered" in again.text or "Đã trả lời" in again.text
    twice = client.post(f"/r/{token}/evaluation", data=data)
    assert twice.status_code == 200
    assert _responses(app) == 1
    # The participant's page offers the form no more.
    assert f"/r/{token}/evaluation" not in client.get(f"/r/{token}").text


def test_bad_answers_are_refused_with_a_message_and_kept(
    app: Flask, client: FlaskClient, course: Course
) -> None:
    open_evaluation(app, course.event_id)
    token = course.token("Trần Thị Bình")
    client.post("/language/en", data={"next": "/"})
    nothing = client.post(f"/r/{token}/evaluation", data={})
    assert nothing.status_code == 422
    assert "Answer at least one question before sending." in nothing.text
    text_id = _text_question(app, course.event_id)
    first = next(iter(score_answers(app, course.event_id)))
    wrong = client.post(
        f"/r/{token}/evaluation", data={first: "9", f"q{text_id}": "Giữ lại câu này"}
    )
    assert wrong.status_code == 422
    assert "Choose a score from 1 to 5." in wrong.text
    assert "Giữ lại câu này" in wrong.text
    too_long = client.post(f"/r/{token}/evaluation", data={f"q{text_id}": "x" * 2001})
    assert too_long.status_code == 422
    assert "At most 2000 characters." in too_long.text
    assert _responses(app) == 0


def test_the_page_says_when_it_opens_and_that_it_closed(
    app: Flask, client: FlaskClient, course: Course
) -> None:
    token = course.token("Lê Văn Cường")
    client.post("/language/en", data={"next": "/"})
    assert "not open yet" in client.get(f"/r/{token}/evaluation").text
    opens = utcnow() + timedelta(days=2)
    open_evaluation(app, course.event_id, opens_at=opens, closes_at=opens + timedelta(days=1))
    upcoming = client.get(f"/r/{token}/evaluation").text
    assert "The evaluation opens on" in upcoming
    from trainingapp.i18n import format_datetime

    assert format_datetime(opens) in upcoming
    assert f"/r/{token}/evaluation" not in client.get(f"/r/{token}").text  # no link yet
    with app.app_context():
        form = services.form_of(course.event_id)
        form.opens_at, form.closes_at = utcnow() - timedelta(days=3), utcnow() - timedelta(days=1)
        db.session.commit()
    closed = client.post(f"/r/{token}/evaluation", data=score_answers(app, course.event_id))
    assert "The evaluation closed on" in closed.text
    assert _responses(app) == 0


def test_a_cancelled_registration_cannot_answer(
    app: Flask, client: FlaskClient, course: Course
) -> None:
    open_evaluation(app, course.event_id)
    response = client.post(
        f"/r/{course.cancelled_token}/evaluation", data=score_answers(app, course.event_id)
    )
    assert response.status_code == 403
    assert _responses(app) == 0
    assert client.get("/r/no-such-token/evaluation").status_code == 404


def test_without_csrf_token_nothing_is_stored(app: Flask, course: Course) -> None:
    open_evaluation(app, course.event_id)
    from trainingapp import create_app

    strict = create_app({**app.config, "WTF_CSRF_ENABLED": True}).test_client()
    response = strict.post(
        f"/r/{course.token('Nguyễn Văn An')}/evaluation", data=score_answers(app, course.event_id)
    )
    assert response.status_code == 400
    assert _responses(app) == 0


# --- Course QR code ----------------------------------------------------------------------------


def test_course_qr_path_with_code_then_with_phone(
    app: Flask, client: FlaskClient, course: Course
) -> None:
    open_evaluation(app, course.event_id)
    url = f"/events/{course.slug}/evaluation"
    lookup = client.get(url)
    assert lookup.status_code == 200
    assert 'name="code"' in lookup.text

    wrong = client.post(url + "/identify", data={"code": "ZZZ999"})
    assert wrong.status_code == 422
    assert "No participant of this course" in wrong.text or "Không có học viên" in wrong.text
    assert client.post(url + "/identify", data={"code": ""}).status_code == 422
    # Answers without having said who you are: asked again, nothing stored.
    assert client.post(url, data=score_answers(app, course.event_id)).status_code == 422

    reg_id, token, code, _phone = course.people["Vũ Thị Giang"]
    found = client.post(url + "/identify", data={"code": code.lower()})
    assert found.status_code == 303
    assert found.headers["Location"].endswith(url)
    form = client.get(url)
    assert 'type="radio"' in form.text
    assert token not in form.text
    assert "/r/" not in form.text
    with client.session_transaction() as cookie:
        assert cookie[services_identity_key()] == [course.event_id, reg_id]
    sent = client.post(url, data=score_answers(app, course.event_id, 3))
    assert sent.status_code == 303
    assert sent.headers["Location"].endswith(url + "/thanks")
    assert token not in client.get(sent.headers["Location"]).text
    with client.session_transaction() as cookie:
        assert services_identity_key() not in cookie
    # The same person again: already answered.
    again = client.post(url + "/identify", data={"code": code})
    assert "Already answered" in again.text or "Đã trả lời" in again.text

    _id, token_b, _code, phone = course.people["Đặng Văn Hải"]
    by_phone = client.post(
        url + "/identify", data={"code": f"{phone[:4]} {phone[4:7]} {phone[7:]}"}
    )
    assert by_phone.status_code == 303
    assert client.post(url, data=score_answers(app, course.event_id, 4)).status_code == 303
    assert _responses(app) == 2
    with app.app_context():
        from trainingapp.registration.models import Registration

        assert db.session.get(Registration, _id).has_evaluated


def services_identity_key() -> str:
    from trainingapp.evaluation.views import IDENTITY_KEY

    return IDENTITY_KEY


def test_course_qr_page_of_a_form_not_open(app: Flask, client: FlaskClient, course: Course) -> None:
    client.post("/language/en", data={"next": "/"})
    page = client.get(f"/events/{course.slug}/evaluation")
    assert "not open yet" in page.text
    assert client.get("/events/no-such-course/evaluation").status_code == 404


# --- Organizers' pages --------------------------------------------------------------------------


def _answer_as(app: Flask, course: Course, names: list[str], comment: str | None = None) -> None:
    with app.app_context():
        form = services.form_of(course.event_id)
        assert form is not None
        scores = [q.id for q in form.questions if q.kind == QuestionKind.SCORE]
        text_id = next(q.id for q in form.questions if q.kind == QuestionKind.TEXT)
        for index, name in enumerate(names):
            answers: dict[int, int | str] = {q: 4 + index % 2 for q in scores}
            if comment:
                answers[text_id] = f"{comment} {index}"
            services.submit(course.event_id, course.registration_id(name), answers)
            db.session.commit()


def test_averages_hidden_at_four_responses_shown_at_five(
    app: Flask, organizer: FlaskClient, course: Course
) -> None:
    from tests.evaluation.conftest import NAMES

    open_evaluation(app, course.event_id)
    organizer.post("/language/en", data={"next": "/"})
    _answer_as(app, course, NAMES[:4])
    page = organizer.get(f"/manage/events/{course.event_id}/evaluation")
    assert page.status_code == 200
    assert "Averages are shown from 5 answers, to keep answers anonymous." in page.text
    assert 'id="overall-average">–' in page.text
    assert "<svg" not in page.text.split('id="course-qr"')[1].split("</div>", 1)[1]
    with app.app_context():
        summary = results.summary(db.session.get(Event, course.event_id))
        assert (summary.responses, summary.eligible) == (4, 7)
        assert summary.averages_hidden
        assert summary.overall_average is None
        assert all(item.average is None for item in summary.lecturer_averages)

    _answer_as(app, course, NAMES[4:5])
    page = organizer.get(f"/manage/events/{course.event_id}/evaluation")
    assert "Averages are shown from 5" not in page.text
    assert 'id="overall-average">4.40' in page.text  # 4, 5, 4, 5, 4
    assert "71%" in page.text  # 5 of 7
    assert page.text.count("<svg") >= 3  # QR, lecturers, a distribution per question
    with app.app_context():
        summary = results.summary(db.session.get(Event, course.event_id))
        assert summary.overall_average == 4.4
        assert summary.rate == 5 / 7
        assert [round(i.average or 0, 2) for i in summary.lecturer_averages] == [4.4, 4.4]
        assert {s.section.value for s in summary.section_averages} >= {"content", "lecturer"}


def test_comments_show_only_once_approved(
    app: Flask, organizer: FlaskClient, course: Course
) -> None:
    from tests.evaluation.conftest import NAMES

    open_evaluation(app, course.event_id)
    _answer_as(app, course, NAMES[:5], comment="Góp ý")
    with app.app_context():
        summary = results.summary(db.session.get(Event, course.event_id))
        assert summary.comments == []
        answer = db.session.scalars(
            select(EvaluationAnswer).where(EvaluationAnswer.text == "Góp ý 2")
        ).one()
        response_id, question_id = answer.response_id, answer.question_id
    url = f"/manage/events/{course.event_id}/evaluation"
    assert "Góp ý 2" in organizer.get(url).text  # listed for review
    approved = organizer.post(
        url + "/comments",
        data={"response_id": response_id, "question_id": question_id, "status": "approved"},
    )
    assert approved.status_code == 303
    bad = organizer.post(
        url + "/comments", data={"response_id": "nope", "question_id": 1, "status": "approved"}
    )
    assert bad.status_code == 303
    with app.app_context():
        summary = results.summary(db.session.get(Event, course.event_id))
        assert [c.text for c in summary.comments] == ["Góp ý 2"]
        assert (
            db.session.get(EvaluationAnswer, (response_id, question_id)).comment_status
            == CommentStatus.APPROVED
        )

    workbook = organizer.get(url + "/results.xlsx")
    assert workbook.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(workbook.data), read_only=True)
    summary_rows = list(book.worksheets[0].iter_rows(values_only=True))
    flat = [cell for row in summary_rows for cell in row if cell is not None]
    assert 5 in flat
    assert 7 in flat
    assert 4.4 in flat
    comments = [row for row in book.worksheets[2].iter_rows(values_only=True)]
    assert [row[1] for row in comments[1:]] == ["Góp ý 2"]
    questions = list(book.worksheets[1].iter_rows(values_only=True))
    first = questions[1]
    assert first[3] == 5
    assert first[4] == 4.4
    assert list(first[5:10]) == [0, 0, 0, 3, 2]
    book.close()
    with app.app_context():
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "evaluation.export")
        ).one()
        assert entry.details == {"format": "xlsx", "rows": 5}


def test_xlsx_says_why_averages_are_missing(
    app: Flask, organizer: FlaskClient, course: Course
) -> None:
    open_evaluation(app, course.event_id)
    organizer.post("/language/en", data={"next": "/"})
    _answer_as(app, course, ["Nguyễn Văn An"])
    data = organizer.get(f"/manage/events/{course.event_id}/evaluation/results.xlsx").data
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    cells = [c for row in book.worksheets[0].iter_rows(values_only=True) for c in row if c]
    assert "Averages are shown from 5 answers, to keep answers anonymous." in cells
    book.close()


def test_organizer_edits_questions_until_the_first_answer(
    app: Flask, organizer: FlaskClient, course: Course
) -> None:
    organizer.post("/language/en", data={"next": "/"})
    base = f"/manage/events/{course.event_id}/evaluation"
    page = organizer.get(base + "/questions")
    assert page.status_code == 200
    assert "Thượng tá Nguyễn Văn Hùng" in page.text
    empty = organizer.post(base + "/questions/add", data={"section": "content", "kind": "score"})
    assert empty.status_code == 422
    assert "Enter the question." in empty.text
    no_lecturer = organizer.post(
        base + "/questions/add",
        data={"section": "lecturer", "kind": "score", "text": "Nhiệt tình", "lecturer_id": "0"},
    )
    assert no_lecturer.status_code == 422
    assert "Choose the lecturer the question is about." in no_lecturer.text
    added = organizer.post(
        base + "/questions/add",
        data={"section": "facilities", "kind": "score", "text": "Chỗ để xe thuận tiện"},
    )
    assert added.status_code == 303
    assert "Chỗ để xe thuận tiện" in organizer.get(base + "/questions").text
    with app.app_context():
        form = services.form_of(course.event_id)
        question_id = next(q.id for q in form.questions if q.text == "Chỗ để xe thuận tiện")
    renamed = organizer.post(
        base + "/questions/edit", data={"question_id": question_id, "text": "Chỗ gửi xe"}
    )
    assert renamed.status_code == 303
    assert (
        organizer.post(
            base + "/questions/edit", data={"question_id": question_id, "text": ""}
        ).status_code
        == 422
    )
    moved = organizer.post(
        base + "/questions/move", data={"question_id": question_id, "direction": "up"}
    )
    assert moved.status_code == 303
    settings = organizer.post(
        base + "/settings",
        data={"opens_day": "2030-01-02", "closes_day": "2030-01-01", "intro": "Xin chào"},
    )
    assert settings.status_code == 422
    assert "The evaluation must close after it opens." in settings.text

    opened = organizer.post(base + "/open")
    assert opened.status_code == 303
    with app.app_context():
        assert services.state_of(services.form_of(course.event_id)).value == "open"
    _answer_as(app, course, ["Nguyễn Văn An"])
    page = organizer.get(base + "/questions")
    assert 'id="questions-frozen"' in page.text
    frozen = organizer.post(base + "/questions/delete", data={"question_id": question_id})
    assert frozen.status_code == 303
    follow = organizer.get(frozen.headers["Location"])
    assert "can no longer be changed" in follow.text
    with app.app_context():
        assert any(q.id == question_id for q in services.form_of(course.event_id).questions)


def test_reminder_button_queues_mail_to_non_answerers(
    app: Flask, organizer: FlaskClient, course: Course
) -> None:
    open_evaluation(app, course.event_id)
    _answer_as(app, course, ["Nguyễn Văn An"])
    response = organizer.post(f"/manage/events/{course.event_id}/evaluation/remind")
    assert response.status_code == 303
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMessage)))
        assert [(r.kind, r.recipient) for r in rows] == [("evaluation.reminder", "hv1@example.vn")]
    # Delivered synchronously in tests: the .eml has the personal evaluation link.
    outbox = app.config["MAIL_OUTBOX"]
    from pathlib import Path

    files = list(Path(outbox).glob("*.eml"))
    assert len(files) == 1
    mail = email.message_from_bytes(files[0].read_bytes())
    assert mail["To"] == "hv1@example.vn"
    body = mail.get_payload(decode=True).decode("utf-8")
    assert f"/r/{course.token('Trần Thị Bình')}/evaluation" in body
    assert "Trần Thị Bình" in body


def test_other_course_staff_and_course_staff_are_refused(
    app: Flask, client: FlaskClient, course: Course
) -> None:
    url = f"/manage/events/{course.event_id}/evaluation"
    assert client.get(url).status_code == 302  # to the login page
    login(client, course.other_staff_email)
    assert client.get(url).status_code == 403
    assert client.get(url + "/results.xlsx").status_code == 403
    assert client.post(url + "/open").status_code == 403
    client.post("/logout")
    login(client, course.staff_email)
    assert client.get(url).status_code == 403
    assert client.get("/manage/events/999999/evaluation").status_code == 404
