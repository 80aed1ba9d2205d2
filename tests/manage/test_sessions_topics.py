"""Sessions (buổi) and topics (chuyên đề) of a course, edited by its organizers."""

from __future__ import annotations

from datetime import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.manage.courses_helpers import SOON
from tests.manage.courses_helpers import assign
from tests.manage.courses_helpers import audit
from tests.manage.courses_helpers import count
from tests.manage.courses_helpers import get
from tests.manage.courses_helpers import make_attendance
from tests.manage.courses_helpers import make_event
from tests.manage.courses_helpers import make_lecturer
from tests.manage.courses_helpers import make_org
from tests.manage.courses_helpers import make_registration
from tests.manage.courses_helpers import make_session
from tests.manage.courses_helpers import make_topic
from trainingapp.auth.models import Role
from trainingapp.events.models import EventSession
from trainingapp.events.models import StaffRole
from trainingapp.events.models import Topic
from trainingapp.extensions import db


@pytest.fixture(autouse=True)
def english(client):
    client.post("/language/en")


@pytest.fixture
def organizer(make_user, auth):
    user = make_user("organizer@example.vn", Role.ORGANIZER)
    auth.login(user.email)
    return user


@pytest.fixture
def event_id(app, organizer):
    org = make_org(app)
    return make_event(
        app, org, start_date=SOON, end_date=SOON + timedelta(days=1), created_by_id=organizer.id
    )


def html(response) -> str:
    return response.get_data(as_text=True)


def field_errors(response, field: str) -> str:
    page = html(response)
    start = page.index(f'id="{field}"')
    end = page.find('class="mb-3"', start)
    return page[start : end if end != -1 else None]


def session_form(**overrides):
    return {
        "name": "Sáng 16/08",
        "date": SOON.isoformat(),
        "start_time": "07:30",
        "end_time": "11:30",
    } | overrides


def topic_ids_in_order(app, event_id):
    with app.app_context():
        return list(
            db.session.scalars(
                select(Topic.id).where(Topic.event_id == event_id).order_by(Topic.position)
            )
        )


# --- Sessions ---------------------------------------------------------------------------------


def test_add_session(app, client, event_id):
    assert client.get(f"/manage/events/{event_id}/sessions/new").status_code == 200
    response = client.post(f"/manage/events/{event_id}/sessions/new", data=session_form())
    assert response.status_code == 303
    assert response.headers["Location"] == f"/manage/events/{event_id}/sessions"
    with app.app_context():
        event_session = db.session.scalars(select(EventSession)).one()
        assert event_session.name == "Sáng 16/08"
        assert event_session.date == SOON
        assert event_session.start_time == time(7, 30)
    entry = audit(app, "session.create")[0]
    assert entry.details["name"] == [None, "Sáng 16/08"]
    page = html(client.get(f"/manage/events/{event_id}/sessions"))
    assert "Sáng 16/08" in page
    assert "07:30–11:30" in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "Enter the session name."),
        ({"name": "x" * 201}, "name", "Field cannot be longer than 200 characters."),
        (
            {"date": (SOON + timedelta(days=2)).isoformat()},
            "date",
            "The date must be within the course dates",
        ),
        ({"date": (SOON - timedelta(days=1)).isoformat()}, "date", "within the course dates"),
        ({"date": "2031-02-31"}, "date", "Enter a valid date (dd/mm/yyyy)."),
        ({"end_time": "07:00"}, "end_time", "The session must end after it starts."),
        ({"end_time": "07:30"}, "end_time", "The session must end after it starts."),
        ({"start_time": "25:00"}, "start_time", "Enter a valid time (hh:mm, 24-hour)."),
        ({"start_time": ""}, "start_time", "Enter the start time."),
    ],
)
def test_session_refusals(app, client, event_id, overrides, field, message):
    response = client.post(
        f"/manage/events/{event_id}/sessions/new", data=session_form(**overrides)
    )
    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert count(app, EventSession) == 0


def test_edit_session(app, client, event_id):
    session_id = make_session(app, event_id, "Sáng")
    page = html(client.get(f"/manage/events/{event_id}/sessions/{session_id}/edit"))
    assert 'value="07:30"' in page
    response = client.post(
        f"/manage/events/{event_id}/sessions/{session_id}/edit",
        data=session_form(name="Chiều 16/08", start_time="13:30", end_time="17:00"),
    )
    assert response.status_code == 303
    event_session = get(app, EventSession, session_id)
    assert event_session.name == "Chiều 16/08"
    assert event_session.start_time == time(13, 30)
    entry = audit(app, "session.update")[0]
    assert entry.details["name"] == ["Sáng", "Chiều 16/08"]
    assert entry.details["start_time"] == ["07:30:00", "13:30:00"]


