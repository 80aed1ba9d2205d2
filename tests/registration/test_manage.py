"""Staff approval: the pending list, approve/reject one by one and in bulk, with notifications."""

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


def test_pending_list_visible_to_staff_but_not_decidable(app, make_event, make_user):
    event_id, ids = setup(app, make_event, make_user)
    client = login(app, "staff@example.vn")
    html = client.get(f"/manage/events/{event_id}/pending").get_data(as_text=True)
    assert "Người Thứ 0" in html
    assert "Người Thứ 2" in html
    assert "Approve selected" not in html
    response = client.post(f"/manage/events/{event_id}/pending", data={"only": f"approve:{ids[0]}"})
    assert response.status_code == 403
    assert status_of(app, ids[0]) == RegistrationStatus.PENDING


def test_approve_one_and_bulk_respecting_capacity(app, make_event, make_user, outbox):
    event_id, ids = setup(app, make_event, make_user, capacity=2)
    client = login(app, "org@example.vn")
    before = {p.name for p in outbox.glob("*.eml")}
    response = client.post(f"/manage/events/{event_id}/pending", data={"only": f"approve:{ids[0]}"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/manage/events/{event_id}/pending")
    assert status_of(app, ids[0]) == RegistrationStatus.CONFIRMED
    response = client.post(
        f"/manage/events/{event_id}/pending",
        data={"action": "approve", "ids": [str(ids[1]), str(ids[2])]},
    )
    assert response.status_code == 303
    assert status_of(app, ids[1]) == RegistrationStatus.CONFIRMED
    assert status_of(app, ids[2]) == RegistrationStatus.WAITLISTED
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "waiting list" in html
    assert "No registrations are waiting for approval." in html
    mails = [
        m
        for m, p in zip(read_mail(outbox), sorted(outbox.glob("*.eml")), strict=True)
        if p.name not in before
    ]
    assert sorted(m["To"] for m in mails) == ["p0@example.vn", "p1@example.vn", "p2@example.vn"]


def test_reject_bulk_and_bad_input(app, make_event, make_user, outbox):
    event_id, ids = setup(app, make_event, make_user)
    client = login(app, "org@example.vn")
    url = f"/manage/events/{event_id}/pending"
    for data in (
        {},
        {"action": "approve"},
        {"action": "explode", "ids": [str(ids[0])]},
        {"only": "approve:abc"},
    ):
        response = client.post(url, data=data)
        assert response.status_code == 303
    assert {status_of(app, i) for i in ids} == {RegistrationStatus.PENDING}
    response = client.post(
        url, data={"action": "reject", "ids": [str(i) for i in ids] + ["999999", "x"]}
    )
    assert response.status_code == 303
    assert {status_of(app, i) for i in ids} == {RegistrationStatus.REJECTED}
    assert any("not approved" in m["Subject"] for m in read_mail(outbox))
    # deciding again changes nothing
    client.post(url, data={"only": f"approve:{ids[0]}"})
    assert status_of(app, ids[0]) == RegistrationStatus.REJECTED


def test_other_course_ids_are_ignored(app, make_event, make_user):
    event_id, ids = setup(app, make_event, make_user)
    other_id = make_event()
    admin = make_user("admin@example.vn", Role.ADMIN)
    client = login(app, admin.email)
    client.post(
        f"/manage/events/{other_id}/pending", data={"action": "approve", "ids": [str(ids[0])]}
    )
    assert status_of(app, ids[0]) == RegistrationStatus.PENDING
