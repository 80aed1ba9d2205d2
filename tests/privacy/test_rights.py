"""The participant's rights from their own link, the consent record, and the organizers' queue."""

from __future__ import annotations

import json
import re
from datetime import date
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.privacy.conftest import World
from trainingapp.attendance.models import Attendance
from trainingapp.attendance.models import CheckInMethod
from trainingapp.audit.models import AuditEntry
from trainingapp.auth.models import User
from trainingapp.certificates.models import Certificate
from trainingapp.common.time import local_today
from trainingapp.events.models import Event
from trainingapp.extensions import db
from trainingapp.imports.services import import_rows
from trainingapp.mail.models import OutboxMessage
from trainingapp.nominations.models import Invitation
from trainingapp.nominations.services import nominate
from trainingapp.privacy import services
from trainingapp.privacy.models import DataRequest
from trainingapp.privacy.models import RequestKind
from trainingapp.privacy.models import RequestStatus
from trainingapp.privacy.working_days import configured_holidays
from trainingapp.privacy.working_days import due_date
from trainingapp.registration.models import Registration
from trainingapp.registration.models import RegistrationSource
from trainingapp.registration.models import RegistrationStatus
from trainingapp.registration.normalise import RegistrationInput
from trainingapp.registration.notice import NOTICE_VERSION
from trainingapp.registration.services import register_walk_in