def test_delete_session_keeps_its_topics(app, client, event_id):
    session_id = make_session(app, event_id)
    topic_id = make_topic(app, event_id, "Chuyên đề 1", session_id)
    response = client.post(f"/manage/events/{event_id}/sessions/{session_id}/delete")
    assert response.status_code == 303
    assert count(app, EventSession) == 0
    assert get(app, Topic, topic_id).session_id is None
    assert audit(app, "session.delete")[0].details["name"] == ["Sáng", None]
    page = html(client.get(f"/manage/events/{event_id}/sessions"))
    assert "Topics without a session" in page


def test_delete_session_with_attendance_is_refused(app, client, event_id):
    session_id = make_session(app, event_id)
    make_attendance(app, make_registration(app, event_id), session_id)
    response = client.post(f"/manage/events/{event_id}/sessions/{session_id}/delete")
    assert response.status_code == 303
    page = html(client.get(response.headers["Location"]))
    assert "Attendance has already been taken in this session (1 participants)" in page
    assert count(app, EventSession) == 1
    assert audit(app, "session.delete") == []


def test_session_of_another_course_is_404(app, client, event_id, organizer):
    other = make_event(app, make_org(app, "Khác"), created_by_id=organizer.id)
    foreign = make_session(app, other)
    assert client.get(f"/manage/events/{event_id}/sessions/{foreign}/edit").status_code == 404
    response = client.post(f"/manage/events/{event_id}/sessions/{foreign}/delete")
    assert response.status_code == 404
    assert count(app, EventSession) == 1


def test_staff_can_read_the_agenda_but_not_change_it(app, client, auth, make_user, event_id):
    staff = make_user("staff@example.vn", Role.STAFF)
    assign(app, event_id, staff.id, StaffRole.STAFF)
    session_id = make_session(app, event_id)
    topic_id = make_topic(app, event_id, "Chuyên đề 1", session_id)
    auth.logout()
    auth.login(staff.email)
    page = client.get(f"/manage/events/{event_id}/sessions")
    assert page.status_code == 200
    assert "Chuyên đề 1" in html(page)
    assert "/delete" not in html(page)
    posts = [
        (f"/manage/events/{event_id}/sessions/new", session_form()),
        (f"/manage/events/{event_id}/sessions/{session_id}/edit", session_form(name="X")),
        (f"/manage/events/{event_id}/sessions/{session_id}/delete", {}),
        (f"/manage/events/{event_id}/topics/new", {"title": "X"}),
        (f"/manage/events/{event_id}/topics/{topic_id}/edit", {"title": "X"}),
        (f"/manage/events/{event_id}/topics/{topic_id}/delete", {}),
        (f"/manage/events/{event_id}/topics/{topic_id}/up", {}),
    ]
    for url, data in posts:
        assert client.post(url, data=data).status_code == 403, url
    assert get(app, EventSession, session_id).name == "Sáng"
    assert count(app, Topic) == 1


# --- Topics -----------------------------------------------------------------------------------


def test_add_topic_with_lecturers_in_chosen_order(app, client, event_id):
    session_id = make_session(app, event_id)
    hung = make_lecturer(app, "Nguyễn Văn Hùng")
    an = make_lecturer(app, "Đặng Văn An", rank="Trung tá")
    form = client.get(f"/manage/events/{event_id}/topics/new?session_id={session_id}")
    assert f'<option selected value="{session_id}">' in html(form)
    # Lecturers are offered in Vietnamese official-list order (given name first): An before Hùng.
    assert html(form).index("Đặng Văn An") < html(form).index("Nguyễn Văn Hùng")
    response = client.post(
        f"/manage/events/{event_id}/topics/new",
        data={
            "title": "Công tác thông tin đối ngoại",
            "summary": "Tổng quan",
            "session_id": str(session_id),
            "lecturer_ids": [str(hung), str(an)],
        },
    )
    assert response.status_code == 303
    with app.app_context():
        topic = db.session.scalars(select(Topic)).one()
        assert topic.session_id == session_id
        assert [lecturer.id for lecturer in topic.lecturers] == [hung, an]
    entry = audit(app, "topic.create")[0]
    assert entry.details["lecturer_ids"] == [None, [hung, an]]
    page = html(client.get(f"/manage/events/{event_id}/sessions"))
    assert "Thượng tá Nguyễn Văn Hùng" in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "Enter the topic title."),
        ({"title": "x" * 501}, "title", "Field cannot be longer than 500 characters."),
        ({"session_id": "999999"}, "session_id", "Choose from the list."),
        ({"session_id": "abc"}, "session_id", "Choose from the list."),
        ({"lecturer_ids": ["999999"]}, "lecturer_ids", "Choose from the list."),
        ({"lecturer_ids": ["x"]}, "lecturer_ids", "Choose from the list."),
    ],
)
def test_topic_refusals(app, client, event_id, overrides, field, message):
    data = {"title": "Chuyên đề", "summary": "", "session_id": ""} | overrides
    response = client.post(f"/manage/events/{event_id}/topics/new", data=data)
    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert count(app, Topic) == 0


