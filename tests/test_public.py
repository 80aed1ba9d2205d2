"""Public pages: the course list, the archive, a course's page, errors, headers and language."""

from __future__ import annotations

import re
from datetime import date
from datetime import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import make_event
from tests.factories import make_lecturer
from tests.factories import make_organization
from tests.factories import make_registration
from tests.factories import make_session
from tests.factories import make_topic
from trainingapp import create_app
from trainingapp.common.text import fold
from trainingapp.common.time import local_today
from trainingapp.events.models import Event
from trainingapp.events.models import EventStatus
from trainingapp.extensions import db
from trainingapp.organizations.models import Organization
from trainingapp.organizations.models import OrganizationKind
from trainingapp.registration.models import RegistrationStatus

TODAY = local_today()
#: a day in the future whose day-of-month is below 13, so dd/mm and mm/dd would differ
COURSE_DAY = date(TODAY.year + 1, 8, 6)
TITLE = "Lớp tập huấn công tác thông tin đối ngoại"
SLUG = "tap-huan-thong-tin-doi-ngoai"


def in_english(client: FlaskClient) -> FlaskClient:
    with client.session_transaction() as flask_session:
        flask_session["lang"] = "en"
    return client


def unit(name: str, kind: OrganizationKind = OrganizationKind.BORDER_POST) -> Organization:
    """The unit of that name, created on first use."""
    existing = db.session.scalar(select(Organization).where(Organization.name_key == fold(name)))
    return existing or make_organization(db.session, name=name, kind=kind)


def add_course(app: Flask, *, topics_per_session: int = 2, **overrides: Any) -> dict[str, Any]:
    """The reference course: two sessions, topics each with its own lecturer and unit."""
    slug = overrides.get("slug", SLUG)
    with app.app_context():
        department = unit("Sở Thông tin và Truyền thông", OrganizationKind.PROVINCIAL_AGENCY)
        border_guard = unit("Bộ Chỉ huy Bộ đội Biên phòng tỉnh", OrganizationKind.PROVINCIAL_AGENCY)
        values: dict[str, Any] = {
            "title": TITLE,
            "slug": SLUG,
            "organizer": department,
            "co_organizers": [border_guard],
            "venue": "Hội trường Sở Thông tin và Truyền thông, 01 Trần Phú, Nha Trang",
            "start_date": COURSE_DAY,
            "end_date": COURSE_DAY,
            "capacity": 250,
        }
        values.update(overrides)
        course = make_event(db.session, **values)
        morning = make_session(
            db.session, course, name="Buổi sáng", start_time=time(7, 30), end_time=time(11, 30)
        )
        afternoon = make_session(
            db.session,
            course,
            name="Buổi chiều",
            start_time=time(13, 30),
            end_time=time(17, 0),
            position=1,
        )
        topics: list[str] = []
        for part, event_session in enumerate((morning, afternoon)):
            for number in range(topics_per_session):
                suffix = f"{part}-{number}" + ("" if slug == SLUG else f" ({slug})")
                lecturer = make_lecturer(
                    db.session,
                    full_name=f"Nguyễn Văn Hùng {suffix}",
                    rank="Thượng tá",
                    position="Phó Chủ nhiệm Chính trị",
                    organization=unit(f"Đồn Biên phòng {suffix}"),
                )
                title = f"Chuyên đề {part}-{number}: thông tin đối ngoại khu vực biên giới"
                make_topic(
                    db.session,
                    course,
                    session=event_session,
                    title=title,
                    position=number,
                    lecturers=[lecturer],
                )
                topics.append(title)
        db.session.commit()
        return {"slug": course.slug, "id": course.id, "topics": topics}


# The course list and the archive


