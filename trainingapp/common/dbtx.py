"""Database transaction helpers: SQLite connection set-up and the row lock behind capacity rules.

SQLite has no row locks. Writers that must not overshoot a limit are serialised by starting their
transaction with ``BEGIN IMMEDIATE`` (which takes the database's write lock at once) and waiting
up to a busy timeout for it; PostgreSQL locks the course row with ``SELECT ... FOR UPDATE``.

Every other transaction starts deferred (``BEGIN``): readers never wait. One that reads and then
writes (a login, a sign-out, an export's audit entry) cannot always become a writer: once another
connection has committed since its first read, its snapshot is stale and SQLite refuses the write
at once with "database is locked" (``SQLITE_BUSY_SNAPSHOT``), and while another writer holds the
lock it refuses too without waiting (the busy handler is not used for a transaction that holds a
read snapshot). :func:`configure_engine` therefore catches that refusal of a deferred
transaction's first write, restarts the transaction as ``BEGIN IMMEDIATE`` (it had only read, so
nothing is lost), which waits on the busy timeout, and runs the write again
(:func:`_restart_as_writer`).
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from sqlalchemy import Connection
from sqlalchemy import Engine
from sqlalchemy import event
from sqlalchemy import exc
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
#: ``Connection.info`` key: the SQLite transaction was begun deferred and has not written; its
#: value is the DBAPI connection's ``total_changes`` at ``BEGIN``
_DEFERRED = "dbtx_deferred_changes"
#: the statements that need SQLite's write lock
_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")
#: ``ConnectionPoolEntry.info`` key: when the connection was last given back to the pool
_IDLE_SINCE = "dbtx_idle_since"
#: SQLite's primary result code for "database is locked" (SQLITE_BUSY_SNAPSHOT is 5 | 2 << 8)
_SQLITE_BUSY = 5


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
        connection.info.pop(_DEFERRED, None)
        if connection.get_execution_options().get(IMMEDIATE):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")
            connection.info[_DEFERRED] = connection.connection.dbapi_connection.total_changes

    @event.listens_for(engine, "before_cursor_execute")
    def _before_execute(
        connection: Any,
        _cursor: Any,
        statement: str,
        _parameters: Any,
        _context: Any,
        _executemany: bool,
    ) -> None:
        # A savepoint is only taken to write, and restarting the transaction after it would drop
        # it: a deferred transaction becomes a writer before its first savepoint.
        if _DEFERRED in connection.info and statement.lstrip()[:9].upper() == "SAVEPOINT":
            _restart_as_writer(connection)

    @event.listens_for(engine, "do_execute")
    def _do_execute(cursor: Any, statement: str, parameters: Any, context: Any) -> bool | None:
        return _first_write(cursor.execute, statement, parameters, context)

    @event.listens_for(engine, "do_executemany")
    def _do_executemany(cursor: Any, statement: str, parameters: Any, context: Any) -> bool | None:
        return _first_write(cursor.executemany, statement, parameters, context)


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Check a pooled connection with a ping before use when it has been idle ``idle_seconds``
    or more, and replace it when the ping fails (a restarted or cut-off database server).

    SQLAlchemy's ``pool_pre_ping`` pings at every checkout: a round trip per request, which on
    a busy public page costs as much as its queries. A connection in use a moment ago is alive;
    one whose server went away since is found by this ping once the load stops, and under
    load by the first statement's error, after which SQLAlchemy recycles the whole pool.
    SQLite has no server: nothing is done for it.
    """
    if engine.dialect.name == "sqlite":
        return

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool drops this connection and checks out a fresh one.
            raise exc.DisconnectionError(str(error)) from error


def autocommit_reads(session: AnySession) -> None:
    """Run the rest of a read-only request's statements each on its own, outside a transaction,
    on PostgreSQL: no ``BEGIN`` before them nor ``ROLLBACK`` after, two round trips of the
    three or four a public page makes. Its reads then need not share one snapshot, which
    figures shown "at the moment of the request" do not. Nothing is done on SQLite (a read
    there costs no round trip) or once the session has begun a transaction.

    Only for a request that writes nothing: every write would commit on its own at once.
    """
    plain: Session = session() if isinstance(session, scoped_session) else session
    if plain.in_transaction() or plain.get_bind().dialect.name != "postgresql":
        return
    plain.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def _is_write(statement: str, context: Any) -> bool:
    if context.isinsert or context.isupdate or context.isdelete:
        return True
    return statement.lstrip()[:7].upper().startswith(_WRITE_VERBS)


def _first_write(run: Any, statement: str, parameters: Any, context: Any) -> bool | None:
    """Run the first write of a deferred SQLite transaction (``None`` for any other statement:
    the dialect runs it). Refused with "database is locked", it runs again in the transaction
    restarted as a writer."""
    connection = context.root_connection
    if _DEFERRED not in connection.info or not _is_write(statement, context):
        return None
    try:
        run(statement, parameters)
    except sqlite3.OperationalError as error:
        busy = getattr(error, "sqlite_errorcode", _SQLITE_BUSY) & 0xFF == _SQLITE_BUSY
        if not busy or "locked" not in str(error) or not _restart_as_writer(connection):
            raise
        run(statement, parameters)
    connection.info.pop(_DEFERRED, None)
    return True


def _restart_as_writer(connection: Any) -> bool:
    """End ``connection``'s deferred SQLite transaction, which has only read, and begin it again
    as ``BEGIN IMMEDIATE``, waiting up to the busy timeout for the write lock. False (nothing
    done) if it wrote after all.

    Nothing is lost, and the ORM's objects keep what they read (as under PostgreSQL's READ
    COMMITTED, where each statement sees the latest commits); work that must not act on a stale
    read (counting seats) opens the writer with :func:`begin_write` before reading instead.
    SQLAlchemy is not told: for it the transaction goes on, and its COMMIT or ROLLBACK ends the
    writer one.
    """
    changes_at_begin = connection.info.pop(_DEFERRED, None)
    dbapi_connection = connection.connection.dbapi_connection
    if (
        changes_at_begin is None
        or dbapi_connection.total_changes != changes_at_begin
        or not dbapi_connection.in_transaction
    ):
        return False
    dbapi_connection.execute("ROLLBACK")
    dbapi_connection.execute("BEGIN IMMEDIATE")
    return True


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
