"""The lecturer directory pages: search, create, edit, delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import make_event
from tests.factories import make_lecturer
from tests.factories import make_organization
from tests.factories import make_topic
from trainingapp.audit.models import AuditEntry
from trainingapp.auth.models import Role
from trainingapp.extensions import db
from trainingapp.lecturers.models import Lecturer
from trainingapp.organizations.services import retire_organization


@pytest.fixture
def login(client: FlaskClient, make_user: Callable[..., Any], auth: Any) -> Callable[[Role], None]:
    def _login(role: Role = Role.ORGANIZER) -> None:
        user = make_user(email=f"{role.value}@example.vn", role=role)
        client.post("/language/en")
        assert auth.login(user.email).status_code == 303

    return _login


def add_lecturer(app: Flask, **kwargs: Any) -> int:
    with app.app_context():
        lecturer = make_lecturer(db.session, **kwargs)
        db.session.commit()
        return lecturer.id


def add_org(app: Flask, name: str) -> int:
    with app.app_context():
        unit = make_organization(db.session, name=name)
        db.session.commit()
        return unit.id


def load(app: Flask, lecturer_id: int) -> Lecturer | None:
    with app.app_context():
        lecturer = db.session.get(Lecturer, lecturer_id)
        if lecturer is not None:
            db.session.expunge(lecturer)
        return lecturer


def test_staff_accounts_are_refused(client: FlaskClient, login: Callable[[Role], None]) -> None:
    login(Role.STAFF)
    assert client.get("/manage/lecturers").status_code == 403
    assert client.post("/manage/lecturers/new", data={"full_name": "A"}).status_code == 403


def test_search_is_accent_and_case_insensitive(
    app: Flask, client: FlaskClient, login: Callable[[Role], None]
) -> None:
    add_lecturer(app, full_name="Nguyễn Văn Hùng")
    add_lecturer(app, full_name="Trần Thị Hương")
    login(Role.ORGANIZER)

    response = client.get("/manage/lecturers?q=NGUYEN+hung")

    assert response.status_code == 200
    assert "Nguyễn Văn Hùng" in response.text
    assert "Trần Thị Hương" not in response.text
    assert "Trần Thị Hương" in client.get("/manage/lecturers?q=huong").text
    assert "No lecturer matches" in client.get("/manage/lecturers?q=%25").text


def test_list_paginates(app: Flask, client: FlaskClient, login: Callable[[Role], None]) -> None:
    app.config["ITEMS_PER_PAGE"] = 2
    for number in range(3):
        add_lecturer(app, full_name=f"Lê Văn Nam {number}")
    login(Role.ADMIN)
    assert client.get("/manage/lecturers").text.count("Lê Văn Nam") == 2
    assert client.get("/manage/lecturers?page=2").text.count("Lê Văn Nam") == 1


def test_create_cleans_the_name_and_audits(
    app: Flask, client: FlaskClient, login: Callable[[Role], None]
) -> None:
    unit_id = add_org(app, "Bộ Chỉ huy Bộ đội Biên phòng tỉnh")
    login(Role.ORGANIZER)

    response = client.post(
        "/manage/lecturers/new",
        data={
            "full_name": "  nguyễn   VĂN hùng ",
            "rank": "Thượng tá",
            "position": "Phó Chủ nhiệm Chính trị",
            "organization_id": unit_id,
        },
    )

    assert response.status_code == 303
    assert response.headers["Location"].startswith("/manage/lecturers?q=")
    with app.app_context():
        lecturer = db.session.scalars(select(Lecturer)).one()
        assert lecturer.full_name == "Nguyễn Văn Hùng"
        assert lecturer.search_name == "nguyen van hung"
        assert lecturer.organization_id == unit_id
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "lecturer.create")
        ).one()
        assert entry.object_id == lecturer.id


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"full_name": "", "organization_id": "0"}, "Please enter the lecturer"),
        ({"full_name": "   ", "organization_id": "0"}, "Please enter the lecturer"),
        ({"full_name": "A" * 201, "organization_id": "0"}, "too long"),
        ({"full_name": "Lê An", "rank": "x" * 101, "organization_id": "0"}, "At most 100"),
        ({"full_name": "Lê An", "organization_id": "12345"}, "Not a valid choice"),
        ({"full_name": "Lê An", "organization_id": "drop table"}, "Invalid Choice"),
    ],
)
def test_create_hostile_input_gets_a_message(
    app: Flask,
    client: FlaskClient,
    login: Callable[[Role], None],
    data: dict[str, str],
    message: str,
) -> None:
    login(Role.ORGANIZER)
    response = client.post("/manage/lecturers/new", data=data)
    assert response.status_code == 200
    assert message in response.text
    with app.app_context():
        assert db.session.scalars(select(Lecturer)).first() is None


def test_edit_saves_and_records_changes(
    app: Flask, client: FlaskClient, login: Callable[[Role], None]
) -> None:
    lecturer_id = add_lecturer(app, full_name="Nguyễn Văn Hùng", rank="Thiếu tá")
    login(Role.ORGANIZER)
    page = client.get(f"/manage/lecturers/{lecturer_id}/edit")
    assert page.status_code == 200
    assert 'value="Thiếu tá"' in page.text

    response = client.post(
        f"/manage/lecturers/{lecturer_id}/edit",
        data={"full_name": "Nguyễn Văn Hùng", "rank": "Thượng tá", "organization_id": "0"},
    )

    assert response.status_code == 303
    assert load(app, lecturer_id).rank == "Thượng tá"
    with app.app_context():
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "lecturer.update")
        ).one()
        assert entry.details == {"rank": ["Thiếu tá", "Thượng tá"]}


def test_edit_keeps_a_retired_organization_selectable(
    app: Flask, client: FlaskClient, login: Callable[[Role], None]
) -> None:
    unit_id = add_org(app, "Phòng Văn hóa và Thông tin huyện Cam Lâm")
    lecturer_id = add_lecturer(app, organization_id=unit_id)
    with app.app_context():
        from trainingapp.organizations.models import Organization

        retire_organization(None, db.session.get(Organization, unit_id))
        db.session.commit()
    login(Role.ORGANIZER)
    page = client.get(f"/manage/lecturers/{lecturer_id}/edit")
    assert "Phòng Văn hóa và Thông tin huyện Cam Lâm" in page.text
    response = client.post(
        f"/manage/lecturers/{lecturer_id}/edit",
        data={"full_name": "Lê Văn Tám", "organization_id": unit_id},
    )
    assert response.status_code == 303
    assert load(app, lecturer_id).organization_id == unit_id
    # ...but a new lecturer is offered current units only.
    assert (
        "Phòng Văn hóa và Thông tin huyện Cam Lâm" not in client.get("/manage/lecturers/new").text
    )


def test_delete_only_when_no_topic(
    app: Flask, client: FlaskClient, login: Callable[[Role], None]
) -> None:
    free_id = add_lecturer(app, full_name="Lê Văn Tám")
    with app.app_context():
        busy = make_lecturer(db.session, full_name="Nguyễn Văn Hùng")
        make_topic(db.session, make_event(db.session), lecturers=[busy])
        db.session.commit()
        busy_id = busy.id
    login(Role.ORGANIZER)

    refused = client.post(f"/manage/lecturers/{busy_id}/delete")
    assert refused.status_code == 303
    assert load(app, busy_id) is not None
    assert "cannot be deleted" in client.get(refused.headers["Location"]).text

    deleted = client.post(f"/manage/lecturers/{free_id}/delete")
    assert deleted.status_code == 303
    assert deleted.headers["Location"] == "/manage/lecturers"
    assert load(app, free_id) is None
    assert client.post("/manage/lecturers/999999/delete").status_code == 404
    assert client.get(f"/manage/lecturers/{free_id}/delete").status_code == 405
