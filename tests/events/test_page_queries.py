"""The public pages run a fixed number of queries, whatever the size of the agenda, the number of
registrations or the number of courses: first visits (nothing stored yet) and later ones."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import Flask
from sqlalchemy import insert

from tests.factories import make_event
from tests.factories import make_lecturer
from tests.factories import make_organization
from tests.factories import make_session
from tests.factories import make_topic
from trainingapp.common.text import fold
from trainingapp.common.text import name_sort_key
from trainingapp.common.time import local_today
from trainingapp.common.time import utcnow
from trainingapp.extensions import db
from trainingapp.registration.models import Registration


def add_registrations(event_id: int, count: int) -> None:
    """``count`` confirmed registrations in one executemany (10,000 in well under a second)."""
    now = utcnow()
    rows = [
        {
            "event_id": event_id,
            "full_name": f"Nguyễn Văn An {n}",
            "sort_key": name_sort_key(f"Nguyễn Văn An {n}"),
            "search_name": fold(f"Nguyễn Văn An {n}"),
            "position": "Chuyên viên",
            "phone": f"09{event_id:02d}{n:06d}",
            "status": "confirmed",
            "source": "online",
            "over_capacity": False,
            "manage_token": secrets.token_urlsafe(24),
            "checkin_code": f"C{n:07d}",
            "created_at": now,
            "updated_at": now,
            "status_changed_at": now,
        }
        for n in range(count)
    ]
    db.session.execute(insert(Registration.__table__), rows)


def make_course(app: Flask, sessions: int, registrations: int) -> tuple[str, list[str]]:
    """A published course with ``sessions`` sessions of two topics (two lecturers each, with
    units), an unscheduled topic and ``registrations`` confirmed registrations."""
    with app.app_context():
        event = make_event(db.session, capacity=20_000)
        unit = make_organization(db.session, name=f"Bộ Chỉ huy Bộ đội Biên phòng {event.id}")
        lecturers = [make_lecturer(db.session, organization=unit) for _ in range(2)]
        titles = []
        for n in range(sessions):
            event_session = make_session(db.session, event, name=f"Buổi {n + 1}")
            for _ in range(2):
                titles.append(make_topic(db.session, event, session=event_session).title)
                make_topic(db.session, event, session=event_session, lecturers=lecturers)
        titles.append(make_topic(db.session, event, session=None).title)
        add_registrations(event.id, registrations)
        db.session.commit()
        return event.slug, titles


def selects(statements: list[str]) -> int:
    return sum(1 for s in statements if s.lstrip().upper().startswith("SELECT"))


def visit(client, path: str, statements: list[str]) -> tuple[int, str]:
    statements.clear()
    response = client.get(path)
    assert response.status_code == 200
    return selects(statements), response.get_data(as_text=True)


def test_the_course_page_runs_the_same_queries_whatever_its_size(app, client, sql_statements):
    small, small_titles = make_course(app, sessions=3, registrations=100)
    large, large_titles = make_course(app, sessions=30, registrations=10_000)

    first_small, page = visit(client, f"/events/{small}", sql_statements)
    assert all(title in page for title in small_titles)
    assert "19.900 / 20.000" in page  # seats left, exact
    first_large, page = visit(client, f"/events/{large}", sql_statements)
    assert all(title in page for title in large_titles)
    assert page.count('class="card mb-3"') == 31  # 30 sessions and the unscheduled topics
    assert "10.000 / 20.000" in page

    # Nothing stored yet: the course with its seats left, its organizers and its agenda
    # (sessions; topics with lecturers and units) - no query per session, topic or lecturer.
    assert first_small == first_large <= 5
    # Stored: the course with its seats left, one statement.
    again_small, _page = visit(client, f"/events/{small}", sql_statements)
    again_large, _page = visit(client, f"/events/{large}", sql_statements)
    assert again_small == again_large == 1


def test_the_registration_form_reads_only_the_course(app, client, sql_statements):
    slug, _titles = make_course(app, sessions=30, registrations=1_000)
    first, page = visit(client, f"/events/{slug}/register", sql_statements)
    assert 'name="full_name"' in page
    again, _page = visit(client, f"/events/{slug}/register", sql_statements)
    assert first == again == 1


def test_the_home_page_runs_the_same_queries_for_1_and_20_courses(app, sql_statements):
    def add_courses(count: int) -> None:
        with app.app_context():
            start = local_today() + timedelta(days=10)
            for n in range(count):
                event = make_event(db.session, start_date=start + timedelta(days=n))
                add_registrations(event.id, 5)
            db.session.commit()

    def home_queries(courses: int) -> tuple[int, int]:
        client = app.test_client()
        first, page = visit(client, "/", sql_statements)
        assert page.count('class="card h-100 shadow-sm"') == courses
        assert page.count("245 / 250") == courses  # seats left of each
        again, _page = visit(client, "/", sql_statements)
        return first, again

    add_courses(1)
    one = home_queries(1)
    add_courses(19)
    twenty = home_queries(20)
    assert one == twenty
    first, again = one
    assert first <= 4  # the key's rows with seats left, the courses and their organizers
    assert again == 1  # the key's rows with seats left
