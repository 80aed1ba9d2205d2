"""The application factory: where settings come from, the secret key, folders, database set-up."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy import update

import trainingapp
from tests.factories import make_event
from trainingapp import _load_secret_key
from trainingapp import _normalise_database_url
from trainingapp import create_app
from trainingapp.common.dbtx import begin_write
from trainingapp.common.dbtx import lock_row
from trainingapp.events.models import Event
from trainingapp.extensions import db

ON_POSTGRES = bool(os.environ.get("TEST_DATABASE_URL"))
sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="SQLite connection set-up")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No configuration from the environment the tests happen to run in."""
    for name in list(os.environ):
        if name.startswith("FLASK_") or name in ("DATABASE_URL", "SECRET_KEY"):
            monkeypatch.delenv(name)
    return monkeypatch


@pytest.fixture
def project_root(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> Path:
    """A stand-in project folder, so instance/config.py and instance/secret_key live in tmp_path."""
    root = tmp_path / "project"
    (root / "instance").mkdir(parents=True)
    clean_env.setattr(trainingapp, "PROJECT_ROOT", root)
    return root


# Configuration order


def test_settings_are_layered_in_order(project_root: Path, clean_env: pytest.MonkeyPatch) -> None:
    (project_root / "instance" / "config.py").write_text(
        "ITEMS_PER_PAGE = 11\n"
        "MAIL_DEFAULT_SENDER = 'instance@example.vn'\n"
        "REGISTRATION_RATE_LIMIT = 'from instance'\n"
        "LOGIN_RATE_LIMIT = 'from instance'\n"
        "SQLALCHEMY_DATABASE_URI = 'sqlite:///from-instance.sqlite3'\n"
        "SECRET_KEY = 'from instance'\n"
    )
    clean_env.setenv("FLASK_MAIL_DEFAULT_SENDER", "env@example.vn")
    clean_env.setenv("FLASK_REGISTRATION_RATE_LIMIT", "from FLASK_ env")
    clean_env.setenv("FLASK_LOGIN_RATE_LIMIT", "from FLASK_ env")
    clean_env.setenv("FLASK_SQLALCHEMY_DATABASE_URI", "sqlite:///from-flask-env.sqlite3")
    clean_env.setenv("FLASK_SECRET_KEY", "from FLASK_ env")
    clean_env.setenv("DATABASE_URL", "sqlite:///from-database-url.sqlite3")
    clean_env.setenv("SECRET_KEY", "from SECRET_KEY")

    app = create_app({"LOGIN_RATE_LIMIT": "from test_config"})

    assert app.config["BABEL_DEFAULT_LOCALE"] == "vi"  # DefaultConfig
    assert app.config["ITEMS_PER_PAGE"] == 11  # instance/config.py over DefaultConfig
    assert app.config["MAIL_DEFAULT_SENDER"] == "env@example.vn"  # FLASK_* over instance
    assert app.config["REGISTRATION_RATE_LIMIT"] == "from FLASK_ env"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///from-database-url.sqlite3"
    assert app.config["SECRET_KEY"] == "from SECRET_KEY"
    assert app.config["LOGIN_RATE_LIMIT"] == "from test_config"  # test_config wins

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "from test_config"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"
    assert app.config["SECRET_KEY"] == "from test_config"
    assert not (project_root / "instance" / "secret_key").exists()


def test_instance_config_overrides_defaults(project_root: Path) -> None:
    assert create_app().config["ITEMS_PER_PAGE"] == 50
    (project_root / "instance" / "config.py").write_text("ITEMS_PER_PAGE = 25\n")
    assert create_app().config["ITEMS_PER_PAGE"] == 25


def test_flask_env_values_are_parsed_as_json(
    project_root: Path, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("FLASK_RATELIMIT_ENABLED", "false")
    clean_env.setenv("FLASK_SESSION_COOKIE_SECURE", "true")
    clean_env.setenv("FLASK_ITEMS_PER_PAGE", "20")
    clean_env.setenv("FLASK_MAIL_SERVER", "smtp.example.vn")
    app = create_app()
    assert app.config["RATELIMIT_ENABLED"] is False
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["ITEMS_PER_PAGE"] == 20
    assert app.config["MAIL_SERVER"] == "smtp.example.vn"


def test_default_database_is_sqlite_in_the_instance_folder(project_root: Path) -> None:
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///trainingapp.sqlite3"
    with app.app_context():
        assert (
            Path(db.engine.url.database or "") == project_root / "instance" / "trainingapp.sqlite3"
        )


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://trainer:s3cret@db.internal:5432/training", "postgresql+psycopg://trainer:s3cret@db.internal:5432/training"),
        ("postgresql://trainer@db.internal/training", "postgresql+psycopg://trainer@db.internal/training"),
        ("postgresql+psycopg://trainer@db.internal/training", "postgresql+psycopg://trainer@db.internal/training"),
        ("sqlite:////srv/trainingapp/data.sqlite3", "sqlite:////srv/trainingapp/data.sqlite3"),
    ],
)  # fmt: skip
def test_database_url_is_normalised_to_psycopg(
    project_root: Path, clean_env: pytest.MonkeyPatch, given: str, expected: str
) -> None:
    assert _normalise_database_url(given) == expected
    clean_env.setenv("DATABASE_URL", given)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == expected
    with app.app_context():
        assert db.engine.url.render_as_string(hide_password=False) == expected


