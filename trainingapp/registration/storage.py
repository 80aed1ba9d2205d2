"""Finding and writing registration rows, for every path that adds people to a course: the
stored values of a person, units typed by participants, the duplicate look-up, check-in codes
and the insert itself.

The statements are built once, with bind parameters: on the hot path (hundreds of registrations
in the first hour) building a statement costs more than running it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from ..common.dbtx import connection
from ..common.dbtx import execute_write
from ..common.text import fold
from ..common.text import name_sort_key
from ..common.time import utcnow
from ..extensions import db
from ..organizations.lookup import resolve_unit
from .errors import AlreadyRegistered
from .models import Gender
from .models import Registration
from .models import RegistrationSource
from .models import RegistrationStatus
from .normalise import RegistrationInput

if TYPE_CHECKING:
    from ..auth.models import User

#: check-in code letters: no 0/O, 1/I/L that are misread when typed from a screen
CHECKIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CHECKIN_LENGTH = 6
#: the audit log's actor for what participants do themselves
PARTICIPANT = "participant"


def resolve_organization(name: str, actor: User | None) -> int:
    """The unit a registration names (``organizations.lookup.resolve_unit``), audited as the
    participant's when there is no staff actor."""
    return resolve_unit(name, actor, actor_label=None if actor else PARTICIPANT)


def new_checkin_code() -> str:
    """6 characters from :data:`CHECKIN_ALPHABET` (31**6, about 887 million codes).

    Uniqueness within the course is the database's unique key; :func:`insert_registration` draws
    again on the rare collision instead of querying first.
    """
    return "".join(secrets.choice(CHECKIN_ALPHABET) for _ in range(CHECKIN_LENGTH))


# Built once: building a statement costs more than running it (SQLite, hot path). A NULL e-mail
# matches nothing, and ids start at 1, so exclude_id 0 excludes nothing.
_SAME_PERSON = (
    select(Registration.id, Registration.manage_token, Registration.phone)
    .where(
        Registration.event_id == bindparam("event_id"),
        or_(Registration.phone == bindparam("phone"), Registration.email == bindparam("email")),
        Registration.id != bindparam("exclude_id"),
    )
    .limit(2)
)


def find_duplicate(
    event_id: int, phone: str, email: str | None, exclude_id: int | None = None
) -> AlreadyRegistered | None:
    """The registration in this course with the same phone (first) or e-mail, as the error."""
    rows = (
        connection(db.session)
        .execute(
            _SAME_PERSON,
            {
                "event_id": event_id,
                "phone": phone,
                "email": email or None,
                "exclude_id": exclude_id or 0,
            },
        )
        .all()
    )
    for row in rows:
        if row.phone == phone:
            return AlreadyRegistered(row.id, row.manage_token, "phone")
    if rows:
        return AlreadyRegistered(rows[0].id, rows[0].manage_token, "email")
    return None


#: the columns :func:`person_values` fills: what a participant (or staff for them) types
PERSON_COLUMNS = (
    "full_name",
    "sort_key",
    "search_name",
    "gender",
    "birth_year",
    "position",
    "phone",
    "email",
)


def person_values(clean_data: RegistrationInput) -> dict[str, Any]:
    """A registration's stored values for the person, from normalised input: the one place that
    derives the sort key and the accent-free search name. Every path that writes a registration
    (online, walk-in, import, nomination, staff edit) uses it."""
    return {
        "full_name": clean_data.full_name,
        "sort_key": name_sort_key(clean_data.full_name),
        "search_name": fold(clean_data.full_name),
        "gender": Gender(clean_data.gender) if clean_data.gender else None,
        "birth_year": clean_data.birth_year if isinstance(clean_data.birth_year, int) else None,
        "position": clean_data.position,
        "phone": clean_data.phone,
        "email": clean_data.email,
    }


@dataclass(frozen=True)
class Registered:
    """What :func:`register` stored. Load the row (``db.session.get``) only when more is needed."""

    id: int
    status: RegistrationStatus
    organization_id: int | None
    manage_token: str
    checkin_code: str
    #: a walk-in confirmed although the course or the unit's quota was full
    over_capacity: bool = False


# ON CONFLICT DO NOTHING instead of a savepoint around a plain INSERT: a clash on a unique key
# (a phone or e-mail already registered by a caller without the lock, a check-in code already
# drawn in the course) returns no row, and the transaction stays usable on PostgreSQL too.
_TABLE: Any = Registration.__table__
_INSERT_REGISTRATION = {
    name: insert(_TABLE).on_conflict_do_nothing().returning(Registration.id)
    for name, insert in (("sqlite", sqlite.insert), ("postgresql", postgresql.insert))
}


def insert_registration(
    event_id: int,
    clean_data: RegistrationInput,
    *,
    organization_id: int | None,
    status: RegistrationStatus,
    source: RegistrationSource,
    manage_token: str | None = None,
    over_capacity: bool = False,
    locale: str | None = None,
    person: dict[str, Any] | None = None,
    consent_version: str | None = None,
    consent_vouched_by_id: int | None = None,
) -> Registered:
    """Insert a registration (one Core INSERT: this is the hot path).

    ``person`` is :func:`person_values` of ``clean_data`` when the caller derived them already
    (before taking the course lock, so that it is held for less). ``consent_version`` is the
    notice agreed to; ``consent_vouched_by_id`` the staff account that vouched for informing the
    person.
    The unique keys on (course, phone) and (course, e-mail) are the duplicate rule's check
    (:func:`register` looks nothing up first): a clash becomes :class:`AlreadyRegistered`, also
    for a caller without the lock or a double submit; a check-in code already used in this
    course draws another code.
    """
    now = utcnow()
    values: dict[str, Any] = {
        "event_id": event_id,
        **(person if person is not None else person_values(clean_data)),
        "organization_id": organization_id,
        "status": status,
        "source": source,
        "over_capacity": over_capacity,
        "manage_token": manage_token or secrets.token_urlsafe(32),
        "consent_at": now if clean_data.consent else None,
        "consent_version": consent_version if clean_data.consent else None,
        "consent_vouched_by_id": consent_vouched_by_id,
        "locale": locale,
        "created_at": now,
        "updated_at": now,
        "status_changed_at": now,
    }
    statement = _INSERT_REGISTRATION[connection(db.session).dialect.name]
    for _attempt in range(5):
        values["checkin_code"] = new_checkin_code()
        new_id = execute_write(db.session, statement, values).scalar()
        if new_id is not None:
            break
        duplicate = find_duplicate(event_id, clean_data.phone, clean_data.email)
        if duplicate is not None:
            raise duplicate
    else:
        raise RuntimeError("no free check-in code or manage token after 5 draws")
    return Registered(
        id=new_id,
        status=status,
        organization_id=organization_id,
        manage_token=values["manage_token"],
        checkin_code=values["checkin_code"],
        over_capacity=over_capacity,
    )
