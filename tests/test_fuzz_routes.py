"""Every GET route, fed hostile path values and query parameters, answers without a server error
(issue 16: the attack's requests replayed give 4xx, never 5xx), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from werkzeug.routing import Rule

from trainingapp.auth.models import Role
from trainingapp.extensions import db

from .factories import make_event
from .factories import make_registration

#: what an attacker puts in a path segment or a query value
HOSTILE = [
    "%00",
    "a%00b",
    "99999999999999999999",
    "-1",
    "0",
    "%E2%80%AE",
    "..%2F..%2Fetc",
    "x" * 300,
]
#: query parameters the app's pages read
PARAMETERS = ["page", "q", "search", "status", "session", "sort", "next", "organization", "format"]


def _get_rules(app) -> list[Rule]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and rule.endpoint != "static"
    ]


def _path(rule: Rule, value: str, known: dict[str, str]) -> str:
    path = rule.rule
    for argument in rule.arguments:
        chosen = known.get(argument, value)
        path = path.replace(f"<{argument}>", chosen)
        for converter in ("int", "string", "path"):
            path = path.replace(f"<{converter}:{argument}>", chosen)
    return path


@pytest.fixture
def signed_in(app, client, make_user, auth):
    make_user("admin@example.vn", role=Role.ADMIN)
    assert auth.login("admin@example.vn").status_code == 303
    with app.app_context():
        event = make_event(db.session)
        registration = make_registration(db.session, event)
        db.session.commit()
        return client, {"event_id": str(event.id), "slug": event.slug}, registration.manage_token


def test_hostile_path_values_never_give_a_server_error(app, signed_in):
    client, known, _token = signed_in
    errors, tried = [], 0
    for rule in _get_rules(app):
        if not rule.arguments:
            continue
        for value in HOSTILE:
            # once with every argument hostile, once with the course's own id and slug kept
            for keep in ({}, known):
                url = _path(rule, value, keep)
                tried += 1
                status = client.get(url).status_code
                if status >= 500:
                    errors.append((url, status))
    assert errors == []
    assert tried > 500  # every route with arguments was tried


def test_hostile_query_values_never_give_a_server_error(app, signed_in):
    client, known, token = signed_in
    errors, answered = [], 0
    for rule in _get_rules(app):
        values = dict(known, token=token)
        if any(argument not in values for argument in rule.arguments):
            continue
        base = _path(rule, "", values)
        for parameter in PARAMETERS:
            for value in HOSTILE:
                status = client.get(f"{base}?{parameter}={value}").status_code
                answered += status == 200
                if status >= 500:
                    errors.append((f"{base}?{parameter}={value}", status))
    assert errors == []
    assert answered > 500  # the pages themselves were reached, not only refused
