"""Export rows: a course's registrations as a header and an iterator of rows, in chunks.

Pure "query -> header + rows" functions shared by the CSV and XLSX writers and the sign-in sheet.
Nothing here knows about files or HTTP. Rows are read with ``yield_per`` (a server-side cursor on
PostgreSQL) and each chunk's attendance comes from one query, so memory stays flat and the number
of queries grows with the row count divided by :data:`CHUNK_SIZE`, never with one per row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from datetime import time
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select
from sqlalchemy import String
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import type_coerce

from ..attendance.marks import MARK_LABELS
from ..attendance.marks import Mark
from ..attendance.models import Attendance
from ..attendance.models import ExcusedAbsence
from ..common.time import LOCAL_TZ
from ..events.labels import session_label
from ..events.models import Event
from ..events.models import EventSession
from ..extensions import db
from ..organizations.models import Organization
from ..organizations.services import KIND_LABELS
from ..registration.forms import GENDER_CHOICES
from ..registration.labels import SOURCE_LABELS
from ..registration.labels import STATUS_LABELS as REGISTRATION_STATUS_LABELS
from ..registration.models import Registration
from ..registration.models import RegistrationStatus
from .filters import ListFilters
from .filters import registrant_conditions
from .filters import registrant_order
from .filters import signin_sheet_order

CHUNK_SIZE = 1000
#: the export's first session column (after No. … Check-in code)
FIRST_SESSION_COLUMN = 13

#: first characters that make a spreadsheet treat a cell as a formula (CSV/formula injection)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | datetime | time | None


def neutralise(value: str) -> str:
    """Defuse a cell a spreadsheet would run as a formula by prefixing a single quote
    (as indico's ``util/spreadsheets.py``); phone numbers start with 0, so they are untouched."""
    if value[:1] in _FORMULA_STARTS:
        return "'" + value
    return value


_FORMULA_STARTS = frozenset(FORMULA_PREFIXES)


# --- Labels -----------------------------------------------------------------------------------------


def status_label(status: RegistrationStatus | str) -> str:
    return str(REGISTRATION_STATUS_LABELS[RegistrationStatus(status)])


def course_sessions(event_id: int) -> list[EventSession]:
    return list(
        db.session.scalars(
            select(EventSession)
            .where(EventSession.event_id == event_id)
            .order_by(EventSession.date, EventSession.start_time, EventSession.position)
        )
    )


# --- The registrations export ---------------------------------------------------------------------


@dataclass
class ExportTable:
    """What a writer needs: the header, the rows (an iterator, read once) and their count."""

    title: str
    header: list[str]
    rows: Iterator[list[Cell]]
    count: int
    #: zero-based indexes of columns holding a datetime (XLSX formats them as dates)
    datetime_columns: tuple[int, ...] = ()
    #: columns holding a time of day (the check-in times): a time value in XLSX, HH:MM in CSV
    time_columns: tuple[int, ...] = ()


def export_header(sessions: list[EventSession]) -> list[str]:
    return [
        _("No."),
        _("Full name"),
        _("Gender"),
        _("Year of birth"),
        _("Organization"),
        _("Kind"),
        _("Position"),
        _("Phone"),
        _("E-mail"),
        _("Status"),
        _("Source"),
        _("Registered at"),
        _("Check-in code"),
        *(session_label(s) for s in sessions),
        *([_("Attendance notes")] if sessions else []),
    ]


def _export_query(event_id: int, filters: ListFilters) -> Select[*tuple[Any, ...]]:
    return (
        select(
            Registration.id,
            Registration.full_name,
            # Enum columns as their stored text: labels are looked up by value, no enum needed.
            type_coerce(Registration.gender, String),
            Registration.birth_year,
            Organization.name,
            type_coerce(Organization.kind, String),
            Registration.position,
            Registration.phone,
            Registration.email,
            type_coerce(Registration.status, String),
            type_coerce(Registration.source, String),
            Registration.created_at,
            Registration.checkin_code,
        )
        .select_from(Registration)
        .outerjoin(Organization, Organization.id == Registration.organization_id)
        .where(*registrant_conditions(event_id, filters))
        .order_by(*registrant_order(filters))
    )


def count_registrations(event_id: int, filters: ListFilters) -> int:
    return (
        db.session.scalar(
            select(func.count(Registration.id)).where(*registrant_conditions(event_id, filters))
        )
        or 0
    )


@dataclass(frozen=True)
class _Seen:
    """One registration's session in the export: its check-in (local time of day) and mark."""

    time: time | None
    late: bool = False
    excuse: str | None = None  # the reason, "" when none was given; None: not excused


def _chunk_attendance(ids: list[int], session_ids: list[int]) -> dict[int, dict[int, _Seen]]:
    """Check-ins and excused absences of these registrations, per registration and session:
    two queries. A check-in wins over an excuse (``attendance.marks``)."""
    found: dict[int, dict[int, _Seen]] = defaultdict(dict)
    if not ids or not session_ids:
        return found
    connection = db.session.connection()
    for registration_id, session_id, reason in connection.execute(
        select(
            ExcusedAbsence.registration_id, ExcusedAbsence.session_id, ExcusedAbsence.reason
        ).where(ExcusedAbsence.registration_id.in_(ids))
    ).all():
        found[registration_id][session_id] = _Seen(None, excuse=reason or "")
    from_utc = LOCAL_TZ.fromutc
    for registration_id, session_id, checked_in_at, late in connection.execute(
        select(
            Attendance.registration_id,
            Attendance.session_id,
            Attendance.checked_in_at,
            Attendance.late,
        ).where(Attendance.registration_id.in_(ids))
    ).all():
        local = from_utc(checked_in_at.replace(tzinfo=LOCAL_TZ))
        found[registration_id][session_id] = _Seen(time(local.hour, local.minute), late=bool(late))
    return found


def _attendance_cells(
    seen: dict[int, _Seen], session_ids: list[int], names: dict[int, str]
) -> list[Cell]:
    """The session columns (check-in time, or "Excused absence") and the notes column that
    names late arrivals and excuses with their reasons."""
    cells: list[Cell] = []
    notes: list[str] = []
    for session_id in session_ids:
        mark = seen.get(session_id)
        if mark is None:
            cells.append("")
        elif mark.excuse is not None:
            cells.append(str(MARK_LABELS[Mark.EXCUSED]))
            note = f"{names[session_id]}: {MARK_LABELS[Mark.EXCUSED]}"
            notes.append(f"{note} ({mark.excuse})" if mark.excuse else note)
        else:
            cells.append(mark.time)
            if mark.late:
                notes.append(f"{names[session_id]}: {MARK_LABELS[Mark.LATE]}")
    if session_ids:
        cells.append(neutralise("; ".join(notes)))
    return cells


def _labels() -> tuple[dict[Any, str], dict[Any, str], dict[Any, str], dict[Any, str]]:
    """Every enum label translated once per export, not once per row."""
    genders = {choice.value: str(choice.label) for choice in GENDER_CHOICES}
    kinds = {kind.value: str(label) for kind, label in KIND_LABELS.items()}
    statuses = {status.value: status_label(status) for status in RegistrationStatus}
    sources = {source.value: str(label) for source, label in SOURCE_LABELS.items()}
    return genders, kinds, statuses, sources


def iter_registration_rows(
    event_id: int,
    session_ids: list[int],
    filters: ListFilters,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[list[Cell]]:
    """The export's rows, streamed: one query for the rows and one per chunk for attendance.

    Text cells are neutralised against formula injection; the registration time is a naive
    local datetime; each session's cell is the local check-in time (HH:MM), "Excused absence" or empty,
    and a last column notes late arrivals and the reasons of excused absences.
    """
    # Labels are translated now, in the request's language: the rows may be read later, while
    # the response streams, outside the request.
    labels = _labels()
    names = {s.id: session_label(s) for s in course_sessions(event_id) if s.id in session_ids}
    query = _export_query(event_id, filters).execution_options(yield_per=chunk_size)
    return _iter_rows(query, session_ids, labels, names)


def _iter_rows(
    query: Select[*tuple[Any, ...]],
    session_ids: list[int],
    labels: tuple[dict[Any, str], ...],
    session_names: dict[int, str],
) -> Iterator[list[Cell]]:
    genders, kinds, statuses, sources = labels
    # Core rows on the session's connection: the ORM adds nothing to plain columns but time.
    result = db.session.connection().execute(query)
    from_utc = LOCAL_TZ.fromutc
    number = 0
    for chunk in result.partitions():
        attendance = _chunk_attendance([row[0] for row in chunk], session_ids)
        for (
            registration_id,
            full_name,
            gender,
            birth_year,
            unit,
            kind,
            position,
            phone,
            email,
            status,
            source,
            created_at,
            checkin_code,
        ) in chunk:
            number += 1
            seen = attendance.get(registration_id, {})
            row: list[Cell] = [
                number,
                neutralise(full_name),
                genders.get(gender, ""),
                birth_year,
                neutralise(unit or ""),
                kinds.get(kind, ""),
                neutralise(position or ""),
                neutralise(phone or ""),
                neutralise(email or ""),
                statuses.get(status, ""),
                sources.get(source, ""),
                from_utc(created_at.replace(tzinfo=LOCAL_TZ)).replace(tzinfo=None),
                neutralise(checkin_code),
                *_attendance_cells(seen, session_ids, session_names),
            ]
            yield row


def registration_table(
    event: Event, filters: ListFilters, chunk_size: int = CHUNK_SIZE
) -> ExportTable:
    """Header, streamed rows and row count of a course's registrations under ``filters``."""
    sessions = course_sessions(event.id)
    return ExportTable(
        title=_("Registrations"),
        header=export_header(sessions),
        rows=iter_registration_rows(event.id, [s.id for s in sessions], filters, chunk_size),
        count=count_registrations(event.id, filters),
        datetime_columns=(11,),
        time_columns=tuple(range(FIRST_SESSION_COLUMN, FIRST_SESSION_COLUMN + len(sessions))),
    )


# --- The sign-in sheet --------------------------------------------------------------------------


@dataclass(frozen=True)
class SigninRow:
    number: int
    full_name: str
    organization: str
    position: str
    phone: str


def signin_header() -> list[str]:
    return [_("No."), _("Full name"), _("Organization"), _("Position"), _("Phone"), _("Signature")]


def signin_rows(event_id: int) -> list[SigninRow]:
    """Confirmed participants in official order (a course's hundreds, so a list is fine)."""
    # The list's sign-in-sheet order (registration.listing), on plain columns.
    query = (
        select(Registration.full_name, Organization.name, Registration.position, Registration.phone)
        .outerjoin(Organization, Organization.id == Registration.organization_id)
        .where(
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .order_by(*signin_sheet_order())
    )
    return [
        SigninRow(number, full_name, unit or "", position or "", phone or "")
        for number, (full_name, unit, position, phone) in enumerate(db.session.execute(query), 1)
    ]
