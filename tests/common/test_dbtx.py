"""``common.dbtx.connection``: the connection a transaction's statements run on, kept for that
transaction only."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy import text

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
