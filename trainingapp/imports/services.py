"""Imports of units' nominee lists: read a CSV or XLSX file, map its columns, preview, import.

Reading the file (``reading.py``: :func:`read_file`, :func:`detect_mapping`, row conversion)
is pure. :func:`plan_rows` decides every row's outcome the way
:func:`~trainingapp.registration.services.register` would (same normalisation, duplicates, approval,
course and quota seats); :func:`preview` runs it read-only and :func:`import_rows` (or the
generator :func:`iter_import`, which reports each batch) runs it again under the course lock and
saves the accepted rows in the caller's one transaction.

``register()`` itself is not called per row: it opens a writer transaction for each call (which
SQLite cannot nest) and spends five queries a row. The batch here locks the course once, loads
existing phones, e-mails, units and seats in a few queries, and decides in memory with the same
helpers (``normalise_input``, the seat rule ``seats.decide``, ``organizations.lookup``,
``person_values``, ``new_checkin_code``). It writes each batch of :data:`CHUNK` rows with one
executemany INSERT, reads the batch back for its ids and writes its audit entries with one more
(``audit.services.record_many``): no ORM unit of work per row (``bench/imports.py``).
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable
from collections.abc import Generator
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..audit.services import record
from ..audit.services import record_many
from ..common.text import fold
from ..common.time import utcnow
from ..events.locking import CourseGone
from ..events.locking import lock_event
from ..events.models import Event
from ..events.models import EventStatus
from ..extensions import db
from ..organizations.lookup import current_unit_ids
from ..registration.errors import AlreadyRegistered
from ..registration.errors import EventFull
from ..registration.models import Registration
from ..registration.models import RegistrationSource
from ..registration.models import RegistrationStatus
from ..registration.normalise import RegistrationInput
from ..registration.normalise import normalise_input
from ..registration.notice import NOTICE_VERSION
from ..registration.seats import Seats
from ..registration.seats import decide
from ..registration.storage import new_checkin_code
from ..registration.storage import person_values
from ..registration.storage import resolve_organization

if TYPE_CHECKING:
    from ..auth.models import User

from .reading import CHUNK
from .reading import FORMULA_START
from .reading import ImportFileError

# --- outcomes -----------------------------------------------------------------------------------


class Outcome(StrEnum):
    CONFIRMED = "confirmed"
    PENDING = "pending"
    WAITLISTED = "waitlisted"
    DUPLICATE = "duplicate"
    REGISTERED = "registered"
    INVALID = "invalid"
    FULL = "full"


REFUSED = frozenset({Outcome.DUPLICATE, Outcome.REGISTERED, Outcome.INVALID, Outcome.FULL})
_STATUS = {
    Outcome.CONFIRMED: RegistrationStatus.CONFIRMED,
    Outcome.PENDING: RegistrationStatus.PENDING,
    Outcome.WAITLISTED: RegistrationStatus.WAITLISTED,
}
_OUTCOME = {status: outcome for outcome, status in _STATUS.items()}


@dataclass
class RowResult:
    line: int
    #: normalised when valid; as typed (cleaned) otherwise
    data: RegistrationInput
    outcome: Outcome = Outcome.CONFIRMED
    errors: dict[str, Any] = field(default_factory=dict)
    duplicate_of: int | None = None
    organization_id: int | None = None

    @property
    def refused(self) -> bool:
        return self.outcome in REFUSED


@dataclass
class Plan:
    rows: list[RowResult]

    @property
    def counts(self) -> Counter[Outcome]:
        return Counter(row.outcome for row in self.rows)

    @property
    def refused(self) -> list[RowResult]:
        return [row for row in self.rows if row.refused]

    @property
    def accepted(self) -> list[RowResult]:
        return [row for row in self.rows if not row.refused]


def normalise_rows(inputs: Sequence[tuple[int, RegistrationInput]]) -> list[RowResult]:
    """Normalise every row (no database): invalid fields get the public form's messages."""
    results = []
    for line, raw in inputs:
        clean_data, errors = normalise_input(raw)
        if "gender" in errors:
            errors["gender"] = _l("Write Nam, Nữ or Khác (or Male, Female, Other).")
        for name in ("full_name", "organization", "position", "email"):
            value = getattr(raw, name) or ""
            if name not in errors and value.startswith(FORMULA_START):
                errors[name] = _l("This cell looks like a spreadsheet formula; write plain text.")
        results.append(
            RowResult(line, clean_data, Outcome.INVALID if errors else Outcome.CONFIRMED, errors)
        )
    return results


