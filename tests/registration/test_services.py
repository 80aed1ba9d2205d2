"""The registration service: normalisation, duplicates, window, approval, quota, capacity, waitlist."""

from __future__ import annotations

import unicodedata
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select

from trainingapp.audit.models import AuditEntry
from trainingapp.common.text import name_sort_key
from trainingapp.common.time import utcnow
from trainingapp.events.models import Event
from trainingapp.events.models import EventStatus
from trainingapp.extensions import db
from trainingapp.organizations.models import Organization
from trainingapp.registrants import services as registrants
from trainingapp.registration import errors
from trainingapp.registration import services
from trainingapp.registration.models import Registration
from trainingapp.registration.models import RegistrationSource
from trainingapp.registration.models import RegistrationStatus
from trainingapp.registration.normalise import RegistrationInput
from trainingapp.registration.storage import CHECKIN_ALPHABET

ONLINE = RegistrationSource.ONLINE


def person(n: int = 0, **overrides) -> RegistrationInput:
    values = {
        "full_name": f"nguyễn văn an {n}" if n else "nguyễn văn an",
        "organization": "Sở Thông tin và Truyền thông",
        "phone": f"0905{n:06d}",
        "gender": "male",
        "position": "Chuyên viên",
        "email": None,
        "consent": True,
    }
    values.update(overrides)
    return RegistrationInput(**values)


def register(event_id: int, data: RegistrationInput, **kwargs) -> Registration:
    registered = services.register(
        event_id, data, source=kwargs.pop("source", ONLINE), actor=None, **kwargs
    )
    db.session.commit()
    registration = db.session.get(Registration, registered.id)
    assert registration is not None
    assert (registration.status, registration.manage_token) == (
        registered.status,
        registered.manage_token,
    )
    return registration


def statuses(event_id: int) -> dict[str, int]:
    rows = db.session.execute(
        select(Registration.status, func.count())
        .where(Registration.event_id == event_id)
        .group_by(Registration.status)
    ).all()
    return {status.value: count for status, count in rows}


def test_confirmed_with_normalised_fields(make_event, app_ctx):
    event_id = make_event()
    nfd = unicodedata.normalize("NFD", "  nguyễn   THỊ  hoà ")
    registration = register(
        event_id,
        person(
            full_name=nfd,
            phone="+84 905 123 456",
            email=" An.Nguyen@Example.VN ",
            birth_year="1985",
        ),
    )
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.full_name == unicodedata.normalize("NFC", "Nguyễn Thị Hoà")
    assert unicodedata.is_normalized("NFC", registration.full_name)
    assert registration.phone == "0905123456"
    assert registration.email == "an.nguyen@example.vn"
    assert registration.birth_year == 1985
    assert registration.sort_key == name_sort_key("Nguyễn Thị Hoà")
    assert registration.search_name == "nguyen thi hoa"
    assert len(registration.manage_token) >= 43  # 32 random bytes
    assert len(registration.checkin_code) == 6
    assert set(registration.checkin_code) <= set(CHECKIN_ALPHABET)
    assert not set(registration.checkin_code) & set("0O1IL")
    assert registration.consent_at is not None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "registration.create"))
    assert entry.object_id == registration.id
    assert entry.event_id == event_id
    assert entry.actor_label == "participant"
    assert entry.details["status"] == "confirmed"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("0905 123 456", "+84905123456"),
        ("0905123456", "84-905-123-456"),
        ("+84 905 123 456", "0905.123.456"),
    ],
)
def test_duplicate_phone_in_other_format(make_event, app_ctx, first, second):
    event_id = make_event()
    register(event_id, person(phone=first))
    with pytest.raises(errors.AlreadyRegistered) as caught:
        services.register(
            event_id, person(full_name="Trần Bình", phone=second), source=ONLINE, actor=None
        )
    db.session.rollback()
    assert caught.value.field == "phone"
    assert statuses(event_id) == {"confirmed": 1}


def test_duplicate_email_any_case(make_event, app_ctx):
    event_id = make_event()
    register(event_id, person(1, email="an@example.vn"))
    with pytest.raises(errors.AlreadyRegistered) as caught:
        services.register(event_id, person(2, email="AN@Example.vn"), source=ONLINE, actor=None)
    db.session.rollback()
    assert caught.value.field == "email"


