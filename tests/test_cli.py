"""flask create-user: accounts made from the command line."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func
from sqlalchemy import select

from trainingapp.audit.models import AuditEntry
from trainingapp.auth.models import Role
from trainingapp.auth.models import User
from trainingapp.extensions import db

PASSWORD = "mật khẩu đủ dài"


@pytest.fixture
def english(app: Flask) -> None:
    """Messages in English (the default language, Vietnamese, is checked by the catalogue tests)."""
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


def users(app: Flask) -> list[User]:
    with app.app_context():
        found = list(db.session.scalars(select(User).order_by(User.id)))
        db.session.expunge_all()
        return found


def test_create_user_with_password(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "  To.Chuc@Example.VN ",
            "--role",
            "organizer",
            "--password",
            PASSWORD,
            "--name",
            "Trần Văn Tổ Chức",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "to.chuc@example.vn" in result.output
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        assert user.email == "to.chuc@example.vn"
        assert user.role is Role.ORGANIZER
        assert user.full_name == "Trần Văn Tổ Chức"
        assert user.active
        assert PASSWORD not in user.password_hash
        assert user.password_hash != PASSWORD
        assert user.check_password(PASSWORD)
        assert not user.check_password(PASSWORD.upper())

        entry = db.session.scalars(select(AuditEntry)).one()
        assert entry.action == "user.create"
        assert entry.object_type == "User"
        assert entry.object_id == user.id
        assert entry.actor_id is None
        assert entry.actor_label == "system"
        assert entry.details == {"email": "to.chuc@example.vn", "role": "organizer"}
        assert PASSWORD not in str(entry.details)


def test_create_user_prompts_for_the_password(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["create-user", "--email", "admin@example.vn", "--role", "admin"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Password" in result.output
    assert PASSWORD not in result.output  # hidden input
    (user,) = users(app)
    assert user.role is Role.ADMIN
    assert user.check_password(PASSWORD)


def test_prompt_asks_again_when_the_two_entries_differ(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["create-user", "--email", "staff@example.vn", "--role", "staff"],
        input=f"{PASSWORD}\nsomething else\n{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    (user,) = users(app)
    assert user.check_password(PASSWORD)


def test_duplicate_email_is_refused(app: Flask, runner: FlaskCliRunner) -> None:
    args = ["create-user", "--role", "staff", "--password", PASSWORD, "--email"]
    assert runner.invoke(args=[*args, "canbo@example.vn"]).exit_code == 0
    result = runner.invoke(args=[*args, "CanBo@Example.vn"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert "canbo@example.vn" in result.output  # in the default language, whichever it is
    assert "Traceback" not in result.output
    assert len(users(app)) == 1


@pytest.mark.usefixtures("english")
def test_duplicate_email_message(app: Flask, runner: FlaskCliRunner) -> None:
    args = ["create-user", "--role", "staff", "--password", PASSWORD, "--email"]
    assert runner.invoke(args=[*args, "canbo@example.vn"]).exit_code == 0
    result = runner.invoke(args=[*args, "CanBo@Example.vn"])
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert "Traceback" not in result.output
    assert len(users(app)) == 1


@pytest.mark.usefixtures("english")
def test_short_password_is_refused(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["create-user", "--email", "a@example.vn", "--role", "staff", "--password", "ngan"]
    )
    assert result.exit_code != 0
    assert "Error:" in result.output
    assert "at least 8 characters" in result.output
    assert users(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


@pytest.mark.usefixtures("english")
def test_short_prompted_password_is_refused(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["create-user", "--email", "a@example.vn", "--role", "staff"], input="pw\npw\n"
    )
    assert result.exit_code != 0
    assert "at least 8 characters" in result.output
    assert users(app) == []


def test_invalid_email_is_refused(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["create-user", "--email", "not-an-address", "--role", "staff", "--password", PASSWORD]
    )
    assert result.exit_code != 0
    assert "Error:" in result.output
    assert users(app) == []


def test_unknown_role_is_refused(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["create-user", "--email", "a@example.vn", "--role", "root", "--password", PASSWORD]
    )
    assert result.exit_code == 2
    assert "Invalid value for '--role'" in result.output
    for role in ("admin", "organizer", "staff"):
        assert role in result.output
    assert users(app) == []


def test_email_and_role_are_required(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["create-user", "--role", "staff", "--password", PASSWORD])
    assert result.exit_code == 2
    assert "--email" in result.output
    result = runner.invoke(args=["create-user", "--email", "a@example.vn", "--password", PASSWORD])
    assert result.exit_code == 2
    assert "--role" in result.output