def form(**overrides: Any) -> dict[str, Any]:
    data = {
        "full_name": "Nguyễn Thị Lan",
        "gender": "female",
        "birth_year": "1988",
        "organization": "Đồn Biên phòng Cà Ná",
        "position": "Trợ lý",
        "phone": "0912 345 678",
        "email": "lan@example.vn",
        "consent": "y",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def english(client: FlaskClient) -> FlaskClient:
    with client.session_transaction() as browser:
        browser["lang"] = "en"
    return client


def login(client: FlaskClient, email: str) -> None:
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 303


def get(app: Flask, registration_id: int) -> Registration:
    with app.app_context():
        registration = db.session.get(Registration, registration_id)
        assert registration is not None
        db.session.expunge(registration)
        return registration


# --- the notice and the consent record ---------------------------------------------------------


def test_notice_names_the_law_decree_version_and_retention(app: Flask, client: FlaskClient) -> None:
    app.config.update(PRIVACY_CONTROLLER="Sở Văn hóa, Thể thao và Du lịch", RETENTION_MONTHS=18)
    english(client)
    page = client.get("/privacy").get_data(as_text=True)
    assert "Law 91/2025/QH15" in page
    assert "Decree 356/2025/ND-CP" in page
    assert "13/2023" not in page
    assert NOTICE_VERSION in page
    assert "Sở Văn hóa, Thể thao và Du lịch" in page
    assert "18 months after the course ends" in page
    assert "2 working days" in page


def test_online_registration_records_the_notice_version_and_time(
    app: Flask, client: FlaskClient, world: World
) -> None:
    response = client.post(f"/events/{world.slug}/register", data=form())
    assert response.status_code == 303
    with app.app_context():
        registration = db.session.scalars(select(Registration)).one()
        assert registration.consent_version == NOTICE_VERSION
        assert registration.consent_at is not None
        assert registration.consent_vouched_by_id is None


def test_the_consent_box_is_never_ticked_beforehand(client: FlaskClient, world: World) -> None:
    page = client.get(f"/events/{world.slug}/register").get_data(as_text=True)
    box = re.search(r"<input[^>]*name=\"consent\"[^>]*>", page)
    assert box is not None
    assert "checked" not in box.group(0)
    # Without the box ticked nothing is saved.
    response = client.post(f"/events/{world.slug}/register", data=form(consent=None))
    assert response.status_code == 200


def test_walk_in_import_and_nomination_record_who_vouched(app: Flask, world: World) -> None:
    with app.app_context():
        staff = db.session.get(User, world.staff_id)
        organizer = db.session.get(User, world.organizer_id)
        walk_in = register_walk_in(
            world.event_id,
            RegistrationInput(
                full_name="Lê Văn Bình",
                organization="Đồn Biên phòng Cà Ná",
                phone="0977 111 222",
                consent=True,
            ),
            staff,
        )
        db.session.commit()
        assert walk_in.source == RegistrationSource.WALK_IN
        assert walk_in.consent_vouched_by_id == world.staff_id
        assert walk_in.consent_version == NOTICE_VERSION

        result = import_rows(
            world.event_id,
            [
                (
                    2,
                    RegistrationInput(
                        full_name="Trần Văn Cường",
                        organization="Đồn Biên phòng Cà Ná",
                        phone="0977 333 444",
                        consent=True,
                    ),
                )
            ],
            actor=organizer,
        )
        db.session.commit()
        imported = result.registrations[0]
        assert imported.consent_vouched_by_id == world.organizer_id
        assert imported.consent_version == NOTICE_VERSION

        event = db.session.get(Event, world.event_id)
        assert event is not None
        event.nominations_close_at = datetime_in(days=5)
        invitation = Invitation(
            event_id=world.event_id, organization_id=world.unit_id, token="t" * 32
        )
        db.session.add(invitation)
        db.session.commit()
        registered = nominate(
            invitation,
            RegistrationInput(full_name="Phạm Thị Dung", phone="0977 555 666", gender="female"),
            "vi",
        )
        db.session.commit()
        nominee = db.session.get(Registration, registered.id)
        assert nominee is not None
        assert nominee.source == RegistrationSource.NOMINATION
        assert nominee.consent_vouched_by_id is None  # no account: the unit's invitation vouches
        assert services.vouched_by(nominee) == "unit"
        assert services.vouched_by(walk_in) == "staff"


def datetime_in(days: int) -> Any:
    from trainingapp.common.time import utcnow

    return utcnow() + timedelta(days=days)


# --- seeing and downloading ---------------------------------------------------------------------


def _attend(app: Flask, registration_id: int, session_id: int) -> None:
    with app.app_context():
        db.session.add(
            Attendance(
                registration_id=registration_id, session_id=session_id, method=CheckInMethod.CODE
            )
        )
        db.session.commit()


def test_data_page_and_json_hold_attendance_and_history_of_this_registration_only(
    app: Flask, client: FlaskClient, world: World, person: Any
) -> None:
    client.post(f"/events/{world.slug}/register", data=form())
    with app.app_context():
        mine = db.session.scalars(select(Registration)).one()
        my_id, token = mine.id, mine.manage_token
    _attend(app, my_id, world.morning_id)
    other_id, other_token = person(
        event_id=world.other_event_id, full_name="Hoàng Văn Giang", phone="0933000111"
    )
    with app.app_context():
        db.session.add(
            AuditEntry(
                action="registration.edit",
                actor_id=world.organizer_id,
                actor_label=world.organizer_email,
                object_type="Registration",
                object_id=other_id,
                event_id=world.other_event_id,
                details={"full_name": ["x", "Hoàng Văn Giang"]},
            )
        )
        db.session.add(
            AuditEntry(
                action="attendance.check_in",
                actor_id=world.staff_id,
                actor_label=world.staff_email,
                object_type="Registration",
                object_id=my_id,
                event_id=world.event_id,
                details={"session": "Sáng"},
            )
        )
        db.session.commit()

    english(client)
    page = client.get(f"/r/{token}/data")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    assert "Nguyễn Thị Lan" in text
    assert "0912345678" in text
    assert "lan@example.vn" in text
    assert NOTICE_VERSION in text
    assert "Present" in text
    assert "Absent" in text
    assert "New registration" in text
    assert "Checked in" in text
    assert "Registration confirmed" in text  # the mail sent to them
    assert world.staff_email not in text  # staff are not named
    assert "Hoàng Văn Giang" not in text

    download = client.get(f"/r/{token}/data.json")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["Content-Type"].startswith("application/json")
    document = json.loads(download.get_data(as_text=True))
    assert document["registration"]["phone"] == "0912345678"
    assert document["consent"]["notice_version"] == NOTICE_VERSION
    assert [(line["session"], line["mark"]) for line in document["attendance"]] == [
        ("Sáng", "present"),
        ("Chiều", "absent"),
    ]
    actions = [line["action"] for line in document["history"]]
    assert actions == ["registration.create", "attendance.check_in"]
    assert {line["by"] for line in document["history"]} == {"participant", "staff"}
    assert document["mail"][0]["kind"] == "registration.confirmed"
    assert document["certificate"] is None
    assert document["evaluated"] is False
    raw = download.get_data(as_text=True)
    assert world.staff_email not in raw
    assert "Hoàng Văn Giang" not in raw

    # The other course's person sees only their own.
    other = json.loads(client.get(f"/r/{other_token}/data.json").get_data(as_text=True))
    assert other["registration"]["full_name"] == "Hoàng Văn Giang"
    assert [line["action"] for line in other["history"]] == ["registration.edit"]
    assert other["attendance"] == []
    assert client.get("/r/not-a-token/data.json").status_code == 404


def test_the_registration_page_links_to_the_rights(
    client: FlaskClient, world: World, person: Any
) -> None:
    _id, token = person()
    page = client.get(f"/r/{token}").get_data(as_text=True)
    for path in ("data", "data.json", "correct", "withdraw", "request"):
        assert f"/r/{token}/{path}" in page


# --- correcting ---------------------------------------------------------------------------------


def test_correction_goes_through_the_staff_edit_rules(
    app: Flask, client: FlaskClient, world: World, person: Any
) -> None:
    mine, token = person(full_name="Nguyễn Văn An", phone="0905111222")
    person(full_name="Lê Thị Hà", phone="0905333444")
    data = {
        "full_name": "nguyễn   văn  ân",
        "gender": "male",
        "birth_year": "1980",
        "position": "Trưởng phòng",
        "phone": "0905 333 444",
        "email": "",
    }
    english(client)
    page = client.get(f"/r/{token}/correct").get_data(as_text=True)
    assert 'value="0905111222"' in page  # the form starts from what is held
    assert 'name="organization"' not in page
    response = client.post(f"/r/{token}/correct", data=data)
    assert response.status_code == 200
    assert "This phone number is already registered for this course." in response.get_data(
        as_text=True
    )
    assert get(app, mine).phone == "0905111222"
    assert get(app, mine).full_name == "Nguyễn Văn An"

    response = client.post(f"/r/{token}/correct", data={**data, "phone": "+84 905 999 000"})
    assert response.status_code == 303
    corrected = get(app, mine)
    assert corrected.full_name == "Nguyễn Văn Ân"  # normalised as a staff edit is
    assert corrected.phone == "0905999000"
    assert corrected.birth_year == 1980
    assert corrected.organization_id == world.unit_id  # the unit is not theirs to change
    with app.app_context():
        entry = db.session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "registration.edit", AuditEntry.object_id == mine
            )
        ).one()
        assert entry.actor_label == "participant"
        assert entry.actor_id is None
        assert entry.details["phone"] == ["0905111222", "0905999000"]


