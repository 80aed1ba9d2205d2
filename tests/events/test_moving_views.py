"""Dates that move together, through the staff pages: the course form's "move the sessions"
choice, the clone form's proposed successor, the confirmation before publishing a past course."""

from __future__ import annotations

import re
from datetime import date
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.manage.courses_helpers import SOON
from tests.manage.courses_helpers import audit
from tests.manage.courses_helpers import event_form
from tests.manage.courses_helpers import get
from tests.manage.courses_helpers import make_attendance
from tests.manage.courses_helpers import make_event
from tests.manage.courses_helpers import make_org
from tests.manage.courses_helpers import make_registration
from tests.manage.courses_helpers import make_session
from trainingapp.auth.models import Role
from trainingapp.common.time import local_today
from trainingapp.events.models import Event
from trainingapp.events.models import EventSession
from trainingapp.events.models import EventStatus
from trainingapp.extensions import db
from trainingapp.organizations.models import Organization


@pytest.fixture(autouse=True)
def english(client):
    client.post("/language/en")


@pytest.fixture
def org(app):
    return make_org(app)


@pytest.fixture
def organizer(make_user, auth):
    user = make_user("organizer@example.vn", Role.ORGANIZER)
    assert auth.login(user.email).status_code == 303
    return user


def html(response) -> str:
    return response.get_data(as_text=True)


LATER = SOON + timedelta(days=7)


def test_edit_form_offers_to_move_sessions_only_when_there_are_some(app, client, organizer, org):
    event_id = make_event(app, org, slug="ttdn", created_by_id=organizer.id)
    assert 'name="move_sessions"' not in html(client.get(f"/manage/events/{event_id}/edit"))
    make_session(app, event_id)
    page = html(client.get(f"/manage/events/{event_id}/edit"))
    assert 'name="move_sessions"' in page
    assert "Move the sessions with the new dates" in page
    assert not re.search(r'name="move_sessions"[^>]*checked', page)  # never pre-ticked


def test_edit_moves_course_and_sessions_in_one_step(app, client, organizer, org):
    event_id = make_event(app, org, slug="ttdn", created_by_id=organizer.id)
    session_id = make_session(app, event_id, f"Sáng {SOON:%d/%m/%Y}")
    refused = client.post(
        f"/manage/events/{event_id}/edit",
        data=event_form(org, slug="ttdn", start_date=LATER.isoformat(), end_date=LATER.isoformat()),
    )
    assert refused.status_code == 200
    assert "Move the sessions with the new dates" in html(refused)
    assert get(app, Event, event_id).start_date == SOON
    response = client.post(
        f"/manage/events/{event_id}/edit",
        data=event_form(
            org,
            slug="ttdn",
            start_date=LATER.isoformat(),
            end_date=LATER.isoformat(),
            move_sessions="y",
        ),
    )
    assert response.status_code == 303
    assert get(app, Event, event_id).start_date == LATER
    moved = get(app, EventSession, session_id)
    assert (moved.name, moved.date) == (f"Sáng {LATER:%d/%m/%Y}", LATER)
    assert audit(app, "session.update")[0].details["date"] == [str(SOON), str(LATER)]


def test_edit_refuses_moving_sessions_with_attendance(app, client, organizer, org):
    event_id = make_event(app, org, slug="ttdn", created_by_id=organizer.id)
    session_id = make_session(app, event_id, "Sáng")
    make_attendance(app, make_registration(app, event_id), session_id)
    response = client.post(
        f"/manage/events/{event_id}/edit",
        data=event_form(
            org,
            slug="ttdn",
            start_date=LATER.isoformat(),
            end_date=LATER.isoformat(),
            move_sessions="y",
        ),
    )
    assert response.status_code == 200
    assert "Attendance has already been taken in “Sáng”" in html(response)
    assert get(app, Event, event_id).start_date == SOON
    assert get(app, EventSession, session_id).date == SOON


def test_clone_form_proposes_the_successor(app, client, organizer, org):
    retired = make_org(app, "Sở Thông tin và Truyền thông cũ", retired_on=date(2025, 3, 1))
    with app.app_context():
        db.session.get(Organization, retired).successor_id = org
        db.session.commit()
    source = make_event(
        app,
        retired,
        start_date=date(2023, 8, 16),
        end_date=date(2023, 8, 16),
        status=EventStatus.ARCHIVED,
        created_by_id=organizer.id,
    )
    page = html(client.get(f"/manage/events/{source}/clone"))
    assert re.search(
        rf'<option[^>]*selected[^>]*value="{org}"|<option value="{org}" selected', page
    )
    assert "its successor Sở Thông tin và Truyền thông is proposed" in page
    response = client.post(
        f"/manage/events/{source}/clone",
        data={
            "title": "Bản sao",
            "slug": "ban-sao",
            "start_date": SOON.isoformat(),
            "end_date": SOON.isoformat(),
            "organizer_id": str(org),
        },
    )
    assert response.status_code == 303
    with app.app_context():
        copy = db.session.scalar(select(Event).where(Event.slug == "ban-sao"))
        assert copy is not None
        assert copy.organizer_id == org
    bad = client.post(
        f"/manage/events/{source}/clone",
        data={
            "title": "Bản sao 2",
            "start_date": SOON.isoformat(),
            "end_date": SOON.isoformat(),
            "organizer_id": "not a number",
        },
    )
    assert bad.status_code == 200
    assert "Choose from the list." in html(bad)


def test_publishing_a_past_course_asks_to_confirm(app, client, organizer, org):
    past = local_today() - timedelta(days=3)
    event_id = make_event(
        app, org, start_date=past, end_date=past, slug="qua", created_by_id=organizer.id
    )
    page = html(client.get(f"/manage/events/{event_id}/status?to=published"))
    assert 'id="publish-warnings"' in page
    assert "I understand; publish anyway" in page
    assert f"{past:%d/%m/%Y}" in page
    refused = client.post(f"/manage/events/{event_id}/status", data={"status": "published"})
    assert refused.status_code == 200
    assert "confirm to publish" in html(refused)
    assert get(app, Event, event_id).status == EventStatus.DRAFT
    assert audit(app, "event.status") == []
    done = client.post(
        f"/manage/events/{event_id}/status", data={"status": "published", "confirm_past": "y"}
    )
    assert done.status_code == 303
    assert get(app, Event, event_id).status == EventStatus.PUBLISHED


def test_publishing_an_upcoming_course_is_one_step_as_before(app, client, organizer, org):
    event_id = make_event(app, org, created_by_id=organizer.id)
    page = html(client.get(f"/manage/events/{event_id}/status?to=published"))
    assert 'id="publish-warnings"' not in page
    assert 'name="confirm_past"' not in page
    response = client.post(f"/manage/events/{event_id}/status", data={"status": "published"})
    assert response.status_code == 303
    assert get(app, Event, event_id).status == EventStatus.PUBLISHED
