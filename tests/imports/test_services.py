"""Outcomes and the import itself: the same rules as ``register()``, all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func
from sqlalchemy import select

from tests.imports.conftest import person
from trainingapp.audit.models import AuditEntry
from trainingapp.auth.models import User
from trainingapp.events.models import Event
from trainingapp.events.models import Quota
from trainingapp.extensions import db
from trainingapp.imports import reading
from trainingapp.imports import services as imports
from trainingapp.imports.services import ImportRefused
from trainingapp.imports.services import Outcome
from trainingapp.organizations.models import Organization
from trainingapp.registration import services
from trainingapp.registration.models import Registration
from trainingapp.registration.models import RegistrationSource
from trainingapp.registration.models import RegistrationStatus
from trainingapp.registration.normalise import RegistrationInput


def rows(*values: list[Any]) -> list[tuple[int, RegistrationInput]]:
    """Rows as a file's row 2, 3, ... below its header."""
    return [
        (line, reading._raw_input(dict(zip(reading.FIELDS, cells, strict=True))))
        for line, cells in enumerate(values, 2)
    ]


def count(model: Any = Registration, *where: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


@pytest.fixture
def actor(app: Flask, organizer: User) -> User:
    user = db.session.get(User, organizer.id)
    # End the read transaction: courses made afterwards (in their own context) must be visible.
    db.session.commit()
    return user


def test_import_saves_every_row_with_source_import_and_consent(
    app_ctx: None, make_course: Callable[..., int], actor: User
) -> None:
    event_id = make_course()
    result = imports.import_rows(
        event_id, rows(person(1), person(2, organization="Đồn Biên phòng Ninh Vân")), actor=actor
    )
    db.session.commit()
    saved = db.session.scalars(select(Registration).order_by(Registration.id)).all()
    assert [r.full_name for r in saved] == ["Nguyễn Văn An B", "Nguyễn Văn An C"]
    assert {r.source for r in saved} == {RegistrationSource.IMPORT}
    assert {r.status for r in saved} == {RegistrationStatus.CONFIRMED}
    assert all(r.consent_at == r.created_at for r in saved)
    assert saved[0].gender.value == "male"
    assert saved[1].gender.value == "female"
    assert len({r.checkin_code for r in saved}) == 2
    # New units are created once, flagged for staff review.
    assert db.session.scalars(select(Organization.needs_review)).all() == [False, True, True]
    assert result.counts["imported"] == 2
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "registration.import")
    ).one()
    assert entry.actor_id == actor.id
    assert entry.event_id == event_id
    assert entry.details == {
        "file": "",
        "rows": 2,
        "imported": 2,
        "skipped": 0,
        "confirmed": 2,
    }
    assert count(AuditEntry, AuditEntry.action == "registration.create") == 2


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"phone": "12345"},
            "phone",
            "Please enter a Vietnamese phone number, e.g. 0905 123 456 or +84 905 123 456.",
        ),
        ({"phone": ""}, "phone", "Please enter your phone number."),
        (
            {"email": "an@"},
            "email",
            "Please enter a valid e-mail address, e.g. ten@example.vn, or leave it empty.",
        ),
        (
            {"birth_year": "85"},
            "birth_year",
            "Please enter a year of birth with four digits, e.g. 1985.",
        ),
        ({"birth_year": "1850"}, "birth_year", "Please enter a year of birth between 1900 and"),
        ({"full_name": ""}, "full_name", "Please enter your full name."),
        ({"full_name": "12345"}, "full_name", "Please enter your name in letters."),
        ({"organization": ""}, "organization", "Please enter your organization."),
        ({"gender": "x"}, "gender", "Write Nam, Nữ or Khác (or Male, Female, Other)."),
        (
            {"full_name": '=HYPERLINK("http://x")'},
            "full_name",
            "This cell looks like a spreadsheet formula; write plain text.",
        ),
        (
            {"organization": "@SUM(A1)"},
            "organization",
            "This cell looks like a spreadsheet formula; write plain text.",
        ),
    ],
)
def test_every_refusal_has_the_public_forms_message_and_saves_nothing(
    app_ctx: None,
    make_course: Callable[..., int],
    actor: User,
    overrides: dict[str, str],
    field: str,
    message: str,
) -> None:
    event_id = make_course()
    with pytest.raises(ImportRefused) as caught:
        imports.import_rows(
            event_id, rows(person(1), person(2, **overrides), person(3)), actor=actor
        )
    db.session.rollback()
    (bad,) = caught.value.plan.refused
    assert bad.line == 3
    assert bad.outcome == Outcome.INVALID
    assert str(bad.errors[field]).startswith(message)
    assert count() == 0
    assert count(AuditEntry) == 0


