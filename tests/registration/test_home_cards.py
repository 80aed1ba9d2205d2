"""The home page's course cards answer the next question: seats left, the registration
deadline, and a register button while registration is open; counted for the page at once."""

from __future__ import annotations

import re
from datetime import timedelta

from trainingapp.common.time import utcnow

from .test_views import post


def _card(html: str, title: str) -> str:
    start = html.index(title)
    end = html.find('<div class="card h-100', start)
    return html[start : end if end != -1 else len(html)]


def test_an_open_course_card_shows_seats_deadline_and_a_register_button(client, make_event):
    closes = utcnow() + timedelta(days=5)
    make_event(title="Lớp A", slug="lop-a", capacity=50, registration_closes_at=closes)
    make_event(
        title="Lớp B",
        slug="lop-b",
        capacity=30,
        registration_closes_at=utcnow() - timedelta(hours=1),
    )
    post(client, slug="lop-a")
    html = client.get("/").get_data(as_text=True)
    open_card = _card(html, "Lớp A")
    assert re.search(r"Seats left:</strong>\s*49 / 50", open_card)
    assert "Registration closes:" in open_card
    assert 'href="/events/lop-a/register"' in open_card
    closed_card = _card(html, "Lớp B")
    assert "Registration is closed." in closed_card
    assert "/register" not in closed_card
    assert "Seats left" not in closed_card


def test_seats_held_for_invited_units_are_not_offered_on_the_card(client, make_event):
    make_event(
        title="Lớp A",
        slug="lop-a",
        capacity=10,
        quotas={"Báo Khánh Hòa": 4},
        nominations_close_at=utcnow() + timedelta(days=3),
    )
    post(client, slug="lop-a")  # another unit: takes a free seat, not a held one
    assert 'data-seats-left="5"' in _card(client.get("/").get_data(as_text=True), "Lớp A")


def test_a_full_course_with_a_waiting_list_says_so(client, make_event):
    make_event(title="Lớp A", slug="lop-a", capacity=1)
    post(client, slug="lop-a")
    card = _card(client.get("/").get_data(as_text=True), "Lớp A")
    assert "none (waiting list)" in card
    assert 'href="/events/lop-a/register"' in card


def test_the_home_page_counts_seats_in_the_same_queries_for_any_number_of_courses(
    client, make_event, sql_statements
):
    def statements_for_home() -> int:
        sql_statements.clear()
        assert client.get("/").status_code == 200
        return len(sql_statements)

    for n in range(2):
        make_event(title=f"Lớp {n}", slug=f"lop-x{n}")
    few = statements_for_home()
    for n in range(2, 8):
        make_event(title=f"Lớp {n}", slug=f"lop-x{n}")
    assert statements_for_home() == few
