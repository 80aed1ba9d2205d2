"""The registrant list's filters, read from an export's query string, so an export holds exactly
the rows the list shows. The query building itself is the list's (``registration.listing``).

Accepted parameters: ``q``, ``status``, ``kind``, ``organization``, ``source``, ``session`` with
``attendance=attended|not_attended`` (the list's form), or the shorthands ``attended=<session id>``
and ``not_attended=<session id>``; ``sort=name`` (official order, the default) or ``time``
(newest first). Unknown values are ignored: an export never fails on its query string.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any
from typing import TypeVar

from sqlalchemy import ColumnElement

from ..organizations.models import OrganizationKind
from ..registrants.listing import ATTENDED
from ..registrants.listing import NOT_ATTENDED
from ..registrants.listing import SORT_NAME
from ..registrants.listing import SORT_TIME
from ..registrants.listing import ListFilters
from ..registrants.listing import registrants_query
from ..registration.listing import signin_sheet_order
from ..registration.models import Registration
from ..registration.models import RegistrationSource
from ..registration.models import RegistrationStatus

__all__ = ["FILTER_ARGS", "ListFilters", "filters_from_args", "signin_sheet_order"]

FILTER_ARGS = (
    "q",
    "status",
    "kind",
    "organization",
    "source",
    "session",
    "attendance",
    "attended",
    "not_attended",
    "sort",
)

E = TypeVar("E", bound=StrEnum)


def _positive_int(value: str | None) -> int | None:
    if value and value.isdigit() and len(value) < 12:
        return int(value) or None
    return None


def _enum(kind: type[E], value: str | None) -> E | None:
    return kind(value) if value is not None and value in kind.__members__.values() else None


def filters_from_args(args: Mapping[str, str]) -> ListFilters:
    """The list's filters from a query string, leniently."""
    session_id = _positive_int(args.get("session"))
    attendance = (
        args.get("attendance") if args.get("attendance") in (ATTENDED, NOT_ATTENDED) else None
    )
    for name, value in ((ATTENDED, args.get("attended")), (NOT_ATTENDED, args.get("not_attended"))):
        if _positive_int(value) is not None:
            session_id, attendance = _positive_int(value), name
    sort = args.get("sort", "")
    return ListFilters(
        q=(args.get("q") or "").strip(),
        status=_enum(RegistrationStatus, args.get("status")),
        kind=_enum(OrganizationKind, args.get("kind")),
        organization_id=_positive_int(args.get("organization")),
        source=_enum(RegistrationSource, args.get("source")),
        session_id=session_id if attendance else None,
        attendance=attendance if session_id else None,
        sort=SORT_TIME if sort in (SORT_TIME, "created", "-created") else SORT_NAME,
    )


def registrant_conditions(event_id: int, filters: ListFilters) -> list[ColumnElement[bool]]:
    """The list's WHERE clause, to put under a select of plain columns."""
    where = registrants_query(event_id, filters).whereclause
    return [where] if where is not None else []


def registrant_order(filters: ListFilters) -> tuple[Any, ...]:
    """The list's ORDER BY: official order, or newest first."""
    if filters.sort == SORT_TIME:
        return (Registration.created_at.desc(), Registration.id.desc())
    return signin_sheet_order()
