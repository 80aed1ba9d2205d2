"""Invitations and nominations: held seats, the unit's page /n/<token>, pasting rows, the
organizer's tracker, letters, reminders, and the release of held seats after the deadline."""

from __future__ import annotations

import io
import threading
import zipfile
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy import select

from tests.manage.courses_helpers import audit
from tests.manage.courses_helpers import make_event
from tests.manage.courses_helpers import make_org
from tests.manage.courses_helpers import make_registration
from tests.manage.courses_helpers import make_session
from trainingapp.auth.models import Role
from trainingapp.common.time import utcnow
from trainingapp.events.models import Event
from trainingapp.events.models import EventStatus
from trainingapp.events.models import Quota
from trainingapp.extensions import db
from trainingapp.mail.models import OutboxMessage
from trainingapp.nominations import services
from trainingapp.nominations.models import Invitation
from trainingapp.organizations.models import Organization
from trainingapp.organizations.models import OrganizationKind
from trainingapp.registration.models import Registration
from trainingapp.registration.models import RegistrationSource
from trainingapp.registration.models import RegistrationStatus
from trainingapp.registration.normalise import RegistrationInput
from trainingapp.registration.seats import Seats
from trainingapp.registration.seats import seats_left

PASTED = (
    "Họ và tên\tGiới tính\tNăm sinh\tChức vụ\tSố điện thoại\tEmail\n"
    "Nguyễn Văn An\tNam\t1985\tPhát thanh viên\t0905123456\tan@example.vn\n"
    "Lê Thị Bình\tNữ\t1990\tBiên tập viên\t912345678\t\n"
    "Trần Văn Cường\tNam\t1979\t\t0905 12\t\n"
)


@pytest.fixture(autouse=True)
def english(client):
    client.post("/language/en")


@pytest.fixture
def organizer(make_user, auth):
    user = make_user("organizer@example.vn", Role.ORGANIZER)
    auth.login(user.email)
    return user


@pytest.fixture
def course(app, organizer):
    """A published course of 10 seats, nominations open for a week."""
    event_id = make_event(
        app,
        make_org(app, "Sở Văn hóa, Thể thao và Du lịch"),
        capacity=10,
        status=EventStatus.PUBLISHED,
        start_date=date.today() + timedelta(days=20),
        end_date=date.today() + timedelta(days=20),
        created_by_id=organizer.id,
        nominations_close_at=utcnow() + timedelta(days=7),
    )
    make_session(app, event_id, "Sáng", date=date.today() + timedelta(days=20))
    return event_id


@pytest.fixture
def radio(app):
    return make_org(app, "Đài Truyền thanh xã Tân Thanh", OrganizationKind.COMMUNE_RADIO)


def _invite(app, event_id, unit_id, seats, **contact) -> Invitation:
    with app.test_request_context():
        event = db.session.get(Event, event_id)
        invitation = services.invite(None, event, unit_id, seats, services.Contact(**contact))
        db.session.commit()
        db.session.refresh(invitation)
        db.session.expunge(invitation)
        return invitation


def _statuses(app, event_id, unit_id=None):
    with app.app_context():
        where = [Registration.event_id == event_id]
        if unit_id is not None:
            where.append(Registration.organization_id == unit_id)
        return sorted(
            (r.full_name, r.status.value, r.source.value)
            for r in db.session.scalars(select(Registration).where(*where))
        )


def _person(phone: str, name: str = "Phạm Thị Dung", **kw) -> dict[str, str]:
    return {"full_name": name, "gender": "female", "phone": phone, **kw}


# --- held seats ---------------------------------------------------------------------------


def test_quota_seats_are_held_for_the_unit_until_the_deadline(app, client, course, radio):
    _invite(app, course, radio, 4)
    for i in range(6):
        make_registration(app, course, f"Người {i}")
    with app.app_context():
        event = db.session.get(Event, course)
        # 10 seats, 6 taken by others, 4 held for the radio station: nothing left for the public
        assert seats_left(event) == 0
        assert Seats(event).fits(None) is False
        assert Seats(event).fits(radio) is True
    page = client.get(f"/events/{_slug(app, course)}").get_data(as_text=True)
    assert '<dd class="fs-5">0 / 10</dd>' in page
    response = client.post(
        f"/events/{_slug(app, course)}/register",
        data={**_person("0905000111"), "organization": "Ủy ban nhân dân xã X", "consent": "y"},
    )
    assert response.status_code == 303
    assert ("Phạm Thị Dung", "waitlisted", "online") in _statuses(app, course)