def plan_rows(event: Event, rows: list[RowResult]) -> Plan:
    """Decide each normalised row's outcome in file order, as ``register()`` would decide it
    for the same submissions one after the other: a phone or e-mail seen in an earlier row or
    already in the course is refused; then approval -> pending, a free seat in the course and
    the unit's quota -> confirmed, otherwise waitlisted, or full when the waiting list is off."""
    taken_phones: dict[str, int] = {}
    taken_emails: dict[str, int] = {}
    for phone, email in db.session.execute(
        select(Registration.phone, Registration.email).where(Registration.event_id == event.id)
    ):
        if phone:
            taken_phones[phone] = 0
        if email:
            taken_emails[email] = 0
    # Units repeat down a list: each distinct name is folded and looked up once.
    keys = _UnitKeys()
    units = current_unit_ids({row.data.organization for row in rows if not row.errors})
    seats = Seats(event)
    for row in rows:
        if row.errors:
            continue
        data = row.data
        earlier = taken_phones.get(data.phone)
        earlier_field = "phone"
        if earlier is None and data.email:
            earlier, earlier_field = taken_emails.get(data.email), "email"
        if earlier:
            row.outcome, row.duplicate_of = Outcome.DUPLICATE, earlier
            row.errors[earlier_field] = _l("Duplicate of row %(row)d.", row=earlier)
            continue
        if earlier == 0:
            row.outcome = Outcome.REGISTERED
            row.errors[earlier_field] = AlreadyRegistered(0, "", earlier_field).message
            continue
        taken_phones[data.phone] = row.line
        if data.email:
            taken_emails[data.email] = row.line
        row.organization_id = units.get(keys[data.organization])
        decision = decide(event, seats.fits(row.organization_id), source=RegistrationSource.IMPORT)
        if decision.full:
            row.outcome = Outcome.FULL
            row.errors["organization"] = EventFull().message
            continue
        row.outcome = _OUTCOME[decision.status]
        if decision.status == RegistrationStatus.CONFIRMED:
            seats.take(row.organization_id)
    return Plan(rows)


def preview(event: Event, inputs: Sequence[tuple[int, RegistrationInput]]) -> Plan:
    """What :func:`import_rows` would do now (read-only; seats may change until the import)."""
    if event.status == EventStatus.ARCHIVED:
        raise ImportFileError(_l("This course is archived and takes no more registrations."))
    return plan_rows(event, normalise_rows(inputs))


# --- the import ---------------------------------------------------------------------------------


class ImportRefused(Exception):  # noqa: N818  (like the services' exceptions)
    """Rows were refused and the organizer did not choose to skip them: nothing was saved."""

    def __init__(self, plan: Plan) -> None:
        super().__init__(f"{len(plan.refused)} rows refused")
        self.plan = plan


@dataclass
class ImportResult:
    plan: Plan
    registrations: list[Registration]
    #: the audit entry's summary: the file name, then counts of rows and of each outcome
    counts: dict[str, Any]


