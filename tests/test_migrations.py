"""The Alembic migrations build exactly the schema the models describe, and tear it down again.

Runs on SQLite and, with TEST_DATABASE_URL, in a PostgreSQL schema of its own (search_path).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import inspect
from sqlalchemy import text

import trainingapp.models  # noqa: F401  (every table on the metadata)
from trainingapp import create_app
from trainingapp.common.text import name_sort_key
from trainingapp.extensions import db


@pytest.fixture
def keep_logging() -> Iterator[None]:
    """migrations/env.py runs logging.config.fileConfig, which would disable every logger
    that exists already and add a handler to the root logger for the rest of the session."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    loggers = {
        name: (logger.disabled, logger.level, logger.handlers[:], logger.propagate)
        for name, logger in logging.Logger.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, (disabled, logger_level, logger_handlers, propagate) in loggers.items():
        logger = logging.getLogger(name)
        logger.disabled = disabled
        logger.setLevel(logger_level)
        logger.handlers[:] = logger_handlers
        logger.propagate = propagate


@pytest.fixture
def bare_app(app_config: dict[str, Any], keep_logging: None) -> Iterator[Flask]:
    """The app on an empty database: no create_all, the migrations build the schema."""
    app = create_app(app_config)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def table_names() -> set[str]:
    return set(inspect(db.engine).get_table_names())


def schema_differences() -> list[Any]:
    with db.engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), db.metadata))


def test_upgrade_builds_the_models_schema(bare_app: Flask) -> None:
    with bare_app.app_context():
        assert table_names() == set()
        flask_migrate.upgrade()
        assert table_names() == set(db.metadata.tables) | {"alembic_version"}
        assert schema_differences() == []


def test_upgrade_reaches_the_single_head(bare_app: Flask) -> None:
    with bare_app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_heads()
        config = bare_app.extensions["migrate"].migrate.get_config()
        heads = ScriptDirectory.from_config(config).get_heads()
        assert len(heads) == 1, f"several migration heads: {heads}"
        assert current == tuple(heads)


def test_downgrade_to_base_leaves_only_the_version_table(bare_app: Flask) -> None:
    with bare_app.app_context():
        flask_migrate.upgrade()
        flask_migrate.downgrade(revision="base")
        assert table_names() == {"alembic_version"}
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 0
        # And up again: every downgrade step undid its upgrade completely.
        flask_migrate.upgrade()
        assert schema_differences() == []


def test_migrated_schema_keeps_the_constraints(bare_app: Flask) -> None:
    with bare_app.app_context():
        flask_migrate.upgrade()
        inspector = inspect(db.engine)
        checks = {c["name"] for c in inspector.get_check_constraints("registrations")}
        assert {
            "ck_registrations_status_valid",
            "ck_registrations_birth_year_range",
        } <= checks
        uniques = {
            tuple(c["column_names"]) for c in inspector.get_unique_constraints("registrations")
        }
        assert {("event_id", "phone"), ("event_id", "email"), ("event_id", "checkin_code")} <= (
            uniques
        )
        cascades = {
            fk["referred_table"]: fk["options"].get("ondelete")
            for fk in inspector.get_foreign_keys("registrations")
        }
        # 0010: who vouched for informing the person keeps the account (no ON DELETE).
        assert cascades == {"events": "CASCADE", "organizations": "SET NULL", "users": None}


def test_upgrade_remakes_the_name_sort_keys(bare_app: Flask) -> None:
    """0007: stored keys of names get one tone per syllable, so "Hoà" and "Hòa" sort alike;
    an anonymised registration keeps its numbered key."""
    with bare_app.app_context():
        flask_migrate.upgrade(revision="0006")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO organizations (id, name, name_key, kind, needs_review,"
                    " created_at) VALUES (1, 'Sở', 'so', 'other', false, '2023-08-01')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO events (id, slug, title, description, venue, start_date,"
                    " end_date, capacity, waitlist_enabled, approval_required, status,"
                    " organizer_id, created_at, updated_at)"
                    " VALUES (1, 'lop', 'Lớp', '', '', '2023-08-16', '2023-08-16', 10,"
                    " false, false, 'closed', 1, '2023-08-01', '2023-08-01')"
                )
            )
            for row_id, name, anonymised in [
                (1, "Lê Thị Hoà", None),
                (2, "Trần Thị Hòa", None),
                (3, "Học viên 3", "2024-01-01"),
            ]:
                conn.execute(
                    text(
                        "INSERT INTO registrations (id, event_id, full_name, sort_key,"
                        " search_name, position, status, source, over_capacity, manage_token,"
                        " checkin_code, created_at, updated_at, status_changed_at,"
                        " anonymised_at) VALUES (:id, 1, :name, 'old', 'x', '', 'confirmed',"
                        " 'online', false, :token, :code, '2023-08-01', '2023-08-01',"
                        " '2023-08-01', :anonymised)"
                    ),
                    {
                        "id": row_id,
                        "name": name,
                        "token": f"t{row_id}",
                        "code": f"C{row_id}",
                        "anonymised": anonymised,
                    },
                )
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            keys = dict(conn.execute(text("SELECT id, sort_key FROM registrations")).all())
    assert keys[1] == name_sort_key("Lê Thị Hoà")
    assert keys[1][: keys[1].index("00") + 3] == keys[2][: keys[2].index("00") + 3]
    assert keys[3] == "old"
