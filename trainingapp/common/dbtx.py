"""Database transaction helpers: SQLite connection set-up and the row lock behind capacity rules.

SQLite has no row locks. Writers that must not overshoot a limit are serialised by starting their
transaction with ``BEGIN IMMEDIATE`` (which takes the database's write lock at once) and waiting
up to a busy timeout for it; PostgreSQL locks the course row with ``SELECT ... FOR UPDATE``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from sqlalchemy import Engine
from sqlalchemy import event
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import scoped_session
from sqlalchemy.sql.expression import Executable

IMMEDIATE = "sqlite_begin_immediate"
#: a session, or Flask-SQLAlchemy's ``db.session`` (a scoped_session of its own Session class)
AnySession = Session | scoped_session[Any]
#: ``session.info`` flag: the open transaction has written (flushed or run INSERT/UPDATE/DELETE)
_WROTE = "dbtx_wrote"
#: ``session.info`` flag: the open transaction was started by :func:`begin_write`
_WRITER = "dbtx_writer"
#: ``session.info`` key: the connection of the open transaction (see :func:`connection`)
_CONNECTION = "dbtx_connection"


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _flush_context: Any) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _note_dml(state: Any) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _forget_writes(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_WROTE, None)
        session.info.pop(_WRITER, None)
        session.info.pop(_CONNECTION, None)


def configure_engine(engine: Engine, busy_timeout: int) -> None:
    """Switch on WAL, foreign keys and a busy timeout on every SQLite connection.

    pysqlite's own transaction handling is turned off so that we emit ``BEGIN`` ourselves: that is
    the only way to get ``BEGIN IMMEDIATE`` (SQLAlchemy docs, "Serializable isolation / Savepoints").
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(IMMEDIATE):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


def lock_row(session: AnySession, model: type[Any], pk: int) -> Any:
    """Load ``model`` row ``pk`` holding a write lock until the transaction ends.

    On PostgreSQL this is ``SELECT ... FOR UPDATE``. On SQLite the whole transaction must have been
    opened with :func:`begin_write` instead; this only reloads the row.
    """
    return session.scalars(
        select(model)
        .where(model.id == pk)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()


def connection(session: AnySession) -> Connection:
    """``session.connection()`` (beginning the transaction if none is open), kept until the
    transaction ends: a hot path runs several Core statements in one transaction, and every
    ``session.connection()`` call looks the bind up and walks the session's transactions again."""
    if isinstance(session, scoped_session):
        session = session()
    conn: Connection | None = session.info.get(_CONNECTION)
    if conn is None:
        conn = session.connection()
        session.info[_CONNECTION] = conn
    return conn


def execute_write(
    session: AnySession,
    statement: Executable,
    parameters: dict[str, Any] | None = None,
) -> Any:
    """Run a Core INSERT, UPDATE or DELETE in the session's transaction, without the ORM's unit
    of work (for hot paths), and note the write as a flush would be noted."""
    if isinstance(session, scoped_session):
        session = session()
    session.info[_WROTE] = True
    return connection(session).execute(statement, parameters)


def begin_write(session: AnySession) -> None:
    """Open the session's transaction as a writer (``BEGIN IMMEDIATE`` on SQLite).

    Call before the first query of a unit of work that counts and then inserts. If the session
    already has a transaction open, it must not hold unflushed or flushed changes: it is rolled
    back (only reads are lost) so that the new one starts as a writer. Inside a transaction this
    function started, it does nothing (a verb that locks may call another one that locks).
    """
    if isinstance(session, scoped_session):
        session = session()
    assert isinstance(session, Session)
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if session.in_transaction() and session.info.get(_WRITER):
        return
    if session.in_transaction():
        # Flushed writes are invisible in new/dirty/deleted; rolling them back would lose them.
        if session.new or session.dirty or session.deleted or session.info.get(_WROTE):
            raise RuntimeError("begin_write() called with pending changes")
        session.rollback()
    session.info[_CONNECTION] = session.connection(execution_options={IMMEDIATE: True})
    session.info[_WRITER] = True
