"""The public pages come from the cache, and every edit shows at once: on this worker, on another
one (its own in-process cache, the same database), whatever changed (a topic through the staff
page, a lecturer, a unit, a merge of units). Nothing of one visitor's reaches another's page, and
a signed-in account's pages are never stored."""

from __future__ import annotations

import re
import socket
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event as sa_event
from sqlalchemy import select

from tests.manage.courses_helpers import SOON
from tests.manage.courses_helpers import make_event
from tests.manage.courses_helpers import make_lecturer
from tests.manage.courses_helpers import make_org
from tests.manage.courses_helpers import make_registration
from tests.manage.courses_helpers import make_session
from tests.manage.courses_helpers import make_topic
from trainingapp import create_app
from trainingapp.auth.models import Role
from trainingapp.events.caching import CSRF_PLACEHOLDER
from trainingapp.events.models import Event
from trainingapp.events.models import EventStatus
from trainingapp.extensions import cache
from trainingapp.extensions import db
from trainingapp.lecturers.models import Lecturer
from trainingapp.organizations.models import Organization
from trainingapp.organizations.services import merge_organizations


@pytest.fixture
def course(app, make_user) -> dict[str, Any]:
    organizer = make_user("organizer@example.vn", Role.ORGANIZER)
    unit = make_org(app, "Bộ Chỉ huy Bộ đội Biên phòng tỉnh")
    event_id = make_event(
        app,
        make_org(app),
        slug="tap-huan",
        status=EventStatus.PUBLISHED,
        start_date=SOON,
        end_date=SOON + timedelta(days=1),
        created_by_id=organizer.id,
    )
    session_id = make_session(app, event_id, "Sáng 16/08")
    lecturer_id = make_lecturer(app, "Nguyễn Văn Hùng", organization_id=unit)
    topic_id = make_topic(
        app, event_id, "Công tác thông tin đối ngoại", session_id, lecturer_ids=[lecturer_id]
    )
    return {
        "event_id": event_id,
        "session_id": session_id,
        "topic_id": topic_id,
        "lecturer_id": lecturer_id,
        "unit_id": unit,
        "organizer": organizer,
        "path": "/events/tap-huan",
    }


@pytest.fixture
def second_app(app_config: dict[str, Any]) -> Iterator[Flask]:
    """Another worker: its own app and in-process cache, the same database."""
    other = create_app(app_config)
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def edit_topic(app, client, course, title: str) -> None:
    client.post("/login", data={"email": course["organizer"].email, "password": PASSWORD})
    response = client.post(
        f"/manage/events/{course['event_id']}/topics/{course['topic_id']}/edit",
        data={
            "title": title,
            "session_id": str(course["session_id"]),
            "lecturer_ids": [course["lecturer_id"]],
        },
    )
    assert response.status_code == 303


PASSWORD = "correct horse battery"


def stored_pages(app: Flask) -> list[str]:
    with app.app_context():
        backend = cache.cache
        return [
            value
            for key in list(backend._cache)  # SimpleCache's dict
            if isinstance(value := backend.get(key), str)
        ]


def test_the_cache_is_on_and_the_second_visit_renders_nothing(app, client, course):
    first = page(client, course["path"])
    assert "Công tác thông tin đối ngoại" in first
    assert stored_pages(app)  # the page is in the in-process cache
    assert page(client, course["path"]) == first


def test_a_topic_edited_by_staff_shows_at_once(app, client, course):
    assert "Công tác thông tin đối ngoại" in page(client, course["path"])
    staff = app.test_client()
    edit_topic(app, staff, course, "Kỹ năng phát ngôn với báo chí")
    now = page(client, course["path"])
    assert "Kỹ năng phát ngôn với báo chí" in now
    assert "Công tác thông tin đối ngoại" not in now


def test_an_edit_on_one_worker_shows_on_the_other(app, second_app, client, course):
    other = second_app.test_client()
    assert "Công tác thông tin đối ngoại" in page(client, course["path"])
    assert "Công tác thông tin đối ngoại" in page(other, course["path"])
    assert "Tập huấn thông tin đối ngoại" in page(other, course["path"] + "/register")
    edit_topic(app, app.test_client(), course, "Kỹ năng phát ngôn với báo chí")
    assert "Kỹ năng phát ngôn với báo chí" in page(other, course["path"])
    with app.app_context():
        db.session.get(Event, course["event_id"]).title = "Lớp tập huấn đổi tên"
        db.session.commit()
    assert "Lớp tập huấn đổi tên" in page(other, course["path"] + "/register")
    assert "Lớp tập huấn đổi tên" in page(other, "/")


def test_a_renamed_lecturer_or_unit_shows_at_once(app, client, course):
    assert "Nguyễn Văn Hùng" in page(client, course["path"])
    with app.app_context():
        db.session.get(Lecturer, course["lecturer_id"]).full_name = "Trần Văn Hùng"
        db.session.commit()
    assert "Trần Văn Hùng" in page(client, course["path"])
    with app.app_context():
        db.session.get(Organization, course["unit_id"]).name = "Bộ đội Biên phòng tỉnh Khánh Hòa"
        db.session.commit()
    assert "Bộ đội Biên phòng tỉnh Khánh Hòa" in page(client, course["path"])