# --- withdrawing --------------------------------------------------------------------------------


def test_withdrawal_cancels_and_promotes_the_waiting_list(
    app: Flask, client: FlaskClient, world: World, person: Any
) -> None:
    first, token = person(phone="0911000001")
    person(phone="0911000002")  # capacity 2: full
    waiting, _t = person(phone="0911000003", status=RegistrationStatus.WAITLISTED)
    assert client.get(f"/r/{token}/withdraw").status_code == 200
    response = client.post(f"/r/{token}/withdraw")
    assert response.status_code == 303
    withdrawn = get(app, first)
    assert withdrawn.status == RegistrationStatus.CANCELLED
    assert withdrawn.consent_withdrawn_at is not None
    assert get(app, waiting).status == RegistrationStatus.CONFIRMED
    with app.app_context():
        actions = set(
            db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == first))
        )
        assert {"registration.cancel", "privacy.withdraw"} <= actions


# --- requests and the queue ---------------------------------------------------------------------


def test_a_deletion_request_is_due_two_working_days_later(
    app: Flask, client: FlaskClient, world: World, person: Any
) -> None:
    mine, token = person()
    response = client.post(f"/r/{token}/request", data={"kind": "deletion", "message": ""})
    assert response.status_code == 303
    with app.app_context():
        data_request = db.session.scalars(select(DataRequest)).one()
        holidays = configured_holidays(app.config)
        assert data_request.due_on == due_date(local_today(), holidays)
        assert data_request.kind == RequestKind.DELETION
        assert data_request.registration_id == mine
        assert data_request.event_id == world.event_id
    # Sent twice: one request.
    client.post(f"/r/{token}/request", data={"kind": "deletion", "message": ""})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DataRequest)) == 1


def test_due_date_across_a_weekend_and_a_holiday(app: Flask, world: World, person: Any) -> None:
    mine, _token = person()
    app.config["PUBLIC_HOLIDAYS"] = ["2026-04-27", "2026-04-30"]
    with app.app_context():
        registration = db.session.get(Registration, mine)
        assert registration is not None
        # Friday 24/04: Sat, Sun, Mon (holiday), Tue 28 (1), Wed 29 (2).
        friday = services.make_request(registration, RequestKind.OTHER, "x", day=date(2026, 4, 24))
        assert friday.due_on == date(2026, 4, 29)
        # Wednesday 29/04: Thu 30 (holiday), Fri 1/5 (1), Mon 4/5 (2).
        other = services.make_request(
            registration, RequestKind.CORRECTION, "my unit", day=date(2026, 4, 29)
        )
        assert other.due_on == date(2026, 5, 4)
        db.session.commit()


