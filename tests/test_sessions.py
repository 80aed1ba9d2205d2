"""Signing out, changing or resetting a password and disabling an account end every session of
that account: other browsers and old remember cookies read nothing afterwards."""

from __future__ import annotations

import pytest

from trainingapp.auth.models import Role

from .conftest import PASSWORD

NEW_PASSWORD = "a brand new secret"
STAFF_PAGE = "/manage/"


def _signed_in(app, email, *, remember=False):
    client = app.test_client()
    data = {"email": email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    assert client.post("/login", data=data).status_code == 303
    assert client.get(STAFF_PAGE).status_code == 200
    return client


def _is_signed_out(client) -> bool:
    response = client.get(STAFF_PAGE)
    return response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.fixture
def user(make_user):
    return make_user("an@example.vn", role=Role.ORGANIZER)


def test_signing_out_ends_the_other_browsers_and_remember_cookies(app, user):
    laptop = _signed_in(app, user.email)
    phone = _signed_in(app, user.email, remember=True)
    remembered = phone.get_cookie("remember_token")
    assert remembered is not None
    # The remember cookie alone (the session cookie gone, e.g. the browser restarted) works...
    restarted = app.test_client()
    restarted.set_cookie("remember_token", remembered.value)
    assert restarted.get(STAFF_PAGE).status_code == 200
    # ...until the account signs out anywhere.
    assert laptop.post("/logout").status_code == 303
    assert _is_signed_out(phone)
    again = app.test_client()
    again.set_cookie("remember_token", remembered.value)
    assert _is_signed_out(again)
    assert _signed_in(app, user.email)  # signing in again works


def test_a_password_change_keeps_this_browser_and_ends_the_others(app, user):
    here = _signed_in(app, user.email)
    elsewhere = _signed_in(app, user.email)
    response = here.post(
        "/manage/account/password",
        data={"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 303
    assert here.get(STAFF_PAGE).status_code == 200
    assert _is_signed_out(elsewhere)


@pytest.mark.parametrize("action", ["password", "disable"])
def test_an_admins_reset_or_disable_ends_the_accounts_sessions(app, make_user, user, action):
    make_user("admin@example.vn", role=Role.ADMIN)
    admin = _signed_in(app, "admin@example.vn")
    victim = _signed_in(app, user.email)
    data = {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD} if action == "password" else {}
    response = admin.post(f"/manage/accounts/{user.id}/{action}", data=data)
    assert response.status_code == 303
    assert _is_signed_out(victim)
    assert admin.get(STAFF_PAGE).status_code == 200


def test_the_remember_cookie_is_short_lived_and_secure_with_the_session_cookie(app_config):
    from trainingapp import create_app

    secure = create_app({**app_config, "SESSION_COOKIE_SECURE": True})
    assert secure.config["REMEMBER_COOKIE_SECURE"] is True
    assert secure.config["REMEMBER_COOKIE_DURATION"].days == 14
    assert create_app(app_config).config["REMEMBER_COOKIE_SECURE"] is False
    client = secure.test_client()
    # the account lives in the other app's database only when both use it: make one here
    with secure.app_context():
        from trainingapp.auth.services import create_user
        from trainingapp.extensions import db

        db.create_all()
        create_user("b@example.vn", PASSWORD, Role.STAFF)
        db.session.commit()
    response = client.post(
        "/login", data={"email": "b@example.vn", "password": PASSWORD, "remember": "y"}
    )
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if "remember_token" in h)
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
