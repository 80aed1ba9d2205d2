"""The audit log page: admin only, filters, newest first, readable changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale

from tests.factories import make_event
from trainingapp.admin.audit import ACTION_LABELS
from trainingapp.admin.audit import action_label
from trainingapp.admin.audit import actor_text
from trainingapp.admin.audit import describe
from trainingapp.admin.audit import format_value
from trainingapp.admin.audit import object_label
from trainingapp.audit.models import AuditEntry
from trainingapp.auth.models import Role
from trainingapp.auth.models import User
from trainingapp.extensions import db


@pytest.fixture
def admin(client: FlaskClient, make_user: Callable[..., Any], auth: Any) -> User:
    user = make_user(email="admin@example.vn", role=Role.ADMIN)
    client.post("/language/en")
    assert auth.login(user.email).status_code == 303
    return user


@pytest.fixture
def entries(app: Flask, admin: User, make_user: Callable[..., Any]) -> dict[str, int]:
    """Entries on two courses by two accounts on three local days (times are UTC)."""
    other = make_user(email="mai@example.vn", role=Role.ORGANIZER)
    with app.app_context():
        course = make_event(db.session, title="Lớp tập huấn thông tin đối ngoại 2023")
        second = make_event(db.session, title="Lớp tập huấn báo chí")
        rows = [
            # 15/08/2023 23:30 local = 16:30 UTC
            AuditEntry(
                created_at=datetime(2023, 8, 15, 16, 30),
                actor_id=admin.id,
                actor_label=admin.email,
                action="event.update",
                object_type="Event",
                object_id=course.id,
                event_id=course.id,
                details={"capacity": [200, 250], "venue": ["", "Hội trường Sở"]},
            ),
            # 16/08/2023 00:30 local = 15/08 17:30 UTC
            AuditEntry(
                created_at=datetime(2023, 8, 15, 17, 30),
                actor_id=other.id,
                actor_label=other.email,
                action="registration.export",
                object_type="Event",
                object_id=course.id,
                event_id=course.id,
                details={"format": "xlsx", "rows": 212},
            ),
            AuditEntry(
                created_at=datetime(2023, 8, 17, 2, 0),
                actor_id=other.id,
                actor_label=other.email,
                action="event.update",
                object_type="Event",
                object_id=second.id,
                event_id=second.id,
                details={"start_date": ["2023-09-01", "2023-09-05"]},
            ),
        ]
        db.session.add_all(rows)
        db.session.commit()
        return {"course": course.id, "second": second.id, "other": other.id}


def listed(html: str) -> list[str]:
    """The actions shown in the list, in order (their codes, kept out of sight in data-action)."""
    body = html.split("newest first", 1)[1]
    return [part.split('"', 1)[0] for part in body.split('data-action="')[1:]]


@pytest.mark.parametrize("role", [Role.ORGANIZER, Role.STAFF])
def test_audit_log_is_admin_only(
    client: FlaskClient, make_user: Callable[..., Any], auth: Any, role: Role
) -> None:
    user = make_user(email="someone@example.vn", role=role)
    auth.login(user.email)
    assert client.get("/manage/audit").status_code == 403


def test_newest_first_with_readable_changes(client: FlaskClient, entries: dict[str, int]) -> None:
    response = client.get("/manage/audit")
    assert response.status_code == 200
    # the admin's own login comes last in time, so first in the list
    assert listed(response.text) == [
        "auth.login",
        "event.update",
        "registration.export",
        "event.update",
    ]
    assert "Lớp tập huấn thông tin đối ngoại 2023" in response.text
    assert "200</del> → <ins" in response.text
    assert ">250</ins>" in response.text
    assert ">01/09/2023</del>" in response.text  # dates shown dd/mm/yyyy
    assert "16/08/2023 00:30" in response.text  # instants shown in local time, 24 h
    assert "Signed in" in response.text


def test_filter_by_course_user_and_action(
    client: FlaskClient, entries: dict[str, int], admin: User
) -> None:
    by_course = client.get(f"/manage/audit?event={entries['course']}")
    assert listed(by_course.text) == ["registration.export", "event.update"]

    by_user = client.get(f"/manage/audit?actor={entries['other']}")
    assert listed(by_user.text) == ["event.update", "registration.export"]

    by_action = client.get("/manage/audit?action=event.update")
    assert listed(by_action.text) == ["event.update", "event.update"]

    combined = client.get(f"/manage/audit?actor={entries['other']}&action=event.update")
    assert listed(combined.text) == ["event.update"]
    assert "Lớp tập huấn báo chí" in combined.text.split("newest first", 1)[1]


def test_filter_by_local_date_range(client: FlaskClient, entries: dict[str, int]) -> None:
    day = client.get("/manage/audit?start=2023-08-16&end=2023-08-16")
    assert listed(day.text) == ["registration.export"]
    since = client.get("/manage/audit?start=2023-08-16&action=event.update")
    assert listed(since.text) == ["event.update"]
    until = client.get("/manage/audit?end=2023-08-15")
    assert listed(until.text) == ["event.update"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start=16/08/2023", "Not a valid date"),
        ("start=2023-08-17&end=2023-08-16", "must not be before"),
        ("event=abc", "Invalid Choice"),
        ("event=999999", "Not a valid choice"),
        ("actor=-1", "Not a valid choice"),
        ("action=%3Cscript%3E", "Not a valid choice"),
    ],
)
def test_bad_filters_get_a_message_not_an_error(
    client: FlaskClient, entries: dict[str, int], query: str, message: str
) -> None:
    response = client.get(f"/manage/audit?{query}")
    assert response.status_code == 200
    assert message in response.text
    assert "<script>" not in response.text


def test_pagination_keeps_the_filters(
    app: Flask, client: FlaskClient, entries: dict[str, int]
) -> None:
    app.config["ITEMS_PER_PAGE"] = 1
    first = client.get("/manage/audit?action=event.update")
    assert listed(first.text) == ["event.update"]
    assert "action=event.update" in first.text
    assert "page=2" in first.text
    second = client.get("/manage/audit?action=event.update&page=2")
    assert listed(second.text) == ["event.update"]
    assert client.get("/manage/audit?page=99").status_code == 200


def test_account_actions_appear_in_the_log(
    client: FlaskClient, make_user: Callable[..., Any], admin: User
) -> None:
    other = make_user(email="staff@example.vn", role=Role.STAFF)
    client.post(f"/manage/accounts/{other.id}/role", data={"role": "organizer"})
    page = client.get("/manage/audit?action=user.role")
    assert listed(page.text) == ["user.role"]
    assert "Role changed" in page.text
    assert ">Staff</del>" in page.text


def test_describe_and_format_values(app: Flask) -> None:
    with app.test_request_context(), force_locale("en"):
        lines = describe({"active": [True, False], "retired_on": [None, "2025-07-01"], "rows": 3})
        assert [(line.label, line.before, line.after, line.value) for line in lines] == [
            ("Active", "yes", "no", None),
            ("Retired on", "—", "01/07/2025", None),
            ("Rows", None, None, "3"),
        ]
        assert describe({"role": ["staff", "admin"]})[0].after == "Administrator"
        assert describe({"kind": "border_post"})[0].value == "Border guard post"
        assert format_value("2023-02-31") == "2023-02-31"
        assert format_value("08:00:00") == "08:00"
        assert format_value({"id": 3, "name": "Đồn"}) == "id: 3, Name: Đồn"


#: functions that write an audit entry, and the position of their action argument
_RECORDERS = {"record": 1, "record_export": 1, "set_status": 3}


def _recorded_actions() -> set[str]:
    """Every action the code passes to ``audit.services.record`` or its wrappers: literals,
    both sides of a conditional, and names (``action``, ``ISSUE_ACTION``) through the strings
    assigned to them. A wrapper's own parameter is skipped: its callers are read instead."""
    import ast
    from pathlib import Path

    import trainingapp

    root = Path(trainingapp.__file__).parent
    trees = [ast.parse(path.read_text()) for path in root.rglob("*.py")]
    assigned: dict[str, set[str]] = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                for target in node.targets:
                    if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                        assigned.setdefault(target.id, set()).add(node.value.value)

    def strings(node: ast.expr, parameters: set[str]) -> set[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.IfExp):
            return strings(node.body, parameters) | strings(node.orelse, parameters)
        if isinstance(node, ast.Name) and node.id in parameters:
            return set()
        name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", None)
        found = {value for value in assigned.get(str(name), set()) if "." in value}
        # A constant must name an action; another argument in that place (a wrapper of the
        # same name with other parameters) is not one.
        assert found or not str(name).isupper(), f"cannot tell which action {name} is"
        return found

    actions: set[str] = set()

    def visit(node: ast.AST, parameters: set[str]) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            parameters = parameters | {a.arg for a in node.args.args + node.args.kwonlyargs}
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            position = _RECORDERS.get(str(name))
            if position is not None:
                keyword = next((k.value for k in node.keywords if k.arg == "action"), None)
                argument = node.args[position] if len(node.args) > position else keyword
                if argument is not None:
                    actions.update(strings(argument, parameters))
        for child in ast.iter_child_nodes(node):
            visit(child, parameters)

    for tree in trees:
        visit(tree, set())
    return actions


def test_every_recorded_action_has_words() -> None:
    """The audit log and a registration's history never show a code such as
    ``registration.create`` (issue 17): each action the code records has a label."""
    actions = _recorded_actions()
    assert {"registration.create", "attendance.mark", "signin_sheet.export"} <= actions
    missing = sorted(action for action in actions if action not in ACTION_LABELS)
    assert not missing, f"add labels to ACTION_LABELS in trainingapp/admin/audit.py: {missing}"


def test_entries_read_in_vietnamese(app: Flask) -> None:
    with app.test_request_context(), force_locale("vi"):
        assert action_label("registration.create") == "Đăng ký mới"
        assert actor_text("participant") == "học viên"
        lines = describe({"status": "waitlisted", "source": "online"})
        assert [(line.label, line.value) for line in lines] == [
            ("Trạng thái", "Danh sách chờ"),
            ("Nguồn đăng ký", "Trực tuyến"),
        ]
        assert object_label("Event", 3) == "Lớp tập huấn #3"