def test_home_lists_published_upcoming_courses_only(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        shown = {
            "Lớp đã công bố": {},
            "Lớp đã khóa đăng ký": {"status": EventStatus.CLOSED},
            "Lớp kết thúc hôm nay": {
                "start_date": TODAY - timedelta(days=1),
                "end_date": TODAY,
            },
        }
        hidden = {
            "Lớp bản nháp": {"status": EventStatus.DRAFT},
            "Lớp đã qua": {"start_date": TODAY - timedelta(days=10)},
            "Lớp lưu trữ": {
                "status": EventStatus.ARCHIVED,
                "start_date": TODAY - timedelta(days=40),
            },
        }
        for title, values in {**shown, **hidden}.items():
            make_event(db.session, title=title, **values)
        db.session.commit()

    html = client.get("/").text
    for title in shown:
        assert title in html
    for title in hidden:
        assert title not in html


def test_home_lists_the_soonest_course_first(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        make_event(db.session, title="Lớp tháng sau", start_date=TODAY + timedelta(days=30))
        make_event(db.session, title="Lớp tuần sau", start_date=TODAY + timedelta(days=7))
        db.session.commit()
    html = client.get("/").text
    assert html.index("Lớp tuần sau") < html.index("Lớp tháng sau")


def test_home_without_courses(client: FlaskClient) -> None:
    in_english(client)
    response = client.get("/")
    assert response.status_code == 200
    assert "There are no upcoming courses open at the moment." in response.text


def test_archive_lists_past_public_courses_with_pagination(app: Flask, client: FlaskClient) -> None:
    app.config["ITEMS_PER_PAGE"] = 2
    with app.app_context():
        for weeks in range(1, 6):  # "Lớp cũ 1" is the most recent
            make_event(
                db.session,
                title=f"Lớp cũ {weeks}",
                start_date=TODAY - timedelta(weeks=weeks),
                status=EventStatus.ARCHIVED if weeks == 5 else EventStatus.CLOSED,
            )
        make_event(db.session, title="Lớp nháp cũ", start_date=TODAY - timedelta(days=3),
                   status=EventStatus.DRAFT)  # fmt: skip
        make_event(db.session, title="Lớp sắp tới")
        db.session.commit()

    pages = {number: client.get(f"/archive?page={number}").text for number in (1, 2, 3)}
    listed = {number: re.findall(r"Lớp cũ \d", html) for number, html in pages.items()}
    assert listed == {1: ["Lớp cũ 1", "Lớp cũ 2"], 2: ["Lớp cũ 3", "Lớp cũ 4"], 3: ["Lớp cũ 5"]}
    for html in pages.values():
        assert "Lớp nháp cũ" not in html
        assert "Lớp sắp tới" not in html
    assert 'href="/archive?page=2"' in pages[1]
    assert 'href="/archive?page=3"' in pages[1]
    # Past the last page: an empty page, not an error.
    response = client.get("/archive?page=9")
    assert response.status_code == 200
    assert "Lớp cũ" not in response.text
    assert client.get("/archive?page=abc").status_code == 200


# A course's page


def test_course_page_shows_dates_venue_organizers_and_agenda(
    app: Flask, client: FlaskClient
) -> None:
    course = add_course(app, end_date=COURSE_DAY + timedelta(days=1))
    response = client.get(f"/events/{course['slug']}")
    assert response.status_code == 200
    html = response.text
    assert TITLE in html
    day, next_day = (
        COURSE_DAY.strftime("%d/%m/%Y"),
        (COURSE_DAY + timedelta(days=1)).strftime("%d/%m/%Y"),
    )
    assert day.startswith("06/08/")
    assert f"{day} – {next_day}" in html
    assert "Hội trường Sở Thông tin và Truyền thông, 01 Trần Phú, Nha Trang" in html
    assert "Sở Thông tin và Truyền thông" in html
    assert "Bộ Chỉ huy Bộ đội Biên phòng tỉnh" in html
    # Agenda: each session with its date and 24-hour times, then its topics in order.
    assert f"{day}, 07:30–11:30" in html
    assert f"{day}, 13:30–17:00" in html
    positions = [
        html.index(text)
        for text in ["Buổi sáng", *course["topics"][:2], "Buổi chiều", *course["topics"][2:]]
    ]
    assert positions == sorted(positions)
    # Lecturers with rank, position and unit.
    assert "Thượng tá Nguyễn Văn Hùng 0-0" in html
    assert "Phó Chủ nhiệm Chính trị, Đồn Biên phòng 0-0" in html
    assert "Thượng tá Nguyễn Văn Hùng 1-1" in html


def test_one_day_course_shows_a_single_date(app: Flask, client: FlaskClient) -> None:
    course = add_course(app)
    html = client.get(f"/events/{course['slug']}").text
    day = COURSE_DAY.strftime("%d/%m/%Y")
    assert day in html
    assert f"{day} –" not in html


def test_seats_left_counts_confirmed_registrations_only(app: Flask, client: FlaskClient) -> None:
    course = add_course(app, capacity=1250)
    with app.app_context():
        course_row = db.session.get(Event, course["id"])
        statuses = [RegistrationStatus.CONFIRMED] * 3 + [
            RegistrationStatus.PENDING,
            RegistrationStatus.WAITLISTED,
            RegistrationStatus.CANCELLED,
            RegistrationStatus.REJECTED,
        ]
        for status in statuses:
            make_registration(db.session, course_row, status=status)
        other = make_event(db.session)
        make_registration(db.session, other)
        db.session.commit()
    # Thousands grouped the Vietnamese way by default, the English way in English.
    assert "1.247 / 1.250" in client.get(f"/events/{course['slug']}").text
    assert "1,247 / 1,250" in in_english(client).get(f"/events/{course['slug']}").text


def test_course_page_never_lists_participants(app: Flask, client: FlaskClient) -> None:
    course = add_course(app)
    with app.app_context():
        make_registration(
            db.session,
            db.session.get(Event, course["id"]),
            full_name="Phạm Thị Riêng Tư",
            phone="0912345678",
            email="rieng.tu@example.vn",
        )
        db.session.commit()
    html = client.get(f"/events/{course['slug']}").text
    for private in ("Phạm Thị Riêng Tư", "0912345678", "rieng.tu@example.vn"):
        assert private not in html


@pytest.mark.parametrize("status", [EventStatus.CLOSED, EventStatus.ARCHIVED])
def test_closed_and_archived_courses_stay_visible(
    app: Flask, client: FlaskClient, status: EventStatus
) -> None:
    course = add_course(app, status=status)
    assert client.get(f"/events/{course['slug']}").status_code == 200


def test_draft_course_is_not_found(app: Flask, client: FlaskClient) -> None:
    course = add_course(app, status=EventStatus.DRAFT)
    response = client.get(f"/events/{course['slug']}")
    assert response.status_code == 404
    assert TITLE not in response.text


def test_unknown_course_gets_the_styled_not_found_page(client: FlaskClient) -> None:
    response = client.get("/events/khong-co-lop-nay")
    assert response.status_code == 404
    assert '<html lang="vi">' in response.text
    assert 'class="navbar' in response.text  # the site's layout, not a bare error
    assert "404" in response.text
    response = in_english(client).get("/events/khong-co-lop-nay")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert "Back to the course list" in response.text


def test_course_page_query_count_does_not_grow_with_the_agenda(
    app: Flask, client: FlaskClient, sql_statements: list[str]
) -> None:
    small = add_course(app, topics_per_session=1, slug="lop-nho")
    large = add_course(app, topics_per_session=4, slug="lop-lon")
    counts = {}
    for name, slug in (("small", small["slug"]), ("large", large["slug"])):
        sql_statements.clear()
        response = client.get(f"/events/{slug}")
        assert response.status_code == 200
        counts[name] = len(sql_statements)
    assert small["topics"][0] in client.get("/events/lop-nho").text
    assert counts["small"] == counts["large"], counts


def test_home_query_count_does_not_grow_with_the_courses(
    app: Flask, client: FlaskClient, sql_statements: list[str]
) -> None:
    counts = {}
    for number in (1, 6):
        with app.app_context():
            db.session.execute(db.delete(Event))
            for _ in range(number):
                make_event(db.session)  # each with its own organizing unit
            db.session.commit()
        sql_statements.clear()
        assert client.get("/").status_code == 200
        counts[number] = len(sql_statements)
    assert counts[1] == counts[6], counts


# Cross-cutting


@pytest.mark.parametrize("path", ["/", "/events/khong-co", "/login", "/healthz"])
def test_security_headers(client: FlaskClient, path: str) -> None:
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert "script-src 'self';" in csp  # no inline scripts
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin")


def test_healthz(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.text == "ok"
    assert response.mimetype == "text/plain"


def test_healthz_reports_an_unreachable_database(
    app_config: dict[str, Any], tmp_path: Path
) -> None:
    broken = create_app(
        {**app_config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/db.sqlite3"}
    )
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.text == "database unavailable"
    with broken.app_context():
        db.engine.dispose()


# Language


def test_pages_are_in_vietnamese_by_default(client: FlaskClient) -> None:
    for path in ("/", "/archive", "/login"):
        assert '<html lang="vi">' in client.get(path).text


def test_language_switch(client: FlaskClient) -> None:
    response = client.post("/language/en")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    html = client.get("/").text
    assert '<html lang="en">' in html
    assert "Upcoming courses" in html
    assert '<html lang="en">' in client.get("/archive").text  # kept in the session

    assert client.post("/language/vi").status_code == 303
    assert '<html lang="vi">' in client.get("/").text


def test_language_switch_returns_to_the_page(client: FlaskClient) -> None:
    response = client.post("/language/en", data={"next": "/archive?page=2"})
    assert response.headers["Location"] == "/archive?page=2"
    response = client.post("/language/vi", data={"next": "//evil.example/"})
    assert response.headers["Location"] == "/"


def test_unknown_language_is_ignored(client: FlaskClient) -> None:
    assert client.post("/language/fr").status_code == 303
    assert '<html lang="vi">' in client.get("/").text
    in_english(client)
    client.post("/language/xx")
    assert '<html lang="en">' in client.get("/").text


def test_language_switch_is_post_only(client: FlaskClient) -> None:
    response = client.get("/language/en")
    assert response.status_code == 405
    assert '<html lang="vi">' in client.get("/").text


def test_every_page_offers_the_other_language(client: FlaskClient) -> None:
    html = client.get("/").text
    assert 'action="/language/en"' in html
    assert 'action="/language/vi"' not in html
    html = in_english(client).get("/").text
    assert 'action="/language/vi"' in html


# Assets


def test_bootstrap_is_served_locally(client: FlaskClient) -> None:
    html = client.get("/").text
    assert 'href="/bootstrap/static/css/bootstrap.min.css?v=' in html  # fingerprinted
    assert "cdn." not in html
    assets = re.findall(r'(?:href|src)="(/bootstrap/static/[^"?]+)', html)
    assert "/bootstrap/static/css/bootstrap.min.css" in assets
    for path in assets:
        with client.get(path) as response:
            assert response.status_code == 200, path
    with client.get("/bootstrap/static/css/bootstrap.min.css") as response:
        assert response.mimetype == "text/css"
        assert b"Bootstrap" in response.data[:200]