# Secret key


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    instance = tmp_path / "instance"  # does not exist yet
    key = _load_secret_key(instance)
    key_file = instance / "secret_key"
    assert len(key) == 64
    int(key, 16)  # hex
    assert key_file.read_text() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert _load_secret_key(instance) == key
    assert _load_secret_key(tmp_path / "elsewhere") != key


def test_existing_secret_key_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("kept-from-last-year\n")
    assert _load_secret_key(tmp_path) == "kept-from-last-year"


def test_secret_key_written_by_another_worker_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another worker creates the file between our check and our write: we use its key.
    key_file = tmp_path / "secret_key"
    real_exists = Path.exists

    def exists_then_race(path: Path) -> bool:
        if path == key_file and not real_exists(path):
            key_file.write_text("the other worker's key")
            return False
        return real_exists(path)

    monkeypatch.setattr(Path, "exists", exists_then_race)
    assert _load_secret_key(tmp_path) == "the other worker's key"
    assert key_file.read_text() == "the other worker's key"


def test_app_without_secret_key_uses_the_instance_key_file(project_root: Path) -> None:
    real_key_file = trainingapp.PACKAGE_ROOT.parent / "instance" / "secret_key"
    real_key = real_key_file.read_text() if real_key_file.exists() else None

    first = create_app()
    second = create_app()
    key_file = project_root / "instance" / "secret_key"
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # Sessions signed by one worker are read by the next.
    client = first.test_client()
    with client.session_transaction() as flask_session:
        flask_session["lang"] = "en"
    cookie = client.get_cookie("session")
    assert cookie is not None
    other = second.test_client()
    other.set_cookie("session", cookie.value)
    with other.session_transaction() as flask_session:
        assert flask_session["lang"] == "en"
    # The real instance folder was not touched.
    if real_key is not None:
        assert real_key_file.read_text() == real_key


# Folders


def test_templates_and_static_files_are_found_from_any_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, app_config: dict[str, Any]
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    app = create_app(app_config)
    with app.app_context():
        db.create_all()
    try:
        assert Path(app.instance_path).is_absolute()
        assert Path(app.instance_path) == trainingapp.PROJECT_ROOT / "instance"
        client = app.test_client()
        page = client.get("/")
        assert page.status_code == 200
        assert "TrainingApp" in page.text
        assert "/static/css/app.css" in page.text
        with client.get("/static/css/app.css") as response:
            assert response.status_code == 200
            assert b"TrainingApp" in response.data
        with client.get("/nowhere") as response:  # the error template is found too
            assert response.status_code == 404
            assert "<html" in response.text
        assert list(elsewhere.iterdir()) == []
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


# SQLite connection set-up


@sqlite_only
@pytest.mark.usefixtures("app_ctx")
def test_sqlite_connections_enforce_foreign_keys_and_use_wal() -> None:
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 30_000
    # Every pooled connection, not only the first one.
    with db.engine.connect() as first, db.engine.connect() as second:
        for conn in (first, second):
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000