def test_a_full_course_still_says_already_registered(make_event, app_ctx):
    event_id = make_event(capacity=1, waitlist_enabled=False)
    register(event_id, person(1, email="an@example.vn"))
    for again in (person(1, full_name="Trần Bình"), person(2, email="an@example.vn")):
        with pytest.raises(errors.AlreadyRegistered):
            services.register(event_id, again, source=ONLINE, actor=None)
        db.session.rollback()
    with pytest.raises(errors.EventFull):
        services.register(event_id, person(3), source=ONLINE, actor=None)
    db.session.rollback()


def test_a_duplicate_typing_a_new_unit_leaves_nothing_behind(make_event, app_ctx):
    event_id = make_event()
    register(event_id, person(1))
    units_before = db.session.scalar(select(func.count()).select_from(Organization))
    entries_before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    with pytest.raises(errors.AlreadyRegistered) as caught:
        services.register(
            event_id, person(1, organization="Đơn vị chưa có tên"), source=ONLINE, actor=None
        )
    db.session.rollback()
    assert caught.value.field == "phone"
    assert db.session.scalar(select(func.count()).select_from(Organization)) == units_before
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == entries_before
    assert statuses(event_id) == {"confirmed": 1}


def test_same_phone_other_course_is_fine(make_event, app_ctx):
    first, second = make_event(), make_event()
    register(first, person())
    assert register(second, person()).status == RegistrationStatus.CONFIRMED


def test_invalid_input_raises_with_field_messages(make_event, app_ctx):
    event_id = make_event()
    with pytest.raises(errors.InvalidRegistration) as caught:
        services.register(
            event_id,
            person(
                full_name="  ",
                phone="12345",
                email="not-an-email",
                birth_year="19x5",
                consent=False,
            ),
            source=ONLINE,
            actor=None,
        )
    assert set(caught.value.errors) == {"full_name", "phone", "email", "birth_year", "consent"}
    assert db.session.scalar(select(func.count(Registration.id))) == 0


@pytest.mark.parametrize(
    "changes",
    [
        {"status": EventStatus.CLOSED},
        {"registration_opens_at": utcnow() + timedelta(hours=1)},
        {
            "registration_closes_at": utcnow() - timedelta(minutes=1),
            "registration_opens_at": utcnow() - timedelta(days=2),
        },
    ],
)
def test_window_and_status_enforced(make_event, app_ctx, changes):
    event_id = make_event(**changes)
    with pytest.raises(errors.RegistrationClosed):
        services.register(event_id, person(), source=ONLINE, actor=None)
    db.session.rollback()
    # staff imports are not bound by the public window
    assert (
        register(event_id, person(), source=RegistrationSource.IMPORT).status
        == RegistrationStatus.CONFIRMED
    )


def test_draft_course_refused_online(make_event, app_ctx):
    event_id = make_event(status=EventStatus.DRAFT)
    with pytest.raises(errors.RegistrationClosed):
        services.register(event_id, person(), source=ONLINE, actor=None)


def test_capacity_then_waitlist(make_event, app_ctx):
    event_id = make_event(capacity=2)
    results = [register(event_id, person(n)).status for n in range(1, 5)]
    assert results == ["confirmed", "confirmed", "waitlisted", "waitlisted"]


def test_full_without_waitlist(make_event, app, app_ctx):
    event_id = make_event(capacity=1, waitlist_enabled=False)
    register(event_id, person(1))
    with pytest.raises(errors.EventFull) as caught:
        services.register(event_id, person(2), source=ONLINE, actor=None)
    db.session.rollback()
    with app.test_request_context():
        assert "full" in str(caught.value.message)
    assert statuses(event_id) == {"confirmed": 1}


def test_quota_limits_unit_only(make_event, app_ctx):
    event_id = make_event(capacity=10, quotas={"Đồn Biên phòng Cửa khẩu": 1})
    first = register(event_id, person(1, organization="đồn biên phòng cửa khẩu"))
    second = register(event_id, person(2, organization="ĐỒN BIÊN PHÒNG CỬA KHẨU"))
    other = register(event_id, person(3, organization="Báo Khánh Hòa"))
    assert (first.status, second.status, other.status) == ("confirmed", "waitlisted", "confirmed")
    assert first.organization_id == second.organization_id