def test_a_merge_of_units_shows_at_once(app, client, course):
    kept_id = make_org(app, "Bộ Tư lệnh Bộ đội Biên phòng")
    assert "Bộ Chỉ huy Bộ đội Biên phòng tỉnh" in page(client, course["path"])
    with app.app_context():
        merged = db.session.get(Organization, course["unit_id"])
        kept = db.session.get(Organization, kept_id)
        merge_organizations(None, merged, kept)
        db.session.commit()
    now = page(client, course["path"])
    assert "Bộ Tư lệnh Bộ đội Biên phòng" in now
    assert "Bộ Chỉ huy Bộ đội Biên phòng tỉnh" not in now


def test_seats_left_are_exact_and_the_etag_follows_them(app, client, course):
    first = client.get(course["path"])
    assert "100 / 100" in first.get_data(as_text=True)
    etag = first.headers["ETag"]
    assert "private" in first.headers["Cache-Control"]
    assert "Cookie" in first.headers["Vary"]
    again = client.get(course["path"], headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    make_registration(app, course["event_id"])
    after = client.get(course["path"], headers={"If-None-Match": etag})
    assert after.status_code == 200
    assert "99 / 100" in after.get_data(as_text=True)
    assert after.headers["ETag"] != etag
    # Another language is another page.
    client.post("/language/en")
    english = client.get(course["path"], headers={"If-None-Match": after.headers["ETag"]})
    assert english.status_code == 200
    assert "Seats left" in english.get_data(as_text=True)


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_no_visitor_gets_another_ones_csrf_token(app, course):
    app.config["WTF_CSRF_ENABLED"] = True
    one, two = app.test_client(), app.test_client()
    for path in (course["path"], course["path"] + "/register", "/"):
        mine = CSRF.findall(page(one, path))
        theirs = CSRF.findall(page(two, path))
        assert mine
        assert theirs
        assert not set(mine) & set(theirs)
    for stored in stored_pages(app):
        assert CSRF_PLACEHOLDER in stored
        assert not CSRF.search(stored.replace(f'value="{CSRF_PLACEHOLDER}"', ""))
    # The token put back is the session's: the form is accepted.
    form_page = page(one, course["path"] + "/register")
    token = CSRF.findall(form_page)[-1]
    response = one.post(
        course["path"] + "/register",
        data={
            "csrf_token": token,
            "full_name": "Nguyễn Văn An",
            "gender": "male",
            "organization": "Sở Thông tin và Truyền thông",
            "position": "Chuyên viên",
            "phone": "0905123456",
            "consent": "y",
        },
    )
    assert response.status_code == 303


def test_a_signed_in_account_s_pages_are_never_stored(app, client, course):
    client.post("/login", data={"email": course["organizer"].email, "password": PASSWORD})
    response = client.get(course["path"])
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    assert "ETag" not in response.headers
    assert course["organizer"].email in response.get_data(as_text=True)
    assert not stored_pages(app)
    anonymous = page(app.test_client(), course["path"])
    assert course["organizer"].email not in anonymous
    assert "Sign out" not in anonymous
    assert "Đăng xuất" not in anonymous


def test_a_page_with_a_message_is_not_stored(app, client, course):
    with client.session_transaction() as browser:
        browser["_flashes"] = [("success", "Một thông báo riêng")]
    assert "Một thông báo riêng" in page(client, course["path"])
    assert not any("Một thông báo riêng" in stored for stored in stored_pages(app))
    assert "Một thông báo riêng" not in page(app.test_client(), course["path"])


def test_a_course_back_to_draft_is_gone_from_the_pages(app, client, course):
    assert "Công tác thông tin đối ngoại" in page(client, course["path"])
    assert "tap-huan" in page(client, "/")
    with app.app_context():
        db.session.get(Event, course["event_id"]).status = EventStatus.DRAFT
        db.session.commit()
    assert client.get(course["path"]).status_code == 404
    assert "tap-huan" not in page(client, "/")
    with app.app_context():
        assert (
            db.session.scalar(select(Event.content_version).where(Event.id == course["event_id"]))
            > 1
        )


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_answers(), reason="needs Redis on 127.0.0.1:6379")
def test_workers_share_the_pages_through_redis(app_config, course):
    shared = {
        **app_config,
        "CACHE_REDIS_URL": "redis://127.0.0.1:6379/15",
        "CACHE_KEY_PREFIX": f"trainingapp-test-{uuid.uuid4().hex}:",
    }
    one, two = create_app(shared), create_app(shared)
    try:
        assert one.config["CACHE_TYPE"] == "RedisCache"
        assert "Công tác thông tin đối ngoại" in page(one.test_client(), course["path"])
        with two.app_context():
            engine = db.engine
        seen: list[str] = []
        sa_event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
        assert "Công tác thông tin đối ngoại" in page(two.test_client(), course["path"])
        # Stored by the other worker: the course and its seats only, no agenda.
        assert not any("topics" in statement for statement in seen)
        edit_topic(one, one.test_client(), course, "Kỹ năng phát ngôn với báo chí")
        assert "Kỹ năng phát ngôn với báo chí" in page(two.test_client(), course["path"])
    finally:
        for each in (one, two):
            with each.app_context():
                cache.clear()
                db.session.remove()
                db.engine.dispose()


def test_a_cache_server_that_does_not_answer_costs_no_page(app_config, course):
    down = create_app({**app_config, "CACHE_REDIS_URL": "redis://127.0.0.1:1/0"})
    try:
        client = down.test_client()
        assert "Công tác thông tin đối ngoại" in page(client, course["path"])
        assert "Tập huấn thông tin đối ngoại" in page(client, course["path"] + "/register")
        assert page(client, "/")
    finally:
        with down.app_context():
            db.session.remove()
            db.engine.dispose()