def test_duplicate_inside_the_file_names_the_first_row(
    app_ctx: None, make_course: Callable[..., int], actor: User
) -> None:
    event_id = make_course()
    event = db.session.get(Event, event_id)
    plan = imports.preview(
        event,
        rows(
            person(1),
            person(2),
            person(3, phone="+84 905 000 001"),  # row 2's phone written another way
            person(4, email="HV2@example.vn"),  # row 3's e-mail in capitals
        ),
    )
    assert [(r.line, r.outcome, r.duplicate_of) for r in plan.rows] == [
        (2, Outcome.CONFIRMED, None),
        (3, Outcome.CONFIRMED, None),
        (4, Outcome.DUPLICATE, 2),
        (5, Outcome.DUPLICATE, 3),
    ]
    assert str(plan.rows[2].errors["phone"]) == "Duplicate of row 2."
    assert str(plan.rows[3].errors["email"]) == "Duplicate of row 3."


def test_already_registered_in_the_course(
    app_ctx: None, make_course: Callable[..., int], actor: User
) -> None:
    event_id = make_course()
    services.register(
        event_id,
        RegistrationInput("Trần Văn Bình", "Sở Tư pháp", "0905 000 001", consent=True),
        source=RegistrationSource.ONLINE,
        actor=None,
    )
    db.session.commit()
    with pytest.raises(ImportRefused) as caught:
        imports.import_rows(event_id, rows(person(1), person(2)), actor=actor)
    db.session.rollback()
    (bad,) = caught.value.plan.refused
    assert (bad.line, bad.outcome) == (2, Outcome.REGISTERED)
    assert str(bad.errors["phone"]) == "This phone number is already registered for this course."
    assert count() == 1


def test_skip_invalid_saves_only_the_valid_rows(
    app_ctx: None, make_course: Callable[..., int], actor: User
) -> None:
    event_id = make_course()
    result = imports.import_rows(
        event_id,
        rows(person(1), person(2, phone="abc"), person(3), person(4, phone="0905000001")),
        actor=actor,
        skip_invalid=True,
    )
    db.session.commit()
    assert sorted(db.session.scalars(select(Registration.phone))) == ["0905000001", "0905000003"]
    assert result.counts["imported"] == 2
    assert result.counts["skipped"] == 2
    assert result.counts["invalid"] == 1
    assert result.counts["duplicate"] == 1


def test_over_capacity_goes_to_the_waiting_list(
    app_ctx: None, make_course: Callable[..., int], actor: User
) -> None:
    event_id = make_course(capacity=2)
    imports.import_rows(event_id, rows(person(1), person(2), person(3)), actor=actor)
    db.session.commit()
    statuses = db.session.scalars(select(Registration.status).order_by(Registration.id)).all()
    assert statuses == ["confirmed", "confirmed", "waitlisted"]


def test_full_without_a_waiting_list_is_a_refusal(
    app_ctx: None, make_course: Callable[..., int], actor: User
) -> None:
    event_id = make_course(capacity=1, waitlist_enabled=False)
    with pytest.raises(ImportRefused) as caught:
        imports.import_rows(event_id, rows(person(1), person(2)), actor=actor)
    db.session.rollback()
    (bad,) = caught.value.plan.refused
    assert (bad.line, bad.outcome) == (3, Outcome.FULL)
    assert str(bad.errors["organization"]) == "Sorry, the course is full and has no waiting list."


def test_approval_makes_rows_pending(
    app_ctx: None, make_course: Callable[..., int], actor: User
) -> None:
    event_id = make_course(approval_required=True)
    imports.import_rows(event_id, rows(person(1), person(2)), actor=actor)
    db.session.commit()
    assert set(db.session.scalars(select(Registration.status))) == {RegistrationStatus.PENDING}