def test_unknown_unit_created_for_review_and_reused(make_event, app_ctx):
    event_id = make_event()
    first = register(event_id, person(1, organization="  Trung tâm  Văn hóa huyện X "))
    second = register(event_id, person(2, organization="trung tam van hoa huyen x"))
    org = db.session.get(Organization, first.organization_id)
    assert org.name == "Trung tâm Văn hóa huyện X"
    assert org.needs_review is True
    assert org.kind.value == "other"
    assert second.organization_id == org.id


def test_retired_unit_maps_to_successor(make_event, make_org, app_ctx):
    new_id = make_org("Sở Văn hóa, Thể thao và Du lịch mới")
    old_id = make_org("Phòng Văn hóa huyện Y")
    old = db.session.get(Organization, old_id)
    old.retired_on = utcnow().date()
    old.successor_id = new_id
    db.session.commit()
    event_id = make_event()
    assert (
        register(event_id, person(organization="Phòng Văn hóa huyện Y")).organization_id == new_id
    )


def test_approval_pending_then_decisions(make_event, app_ctx):
    event_id = make_event(capacity=1, approval_required=True)
    a = register(event_id, person(1))
    b = register(event_id, person(2))
    c = register(event_id, person(3))
    assert {a.status, b.status, c.status} == {RegistrationStatus.PENDING}
    result = registrants.confirm_many(event_id, [a.id, b.id], actor=None)
    db.session.commit()
    assert [r.id for r in result.changed] == [a.id]
    assert [r.id for r in result.waitlisted] == [b.id]
    result = registrants.reject_many(event_id, [c.id], actor=None)
    db.session.commit()
    assert [r.id for r in result.changed] == [c.id]
    assert statuses(event_id) == {"confirmed": 1, "waitlisted": 1, "rejected": 1}
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_type == "Registration")
    ).all()
    assert actions.count("registration.approve") == 2
    assert "registration.reject" in actions
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "registration.reject"))
    assert audit.details == {"status": ["pending", "rejected"]}


def test_approval_full_without_waitlist_stays_pending(make_event, app_ctx):
    event_id = make_event(capacity=1, approval_required=True, waitlist_enabled=False)
    a = register(event_id, person(1))
    b = register(event_id, person(2))
    result = registrants.confirm_many(event_id, [a.id, b.id], actor=None)
    db.session.commit()
    assert [r.id for r in result.skipped] == [b.id]
    assert db.session.get(Registration, b.id).status == RegistrationStatus.PENDING


def test_cancel_promotes_first_fitting_waitlisted(make_event, app_ctx):
    event_id = make_event(capacity=2, quotas={"Báo Khánh Hòa": 1})
    a = register(event_id, person(1, organization="Báo Khánh Hòa"))
    b = register(event_id, person(2))
    blocked = register(event_id, person(3, organization="Báo Khánh Hòa"))  # quota and course full
    later = register(event_id, person(4))
    assert (blocked.status, later.status) == ("waitlisted", "waitlisted")
    result = services.cancel(b.id, actor=None)
    db.session.commit()
    # b's seat is free, but the quota still holds blocked back: the next one who fits gets it
    assert [r.id for r in result.promoted] == [later.id]
    result = services.cancel(a.id, actor=None)
    db.session.commit()
    assert [r.id for r in result.promoted] == [blocked.id]
    assert statuses(event_id) == {"cancelled": 2, "confirmed": 2}
    # cancelling twice changes nothing
    assert services.cancel(a.id, actor=None).changed is False


def test_cancel_waitlisted_promotes_nobody(make_event, app_ctx):
    event_id = make_event(capacity=1)
    register(event_id, person(1))
    waiting = register(event_id, person(2))
    third = register(event_id, person(3))
    result = services.cancel(waiting.id, actor=None)
    db.session.commit()
    assert result.promoted == []
    assert db.session.get(Registration, third.id).status == RegistrationStatus.WAITLISTED


def test_checkin_codes_unique_in_course(make_event, app_ctx):
    event_id = make_event(capacity=200)
    codes = {register(event_id, person(n)).checkin_code for n in range(1, 61)}
    assert len(codes) == 60


def test_event_row_exists(make_event, app_ctx):
    assert db.session.get(Event, make_event()) is not None
