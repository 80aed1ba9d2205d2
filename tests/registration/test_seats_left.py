"""The "seats left" a public page shows is counted in SQL, in the statement that loads the
course (``seats.SEATS_LEFT``): it must agree with the seat rule's own counts (``seats.Seats``),
with quotas used in part, used beyond their seats and not used, before and after the
nomination deadline, and never go below 0."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import make_event
from tests.factories import make_organization
from tests.factories import make_registration
from trainingapp.common.time import local_today
from trainingapp.common.time import utcnow
from trainingapp.events.models import Event
from trainingapp.events.models import Quota
from trainingapp.extensions import db
from trainingapp.registration import seats
from trainingapp.registration.models import RegistrationStatus as S


def _course(capacity: int, deadline: timedelta | None) -> int:
    """Quotas of 4 (2 taken), 3 (5 taken: walk-ins beyond it) and 2 (none taken); one
    confirmed person of no unit; pending, waitlisted and cancelled people who take no seat."""
    event = make_event(
        db.session,
        capacity=capacity,
        start_date=local_today() + timedelta(days=10),
        nominations_close_at=None if deadline is None else utcnow() + deadline,
    )
    for quota, taken in ((4, 2), (3, 5), (2, 0)):
        unit = make_organization(db.session)
        db.session.add(Quota(event_id=event.id, organization_id=unit.id, seats=quota))
        for _ in range(taken):
            make_registration(db.session, event, organization_id=unit.id)
        make_registration(db.session, event, organization_id=unit.id, status=S.WAITLISTED)
    make_registration(db.session, event)
    for status in (S.PENDING, S.CANCELLED):
        make_registration(db.session, event, status=status)
    db.session.commit()
    return event.id


@pytest.mark.parametrize(
    ("capacity", "deadline", "expected"),
    [
        # 8 confirmed; held before the deadline: 2 + 0 (never below 0) + 2
        (20, timedelta(days=3), 20 - 8 - 4),
        (20, timedelta(minutes=-1), 20 - 8),  # after the deadline nothing is held
        (20, None, 20 - 8),  # without a deadline nothing is held
        (10, timedelta(days=3), 0),  # 10 - 8 - 4 is not a figure to show
        (5, None, 0),  # walk-ins beyond the capacity
    ],
)
def test_seats_left_is_the_seat_rules_count(app_ctx, capacity, deadline, expected) -> None:
    event_id = _course(capacity, deadline)
    event = db.session.get(Event, event_id)
    rule = seats.Seats(event)
    assert max(rule.capacity - rule.total - rule.held, 0) == expected
    assert seats.seats_left(event) == expected


def test_the_course_page_and_the_home_page_show_it(app, client) -> None:
    with app.app_context():
        event_id = _course(20, timedelta(days=3))
        slug = db.session.get(Event, event_id).slug
    assert '<dd class="fs-5">8 / 20</dd>' in client.get(f"/events/{slug}").get_data(as_text=True)
    assert "8 / 20" in client.get("/").get_data(as_text=True)
    with app.app_context():
        event = db.session.get(Event, event_id)
        event.nominations_close_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    # The deadline passed: the held seats are everybody's on the next request.
    assert '<dd class="fs-5">12 / 20</dd>' in client.get(f"/events/{slug}").get_data(as_text=True)
    assert "12 / 20" in client.get("/").get_data(as_text=True)