def test_outcomes_equal_register_one_by_one(
    app_ctx: None, make_course: Callable[..., int], actor: User
) -> None:
    """The batch decides exactly as ``register()`` does for the same rows in the same order,
    with a unit's quota, a retired unit with a successor, and a course that fills up."""
    cells = [
        person(1, organization="Đồn Biên phòng Cam Ranh"),
        person(2, organization="Don bien phong cam ranh"),  # same unit, quota 1
        person(3, organization="Sở Văn hóa và Thể thao"),  # retired -> successor (quota 1)
        person(4, organization="Sở Văn hóa, Thể thao và Du lịch"),
        person(5, organization="Một đơn vị mới"),
        person(6, organization="Một đơn vị mới"),
    ]
    ids = {}
    for name in ("imported", "registered"):
        ids[name] = make_course(capacity=4)
    successor = Organization(name="Sở Văn hóa, Thể thao và Du lịch", kind="provincial_agency")
    db.session.add(successor)
    db.session.flush()
    from datetime import date

    db.session.add(
        Organization(
            name="Sở Văn hóa và Thể thao",
            kind="provincial_agency",
            retired_on=date(2025, 3, 1),
            successor_id=successor.id,
        )
    )
    cam_ranh = Organization(name="Đồn Biên phòng Cam Ranh", kind="border_post")
    db.session.add(cam_ranh)
    db.session.flush()
    for event_id in ids.values():
        db.session.add(Quota(event_id=event_id, organization_id=cam_ranh.id, seats=1))
        db.session.add(Quota(event_id=event_id, organization_id=successor.id, seats=1))
    db.session.commit()

    plan = imports.preview(db.session.get(Event, ids["imported"]), rows(*cells))
    imports.import_rows(ids["imported"], rows(*cells), actor=actor)
    db.session.commit()
    for _line, data in rows(*cells):
        services.register(ids["registered"], data, source=RegistrationSource.IMPORT, actor=actor)
        db.session.commit()

    def outcome(event_id: int) -> list[tuple[str, str, int | None]]:
        return [
            (r.phone, r.status.value, r.organization_id)
            for r in db.session.scalars(
                select(Registration)
                .where(Registration.event_id == event_id)
                .order_by(Registration.phone)
            )
        ]

    assert outcome(ids["imported"]) == outcome(ids["registered"])
    assert [r.outcome.value for r in plan.rows] == [r[1] for r in outcome(ids["imported"])]
    assert [r[1] for r in outcome(ids["imported"])] == [
        "confirmed",
        "waitlisted",
        "confirmed",
        "waitlisted",
        "confirmed",
        "confirmed",
    ]


def test_archived_course_takes_no_import(
    app_ctx: None, make_course: Callable[..., int], actor: User
) -> None:
    event_id = make_course(status="archived")
    with pytest.raises(reading.ImportFileError):
        imports.import_rows(event_id, rows(person(1)), actor=actor)
    db.session.rollback()
    assert count() == 0


def test_ten_thousand_rows_in_one_transaction(
    app_ctx: None, make_course: Callable[..., int], actor: User
) -> None:
    event_id = make_course(capacity=9000)
    many = rows(*(person(n, organization=f"Đơn vị số {n % 40}") for n in range(10_000)))
    result = imports.import_rows(event_id, many, actor=actor)
    assert result.counts["imported"] == 10_000
    db.session.rollback()  # one transaction: rolling it back leaves nothing behind
    assert count() == 0
    assert count(Organization) == 1  # only the course's organizer
    imports.import_rows(event_id, many, actor=actor)
    db.session.commit()
    assert count(Registration, Registration.status == RegistrationStatus.CONFIRMED) == 9000
    assert count(Registration, Registration.status == RegistrationStatus.WAITLISTED) == 1000
    assert count(AuditEntry, AuditEntry.action == "registration.create") == 10_000


def test_progress_is_reported_after_each_batch_before_any_commit(
    app_ctx: None, make_course: Callable[..., int], actor: User
) -> None:
    event_id = make_course(capacity=2000)
    seen: list[tuple[int, int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total, count()))  # flushed in the open transaction

    result = imports.import_rows(
        event_id, rows(*(person(n) for n in range(1_200))), actor=actor, progress=progress
    )
    assert seen == [(500, 1200, 500), (1000, 1200, 1000), (1200, 1200, 1200)]
    assert result.counts["imported"] == 1_200
    db.session.rollback()  # nothing committed by the import itself
    assert count() == 0


def test_a_new_unit_named_in_many_rows_is_created_once(
    app_ctx: None, make_course: Callable[..., int], actor: User
) -> None:
    """However its rows spell it, a unit not in the directory is created once, under its first
    row's spelling, and every row naming it points at it."""
    spellings = ["Một đơn vị mới", "MỘT ĐƠN VỊ MỚI", "mot don vi moi", "Một  đơn vị mới"]
    cells = [
        person(n, organization=spellings[(n - 1) % 4] if n % 3 else "Tổ thông tin xã Vĩnh Lương")
        for n in range(1, 1201)  # beyond one batch of CHUNK rows
    ]
    event_id = make_course(capacity=2000)
    imports.import_rows(event_id, rows(*cells), actor=actor)
    db.session.commit()
    created = db.session.execute(
        select(Organization.id, Organization.name).where(Organization.needs_review)
    ).all()
    assert sorted(name for _id, name in created) == ["Một đơn vị mới", "Tổ thông tin xã Vĩnh Lương"]
    ids = {name: unit_id for unit_id, name in created}
    units = dict(db.session.execute(select(Registration.phone, Registration.organization_id)).all())
    for n in range(1, 1201):
        expected = ids["Một đơn vị mới"] if n % 3 else ids["Tổ thông tin xã Vĩnh Lương"]
        assert units[f"0905{n:06d}"] == expected
    assert count(AuditEntry, AuditEntry.action == "organization.create") == 2


