"""Staff sign-in and sign-out: redirects, errors, audit, rate limit, CSRF and cookies."""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import quote
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.conftest import AuthActions
from trainingapp import create_app
from trainingapp.audit.models import AuditEntry
from trainingapp.auth.models import User
from trainingapp.extensions import db

EMAIL = "organizer@example.vn"
WRONG_PASSWORD_MESSAGE = "Wrong e-mail or password, or the account is disabled."


def in_english(client: FlaskClient) -> FlaskClient:
    """Switch the client's session to English (without a POST, so it works with CSRF on)."""
    with client.session_transaction() as flask_session:
        flask_session["lang"] = "en"
    return client


def audit_entries(app: Flask, action: str) -> list[AuditEntry]:
    with app.app_context():
        entries = list(
            db.session.scalars(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            )
        )
        db.session.expunge_all()
        return entries


def is_signed_in(client: FlaskClient) -> bool:
    response = client.get("/manage/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


@pytest.fixture
def organizer(make_user: Callable[..., User]) -> User:
    return make_user(EMAIL)


@pytest.fixture
def app_with(app: Flask, app_config: dict[str, Any]) -> Iterator[Callable[..., Flask]]:
    """Another app on the test database with some settings changed."""
    made: list[Flask] = []

    def _app_with(**settings: Any) -> Flask:
        other = create_app({**app_config, **settings})
        made.append(other)
        return other

    yield _app_with
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


# Signing in


def test_login_page(client: FlaskClient) -> None:
    response = client.get("/login")
    assert response.status_code == 200
    assert 'name="email"' in response.text
    assert 'name="password"' in response.text
    assert 'method="post"' in response.text


@pytest.mark.usefixtures("organizer")
def test_login_redirects_to_the_staff_area(
    app: Flask, auth: AuthActions, client: FlaskClient
) -> None:
    response = auth.login(EMAIL)
    assert response.status_code == 303
    assert response.headers["Location"] == "/manage/"
    assert is_signed_in(client)
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        assert user.last_login_at is not None


@pytest.mark.usefixtures("organizer")
def test_email_is_matched_case_insensitively(auth: AuthActions, client: FlaskClient) -> None:
    assert auth.login("  Organizer@Example.VN ").status_code == 303
    assert is_signed_in(client)


@pytest.mark.usefixtures("organizer")
@pytest.mark.parametrize(
    "next_url",
    ["/manage/?page=2", "/events/tap-huan-2026", "/manage/events/3/registrations?status=pending"],
)
def test_login_returns_to_a_safe_next_page(client: FlaskClient, next_url: str) -> None:
    response = client.post(
        f"/login?next={quote(next_url)}", data={"email": EMAIL, "password": PASSWORD}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == next_url


@pytest.mark.usefixtures("organizer")
@pytest.mark.parametrize(
    "next_url",
    [
        "//evil.example/",
        "http://evil.example/manage/",
        "https://evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "manage/",
    ],
)
def test_login_ignores_an_unsafe_next_page(client: FlaskClient, next_url: str) -> None:
    response = client.post(
        f"/login?next={quote(next_url)}", data={"email": EMAIL, "password": PASSWORD}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/manage/"


@pytest.mark.usefixtures("organizer")
def test_wrong_password_shows_the_error_next_to_the_field(client: FlaskClient) -> None:
    in_english(client)
    response = client.post("/login", data={"email": EMAIL, "password": "wrong password"})
    assert response.status_code == 200
    html = response.text
    password_input = re.search(r'<input[^>]*name="password"[^>]*>', html)
    assert password_input is not None
    assert "is-invalid" in password_input.group(0)
    after_input = html[password_input.end() :]
    assert re.match(
        r'\s*<div class="invalid-feedback[^"]*"[^>]*>' + re.escape(WRONG_PASSWORD_MESSAGE),
        after_input,
    )
    # The e-mail typed is kept, the password is not sent back.
    email_input = re.search(r'<input[^>]*name="email"[^>]*>', html)
    assert email_input is not None
    assert f'value="{EMAIL}"' in email_input.group(0)
    assert "wrong password" not in html
    assert not is_signed_in(client)


def test_unknown_email_gets_the_same_message(client: FlaskClient) -> None:
    in_english(client)
    response = client.post("/login", data={"email": "nobody@example.vn", "password": PASSWORD})
    assert response.status_code == 200
    assert WRONG_PASSWORD_MESSAGE in response.text


def test_empty_form_shows_required_field_messages(client: FlaskClient) -> None:
    in_english(client)
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 200
    assert "Please enter your e-mail." in response.text
    assert "Please enter your password." in response.text


def test_disabled_account_is_refused(make_user: Callable[..., User], client: FlaskClient) -> None:
    make_user("retired@example.vn", active=False)
    in_english(client)
    response = client.post("/login", data={"email": "retired@example.vn", "password": PASSWORD})
    assert response.status_code == 200
    assert WRONG_PASSWORD_MESSAGE in response.text
    assert not is_signed_in(client)


def test_login_and_failures_are_audited_with_the_ip_address(
    app: Flask, organizer: User, client: FlaskClient
) -> None:
    ip = {"REMOTE_ADDR": "203.0.113.7"}
    client.post("/login", data={"email": EMAIL, "password": "wrong"}, environ_base=ip)
    client.post("/login", data={"email": "Nobody@Example.vn", "password": "x"}, environ_base=ip)
    client.post("/login", data={"email": EMAIL, "password": PASSWORD}, environ_base=ip)

    failed = audit_entries(app, "auth.login_failed")
    assert [(e.actor_id, e.actor_label, e.object_id, e.ip_address) for e in failed] == [
        (None, EMAIL, organizer.id, "203.0.113.7"),
        (None, "nobody@example.vn", None, "203.0.113.7"),
    ]
    (login,) = audit_entries(app, "auth.login")
    assert login.actor_id == organizer.id
    assert login.actor_label == EMAIL
    assert login.object_type == "User"
    assert login.ip_address == "203.0.113.7"
    for entry in [*failed, login]:
        assert PASSWORD not in str(entry.details)
        assert "wrong" not in str(entry.details)


# Signing out


@pytest.mark.usefixtures("organizer")
def test_logout_is_post_only(auth: AuthActions, client: FlaskClient) -> None:
    auth.login(EMAIL)
    response = client.get("/logout")
    assert response.status_code == 405
    assert "<html" in response.text
    assert is_signed_in(client)


@pytest.mark.usefixtures("organizer")
def test_logout(app: Flask, auth: AuthActions, client: FlaskClient) -> None:
    auth.login(EMAIL)
    assert is_signed_in(client)
    response = client.post("/logout", environ_base={"REMOTE_ADDR": "198.51.100.4"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert not is_signed_in(client)
    (entry,) = audit_entries(app, "auth.logout")
    assert entry.actor_label == EMAIL
    assert entry.ip_address == "198.51.100.4"


def test_logout_when_not_signed_in_goes_to_login(client: FlaskClient) -> None:
    response = client.post("/logout")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"


# The staff area


@pytest.mark.usefixtures("organizer")
def test_staff_area_requires_login_and_comes_back_after_it(client: FlaskClient) -> None:
    response = client.get("/manage/")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    next_url = parse_qs(location.query)["next"][0]
    assert next_url == "/manage/"

    response = client.post(f"/login?{location.query}", data={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 303
    assert response.headers["Location"] == "/manage/"
    assert client.get("/manage/").status_code == 200


def test_disabled_account_is_signed_out_at_its_next_request(
    app: Flask, organizer: User, auth: AuthActions, client: FlaskClient
) -> None:
    auth.login(EMAIL)
    assert is_signed_in(client)
    with app.app_context():
        user = db.session.get(User, organizer.id)
        assert user is not None
        user.active = False
        db.session.commit()
    assert not is_signed_in(client)


# Rate limit


@pytest.mark.usefixtures("organizer")
def test_login_is_rate_limited(app_with: Callable[..., Flask]) -> None:
    limited = app_with(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = in_english(limited.test_client())
    for _ in range(3):
        response = client.post("/login", data={"email": EMAIL, "password": "wrong"})
        assert response.status_code == 200
    # The fourth attempt is refused, even with the right password.
    response = client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many requests" in response.text
    assert "Please wait a minute and try again." in response.text
    assert "Retry-After" in response.headers
    assert not is_signed_in(client)
    # Only sign-in attempts count: the form itself still opens.
    assert client.get("/login").status_code == 200


# CSRF


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match is not None, "no CSRF token in the page"
    return match.group(1)


@pytest.mark.usefixtures("organizer")
def test_login_without_csrf_token_gets_the_friendly_error_page(
    app_with: Callable[..., Flask],
) -> None:
    protected = app_with(WTF_CSRF_ENABLED=True)
    client = in_english(protected.test_client())
    response = client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 400
    assert "Your form expired or was sent twice." in response.text
    assert "Back to the course list" in response.text
    assert not is_signed_in(client)

    response = client.post(
        "/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 400

    token = csrf_token(client.get("/login").text)
    response = client.post(
        "/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303
    assert is_signed_in(client)


@pytest.mark.usefixtures("organizer")
def test_logout_and_language_switch_need_a_csrf_token(app_with: Callable[..., Flask]) -> None:
    protected = app_with(WTF_CSRF_ENABLED=True)
    client = protected.test_client()
    token = csrf_token(client.get("/login").text)
    client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token})
    assert client.post("/logout").status_code == 400
    assert is_signed_in(client)
    assert client.post("/language/en").status_code == 400
    page = client.get("/manage/")
    assert '<html lang="vi">' in page.text
    # The buttons in the page carry the token, so they work.
    token = csrf_token(page.text)
    assert client.post("/language/en", data={"csrf_token": token}).status_code == 303
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert not is_signed_in(client)


# Cookies


def set_cookies(response: Any) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


@pytest.mark.usefixtures("organizer")
def test_session_cookie_is_httponly_and_samesite_lax(client: FlaskClient) -> None:
    response = client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    cookie = set_cookies(response)["session"]
    assert "; HttpOnly" in cookie
    assert "; SameSite=Lax" in cookie


@pytest.mark.usefixtures("organizer")
def test_remember_cookie_is_httponly_and_samesite_lax(client: FlaskClient) -> None:
    response = client.post("/login", data={"email": EMAIL, "password": PASSWORD, "remember": "y"})
    cookies = set_cookies(response)
    assert "remember_token" in cookies
    assert "; HttpOnly" in cookies["remember_token"]
    assert "; SameSite=Lax" in cookies["remember_token"]
    assert "; HttpOnly" in cookies["session"]


def test_an_unknown_address_costs_a_password_check_like_a_known_one(app, make_user, monkeypatch):
    """Signing in takes the same work whether the address exists: its time tells nothing."""
    from trainingapp.auth import models as auth_models
    from trainingapp.auth.services import authenticate

    make_user("an@example.vn")
    checked: list[str] = []
    real_check = auth_models.check_password_hash

    def counting(hashed: str, password: str) -> bool:
        checked.append(hashed.split("$", 1)[0])
        return real_check(hashed, password)

    monkeypatch.setattr(auth_models, "check_password_hash", counting)
    with app.app_context():
        assert authenticate("an@example.vn", "wrong password") is None
        assert authenticate("nobody@example.vn", "wrong password") is None
    known, unknown = checked
    assert known == unknown  # the same hashing method, so the same cost
