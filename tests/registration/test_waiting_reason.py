"""A waitlisted person is told why: the unit's quota (named, with its seats), the course being
full, or the seats left held for invited units; the page and the mail say the same."""

from __future__ import annotations

from datetime import timedelta

from trainingapp.common.time import utcnow

from .conftest import read_mail
from .test_views import post
from .test_views import registrations

UNIT = "Đồn Biên phòng Cam Ranh"


def _waitlisted(app):
    (*_, last) = registrations(app)
    assert last.status.value == "waitlisted"
    return last


def _reason(client, registration) -> str:
    html = client.get(f"/r/{registration.manage_token}").get_data(as_text=True)
    start = html.index('id="waiting-reason">') + len('id="waiting-reason">')
    return html[start : html.index("</p>", start)]


def test_a_full_unit_quota_is_named_while_the_course_has_seats(app, client, make_event, outbox):
    make_event(capacity=200, quotas={UNIT: 2})
    for n in range(3):
        post(client, phone=f"091234567{n}", email=f"p{n}@example.vn", organization=UNIT)
    registration = _waitlisted(app)
    reason = _reason(client, registration)
    assert f"The quota of {UNIT} in this course, 2 seats, is all taken" in reason
    assert "other seats are for other units" in reason
    assert "course is full" not in reason
    assert "or the unit" not in reason
    mail = read_mail(outbox)[-1]
    assert mail["To"] == "p2@example.vn"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert f"The quota of {UNIT} in this course, 2 seats, is all taken" in text


def test_a_full_course_says_the_course_is_full(app, client, make_event):
    make_event(capacity=1)
    post(client, phone="0912345670", email="a@example.vn", organization=UNIT)
    post(client, phone="0912345671", email="b@example.vn", organization=UNIT)
    reason = _reason(client, _waitlisted(app))
    assert reason.startswith("The course is full, so your registration is on the waiting list.")
    assert "quota" not in reason


def test_seats_held_for_invited_units_are_said_with_the_deadline(app, client, make_event):
    make_event(
        capacity=3,
        quotas={"Báo Khánh Hòa": 2},
        nominations_close_at=utcnow() + timedelta(days=3),
    )
    post(client, phone="0912345670", email="a@example.vn", organization=UNIT)
    post(client, phone="0912345671", email="b@example.vn", organization=UNIT)
    reason = _reason(client, _waitlisted(app))
    assert "held for the invited units until" in reason


def test_the_reason_follows_the_course_as_it_is_now(app, client, make_event):
    """A unit's quota raised after the person was waitlisted: the page no longer blames it."""
    from trainingapp.events.models import Quota
    from trainingapp.extensions import db

    make_event(capacity=200, quotas={UNIT: 1})
    post(client, phone="0912345670", email="a@example.vn", organization=UNIT)
    post(client, phone="0912345671", email="b@example.vn", organization=UNIT)
    registration = _waitlisted(app)
    assert "The quota of" in _reason(client, registration)
    with app.app_context():
        quota = db.session.scalars(db.select(Quota)).one()
        quota.seats = 5
        db.session.commit()
    assert _reason(client, registration).startswith("Your registration is on the waiting list.")
