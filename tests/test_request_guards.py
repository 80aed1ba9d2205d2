"""Requests no page can answer get 400 or 404, never a server error, on SQLite and PostgreSQL;
staff pages are never cached."""

from __future__ import annotations

import pytest

from trainingapp.auth.models import Role
from trainingapp.extensions import db
from trainingapp.request_guards import MAX_ID

from .factories import make_event
from .factories import make_registration


@pytest.fixture
def organizer(app, client, make_user, auth):
    make_user("admin@example.vn", role=Role.ADMIN)
    assert auth.login("admin@example.vn").status_code == 303
    with app.app_context():
        event = make_event(db.session)
        registration = make_registration(db.session, event)
        db.session.commit()
        return client, event.id, registration.id, event.slug


@pytest.mark.parametrize("url", ["/events/a%00b", "/r/abc%00def", "/manage/events/1%00"])
def test_a_nul_in_the_path_is_not_found(client, url):
    assert client.get(url).status_code == 404


def test_a_nul_in_the_login_form_is_a_failed_login(client, make_user):
    make_user("an@example.vn")
    response = client.post("/login", data={"email": "an@example.vn\x00", "password": "x"})
    assert response.status_code == 200
    assert "is_authenticated" not in response.get_data(as_text=True)


def test_ids_beyond_the_integer_columns_are_not_found(organizer):
    client, event_id, registration_id, _slug = organizer
    assert client.get(f"/manage/events/{MAX_ID + 1}").status_code == 404
    assert client.get(f"/manage/events/{2**64}").status_code == 404
    assert client.get(f"/manage/events/{event_id}/registrations/{MAX_ID + 1}").status_code == 404
    page = f"/manage/events/{event_id}/registrations/{registration_id}"
    assert client.get(page).status_code == 200  # ordinary ids are untouched


@pytest.mark.parametrize("page", ["99999999999999999999", "1000001"])
def test_a_page_beyond_any_list_is_not_found(organizer, page):
    client, event_id, _registration_id, _slug = organizer
    assert client.get(f"/archive?page={page}").status_code == 404
    assert client.get(f"/manage/events/{event_id}/registrations?page={page}").status_code == 404
    assert client.get("/archive?page=3").status_code == 200  # an empty page, still a page


@pytest.mark.parametrize("target", ["/\r\nSet-Cookie: x=1", "/a\nb", "/a%00b\x00"])
def test_next_with_line_breaks_or_nul_goes_home(client, target):
    response = client.post("/language/vi", data={"next": target})
    assert response.status_code in (303, 400)
    if response.status_code == 303:
        assert response.headers["Location"] == "/"


def test_staff_pages_are_never_cached(organizer):
    client, event_id, registration_id, _slug = organizer
    for url in (
        f"/manage/events/{event_id}/registrations",
        f"/manage/events/{event_id}/registrations/{registration_id}",
        f"/manage/events/{event_id}/checkin",
        f"/manage/events/{event_id}/report",
        "/manage/audit",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response.headers["Cache-Control"], url