def test_after_the_deadline_unused_seats_go_to_the_waiting_list(app, course, radio):
    _invite(app, course, radio, 4)
    for i in range(6):
        make_registration(app, course, f"Người {i}")
    waiting = make_registration(app, course, "Chờ Một", RegistrationStatus.WAITLISTED)
    with app.app_context():
        event = db.session.get(Event, course)
        event.nominations_close_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        assert seats_left(event) == 4
        done = services.release_held_seats()
        assert done == [(course, 1)]
        assert db.session.get(Registration, waiting).status == RegistrationStatus.CONFIRMED
        assert services.release_held_seats() == []  # once
    assert audit(app, "event.held_seats_released")[0].details == {"promoted": 1}


def test_release_command_runs_from_the_cli(app, runner, course):
    with app.app_context():
        event = db.session.get(Event, course)
        event.nominations_close_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    result = runner.invoke(args=["nominations", "release"])
    assert result.exit_code == 0, result.output
    assert f"course {course}: held seats released, 0 promoted" in result.output
    assert "1 courses released" in result.output
    again = runner.invoke(args=["nominations", "release"])
    assert "0 courses released" in again.output


# --- inviting -----------------------------------------------------------------------------


def test_invite_one_unit_remembers_its_contact(app, client, course, radio):
    response = client.post(
        f"/manage/events/{course}/nominations/invite",
        data={
            "organization_id": radio,
            "seats": "3",
            "contact_name": "Hoàng Văn Em",
            "contact_phone": "0912 345 678",
            "contact_email": "Dai@TanThanh.vn",
        },
    )
    assert response.status_code == 303
    with app.app_context():
        unit = db.session.get(Organization, radio)
        assert (unit.contact_name, unit.contact_phone, unit.contact_email) == (
            "Hoàng Văn Em",
            "0912345678",
            "dai@tanthanh.vn",
        )
        invitation = db.session.scalars(select(Invitation)).one()
        assert len(invitation.token) >= 43
    assert audit(app, "invitation.create")
    # the next course offers the remembered contact
    other = make_event(app, make_org(app, "Sở Nội vụ"), status=EventStatus.PUBLISHED)
    again = _invite(app, other, radio, 2)
    assert again.contact_email == "dai@tanthanh.vn"


def test_invite_refuses_a_retired_unit_and_names_its_successor(app, client, course):
    new = make_org(app, "Đài Truyền thanh xã Tân Mỹ", OrganizationKind.COMMUNE_RADIO)
    old = make_org(
        app,
        "Đài Truyền thanh xã Tân Mỹ cũ",
        OrganizationKind.COMMUNE_RADIO,
        retired_on=date(2025, 7, 1),
        successor_id=new,
    )
    with app.test_request_context(), pytest.raises(services.NominationError) as refused:
        services.invite(None, db.session.get(Event, course), old, 2, services.Contact())
    assert "Đài Truyền thanh xã Tân Mỹ" in str(refused.value)
    page = client.get(f"/manage/events/{course}/nominations").get_data(as_text=True)
    assert f'value="{new}"' in page
    assert f'value="{old}"' not in page


def test_invite_every_current_unit_of_a_kind(app, client, course, radio):
    make_org(app, "Đài Truyền thanh xã Tân Hòa", OrganizationKind.COMMUNE_RADIO)
    make_org(app, "Đài xã đã sáp nhập", OrganizationKind.COMMUNE_RADIO, retired_on=date(2025, 7, 1))
    make_org(app, "Đồn Biên phòng Tân Thanh", OrganizationKind.BORDER_POST)
    response = client.post(
        f"/manage/events/{course}/nominations/invite-kind",
        data={"kind": "commune_radio", "seats": "2"},
    )
    assert response.status_code == 303
    with app.app_context():
        names = sorted(
            db.session.scalars(
                select(Organization.name).join(
                    Invitation, Invitation.organization_id == Organization.id
                )
            )
        )
    assert names == ["Đài Truyền thanh xã Tân Hòa", "Đài Truyền thanh xã Tân Thanh"]


def test_inviting_a_kind_keeps_the_seats_a_unit_already_has(app, client, course, radio):
    for i in range(3):
        make_registration(app, course, f"Người {i}", organization_id=radio)
    response = client.post(
        f"/manage/events/{course}/nominations/invite-kind",
        data={"kind": "commune_radio", "seats": "2"},
    )
    assert response.status_code == 303
    with app.app_context():
        quota = db.session.scalars(select(Quota.seats).where(Quota.organization_id == radio))
        assert quota.one() == 3


