from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.attendance.world import PASSWORD
from tests.attendance.world import Desk
from tests.attendance.world import build_desk


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """English pages, so assertions read the messages as written in the code."""
    return {**app_config, "BABEL_DEFAULT_LOCALE": "en"}


@pytest.fixture
def desk(app: Flask) -> Desk:
    return build_desk(app)


@pytest.fixture
def staff_client(client: FlaskClient, desk: Desk) -> FlaskClient:
    response = client.post("/login", data={"email": desk.staff_email, "password": PASSWORD})
    assert response.status_code == 303
    return client


@pytest.fixture
def organizer_client(app: Flask, desk: Desk) -> FlaskClient:
    client = app.test_client()
    response = client.post("/login", data={"email": desk.organizer_email, "password": PASSWORD})
    assert response.status_code == 303
    return client
