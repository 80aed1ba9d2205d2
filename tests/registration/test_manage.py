"""Staff approval through the registrant list: the old pending page leads to the list filtered on
"pending", and confirm/reject are its bulk actions, with the participants told by mail."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import PASSWORD
from trainingapp.auth.models import Role
from trainingapp.events.models import Event
from trainingapp.events.models import EventStaff
from trainingapp.events.models import StaffRole
from trainingapp.extensions import db
from trainingapp.registration.models import Registration
from trainingapp.registration.models import RegistrationStatus

from .conftest import form_data
from .conftest import read_mail


def setup(app, make_event, make_user, **kwargs):
    organizer = make_user("org@example.vn", Role.ORGANIZER)
    staff = make_user("staff@example.vn", Role.STAFF)
    event_id = make_event(approval_required=True, **kwargs)
    with app.app_context():
        db.session.get(Event, event_id).created_by_id = organizer.id
        db.session.add(EventStaff(event_id=event_id, user_id=staff.id, role=StaffRole.STAFF))
        db.session.commit()
    for n in range(3):
        response = app.test_client().post(
            "/events/lop-1/register",
            data=form_data(
                phone=f"09051234{n:02d}", email=f"p{n}@example.vn", full_name=f"Người Thứ {n}"
            ),
        )
        assert response.status_code == 303
    with app.app_context():
        ids = db.session.scalars(select(Registration.id).order_by(Registration.id)).all()
    return event_id, ids


def login(app, email):
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 303
    return client


def status_of(app, registration_id):
    with app.app_context():
        return db.session.get(Registration, registration_id).status


def bulk(client, event_id, action, ids):
    return client.post(
        f"/manage/events/{event_id}/registrations",
        data={"action": action, "ids": [str(i) for i in ids], "back": "status=pending"},
    )


def test_pending_page_is_the_list_filtered_and_staff_cannot_decide(app, make_event, make_user):
    event_id, ids = setup(app, make_event, make_user)
    client = login(app, "staff@example.vn")
    response = client.get(f"/manage/events/{event_id}/pending")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(
        f"/manage/events/{event_id}/registrations?status=pending"
    )
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Người Thứ 0" in html
    assert "Người Thứ 2" in html
    assert 'value="confirm"' not in html
    assert bulk(client, event_id, "confirm", ids[:1]).status_code == 403
    assert status_of(app, ids[0]) == RegistrationStatus.PENDING


def test_confirm_respects_capacity_and_tells_everyone(app, make_event, make_user, outbox):
    event_id, ids = setup(app, make_event, make_user, capacity=2)
    client = login(app, "org@example.vn")
    html = client.get(f"/manage/events/{event_id}/registrations?status=pending").get_data(
        as_text=True
    )
    assert 'value="confirm"' in html
    before = {p.name for p in outbox.glob("*.eml")}
    response = bulk(client, event_id, "confirm", ids[:1])
    assert response.status_code == 303
    assert response.headers["Location"].endswith(
        f"/manage/events/{event_id}/registrations?status=pending"
    )
    assert status_of(app, ids[0]) == RegistrationStatus.CONFIRMED
    response = bulk(client, event_id, "confirm", ids[1:])
    assert status_of(app, ids[1]) == RegistrationStatus.CONFIRMED
    assert status_of(app, ids[2]) == RegistrationStatus.WAITLISTED
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 moved to the waiting list" in html
    assert "Người Thứ 2" not in html  # no longer pending
    new = [p for p in sorted(outbox.glob("*.eml")) if p.name not in before]
    mails = [
        m for m, p in zip(read_mail(outbox), sorted(outbox.glob("*.eml")), strict=True) if p in new
    ]
    assert sorted(m["To"] for m in mails) == ["p0@example.vn", "p1@example.vn", "p2@example.vn"]


def test_reject_bulk_and_bad_input(app, make_event, make_user, outbox):
    event_id, ids = setup(app, make_event, make_user)
    client = login(app, "org@example.vn")
    url = f"/manage/events/{event_id}/registrations"
    for data in (
        {},
        {"action": "confirm"},
        {"action": "explode", "ids": [str(ids[0])]},
        {"action": "confirm", "ids": ["abc", "-1", "99999999999999999999"]},
    ):
        response = client.post(url, data=data)
        assert response.status_code == 303
        assert client.get(response.headers["Location"]).status_code == 200
    assert {status_of(app, i) for i in ids} == {RegistrationStatus.PENDING}
    response = client.post(
        url, data={"action": "reject", "ids": [str(i) for i in ids] + ["999999", "x"]}
    )
    assert response.status_code == 303
    assert {status_of(app, i) for i in ids} == {RegistrationStatus.REJECTED}
    assert any("not approved" in m["Subject"] for m in read_mail(outbox))
    # deciding again changes nothing
    bulk(client, event_id, "confirm", ids[:1])
    assert status_of(app, ids[0]) == RegistrationStatus.REJECTED


def test_other_course_ids_are_ignored(app, make_event, make_user):
    event_id, ids = setup(app, make_event, make_user)
    other_id = make_event()
    admin = make_user("admin@example.vn", Role.ADMIN)
    client = login(app, admin.email)
    bulk(client, other_id, "confirm", ids[:1])
    assert status_of(app, ids[0]) == RegistrationStatus.PENDING
