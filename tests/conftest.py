"""Fixtures: one fresh database per test, on SQLite by default or on the PostgreSQL server named
by ``TEST_DATABASE_URL`` (each test then gets a schema of its own, dropped afterwards)."""

from __future__ import annotations

import functools
import os
import uuid
import weakref
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask.testing import FlaskCliRunner
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy import text
from werkzeug.security import generate_password_hash

from trainingapp import create_app
from trainingapp.auth import models as auth_models
from trainingapp.auth.models import Role
from trainingapp.auth.models import User
from trainingapp.extensions import db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
PASSWORD = "correct horse battery"


def postgres_url_with_schema(base_url: str, schema: str) -> str:
    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A database nobody else uses: a SQLite file in tmp_path, or a new PostgreSQL schema."""
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield postgres_url_with_schema(TEST_DATABASE_URL, schema)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """One PBKDF2 round instead of scrypt's 0.1 s per hash: the suite creates and logs in
    thousands of accounts. Checking still goes through werkzeug, which reads the method from
    the hash, so production hashes (scrypt) are verified as before."""
    monkeypatch.setattr(
        auth_models,
        "generate_password_hash",
        functools.partial(generate_password_hash, method="pbkdf2:sha256:1"),
    )


@pytest.fixture
def app_config(database_url: str, tmp_path: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "SECRET_KEY": "test",
        "RATELIMIT_ENABLED": False,
        "MAIL_OUTBOX": str(tmp_path / "outbox"),
        "JOB_FOLDER": str(tmp_path / "jobs"),
        # Mail is delivered in the committing thread: on disk when the request returns.
        "MAIL_SENDER": "sync",
    }


@pytest.fixture
def app(app_config: dict[str, Any]) -> Iterator[Flask]:
    import trainingapp.models  # noqa: F401  (registers every table)

    app = create_app(app_config)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[None]:
    """An application context, for tests that call services directly."""
    with app.app_context():
        yield
        db.session.rollback()


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """Create and commit an account; returns it detached with its id loaded."""

    def _make_user(
        email: str = "organizer@example.vn", role: Role = Role.ORGANIZER, **kwargs: Any
    ) -> User:
        with app.app_context():
            user = User(email=email, role=role, full_name=kwargs.pop("full_name", ""), **kwargs)
            user.set_password(PASSWORD)
            db.session.add(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    return _make_user


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, email: str, password: str = PASSWORD, **query: str) -> Any:
        return self._client.post(
            "/login" + (f"?next={query['next']}" if "next" in query else ""),
            data={"email": email, "password": password},
        )

    def logout(self) -> Any:
        return self._client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def sql_statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the app's engine sends while the test runs (clear it to start over)."""
    seen: list[str] = []

    def _record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", _record)
    yield seen
    event.remove(engine, "before_cursor_execute", _record)


@pytest.fixture(autouse=True)
def _dispose_postgres_engines_of_extra_apps() -> Iterator[None]:
    """Close the PostgreSQL connections of every app a test built with ``create_app`` itself.

    An app that is never disposed keeps its pooled psycopg connections until the garbage collector
    finds them; psycopg's ResourceWarning (an error under ``filterwarnings = error``) then fails
    whichever later test happens to be running. SQLite engines are left alone (an in-memory
    database would not survive a dispose).
    """
    before = weakref.WeakSet(db._app_engines)  # Flask-SQLAlchemy's app -> engines registry
    yield
    for other_app, engines in list(db._app_engines.items()):
        if other_app in before:
            continue
        for engine in engines.values():
            if engine.dialect.name == "postgresql":
                engine.dispose()
