"""New passwords: common ones (zxcvbn's lists of leaked passwords, words and patterns) and the
account's own e-mail are refused everywhere a password is set: ``flask create-user``, an admin
creating an account or resetting its password, and a user changing their own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask.testing import FlaskCliRunner
from flask_babel import force_locale
from flask_babel import gettext
from sqlalchemy import select

from tests.conftest import PASSWORD
from trainingapp.auth.models import Role
from trainingapp.auth.models import User
from trainingapp.auth.passwords import password_problem
from trainingapp.auth.services import AccountError
from trainingapp.auth.services import create_user
from trainingapp.extensions import db

COMMON = "This password is one of the most common passwords. Choose another one."
GUESSABLE = "This password is too easy to guess. Use a few unrelated words, or a longer password."
OWN_EMAIL = "The password must not contain your e-mail address or its name part."
EMAIL = "an.nguyen@example.vn"


@pytest.mark.parametrize(
    "password",
    ["password", "12345678", "Password123", "qwertyuiop", "iloveyou1", "abc12345", "anhyeuem"],
)
def test_common_passwords_are_refused(password: str) -> None:
    assert str(password_problem(password, EMAIL)) == COMMON


@pytest.mark.parametrize("password", ["88888888", "aaaaaaaaaaaa", "abcdefgh1"])
def test_guessable_patterns_are_refused(password: str) -> None:
    assert str(password_problem(password, EMAIL)) in (COMMON, GUESSABLE)


@pytest.mark.parametrize(
    "password",
    [
        EMAIL,
        EMAIL.upper(),
        "an.nguyen",
        "annguyen",
        "An Nguyen 2026!",
        f"x{EMAIL}x",
        "annguyen@2026",
    ],
)
def test_the_own_email_or_its_name_part_is_refused(password: str) -> None:
    assert str(password_problem(password, EMAIL)) == OWN_EMAIL


@pytest.mark.parametrize(
    "password",
    [
        PASSWORD,  # "correct horse battery": the test fixtures' password
        "mật khẩu đủ dài",
        "a brand new secret",
        "Biển Nha Trang xanh 2026",
        "lớp tập huấn " * 10,  # longer than zxcvbn reads (72 characters): still checked
    ],
)
def test_passphrases_pass(password: str) -> None:
    assert password_problem(password, EMAIL) is None


def test_a_short_name_part_is_not_looked_for_inside_words() -> None:
    # "an" is in many words ("an toàn", "Khánh"): only the whole e-mail is refused then.
    assert password_problem("an toàn thông tin mạng", "an@example.vn") is None
    assert password_problem("an@example.vn 2026", "an@example.vn") is not None


def test_create_user_service_refuses_on_the_password_field(app_ctx: None) -> None:
    with pytest.raises(AccountError) as caught:
        create_user(EMAIL, "Password123", Role.STAFF)
    with force_locale("en"):
        errors = {name: str(text) for name, text in caught.value.errors.items()}
    assert errors == {"password": COMMON}
    assert db.session.scalar(select(User).where(User.email == EMAIL)) is None


def test_cli_refuses_a_common_password(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["create-user", "--email", EMAIL, "--role", "staff", "--password", "qwertyuiop"]
    )
    assert result.exit_code != 0
    with app.app_context():  # the command speaks the default language, Vietnamese
        common, own_email = gettext(COMMON), gettext(OWN_EMAIL)
    assert common != COMMON
    assert common in result.output
    result = runner.invoke(
        args=["create-user", "--email", EMAIL, "--role", "staff", "--password", "annguyen2026"]
    )
    assert result.exit_code != 0
    assert own_email in result.output
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == EMAIL)) is None


@pytest.fixture
def admin_client(client: FlaskClient, make_user: Callable[..., Any], auth: Any) -> FlaskClient:
    admin = make_user(email="admin@example.vn", role=Role.ADMIN)
    client.post("/language/en")
    assert auth.login(admin.email).status_code == 303
    return client


def test_admin_create_refuses_common_and_own_email(app: Flask, admin_client: FlaskClient) -> None:
    for password, message in (("iloveyou1", COMMON), ("an.nguyen@example.vn", OWN_EMAIL)):
        response = admin_client.post(
            "/manage/accounts/new", data={"email": EMAIL, "role": "staff", "password": password}
        )
        assert response.status_code == 200
        assert message in response.text
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == EMAIL)) is None


def test_admin_reset_refuses_a_common_password(
    app: Flask, admin_client: FlaskClient, make_user: Callable[..., Any], auth: Any
) -> None:
    other = make_user(email=EMAIL, role=Role.STAFF)
    response = admin_client.post(
        f"/manage/accounts/{other.id}/password",
        data={"new_password": "Password123", "confirm": "Password123"},
    )
    assert response.status_code == 200
    assert COMMON in response.text
    auth.logout()
    assert auth.login(EMAIL, PASSWORD).status_code == 303  # unchanged


def test_own_change_refuses_the_own_email(
    client: FlaskClient, make_user: Callable[..., Any], auth: Any
) -> None:
    me = make_user(email=EMAIL, role=Role.STAFF)
    client.post("/language/en")
    assert auth.login(me.email).status_code == 303
    response = client.post(
        "/manage/account/password",
        data={"current_password": PASSWORD, "new_password": EMAIL, "confirm": EMAIL},
    )
    assert response.status_code == 200
    assert OWN_EMAIL in response.text
    auth.logout()
    assert auth.login(EMAIL, PASSWORD).status_code == 303  # unchanged
