"""The double-click shortcut (SPEC rule 2): a second submission from the same browser lands on the
registration the first one made, but only a few seconds after it and only with the same details.
Anyone else typing the same phone at that browser later gets the "already registered" message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from trainingapp.common.time import utcnow
from trainingapp.extensions import db
from trainingapp.registration import views
from trainingapp.registration.models import Registration

from .conftest import form_data

DUPLICATE = "This phone number is already registered for this course."
RESEND = 'action="/events/lop-1/register/resend"'


def post(client: FlaskClient, **overrides: Any) -> Any:
    return client.post("/events/lop-1/register", data=form_data(**overrides))


def tokens(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Registration.manage_token)))


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """Move the registration view's clock this many seconds past the real one (registrations
    are stamped with the real clock)."""

    def _advance(seconds: float) -> None:
        later: datetime = utcnow() + timedelta(seconds=seconds)
        monkeypatch.setattr(views, "utcnow", lambda: later)

    return _advance


@pytest.fixture
def first(app: Flask, client: FlaskClient, make_event: Callable[..., int]) -> str:
    """The browser's first submission: the address of the page it made."""
    make_event()
    client.get("/events/lop-1/register")  # the form page gives the browser its nonce
    response = post(client)
    assert response.status_code == 303
    location: str = response.headers["Location"]
    assert tokens(app) == [location.rsplit("/", 1)[-1]]
    return location


def test_the_same_details_again_within_seconds_show_the_first_registration(
    app: Flask, client: FlaskClient, first: str, clock: Callable[[float], None]
) -> None:
    clock(views.DOUBLE_SUBMIT_WINDOW.total_seconds() - 1)
    second = post(client)
    assert second.status_code == 303
    assert second.headers["Location"] == first
    assert len(tokens(app)) == 1


def test_the_same_details_after_the_window_get_the_duplicate_message(
    app: Flask, client: FlaskClient, first: str, clock: Callable[[float], None]
) -> None:
    clock(views.DOUBLE_SUBMIT_WINDOW.total_seconds() + 1)
    second = post(client)
    assert second.status_code == 200
    html = second.get_data(as_text=True)
    assert DUPLICATE in html
    assert RESEND in html  # offered to resend the link to the address on file
    assert first.rsplit("/", 1)[-1] not in html
    assert len(tokens(app)) == 1


def test_another_name_with_the_same_phone_at_once_gets_the_duplicate_message(
    app: Flask, client: FlaskClient, first: str
) -> None:
    second = post(client, full_name="Trần Thị Bích", email="bich@example.vn")
    assert second.status_code == 200
    html = second.get_data(as_text=True)
    assert DUPLICATE in html
    assert RESEND in html
    assert first.rsplit("/", 1)[-1] not in html
    assert len(tokens(app)) == 1


def test_the_same_name_typed_differently_still_counts_as_the_same(
    app: Flask, client: FlaskClient, first: str
) -> None:
    """Names are compared normalised: spacing, case and decomposed accents do not matter."""
    second = post(client, full_name="  nguye\u0302\u0303n   VĂN an ", phone="+84 905 123 456")
    assert second.status_code == 303
    assert second.headers["Location"] == first
