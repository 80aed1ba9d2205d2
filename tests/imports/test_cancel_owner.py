"""Cancelling a pending import: only the account that uploaded the file, for its course, can
throw it away. Anyone else's cancel is refused and the upload stays for its owner."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import PASSWORD
from tests.imports.conftest import csv_text
from tests.imports.conftest import person
from tests.imports.test_views import token_of
from tests.imports.test_views import upload
from tests.imports.test_views import url
from trainingapp.auth.models import Role

REFUSED = "This upload has expired or was already used. Please upload the file again."
DISCARDED = "The upload was discarded; nothing was imported."


def cancel(client: FlaskClient, event_id: int, token: str) -> Any:
    response = client.post(url(event_id), data={"step": "cancel", "token": token})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(url(event_id))
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_another_account_cannot_cancel_an_upload(
    app: Flask,
    signed_in: FlaskClient,
    make_course: Callable[..., int],
    make_user: Callable[..., Any],
    import_folder: Path,
) -> None:
    event_id = make_course()
    token = token_of(upload(signed_in, event_id, csv_text([person(1)]).encode()))
    stored = sorted(p.name for p in import_folder.iterdir())
    assert stored == [f"{token}.json", f"{token}.upload"]

    # An admin may open the course's import page, but the upload is not theirs.
    admin = make_user("admin@example.vn", Role.ADMIN)
    other = app.test_client()
    assert (
        other.post("/login", data={"email": admin.email, "password": PASSWORD}).status_code == 303
    )
    page = cancel(other, event_id, token)
    assert REFUSED in page
    assert DISCARDED not in page
    assert sorted(p.name for p in import_folder.iterdir()) == stored

    # The owner still has it, and can cancel it.
    assert signed_in.get(url(event_id) + f"?token={token}").status_code == 200
    assert DISCARDED in cancel(signed_in, event_id, token)
    assert list(import_folder.iterdir()) == []
    # A second cancel (a double click) is told the upload is gone.
    assert REFUSED in cancel(signed_in, event_id, token)


def test_the_owner_cannot_cancel_it_from_another_course(
    signed_in: FlaskClient, make_course: Callable[..., int], import_folder: Path
) -> None:
    event_id, other_course = make_course(), make_course()
    token = token_of(upload(signed_in, event_id, csv_text([person(1)]).encode()))
    assert REFUSED in cancel(signed_in, other_course, token)
    assert len(list(import_folder.iterdir())) == 2