def test_save_the_deadline_in_local_time_and_audit_it(app, client, course):
    day = date.today() + timedelta(days=10)
    response = client.post(
        f"/manage/events/{course}/nominations/deadline",
        data={"day": day.isoformat(), "at": "17:00"},
    )
    assert response.status_code == 303
    with app.app_context():
        saved = db.session.get(Event, course).nominations_close_at
    assert saved == datetime.combine(day, time(10, 0))  # 17:00 in Vietnam (UTC+7)
    assert audit(app, "event.nomination_deadline")[0].details["nominations_close_at"][1] == (
        str(saved)
    )


def test_deadline_after_the_course_starts_is_refused(app, client, course):
    response = client.post(
        f"/manage/events/{course}/nominations/deadline",
        data={"day": (date.today() + timedelta(days=30)).isoformat(), "at": "17:00"},
    )
    assert response.status_code == 422
    assert "before the course starts" in response.get_data(as_text=True)


# --- the unit's page ----------------------------------------------------------------------


def test_unit_page_shows_quota_and_notes_the_opening(app, client, course, radio):
    invitation = _invite(app, course, radio, 3)
    client.post("/logout")
    page = client.get(f"/n/{invitation.token}")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    assert "Đài Truyền thanh xã Tân Thanh" in text
    assert "Quota used: 0 of 3" in text
    assert 'name="organization"' not in text
    assert 'name="consent"' not in text
    with app.app_context():
        assert db.session.get(Invitation, invitation.id).first_opened_at is not None


def test_unknown_link_is_a_404(client):
    assert client.get("/n/not-a-real-token").status_code == 404


def test_add_a_nominee_with_the_public_form_checks(app, client, course, radio):
    invitation = _invite(app, course, radio, 3)
    bad = client.post(f"/n/{invitation.token}", data=_person("12345"))
    assert bad.status_code == 422
    assert "Please enter a Vietnamese phone number" in bad.get_data(as_text=True)
    good = client.post(
        f"/n/{invitation.token}", data=_person("0905 123 457", email="dung@example.vn")
    )
    assert good.status_code == 303
    assert _statuses(app, course, radio) == [("Phạm Thị Dung", "confirmed", "nomination")]
    with app.app_context():
        mails = db.session.scalars(select(OutboxMessage.kind)).all()
        assert "registration.confirmed" in mails
        assert db.session.get(Invitation, invitation.id).last_change_at is not None
    page = client.get(f"/n/{invitation.token}").get_data(as_text=True)
    assert "Quota used: 1 of 3" in page
    assert "/r/" in page  # the personal link to copy


def test_more_nominees_than_the_quota_go_to_the_waiting_list(app, client, course, radio):
    invitation = _invite(app, course, radio, 1)
    client.post(f"/n/{invitation.token}", data=_person("0905000001", "Người Một"))
    client.post(f"/n/{invitation.token}", data=_person("0905000002", "Người Hai"))
    assert _statuses(app, course, radio) == [
        ("Người Hai", "waitlisted", "nomination"),
        ("Người Một", "confirmed", "nomination"),
    ]


def test_over_quota_without_a_waiting_list_is_a_clear_refusal(app, client, course, radio):
    with app.app_context():
        db.session.get(Event, course).waitlist_enabled = False
        db.session.commit()
    invitation = _invite(app, course, radio, 1)
    client.post(f"/n/{invitation.token}", data=_person("0905000001", "Người Một"))
    response = client.post(f"/n/{invitation.token}", data=_person("0905000002", "Người Hai"))
    assert response.status_code == 422
    assert "quota is used up" in response.get_data(as_text=True)
    assert len(_statuses(app, course, radio)) == 1


def test_a_pasted_block_with_a_bad_row_saves_nothing_and_names_the_row(app, client, course, radio):
    invitation = _invite(app, course, radio, 3)
    response = client.post(f"/n/{invitation.token}/paste", data={"rows": PASTED})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Nothing was saved" in text
    assert "Row 4" in text
    assert "Vietnamese phone number" in text
    assert _statuses(app, course, radio) == []
    fixed = PASTED.replace("0905 12\t", "0905 120 120\t")
    response = client.post(f"/n/{invitation.token}/paste", data={"rows": fixed})
    assert response.status_code == 303
    assert _statuses(app, course, radio) == [
        ("Lê Thị Bình", "confirmed", "nomination"),
        ("Nguyễn Văn An", "confirmed", "nomination"),
        ("Trần Văn Cường", "confirmed", "nomination"),
    ]
    with app.app_context():
        phones = set(db.session.scalars(select(Registration.phone)))
    assert "0912345678" in phones  # the leading zero a spreadsheet dropped