def test_topic_cannot_use_a_session_of_another_course(app, client, event_id, organizer):
    other = make_event(app, make_org(app, "Khác"), created_by_id=organizer.id)
    foreign = make_session(app, other)
    response = client.post(
        f"/manage/events/{event_id}/topics/new",
        data={"title": "Chuyên đề", "session_id": str(foreign)},
    )
    assert response.status_code == 200
    assert "Choose from the list." in field_errors(response, "session_id")
    assert count(app, Topic) == 0


def test_edit_topic_moves_it_and_changes_lecturers(app, client, event_id):
    morning = make_session(app, event_id, "Sáng")
    afternoon = make_session(app, event_id, "Chiều", start_time=time(13), end_time=time(17))
    hung = make_lecturer(app, "Nguyễn Văn Hùng")
    lan = make_lecturer(app, "Trần Thị Lan")
    topic_id = make_topic(app, event_id, "Chuyên đề 1", morning, lecturer_ids=[hung])
    page = html(client.get(f"/manage/events/{event_id}/topics/{topic_id}/edit"))
    assert f'<option selected value="{hung}">' in page
    response = client.post(
        f"/manage/events/{event_id}/topics/{topic_id}/edit",
        data={"title": "Chuyên đề 1 (sửa)", "session_id": str(afternoon), "lecturer_ids": [lan]},
    )
    assert response.status_code == 303
    with app.app_context():
        topic = db.session.get(Topic, topic_id)
        assert topic.session_id == afternoon
        assert [lecturer.id for lecturer in topic.lecturers] == [lan]
    details = audit(app, "topic.update")[0].details
    assert details["session_id"] == [morning, afternoon]
    assert details["lecturer_ids"] == [[hung], [lan]]
    assert details["title"] == ["Chuyên đề 1", "Chuyên đề 1 (sửa)"]


def test_move_topics_up_and_down_within_their_session(app, client, event_id):
    session_id = make_session(app, event_id)
    first = make_topic(app, event_id, "Một", session_id)
    other = make_topic(app, event_id, "Không buổi", None)
    second = make_topic(app, event_id, "Hai", session_id)
    third = make_topic(app, event_id, "Ba", session_id)

    def in_session():
        return [t for t in topic_ids_in_order(app, event_id) if t != other]

    assert in_session() == [first, second, third]
    response = client.post(f"/manage/events/{event_id}/topics/{third}/up")
    assert response.status_code == 303
    assert in_session() == [first, third, second]
    client.post(f"/manage/events/{event_id}/topics/{first}/down")
    assert in_session() == [third, first, second]
    # Already first / last: nothing moves.
    client.post(f"/manage/events/{event_id}/topics/{third}/up")
    client.post(f"/manage/events/{event_id}/topics/{second}/down")
    assert in_session() == [third, first, second]
    assert len(audit(app, "topic.move")) == 2
    page = html(client.get(f"/manage/events/{event_id}/sessions"))
    assert page.index("1. Ba") < page.index("2. Một") < page.index("3. Hai")


def test_delete_topic(app, client, event_id):
    topic_id = make_topic(app, event_id, "Chuyên đề 1", lecturer_ids=[make_lecturer(app, "A")])
    response = client.post(f"/manage/events/{event_id}/topics/{topic_id}/delete")
    assert response.status_code == 303
    assert count(app, Topic) == 0
    assert audit(app, "topic.delete")[0].details["title"] == ["Chuyên đề 1", None]


def test_get_on_post_only_routes_changes_nothing(app, client, event_id):
    session_id = make_session(app, event_id)
    topic_id = make_topic(app, event_id, "Chuyên đề 1", session_id)
    assert client.get(f"/manage/events/{event_id}/sessions/{session_id}/delete").status_code == 405
    assert client.get(f"/manage/events/{event_id}/topics/{topic_id}/delete").status_code == 405
    assert count(app, Topic) == 1
