"""Certificate numbers without gaps and without duplicates: ``{number}/{year}/{suffix}``.

One counter row per year (:class:`CertificateCounter`), shared by every course of the office. A
block of numbers is taken with one ``UPDATE … SET last_number = last_number + n … RETURNING``
in the transaction that inserts the certificates:

* PostgreSQL: the UPDATE holds the counter row's lock until commit, so a second issuer (another
  course, another process) waits and then reads the number after ours; the course lock
  (``events.locking``) already serialises issuers of the same course.
* SQLite: the transaction was opened with ``BEGIN IMMEDIATE`` by the course lock, so writers run
  one after another anyway.

A rollback gives the numbers back together with the certificates: no gap. The unique key on
(year, number) is the guarantee behind it all.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..common.dbtx import execute_write
from ..extensions import db
from .models import Certificate
from .models import CertificateCounter

_TABLE: Any = CertificateCounter.__table__


def number_label(number: int, year: int, suffix: str) -> str:
    return f"{number}/{year}/{suffix}"


def take_numbers(year: int, count: int) -> range:
    """Reserve ``count`` consecutive numbers of ``year`` and return them. Call inside the
    writer transaction (after ``lock_course``); the caller commits or rolls back."""
    if count < 1:
        return range(0)
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        ensure: Any = pg_insert(_TABLE).values(year=year, last_number=0).on_conflict_do_nothing()
    elif dialect == "sqlite":
        ensure = sqlite_insert(_TABLE).values(year=year, last_number=0).on_conflict_do_nothing()
    else:  # pragma: no cover - the app runs on SQLite and PostgreSQL only
        ensure = None
        if db.session.get(CertificateCounter, year) is None:
            db.session.add(CertificateCounter(year=year, last_number=0))
            db.session.flush()
    if ensure is not None:
        execute_write(db.session, ensure)
    last = execute_write(
        db.session,
        update(_TABLE)
        .where(_TABLE.c.year == year)
        .values(last_number=_TABLE.c.last_number + count)
        .returning(_TABLE.c.last_number),
    ).scalar_one()
    return range(int(last) - count + 1, int(last) + 1)


def numbers_of_year(year: int) -> list[int]:
    """Every number given in ``year``, in order (for checks and tests)."""
    return list(
        db.session.scalars(
            select(Certificate.number).where(Certificate.year == year).order_by(Certificate.number)
        )
    )