@sqlite_only
def test_sqlite_busy_timeout_follows_the_setting(app_config: dict[str, Any]) -> None:
    app = create_app({**app_config, "SQLITE_BUSY_TIMEOUT": 2})
    with app.app_context():
        try:
            assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 2000
        finally:
            db.session.remove()
            db.engine.dispose()


@sqlite_only
def test_in_memory_sqlite_has_foreign_keys_but_no_wal(app_config: dict[str, Any]) -> None:
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        try:
            assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "memory"
        finally:
            db.session.remove()
            db.engine.dispose()


# Write transactions


@sqlite_only
@pytest.mark.usefixtures("app_ctx")
def test_begin_write_starts_sqlite_transaction_immediate(sql_statements: list[str]) -> None:
    begin_write(db.session)
    db.session.scalars(select(Event)).all()
    db.session.rollback()
    db.session.scalars(select(Event)).all()
    db.session.rollback()
    begins = [s for s in sql_statements if s.startswith("BEGIN")]
    assert begins == ["BEGIN IMMEDIATE", "BEGIN"]
    assert sql_statements[0] == "BEGIN IMMEDIATE"


@sqlite_only
@pytest.mark.usefixtures("app_ctx")
def test_begin_write_holds_the_write_lock(database_url: str) -> None:
    begin_write(db.session)
    make_event(db.session)
    path = database_url.removeprefix("sqlite:///")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        db.session.commit()
        other.execute("BEGIN IMMEDIATE")  # free once the writer commits
        other.execute("ROLLBACK")
    finally:
        other.close()


@sqlite_only
@pytest.mark.usefixtures("app_ctx")
def test_begin_write_restarts_a_read_transaction_as_a_writer(sql_statements: list[str]) -> None:
    db.session.scalars(select(Event)).all()  # a read transaction is open
    begin_write(db.session)
    db.session.scalars(select(Event)).all()
    db.session.rollback()
    assert [s for s in sql_statements if s.startswith("BEGIN")] == ["BEGIN", "BEGIN IMMEDIATE"]


@sqlite_only
@pytest.mark.usefixtures("app_ctx")
@pytest.mark.parametrize("how", ["added", "flushed", "bulk update"])
def test_begin_write_refuses_to_roll_back_writes(how: str) -> None:
    # Rolling back to restart as a writer would silently lose these.
    event_id = make_event(db.session).id
    db.session.commit()
    if how == "added":
        db.session.add(Event(title="x", slug="x"))
    elif how == "flushed":
        make_event(db.session)
    else:
        db.session.execute(update(Event).where(Event.id == event_id).values(capacity=9))
    with pytest.raises(RuntimeError, match="pending changes"):
        begin_write(db.session)
    db.session.rollback()
    begin_write(db.session)  # a fresh transaction is fine
    db.session.rollback()


@pytest.mark.usefixtures("app_ctx")
def test_begin_write_is_a_no_op_on_postgresql(sql_statements: list[str]) -> None:
    if db.engine.dialect.name == "sqlite":
        pytest.skip("PostgreSQL locks rows instead")
    make_event(db.session)
    count = len(sql_statements)
    begin_write(db.session)  # keeps the transaction and its work
    assert len(sql_statements) == count
    assert db.session.scalar(select(func.count()).select_from(Event)) == 1
    db.session.rollback()


@pytest.mark.usefixtures("app_ctx")
def test_lock_row_reloads_the_row(sql_statements: list[str]) -> None:
    event_id = make_event(db.session, capacity=10).id
    db.session.commit()
    stale = db.session.get(Event, event_id)
    assert stale is not None
    assert stale.capacity == 10
    with db.engine.begin() as other_connection:  # another request changes the course
        other_connection.execute(
            text("UPDATE events SET capacity = 12 WHERE id = :id"), {"id": event_id}
        )
    begin_write(db.session)
    locked = lock_row(db.session, Event, event_id)
    assert locked is stale
    assert locked.capacity == 12  # reloaded, not the identity map's stale copy
    if db.engine.dialect.name == "postgresql":
        assert "FOR UPDATE" in sql_statements[-1]
    assert lock_row(db.session, Event, 987654) is None
    db.session.rollback()