def test_an_other_request_needs_a_message(client: FlaskClient, world: World, person: Any) -> None:
    _id, token = person()
    english(client)
    response = client.post(
        f"/r/{token}/request",
        data={"kind": "other", "message": " "},
    )
    assert response.status_code == 200
    assert "Please write what you are asking for." in response.get_data(as_text=True)


def test_only_the_course_organizers_see_its_requests(app: Flask, world: World, person: Any) -> None:
    _id, token = person(full_name="Đỗ Thị Hằng")
    app.test_client().post(f"/r/{token}/request", data={"kind": "deletion"})
    with app.app_context():
        request_id = db.session.scalars(select(DataRequest.id)).one()
    page_url = f"/manage/events/{world.event_id}/requests/{request_id}"
    for email, sees in [
        (world.organizer_email, True),
        (world.admin_email, True),
        (world.other_organizer_email, False),
    ]:
        client = app.test_client()
        login(client, email)
        queue = client.get("/manage/requests")
        assert queue.status_code == 200
        assert queue.headers["Cache-Control"] == "no-store"
        assert ("Đỗ Thị Hằng" in queue.get_data(as_text=True)) is sees, email
        assert client.get(page_url).status_code == (200 if sees else 403), email
    # Staff of the course: not the queue, not the request.
    client = app.test_client()
    login(client, world.staff_email)
    assert client.get("/manage/requests").status_code == 403
    assert client.get(page_url).status_code == 403
    # Another course's id in the URL: no such request there.
    client = app.test_client()
    login(client, world.admin_email)
    assert (
        client.get(f"/manage/events/{world.other_event_id}/requests/{request_id}").status_code
        == 404
    )


def test_overdue_requests_are_highlighted(app: Flask, world: World, person: Any) -> None:
    mine, _token = person(full_name="Vũ Văn Khoa")
    with app.app_context():
        db.session.add(
            DataRequest(
                event_id=world.event_id,
                registration_id=mine,
                kind=RequestKind.OTHER,
                message="?",
                due_on=local_today() - timedelta(days=3),
            )
        )
        db.session.commit()
    client = app.test_client()
    login(client, world.organizer_email)
    english(client)
    page = client.get("/manage/requests").get_data(as_text=True)
    row = re.search(r"<tr class=\"table-danger\"[^>]*>.*?</tr>", page, re.S)
    assert row is not None
    assert "Overdue" in row.group(0)
    # A page number beyond the list shows the last page; an absurd one is no server error.
    assert "Vũ Văn Khoa" in client.get("/manage/requests?page=7").get_data(as_text=True)
    assert client.get("/manage/requests?page=99999999999999999999").status_code < 500


def test_answering_a_deletion_anonymises_and_keeps_the_figures(
    app: Flask, world: World, person: Any
) -> None:
    mine, token = person(full_name="Ngô Thị Mai", email="mai@example.vn", phone="0988777666")
    person(phone="0988777555")
    _attend(app, mine, world.morning_id)
    with app.app_context():
        registration = db.session.get(Registration, mine)
        assert registration is not None
        db.session.add(
            Certificate(
                event_id=world.event_id,
                registration_id=mine,
                number=1,
                year=2026,
                suffix="GCN",
                code="c" * 32,
                issued_on=local_today(),
                full_name="Ngô Thị Mai",
                course_title="Lớp",
                start_date=local_today(),
                end_date=local_today(),
            )
        )
        db.session.commit()

    def figures() -> tuple[int, int]:
        with app.app_context():
            confirmed = db.session.scalar(
                select(func.count()).where(
                    Registration.event_id == world.event_id,
                    Registration.status == RegistrationStatus.CONFIRMED,
                )
            )
            attended = db.session.scalar(
                select(func.count())
                .select_from(Attendance)
                .where(Attendance.session_id == world.morning_id)
            )
            return int(confirmed or 0), int(attended or 0)

    before = figures()
    app.test_client().post(f"/r/{token}/request", data={"kind": "deletion"})
    with app.app_context():
        request_id = db.session.scalars(select(DataRequest.id)).one()
    client = app.test_client()
    login(client, world.organizer_email)
    page_url = f"/manage/events/{world.event_id}/requests/{request_id}"
    response = client.post(page_url, data={"decision": "answered", "answer": "Đã xóa dữ liệu."})
    assert response.status_code == 303
    assert figures() == before
    gone = get(app, mine)
    assert gone.anonymised_at is not None
    assert gone.phone is None
    assert gone.email is None
    assert "Ngô" not in gone.full_name
    assert gone.status == RegistrationStatus.CONFIRMED
    assert gone.organization_id == world.unit_id
    assert client.get(f"/r/{token}").status_code == 404  # the old link is dead
    with app.app_context():
        data_request = db.session.get(DataRequest, request_id)
        assert data_request is not None
        assert data_request.status == RequestStatus.ANSWERED
        assert data_request.answered_by_id == world.organizer_id
        certificate = db.session.scalars(select(Certificate)).one()
        assert certificate.full_name == gone.full_name
        answer = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "privacy.answer")
        ).one()
        assert answer.recipient == "mai@example.vn"
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "privacy.answer")
        ).one()
        assert entry.object_id == mine
        assert entry.actor_id == world.organizer_id
    # Answered once: a second answer is refused.
    again = client.post(page_url, data={"decision": "refused", "answer": "x"})
    assert again.status_code == 200


