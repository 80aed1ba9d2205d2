"""``common.dbtx.connection``: the connection a transaction's statements run on, kept for that
transaction only."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine
from sqlalchemy import inspect
from sqlalchemy import text

from tests.conftest import TEST_DATABASE_URL
from trainingapp import create_app
from trainingapp.common.dbtx import autocommit_reads
from trainingapp.common.dbtx import begin_write
from trainingapp.common.dbtx import connection
from trainingapp.common.dbtx import execute_write
from trainingapp.extensions import db


def test_one_connection_per_transaction(app_ctx):
    first = connection(db.session)
    assert connection(db.session) is first
    assert first is db.session.connection()  # the session's own
    db.session.commit()
    second = connection(db.session)
    assert second is db.session.connection()
    assert connection(db.session) is second
    db.session.rollback()
    assert connection(db.session) is db.session.connection()


def test_the_writer_transaction_keeps_its_connection(app_ctx):
    begin_write(db.session)
    writer = db.session.connection()
    assert connection(db.session) is writer
    with db.session.begin_nested():  # a savepoint runs on the same connection
        assert connection(db.session) is writer
    assert connection(db.session) is writer
    execute_write(db.session, text("CREATE TABLE scratch (n INTEGER)"))
    execute_write(db.session, text("INSERT INTO scratch (n) VALUES (1)"))
    db.session.rollback()  # a closed transaction's connection is never handed out again
    assert connection(db.session) is db.session.connection()
    assert not inspect(connection(db.session)).has_table("scratch")  # rolled back with it


needs_postgres = pytest.mark.skipif(
    not TEST_DATABASE_URL, reason="PostgreSQL only: set TEST_DATABASE_URL"
)


def _autocommit(session) -> bool:
    return bool(session.connection().connection.dbapi_connection.autocommit)


@needs_postgres
def test_reads_run_outside_a_transaction_then_the_pool_gets_a_normal_connection(app_ctx):
    autocommit_reads(db.session)
    assert _autocommit(db.session)
    assert db.session.execute(text("SELECT txid_current_if_assigned()")).scalar() is None
    db.session.execute(text("SELECT 1"))
    # No transaction is open on the server between the statements.
    status = db.session.connection().connection.dbapi_connection.info.transaction_status
    assert status.name == "IDLE"
    db.session.remove()
    # The next request's connection (the same one, from the pool) is transactional again.
    assert not _autocommit(db.session)
    db.session.execute(text("SELECT 1"))
    status = db.session.connection().connection.dbapi_connection.info.transaction_status
    assert status.name == "INTRANS"


@needs_postgres
def test_reads_stay_in_a_transaction_already_begun(app_ctx):
    db.session.execute(text("SELECT 1"))
    autocommit_reads(db.session)
    assert not _autocommit(db.session)


def test_reads_on_sqlite_are_left_as_they_are(app_ctx):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    autocommit_reads(db.session)
    assert db.session.connection().get_isolation_level() != "AUTOCOMMIT"


def _backend_pid() -> int:
    pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
    db.session.remove()  # back to the pool
    return int(pid)


def _terminate(app, pid: int) -> None:
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with other.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    other.dispose()


@needs_postgres
def test_an_idle_connection_whose_server_went_away_is_replaced_before_use(app_config):
    app = create_app({**app_config, "DATABASE_PING_AFTER_IDLE": 0})
    with app.app_context():
        pid = _backend_pid()
        _terminate(app, pid)
        assert _backend_pid() != pid  # no error: the ping found it dead, a new one was made
        db.engine.dispose()


@needs_postgres
def test_a_connection_in_use_a_moment_ago_is_not_pinged(app_config):
    import trainingapp.models  # noqa: F401  (registers every table)

    app = create_app({**app_config, "DATABASE_PING_AFTER_IDLE": 3600})
    with app.app_context():
        db.create_all()
        pid = _backend_pid()
        _terminate(app, pid)
    # Not pinged (idle for less than the setting): the first statement finds it dead. The
    # visitor is asked to try again (503, not a server error page) and SQLAlchemy starts a
    # new pool, so the next request works.
    client = app.test_client()
    response = client.get("/")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert "Kết nối tới cơ sở dữ liệu vừa bị gián đoạn" in response.get_data(as_text=True)
    assert client.get("/").status_code == 200
    with app.app_context():
        assert _backend_pid() != pid
        db.engine.dispose()


def test_other_database_errors_are_not_called_a_lost_connection(app, client):
    @app.get("/broken-statement")
    def broken() -> str:
        db.session.execute(text("SELECT * FROM no_such_table"))
        return "never"

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/broken-statement")
    assert response.status_code == 500