def test_a_block_naming_the_same_phone_twice_is_refused(app, client, course, radio):
    invitation = _invite(app, course, radio, 3)
    rows = "Nguyễn Văn An\t0905123456\nLê Thị Bình\t0905 123 456\n"
    response = client.post(f"/n/{invitation.token}/paste", data={"rows": rows})
    assert response.status_code == 422
    assert "Row 2" in response.get_data(as_text=True)
    assert _statuses(app, course, radio) == []


def test_upload_the_units_list(app, client, course, radio):
    invitation = _invite(app, course, radio, 3)
    data = "Họ và tên,Số điện thoại,Chức vụ\nNguyễn Văn An,0905123456,Phóng viên\n".encode()
    response = client.post(
        f"/n/{invitation.token}/upload",
        data={"file": (io.BytesIO(data), "danh-sach.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert _statuses(app, course, radio) == [("Nguyễn Văn An", "confirmed", "nomination")]


def test_edit_and_withdraw_a_nominee(app, client, course, radio):
    invitation = _invite(app, course, radio, 1)
    client.post(f"/n/{invitation.token}", data=_person("0905000001", "Người Một"))
    client.post(f"/n/{invitation.token}", data=_person("0905000002", "Người Hai"))
    with app.app_context():
        first = db.session.scalar(select(Registration.id).where(Registration.phone == "0905000001"))
    response = client.post(
        f"/n/{invitation.token}/people/{first}", data=_person("0905000009", "Người Một Sửa")
    )
    assert response.status_code == 303
    response = client.post(f"/n/{invitation.token}/people/{first}/withdraw")
    assert response.status_code == 303
    assert _statuses(app, course, radio) == [
        ("Người Hai", "confirmed", "nomination"),  # promoted into the freed seat
        ("Người Một Sửa", "cancelled", "nomination"),
    ]


def test_another_units_person_cannot_be_edited_from_a_link(app, client, course, radio):
    invitation = _invite(app, course, radio, 1)
    stranger = make_registration(app, course, "Người Ngoài")
    assert client.get(f"/n/{invitation.token}/people/{stranger}").status_code == 404
    response = client.post(f"/n/{invitation.token}/people/{stranger}/withdraw")
    assert response.status_code == 303
    assert ("Người Ngoài", "confirmed", "online") in _statuses(app, course)


def test_revoked_link_gets_a_clear_page_and_changes_nothing(app, client, course, radio):
    invitation = _invite(app, course, radio, 2)
    client.post(f"/manage/events/{course}/nominations/{invitation.id}/revoke")
    page = client.get(f"/n/{invitation.token}")
    assert page.status_code == 410
    assert "withdrawn" in page.get_data(as_text=True)
    assert client.post(f"/n/{invitation.token}", data=_person("0905000001")).status_code == 410
    assert _statuses(app, course, radio) == []
    client.post(f"/manage/events/{course}/nominations/{invitation.id}/renew")
    with app.app_context():
        renewed = db.session.get(Invitation, invitation.id)
        assert renewed.token != invitation.token
        assert renewed.revoked_at is None
    assert client.get(f"/n/{renewed.token}").status_code == 200
    assert client.get(f"/n/{invitation.token}").status_code == 404


def test_after_the_deadline_the_link_is_closed(app, client, course, radio):
    invitation = _invite(app, course, radio, 2)
    with app.app_context():
        db.session.get(Event, course).nominations_close_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    page = client.get(f"/n/{invitation.token}").get_data(as_text=True)
    assert "deadline has passed" in page
    assert 'name="full_name"' not in page
    response = client.post(f"/n/{invitation.token}", data=_person("0905000001"))
    assert response.status_code == 422
    assert "deadline has passed" in response.get_data(as_text=True)
    assert _statuses(app, course, radio) == []


# --- the organizer's tracker --------------------------------------------------------------


def test_tracker_shows_units_quota_and_nominees(app, client, course, radio):
    invitation = _invite(app, course, radio, 3, name="Hoàng Văn Em")
    client.post(f"/n/{invitation.token}", data=_person("0905000001"))
    page = client.get(f"/manage/events/{course}/nominations")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Đài Truyền thanh xã Tân Thanh" in text
    assert "Hoàng Văn Em" in text
    assert f"/n/{invitation.token}" in text


def test_reminder_mails_the_contact_and_is_audited(app, client, course, radio):
    invitation = _invite(app, course, radio, 3, email="dai@tanthanh.vn")
    response = client.post(f"/manage/events/{course}/nominations/{invitation.id}/remind")
    assert response.status_code == 303
    with app.app_context():
        kinds = db.session.scalars(select(OutboxMessage.kind)).all()
        assert "nominations.reminder" in kinds
        assert db.session.get(Invitation, invitation.id).reminders == 1
    sent = list(Path(app.config["MAIL_OUTBOX"]).rglob("*.eml"))
    assert any("tanthanh" in p.read_text(errors="replace") for p in sent)
    assert audit(app, "invitation.remind")[0].details == {"mailed": True}


def test_letters_download_one_and_all(app, client, course, radio):
    first = _invite(app, course, radio, 3)
    _invite(app, course, make_org(app, "Đồn Biên phòng Tân Thanh", OrganizationKind.BORDER_POST), 2)
    one = client.get(f"/manage/events/{course}/nominations/{first.id}/letter.docx")
    assert one.status_code == 200
    assert one.data[:2] == b"PK"
    with zipfile.ZipFile(io.BytesIO(one.data)) as docx:
        xml = docx.read("word/document.xml").decode()
    assert "Đài Truyền thanh xã Tân Thanh" in xml
    assert first.token in xml
    everything = client.get(f"/manage/events/{course}/nominations/letters.zip")
    with zipfile.ZipFile(io.BytesIO(everything.data)) as bundle:
        assert len(bundle.namelist()) == 2


def test_an_unusable_template_upload_is_refused_with_a_message(app, client, course):
    response = client.post(
        f"/manage/events/{course}/nominations/template",
        data={"file": (io.BytesIO(b"not a docx"), "mau.docx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    default = client.get(f"/manage/events/{course}/nominations/template.docx")
    assert default.status_code == 200
    assert default.data[:2] == b"PK"
    uploaded = client.post(
        f"/manage/events/{course}/nominations/template",
        data={"file": (io.BytesIO(default.data), "mau-cua-so.docx")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 303
    assert audit(app, "letter_template.upload")


def test_an_organizer_of_another_course_cannot_see_the_tracker(
    app, client, course, make_user, auth
):
    client.post("/logout")
    other = make_user("other@example.vn", Role.ORGANIZER)
    auth.login(other.email)
    assert client.get(f"/manage/events/{course}/nominations").status_code in (403, 404)


# --- two contacts of one unit at once -----------------------------------------------------


def test_two_people_nominating_at_once_never_exceed_the_quota(app, course, radio):
    invitation = _invite(app, course, radio, 1)
    with app.app_context():
        db.session.get(Event, course).waitlist_enabled = False
        db.session.commit()
    results: list[int] = []
    start = threading.Barrier(6)

    def nominate(n: int) -> None:
        client = app.test_client()
        start.wait()
        response = client.post(
            f"/n/{invitation.token}", data=_person(f"090500010{n}", f"Người {n}")
        )
        results.append(response.status_code)

    threads = [threading.Thread(target=nominate, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [303] + [422] * 5
    with app.app_context():
        confirmed = db.session.scalar(
            select(func.count(Registration.id)).where(
                Registration.organization_id == radio,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
        )
    assert confirmed == 1


def _slug(app, event_id) -> str:
    with app.app_context():
        return db.session.get(Event, event_id).slug


def test_nominate_service_records_the_unit_contact_as_actor(app, course, radio):
    invitation = _invite(app, course, radio, 2)
    with app.test_request_context():
        services.nominate(
            db.session.get(Invitation, invitation.id),
            RegistrationInput(full_name="Vũ Văn Giang", phone="0905111222"),
            "vi",
        )
        db.session.commit()
    entry = audit(app, "registration.create")[0]
    assert entry.actor_label == services.UNIT_CONTACT
    assert entry.details["source"] == RegistrationSource.NOMINATION.value


def test_tracker_queries_do_not_grow_with_the_units(app, client, course, sql_statements):
    def page_queries() -> int:
        sql_statements.clear()
        assert client.get(f"/manage/events/{course}/nominations").status_code == 200
        return len(sql_statements)

    for n in range(3):
        _invite(app, course, make_org(app, f"Đài Truyền thanh xã A{n}"), 2)
    few = page_queries()
    for n in range(9):
        _invite(app, course, make_org(app, f"Đài Truyền thanh xã B{n}"), 2)
    assert page_queries() == few
