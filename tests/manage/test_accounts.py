"""Accounts (admin only) and the self-service password page (any account)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import PASSWORD
from trainingapp.audit.models import AuditEntry
from trainingapp.auth.models import Role
from trainingapp.auth.models import User
from trainingapp.extensions import db

NEW_PASSWORD = "a brand new secret"


@pytest.fixture
def login(client: FlaskClient, make_user: Callable[..., Any], auth: Any) -> Callable[[Role], User]:
    def _login(role: Role = Role.ADMIN) -> User:
        user = make_user(email=f"{role.value}@example.vn", role=role)
        client.post("/language/en")
        assert auth.login(user.email).status_code == 303
        return user

    return _login


def load(app: Flask, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        db.session.expunge(user)
        return user


def audit(app: Flask, action: str) -> list[AuditEntry]:
    with app.app_context():
        entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))
        for entry in entries:
            db.session.expunge(entry)
        return entries


ADMIN_PAGES = [
    ("GET", "/manage/accounts"),
    ("GET", "/manage/accounts/new"),
    ("POST", "/manage/accounts/new"),
    ("GET", "/manage/accounts/{id}"),
    ("POST", "/manage/accounts/{id}/role"),
    ("POST", "/manage/accounts/{id}/password"),
    ("POST", "/manage/accounts/{id}/disable"),
    ("POST", "/manage/accounts/{id}/enable"),
    ("GET", "/manage/audit"),
]


@pytest.mark.parametrize("role", [Role.ORGANIZER, Role.STAFF])
def test_admin_pages_are_refused_to_other_roles(
    app: Flask, client: FlaskClient, login: Callable[[Role], User], role: Role
) -> None:
    user = login(role)
    for method, url in ADMIN_PAGES:
        response = client.open(url.format(id=user.id), method=method, data={"role": "admin"})
        assert response.status_code == 403, f"{method} {url}"
    assert load(app, user.id).role == role


def test_nav_shows_links_by_role(client: FlaskClient, login: Callable[[Role], User]) -> None:
    assert "/manage/accounts" not in client.get("/").text
    login(Role.STAFF)
    page = client.get("/").text
    assert "/manage/account/password" in page
    assert "/manage/lecturers" not in page
    assert "/manage/accounts" not in page


def test_nav_for_admin(client: FlaskClient, login: Callable[[Role], User]) -> None:
    login(Role.ADMIN)
    page = client.get("/").text
    for url in (
        "/manage/",
        "/manage/lecturers",
        "/manage/organizations",
        "/manage/accounts",
        "/manage/audit",
        "/manage/account/password",
    ):
        assert f'href="{url}"' in page, url


def test_list_and_search(
    client: FlaskClient, make_user: Callable[..., Any], login: Callable[[Role], User]
) -> None:
    make_user(email="mai@example.vn", role=Role.STAFF, full_name="Trần Thị Mai")
    login(Role.ADMIN)
    page = client.get("/manage/accounts")
    assert page.status_code == 200
    assert "mai@example.vn" in page.text
    found = client.get("/manage/accounts?q=MAI@")
    assert "mai@example.vn" in found.text
    assert "admin@example.vn" not in found.text.split("</form>", 2)[-1]


def test_create_account_then_it_can_sign_in(
    app: Flask, client: FlaskClient, login: Callable[[Role], User], auth: Any
) -> None:
    login(Role.ADMIN)
    response = client.post(
        "/manage/accounts/new",
        data={
            "email": " Lan@Example.VN ",
            "full_name": "Lê Thị Lan",
            "role": "organizer",
            "password": NEW_PASSWORD,
        },
    )
    assert response.status_code == 303
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == "lan@example.vn")).one()
        assert user.role == Role.ORGANIZER
        assert user.full_name == "Lê Thị Lan"
        user_id = user.id
    assert response.headers["Location"] == f"/manage/accounts/{user_id}"
    [entry] = audit(app, "user.create")
    assert NEW_PASSWORD not in str(entry.details)

    auth.logout()
    assert auth.login("lan@example.vn", NEW_PASSWORD).status_code == 303


@pytest.mark.parametrize(
    ("data", "field_message"),
    [
        ({"email": "", "role": "staff", "password": NEW_PASSWORD}, "Please enter an e-mail"),
        ({"email": "not-an-email", "role": "staff", "password": NEW_PASSWORD}, "valid e-mail"),
        ({"email": "a@example.vn", "role": "staff", "password": "short"}, "between 8 and"),
        ({"email": "a@example.vn", "role": "root", "password": NEW_PASSWORD}, "Not a valid choice"),
        (
            {"email": "admin@example.vn", "role": "staff", "password": NEW_PASSWORD},
            "already exists",
        ),
        (
            {"email": "ADMIN@example.vn", "role": "staff", "password": NEW_PASSWORD},
            "already exists",
        ),
    ],
)
def test_create_account_refusals(
    app: Flask,
    client: FlaskClient,
    login: Callable[[Role], User],
    data: dict[str, str],
    field_message: str,
) -> None:
    login(Role.ADMIN)
    response = client.post("/manage/accounts/new", data={"full_name": "Lê Lan", **data})
    assert response.status_code == 200
    assert field_message in response.text
    assert 'value="Lê Lan"' in response.text
    with app.app_context():
        assert len(db.session.scalars(select(User)).all()) == 1


def test_disable_and_enable(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., Any],
    login: Callable[[Role], User],
) -> None:
    other = make_user(email="staff@example.vn", role=Role.STAFF)
    login(Role.ADMIN)

    response = client.post(f"/manage/accounts/{other.id}/disable")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/manage/accounts/{other.id}"
    assert load(app, other.id).active is False
    [entry] = audit(app, "user.disable")
    assert entry.details == {"active": [True, False]}

    assert client.post(f"/manage/accounts/{other.id}/enable").status_code == 303
    assert load(app, other.id).active is True
    assert len(audit(app, "user.enable")) == 1


def test_admin_cannot_disable_or_demote_themself(
    app: Flask, client: FlaskClient, login: Callable[[Role], User]
) -> None:
    me = login(Role.ADMIN)
    response = client.post(f"/manage/accounts/{me.id}/disable", follow_redirects=True)
    assert "You cannot disable your own account" in response.text
    assert load(app, me.id).active is True

    response = client.post(f"/manage/accounts/{me.id}/role", data={"role": "staff"})
    assert response.status_code == 200
    assert "You cannot remove your own admin role" in response.text
    assert load(app, me.id).role == Role.ADMIN


def test_disabled_account_cannot_sign_in_and_is_signed_out(
    app: Flask, make_user: Callable[..., Any], auth: Any, client: FlaskClient
) -> None:
    staff = make_user(email="staff@example.vn", role=Role.STAFF)
    admin = make_user(email="admin@example.vn", role=Role.ADMIN)
    staff_client = app.test_client()
    assert (
        staff_client.post("/login", data={"email": staff.email, "password": PASSWORD}).status_code
        == 303
    )
    assert staff_client.get("/manage/").status_code == 200

    assert auth.login(admin.email).status_code == 303
    assert client.post(f"/manage/accounts/{staff.id}/disable").status_code == 303

    # the open session ends at the next request...
    response = staff_client.get("/manage/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    # ...and signing in again is refused
    refused = staff_client.post("/login", data={"email": staff.email, "password": PASSWORD})
    assert refused.status_code == 200
    assert staff_client.get("/manage/").status_code == 302


def test_change_role(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any], login: Callable[[Role], User]
) -> None:
    other = make_user(email="staff@example.vn", role=Role.STAFF)
    login(Role.ADMIN)
    response = client.post(f"/manage/accounts/{other.id}/role", data={"role": "organizer"})
    assert response.status_code == 303
    assert load(app, other.id).role == Role.ORGANIZER
    [entry] = audit(app, "user.role")
    assert entry.details == {"role": ["staff", "organizer"]}

    bad = client.post(f"/manage/accounts/{other.id}/role", data={"role": "superuser"})
    assert bad.status_code == 200
    assert "Not a valid choice" in bad.text
    assert client.post("/manage/accounts/999999/role", data={"role": "staff"}).status_code == 404


def test_reset_password(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., Any],
    login: Callable[[Role], User],
    auth: Any,
) -> None:
    other = make_user(email="staff@example.vn", role=Role.STAFF)
    login(Role.ADMIN)

    mismatch = client.post(
        f"/manage/accounts/{other.id}/password",
        data={"new_password": NEW_PASSWORD, "confirm": "something else"},
    )
    assert mismatch.status_code == 200
    assert "The two passwords are not the same" in mismatch.text
    short = client.post(
        f"/manage/accounts/{other.id}/password", data={"new_password": "1234", "confirm": "1234"}
    )
    assert "between 8 and" in short.text

    response = client.post(
        f"/manage/accounts/{other.id}/password",
        data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 303
    [entry] = audit(app, "user.password_reset")
    assert entry.object_id == other.id
    assert NEW_PASSWORD not in str(entry.details)

    auth.logout()
    assert auth.login(other.email, PASSWORD).status_code == 200
    assert auth.login(other.email, NEW_PASSWORD).status_code == 303


@pytest.mark.parametrize("role", [Role.STAFF, Role.ORGANIZER, Role.ADMIN])
def test_change_own_password(
    app: Flask, client: FlaskClient, login: Callable[[Role], User], auth: Any, role: Role
) -> None:
    me = login(role)
    assert client.get("/manage/account/password").status_code == 200

    response = client.post(
        "/manage/account/password",
        data={"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )

    assert response.status_code == 303
    assert response.headers["Location"] == "/manage/"
    [entry] = audit(app, "user.password_change")
    assert entry.actor_id == me.id
    assert NEW_PASSWORD not in str(entry.details)
    assert PASSWORD not in str(entry.details)
    auth.logout()
    assert auth.login(me.email, NEW_PASSWORD).status_code == 303


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {
                "current_password": "wrong password",
                "new_password": NEW_PASSWORD,
                "confirm": NEW_PASSWORD,
            },
            "The current password is wrong",
        ),
        (
            {"current_password": PASSWORD, "new_password": "short", "confirm": "short"},
            "between 8 and",
        ),
        (
            {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": "other thing"},
            "not the same",
        ),
        (
            {"current_password": PASSWORD, "new_password": PASSWORD, "confirm": PASSWORD},
            "must be different",
        ),
        (
            {"current_password": "", "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
            "Please enter your current password",
        ),
    ],
)
def test_change_own_password_refusals(
    app: Flask,
    client: FlaskClient,
    login: Callable[[Role], User],
    auth: Any,
    data: dict[str, str],
    message: str,
) -> None:
    me = login(Role.STAFF)
    response = client.post("/manage/account/password", data=data)
    assert response.status_code == 200
    assert message in response.text
    assert audit(app, "user.password_change") == []
    auth.logout()
    assert auth.login(me.email, PASSWORD).status_code == 303


def test_password_page_needs_login(client: FlaskClient) -> None:
    response = client.get("/manage/account/password")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