def import_rows(
    event_id: int,
    inputs: Sequence[tuple[int, RegistrationInput]],
    *,
    actor: User | None,
    skip_invalid: bool = False,
    source_name: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Register every row in the caller's one transaction, or none; see :func:`iter_import`.

    ``progress(done, total)`` is called after each batch of :data:`CHUNK` rows is written
    (flushed, not committed): ``total`` is the number of rows to be saved.
    """
    steps = iter_import(
        event_id, inputs, actor=actor, skip_invalid=skip_invalid, source_name=source_name
    )
    while True:
        try:
            done, total = next(steps)
        except StopIteration as finished:
            result: ImportResult = finished.value
            return result
        if progress is not None:
            progress(done, total)


def iter_import(
    event_id: int,
    inputs: Sequence[tuple[int, RegistrationInput]],
    *,
    actor: User | None,
    skip_invalid: bool = False,
    source_name: str = "",
) -> Generator[tuple[int, int], None, ImportResult]:
    """Register every row in the caller's one transaction, or none.

    A generator: it yields ``(rows written, rows to write)`` after each batch and returns the
    :class:`ImportResult`. Nothing is committed here; the caller commits once at the end, or
    rolls back (also when it stops iterating early).

    Rows are normalised first, then the course is locked (``BEGIN IMMEDIATE`` on SQLite,
    ``FOR UPDATE`` on PostgreSQL) and every outcome decided again. Any refused row raises
    :class:`ImportRefused` unless ``skip_invalid``; then only the accepted rows are saved.
    Consent is recorded as given at the import time: the organizer enters the unit's list on
    the unit's behalf. Writes one ``registration.create`` audit entry per registration (as
    ``register()`` does) and one ``registration.import`` entry with the counts.
    """
    normalised = normalise_rows(inputs)
    try:
        event = lock_event(event_id)
    except CourseGone:
        raise ImportFileError(_l("This course no longer exists.")) from None
    if event.status == EventStatus.ARCHIVED:
        raise ImportFileError(_l("This course is archived and takes no more registrations."))
    plan = plan_rows(event, normalised)
    if plan.refused and not skip_invalid:
        raise ImportRefused(plan)
    accepted = plan.accepted
    if not accepted:
        raise ImportFileError(_l("No row can be imported."))

    # A unit not in the directory yet: created once (from its first row's spelling), flagged
    # for review and audited; every row naming it, whatever the accents or case, points at it.
    keys = _UnitKeys()
    new_units: dict[str, int] = {}
    for row in accepted:
        if row.organization_id is None:
            key = keys[row.data.organization]
            if key not in new_units:
                new_units[key] = resolve_organization(row.data.organization, actor)
            row.organization_id = new_units[key]
    codes: set[str] = set()
    last_id = 0  # the course's highest id: every row inserted from here on has a higher one
    for registration_id, code in db.session.execute(
        select(Registration.id, Registration.checkin_code).where(Registration.event_id == event.id)
    ):
        codes.add(code)
        last_id = max(last_id, registration_id)
    now = utcnow()
    registrations: list[Registration] = []
    try:
        for start in range(0, len(accepted), CHUNK):
            values = [
                _values(event.id, row, codes, now, actor.id if actor else None)
                for row in accepted[start : start + CHUNK]
            ]
            # One executemany INSERT per batch (no RETURNING: psycopg 3 would rewrite a huge
            # multi-row statement per batch), then the batch read back for the ids the audit
            # entries name: the course's rows above the last id, known by their check-in codes
            # (unique in the course).
            db.session.execute(_INSERT, values)
            chunk = _saved(event.id, last_id, [value["checkin_code"] for value in values])
            last_id = max(registration.id for registration in chunk)
            record_many(
                actor,
                "registration.create",
                "Registration",
                (
                    (registration.id, {"status": registration.status.value, "source": "import"})
                    for registration in chunk
                ),
                event_id=event.id,
            )
            registrations.extend(chunk)
            yield len(registrations), len(accepted)
        db.session.flush()
    except IntegrityError:
        raise ImportFileError(
            _l("The course changed during the import. Nothing was imported; please try again.")
        ) from None
    counts = {outcome.value: count for outcome, count in plan.counts.items()}
    summary = {
        "file": source_name,
        "rows": len(plan.rows),
        "imported": len(registrations),
        "skipped": len(plan.refused),
        **counts,
    }
    record(actor, "registration.import", event, event_id=event.id, details=summary)
    return ImportResult(plan, registrations, summary)


class _UnitKeys(dict[str, str]):
    """``fold(name)`` of unit names, each distinct name folded once."""

    def __missing__(self, name: str) -> str:
        key = self[name] = fold(name)
        return key


_INSERT: Any = insert(Registration.__table__)  # type: ignore[arg-type]


def _values(
    event_id: int, row: RowResult, codes: set[str], now: datetime, vouched_by_id: int | None
) -> dict[str, Any]:
    """The registration's row, as the ORM would insert ``Registration(...)`` with these values
    (``updated_at`` and the other columns left out take their defaults). The importing account
    vouches for the unit having informed its people of the notice."""
    code = new_checkin_code()
    while code in codes:
        code = new_checkin_code()
    codes.add(code)
    return {
        "event_id": event_id,
        **person_values(row.data),
        "organization_id": row.organization_id,
        "status": _STATUS[row.outcome],
        "source": RegistrationSource.IMPORT,
        "manage_token": secrets.token_urlsafe(32),
        "checkin_code": code,
        "consent_at": now,
        "consent_version": NOTICE_VERSION,
        "consent_vouched_by_id": vouched_by_id,
        "created_at": now,
        "status_changed_at": now,
    }


def _saved(event_id: int, after_id: int, codes: list[str]) -> list[Registration]:
    """The registrations just inserted with these check-in codes (ids above ``after_id``), in
    the same order. By id, not ``checkin_code IN (...)``: PostgreSQL, its statistics not knowing
    the rows of the open transaction, would filter every row of the course against the list."""
    found = {
        registration.checkin_code: registration
        for registration in db.session.scalars(
            select(Registration).where(
                Registration.event_id == event_id, Registration.id > after_id
            )
        )
    }
    return [found[code] for code in codes]


def problem_lines(plan: Plan, limit: int = 20) -> str:
    """``"3, 7, 12"`` (and "…" beyond ``limit``): the refused rows' numbers for a summary."""
    lines = [str(row.line) for row in plan.refused]
    return ", ".join(lines[:limit]) + (", …" if len(lines) > limit else "")
