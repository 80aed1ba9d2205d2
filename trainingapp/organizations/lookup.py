"""Finding a unit by the name people type: the one place that follows retired units to their
successors (2025 reorganisation) and adds units nobody has listed yet.

Names match accent- and case-insensitively (``Organization.name_key``, ``common.text.fold``).
The single look-up runs prebuilt statements: it is on the registration hot path.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..audit.services import record
from ..common.text import fold
from ..extensions import db
from .models import Organization
from .models import OrganizationKind

if TYPE_CHECKING:
    from ..auth.models import User

#: a chain of successors is followed this far at most (a loop in the data must not hang us)
MAX_HOPS = 10
#: names are looked up this many at a time
CHUNK = 500

_UNIT_COLUMNS = (Organization.id, Organization.retired_on, Organization.successor_id)
_UNIT_BY_KEY = select(*_UNIT_COLUMNS).where(Organization.name_key == bindparam("key"))
_UNIT_BY_ID = select(*_UNIT_COLUMNS).where(Organization.id == bindparam("id"))


def _follow_successors(row: Any) -> int | None:
    """The id of the unit of ``row`` or, if it was retired, of its current successor."""
    connection = db.session.connection()
    hops = 0
    while row is not None and row.retired_on is not None and row.successor_id and hops < MAX_HOPS:
        row = connection.execute(_UNIT_BY_ID, {"id": row.successor_id}).first()
        hops += 1
    return int(row.id) if row is not None else None


def current_unit_id(name: str) -> int | None:
    """The id of the unit called ``name`` or, if it was retired, of its current successor."""
    return _follow_successors(
        db.session.connection().execute(_UNIT_BY_KEY, {"key": fold(name)}).first()
    )


def current_successor_id(unit_id: int) -> int | None:
    """The id of unit ``unit_id`` itself while it is current or, once retired, of its current
    successor (a chain followed to its end); ``None`` for an unknown id. A retired unit without a
    successor is its own answer: callers check ``is_current`` when they need a current one."""
    return _follow_successors(db.session.connection().execute(_UNIT_BY_ID, {"id": unit_id}).first())


def current_unit_ids(names: Iterable[str]) -> dict[str, int]:
    """:func:`current_unit_id` for many names at once: folded name -> unit id, for the names
    found (a fixed number of queries per :data:`CHUNK` names and per successor hop)."""
    found: dict[str, int] = {}
    retired: dict[str, int] = {}
    keys = sorted({fold(name) for name in names})
    for start in range(0, len(keys), CHUNK):
        for row in db.session.execute(
            select(Organization.name_key, *_UNIT_COLUMNS).where(
                Organization.name_key.in_(keys[start : start + CHUNK])
            )
        ):
            if row.retired_on is not None and row.successor_id:
                retired[row.name_key] = row.successor_id
            else:
                found[row.name_key] = row.id
    hops = 0
    while retired and hops < MAX_HOPS:
        successors = {
            row.id: row
            for row in db.session.execute(
                select(*_UNIT_COLUMNS).where(Organization.id.in_(set(retired.values())))
            )
        }
        still: dict[str, int] = {}
        for key, successor_id in retired.items():
            successor = successors.get(successor_id)
            if (
                successor is not None
                and successor.retired_on is not None
                and successor.successor_id
            ):
                still[key] = successor.successor_id
            else:
                found[key] = successor_id
        retired, hops = still, hops + 1
    found.update(retired)
    return found


def resolve_unit(name: str, actor: User | None, *, actor_label: str | None = None) -> int:
    """The id of the current unit called ``name`` (see :func:`current_unit_id`), or of a new
    unit of kind "other" flagged for staff to review (audited). A unit typed at the same moment
    by someone else is found again instead of failing on the unique name key."""
    found = current_unit_id(name)
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            org = Organization(name=name[:255], kind=OrganizationKind.OTHER, needs_review=True)
            db.session.add(org)
            db.session.flush()
    except IntegrityError:
        existing = db.session.scalar(
            select(Organization.id).where(Organization.name_key == fold(name))
        )
        if existing is None:
            raise
        return existing
    record(
        actor,
        "organization.create",
        org,
        details={"name": org.name, "kind": org.kind.value, "needs_review": True},
        actor_label=actor_label,
    )
    return org.id
