"""The organization directory pages: list and search, create, edit, retire, merge, review."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select

from tests.factories import make_event
from tests.factories import make_organization
from tests.factories import make_registration
from trainingapp.audit.models import AuditEntry
from trainingapp.auth.models import Role
from trainingapp.events.models import Quota
from trainingapp.extensions import db
from trainingapp.organizations.models import Organization
from trainingapp.organizations.models import OrganizationKind
from trainingapp.registration.models import Registration


@pytest.fixture
def login(client: FlaskClient, make_user: Callable[..., Any], auth: Any) -> Callable[[Role], None]:
    def _login(role: Role = Role.ORGANIZER) -> None:
        user = make_user(email=f"{role.value}@example.vn", role=role)
        client.post("/language/en")
        response = auth.login(user.email)
        assert response.status_code == 303

    return _login


def add_org(app: Flask, name: str, **kwargs: Any) -> int:
    with app.app_context():
        unit = make_organization(db.session, name=name, **kwargs)
        db.session.commit()
        return unit.id


def load(app: Flask, organization_id: int) -> Organization | None:
    with app.app_context():
        unit = db.session.get(Organization, organization_id)
        if unit is not None:
            db.session.expunge(unit)
        return unit


def test_anonymous_is_sent_to_login(client: FlaskClient) -> None:
    response = client.get("/manage/organizations")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_staff_accounts_are_refused(client: FlaskClient, login: Callable[[Role], None]) -> None:
    login(Role.STAFF)
    assert client.get("/manage/organizations").status_code == 403
    assert client.post("/manage/organizations/new", data={"name": "X"}).status_code == 403


def test_search_without_accents_finds_the_unit(
    app: Flask, client: FlaskClient, login: Callable[[Role], None]
) -> None:
    add_org(app, "Đồn Biên phòng Cam Ranh")
    add_org(app, "Sở Thông tin và Truyền thông", kind=OrganizationKind.PROVINCIAL_AGENCY)
    login(Role.ORGANIZER)

    response = client.get("/manage/organizations?q=bien+phong")

    assert response.status_code == 200
    assert "Đồn Biên phòng Cam Ranh" in response.text
    assert "Sở Thông tin và Truyền thông" not in response.text


def test_list_paginates(app: Flask, client: FlaskClient, login: Callable[[Role], None]) -> None:
    app.config["ITEMS_PER_PAGE"] = 2
    for number in range(5):
        add_org(app, f"Đài Truyền thanh xã số {number}")
    login(Role.ORGANIZER)
    first = client.get("/manage/organizations?q=dai")
    assert first.text.count("Đài Truyền thanh xã số") == 2
    assert "page=3" in first.text
    last = client.get("/manage/organizations?q=dai&page=3")
    assert last.text.count("Đài Truyền thanh xã số") == 1
    assert client.get("/manage/organizations?page=abc&status=bogus").status_code == 200


def test_create_then_refuse_a_duplicate(
    app: Flask, client: FlaskClient, login: Callable[[Role], None]
) -> None:
    parent_id = add_org(app, "Bộ Chỉ huy Bộ đội Biên phòng tỉnh")
    login(Role.ORGANIZER)
    form = {"name": "Đồn Biên phòng Cam Ranh", "kind": "border_post", "parent_id": parent_id}

    response = client.post("/manage/organizations/new", data=form)

    assert response.status_code == 303
    assert response.headers["Location"].startswith("/manage/organizations?q=")
    with app.app_context():
        unit = db.session.scalars(
            select(Organization).where(Organization.name_key == "don bien phong cam ranh")
        ).one()
        assert unit.kind == OrganizationKind.BORDER_POST
        assert unit.parent_id == parent_id

    again = client.post(
        "/manage/organizations/new", data={**form, "name": "đồn biên PHÒNG cam ranh"}
    )
    assert again.status_code == 200
    assert "already exists" in again.text
    assert 'value="đồn biên PHÒNG cam ranh"' in again.text  # the form keeps what was typed


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "kind": "other", "parent_id": "0"}, "Please enter the name"),
        ({"name": "x" * 300, "kind": "other", "parent_id": "0"}, "too long"),
        ({"name": "Đồn", "kind": "castle", "parent_id": "0"}, "Not a valid choice"),
        ({"name": "Đồn", "kind": "other", "parent_id": "abc"}, "Invalid Choice"),
        ({"name": "Đồn", "kind": "other", "parent_id": "99999"}, "Not a valid choice"),
    ],
)
def test_create_hostile_input_gets_a_message(
    client: FlaskClient, login: Callable[[Role], None], data: dict[str, str], message: str
) -> None:
    login(Role.ADMIN)
    response = client.post("/manage/organizations/new", data=data)
    assert response.status_code == 200
    assert message in response.text
    assert "is-invalid" in response.text


def test_edit_saves_and_audits(
    app: Flask, client: FlaskClient, login: Callable[[Role], None]
) -> None:
    unit_id = add_org(app, "Don Bien phong Cam Ranh")
    login(Role.ORGANIZER)
    assert client.get(f"/manage/organizations/{unit_id}/edit").status_code == 200

    response = client.post(
        f"/manage/organizations/{unit_id}/edit",
        data={"name": "Đồn Biên phòng Cam Ranh", "kind": "border_post", "parent_id": "0"},
    )

    assert response.status_code == 303
    assert response.headers["Location"] == f"/manage/organizations/{unit_id}/edit"
    assert load(app, unit_id).name == "Đồn Biên phòng Cam Ranh"
    with app.app_context():
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "organization.update")
        ).one()
        assert entry.details["name"] == ["Don Bien phong Cam Ranh", "Đồn Biên phòng Cam Ranh"]


def test_edit_refuses_itself_as_parent(
    app: Flask, client: FlaskClient, login: Callable[[Role], None]
) -> None:
    unit_id = add_org(app, "Đồn Biên phòng Cam Ranh")
    login(Role.ORGANIZER)
    response = client.post(
        f"/manage/organizations/{unit_id}/edit",
        data={"name": "Đồn Biên phòng Cam Ranh", "kind": "border_post", "parent_id": unit_id},
    )
    assert response.status_code == 200
    assert "Not a valid choice" in response.text


def test_unknown_organization_is_404(client: FlaskClient, login: Callable[[Role], None]) -> None:
    login(Role.ORGANIZER)
    assert client.get("/manage/organizations/999999/edit").status_code == 404


def test_retire_with_successor_then_reinstate(
    app: Flask, client: FlaskClient, login: Callable[[Role], None]
) -> None:
    old_id = add_org(app, "Phòng Văn hóa và Thông tin huyện Cam Lâm")
    new_id = add_org(app, "Phòng Văn hóa - Xã hội xã Cam Lâm")
    login(Role.ORGANIZER)

    response = client.post(
        f"/manage/organizations/{old_id}/retire",
        data={"successor_id": new_id, "retired_on": "2025-07-01"},
    )

    assert response.status_code == 303
    old = load(app, old_id)
    assert old.retired_on.isoformat() == "2025-07-01"
    assert old.successor_id == new_id
    page = client.get(f"/manage/organizations/{old_id}/edit")
    assert "Retired on 01/07/2025" in page.text
    assert (
        "Phòng Văn hóa và Thông tin huyện Cam Lâm"
        not in client.get("/manage/organizations?q=cam+lam").text.split("</form>", 1)[1]
    )

    again = client.post(f"/manage/organizations/{old_id}/retire", data={"successor_id": "0"})
    assert again.status_code == 200
    assert "already retired" in again.text

    response = client.post(f"/manage/organizations/{old_id}/reinstate")
    assert response.status_code == 303
    assert load(app, old_id).retired_on is None


def test_retire_refuses_a_bad_date(
    app: Flask, client: FlaskClient, login: Callable[[Role], None]
) -> None:
    unit_id = add_org(app, "Phòng Văn hóa và Thông tin huyện Cam Lâm")
    login(Role.ORGANIZER)
    response = client.post(
        f"/manage/organizations/{unit_id}/retire",
        data={"successor_id": "0", "retired_on": "31/02/2025"},
    )
    assert response.status_code == 200
    assert "Not a valid date" in response.text
    assert load(app, unit_id).retired_on is None


def test_merge_from_the_edit_page(
    app: Flask, client: FlaskClient, login: Callable[[Role], None]
) -> None:
    kept_id = add_org(app, "Đồn Biên phòng Cam Ranh")
    merged_id = add_org(app, "Đồn BP Cam Ranh")
    with app.app_context():
        event = make_event(db.session)
        make_registration(db.session, event, organization_id=merged_id)
        db.session.add_all(
            [
                Quota(event_id=event.id, organization_id=kept_id, seats=4),
                Quota(event_id=event.id, organization_id=merged_id, seats=6),
            ]
        )
        db.session.commit()
    login(Role.ORGANIZER)

    response = client.post(f"/manage/organizations/{merged_id}/merge", data={"target_id": kept_id})

    assert response.status_code == 303
    assert response.headers["Location"] == f"/manage/organizations/{kept_id}/edit"
    assert load(app, merged_id) is None
    with app.app_context():
        assert db.session.scalar(select(Registration.organization_id)) == kept_id
        assert db.session.scalars(select(Quota.seats)).all() == [10]
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "organization.merge")
        ).one()
        assert entry.details["moved"] == {"registrations.organization_id": 1}
        assert entry.details["combined"] == {"quotas.organization_id": 1}
    assert "was merged into" in client.get(response.headers["Location"]).text


def test_merge_needs_a_target(
    app: Flask, client: FlaskClient, login: Callable[[Role], None]
) -> None:
    unit_id = add_org(app, "Đồn BP Cam Ranh")
    login(Role.ORGANIZER)
    for target in ("0", "", "abc", str(unit_id)):
        response = client.post(f"/manage/organizations/{unit_id}/merge", data={"target_id": target})
        assert response.status_code == 200, target
        assert "is-invalid" in response.text
    assert load(app, unit_id) is not None


def test_review_queue_accept(
    app: Flask, client: FlaskClient, login: Callable[[Role], None]
) -> None:
    typed_id = add_org(app, "truong thpt cam lam", needs_review=True, kind=OrganizationKind.OTHER)
    add_org(app, "Đồn Biên phòng Cam Ranh")
    login(Role.ORGANIZER)

    queue = client.get("/manage/organizations/review")
    assert "truong thpt cam lam" in queue.text
    assert "Đồn Biên phòng Cam Ranh" not in queue.text
    assert client.get(f"/manage/organizations/{typed_id}/review").status_code == 200

    response = client.post(
        f"/manage/organizations/{typed_id}/review",
        data={"name": "Trường THPT Cam Lâm", "kind": "other"},
    )

    assert response.status_code == 303
    assert response.headers["Location"] == "/manage/organizations/review"
    accepted = load(app, typed_id)
    assert accepted.needs_review is False
    assert accepted.name == "Trường THPT Cam Lâm"
    assert "truong thpt" not in client.get("/manage/organizations/review").text.lower()


def test_review_accept_refuses_a_taken_name(
    app: Flask, client: FlaskClient, login: Callable[[Role], None]
) -> None:
    add_org(app, "Đồn Biên phòng Cam Ranh")
    typed_id = add_org(app, "don bp cam ranh", needs_review=True)
    login(Role.ORGANIZER)
    response = client.post(
        f"/manage/organizations/{typed_id}/review",
        data={"name": "Đồn biên phòng Cam Ranh", "kind": "border_post"},
    )
    assert response.status_code == 200
    assert "already exists" in response.text
    assert load(app, typed_id).needs_review is True


def test_review_queue_merge(app: Flask, client: FlaskClient, login: Callable[[Role], None]) -> None:
    kept_id = add_org(app, "Đồn Biên phòng Cam Ranh")
    typed_id = add_org(app, "don bp cam ranh", needs_review=True)
    login(Role.ORGANIZER)
    response = client.post(
        f"/manage/organizations/{typed_id}/merge", data={"target_id": kept_id, "from": "review"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/manage/organizations/review"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Organization)) == 1