def test_the_reminder_is_sent_once(app: Flask, world: World, person: Any) -> None:
    mine, _token = person()
    later, _t = person()
    with app.app_context():
        db.session.add_all(
            [
                DataRequest(
                    event_id=world.event_id,
                    registration_id=mine,
                    kind=RequestKind.DELETION,
                    due_on=local_today(),
                ),
                DataRequest(
                    event_id=world.event_id,
                    registration_id=later,
                    kind=RequestKind.DELETION,
                    due_on=local_today() + timedelta(days=1),
                ),
            ]
        )
        db.session.commit()
        assert services.remind_due() == 1
        assert services.remind_due() == 0
        reminders = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "privacy.reminder")
        ).all()
        assert [message.recipient for message in reminders] == [world.organizer_email]
        assert reminders[0].payload["request_id"] is not None
        due = db.session.scalars(
            select(DataRequest).where(DataRequest.registration_id == mine)
        ).one()
        assert due.reminded_at is not None
        # The next day the other one is due: it is reminded, the first is not again.
        assert services.remind_due(local_today() + timedelta(days=1)) == 1
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.kind == "privacy.reminder")
            )
            == 2
        )


# --- end to end ---------------------------------------------------------------------------------


def test_register_download_ask_for_deletion_and_answer(
    app: Flask, world: World, tmp_path: Path
) -> None:
    participant = app.test_client()
    response = participant.post(f"/events/{world.slug}/register", data=form())
    assert response.status_code == 303
    manage_url = response.headers["Location"]
    token = manage_url.rsplit("/", 1)[-1]
    page = participant.get(manage_url).get_data(as_text=True)
    assert f"/r/{token}/data.json" in page
    document = json.loads(participant.get(f"/r/{token}/data.json").get_data(as_text=True))
    assert document["registration"]["email"] == "lan@example.vn"
    assert participant.get(f"/r/{token}/request").status_code == 200
    response = participant.post(
        f"/r/{token}/request", data={"kind": "deletion", "message": "Xin xóa."}
    )
    assert response.status_code == 303
    data_page = english(participant).get(f"/r/{token}/data")
    assert "Deletion of personal data" in data_page.get_data(as_text=True)

    organizer = app.test_client()
    login(organizer, world.organizer_email)
    queue = organizer.get("/manage/requests").get_data(as_text=True)
    with app.app_context():
        data_request = db.session.scalars(select(DataRequest)).one()
        due = data_request.due_on
        request_url = f"/manage/events/{world.event_id}/requests/{data_request.id}"
    assert "Nguyễn Thị Lan" in queue
    assert due.strftime("%d/%m/%Y") in queue
    assert request_url in queue
    response = organizer.post(request_url, data={"decision": "answered", "answer": "Đã xóa."})
    assert response.status_code == 303
    assert participant.get(f"/r/{token}/data").status_code == 404
    mails = [message_from_bytes(path.read_bytes()) for path in (tmp_path / "outbox").glob("*.eml")]
    answers = [mail for mail in mails if "Đã xóa." in _body(mail)]
    assert len(answers) == 1
    assert answers[0]["To"] == "lan@example.vn"


def _body(mail: Any) -> str:
    parts = mail.walk() if mail.is_multipart() else [mail]
    return "".join(
        part.get_payload(decode=True).decode("utf-8")
        for part in parts
        if part.get_content_type() == "text/plain"
    )