def test_result_lists_the_saved_registrations_in_file_order(
    app_ctx: None, make_course: Callable[..., int], actor: User
) -> None:
    event_id = make_course(capacity=600)
    result = imports.import_rows(
        event_id, rows(*(person(n) for n in range(700, 0, -1))), actor=actor
    )
    assert [r.phone for r in result.registrations] == [f"0905{n:06d}" for n in range(700, 0, -1)]
    assert [r.status for r in result.registrations] == [RegistrationStatus.CONFIRMED] * 600 + [
        RegistrationStatus.WAITLISTED
    ] * 100
    assert all(r in db.session for r in result.registrations)  # persistent, as after a flush
    ids = [r.id for r in result.registrations]
    assert ids == sorted(ids)  # inserted in file order
    assert len({r.checkin_code for r in result.registrations}) == 700


def _columns(entry: AuditEntry) -> dict[str, Any]:
    return {
        name: getattr(entry, name)
        for name in (
            "actor_id",
            "actor_label",
            "action",
            "object_type",
            "object_id",
            "event_id",
            "details",
            "ip_address",
        )
    }


def test_bulk_audit_entries_carry_what_record_writes(
    app_ctx: None, make_course: Callable[..., int], actor: User
) -> None:
    """One ``registration.create`` per imported registration, written in bulk, with the columns
    ``record()`` writes for the same registration."""
    from trainingapp.audit.services import record
    from trainingapp.audit.services import record_many

    event_id = make_course(capacity=1)
    result = imports.import_rows(event_id, rows(person(1), person(2)), actor=actor)
    db.session.commit()
    bulk = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "registration.create")
        .order_by(AuditEntry.object_id)
    ).all()
    assert [entry.object_id for entry in bulk] == [r.id for r in result.registrations]
    for registration, entry in zip(result.registrations, bulk, strict=True):
        record(
            actor,
            "registration.create-by-record",
            registration,
            event_id=event_id,
            details={"status": registration.status.value, "source": "import"},
        )
        db.session.flush()
        single = db.session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "registration.create-by-record",
                AuditEntry.object_id == registration.id,
            )
        ).one()
        assert {**_columns(single), "action": "registration.create"} == _columns(entry)
    assert [entry.details["status"] for entry in bulk] == ["confirmed", "waitlisted"]
    assert {entry.actor_label for entry in bulk} == {actor.email}

    # Without an actor, with a label and an address: still what record() writes.
    record(None, "x.single", object_type="Thing", object_id=7, actor_label="participant")
    written = record_many(
        None, "x.bulk", "Thing", [(7, None), (8, {"a": 1})], actor_label="participant"
    )
    record(None, "x.single", object_type="Thing", object_id=9, ip_address="192.0.2.1")
    record_many(None, "x.bulk", "Thing", [(9, {})], ip_address="192.0.2.1")
    assert record_many(None, "x.bulk", "Thing", []) == 0
    db.session.flush()
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action.like("x.%")).order_by(AuditEntry.id)
    ).all()
    assert written == 2
    by_action = {
        action: [{**_columns(e), "action": ""} for e in entries if e.action == action]
        for action in ("x.single", "x.bulk")
    }
    assert by_action["x.bulk"][0] == by_action["x.single"][0]
    assert by_action["x.bulk"][1]["details"] == {"a": 1}
    assert by_action["x.bulk"][2] == by_action["x.single"][1]
    assert by_action["x.bulk"][2]["actor_label"] == "system"


def test_a_clash_on_a_unique_key_while_writing_saves_nothing(
    app_ctx: None, make_course: Callable[..., int], actor: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A phone registered after the rows were checked (by a writer that took no lock) makes the
    batch INSERT fail: the import says so and, rolled back, leaves nothing."""
    from tests import factories

    event_id = make_course()
    plan_rows = imports.plan_rows

    def plan_then_clash(event: Event, normalised: list[imports.RowResult]) -> imports.Plan:
        plan = plan_rows(event, normalised)
        factories.make_registration(db.session, None, event_id=event.id, phone="0905000502")
        return plan

    monkeypatch.setattr(imports, "plan_rows", plan_then_clash)
    with pytest.raises(reading.ImportFileError) as caught:
        imports.import_rows(event_id, rows(*(person(n) for n in range(1, 601))), actor=actor)
    assert str(caught.value.message).startswith("The course changed during the import.")
    db.session.rollback()
    assert count() == 0
    assert count(AuditEntry) == 0
