"""The staff list of a course's registrations: filters (status, unit, source, attendance) on
top of ``registration.listing``'s search and order. A pure query builder; callers execute it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement
from sqlalchemy import Select
from sqlalchemy import exists
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..attendance.models import Attendance
from ..organizations.models import Organization
from ..organizations.models import OrganizationKind
from ..registration.listing import ATTENDED
from ..registration.listing import NOT_ATTENDED
from ..registration.listing import SORT_NAME
from ..registration.listing import SORT_TIME
from ..registration.listing import search_condition
from ..registration.listing import signin_sheet_order
from ..registration.models import Registration
from ..registration.models import RegistrationSource
from ..registration.models import RegistrationStatus

__all__ = ["ATTENDED", "NOT_ATTENDED", "SORT_NAME", "SORT_TIME", "ListFilters", "registrants_query"]


def attended_condition(session_id: int | None) -> ColumnElement[bool]:
    """Checked in for that session, or for any session of the course when ``session_id`` is None."""
    condition = exists().where(Attendance.registration_id == Registration.id)
    if session_id is not None:
        condition = condition.where(Attendance.session_id == session_id)
    return condition


@dataclass(frozen=True)
class ListFilters:
    """What the registrant list is narrowed to; every field optional (None or "" = all)."""

    q: str = ""
    status: RegistrationStatus | None = None
    kind: OrganizationKind | None = None
    organization_id: int | None = None
    source: RegistrationSource | None = None
    #: with ``attendance``: ATTENDED or NOT_ATTENDED for this session
    session_id: int | None = None
    attendance: str | None = None
    sort: str = SORT_NAME


def registrants_query(event_id: int, filters: ListFilters) -> Select[Registration]:
    """The staff list of a course's registrations (all statuses) narrowed by ``filters``."""
    query = select(Registration).where(Registration.event_id == event_id)
    condition = search_condition(filters.q)
    if condition is not None:
        query = query.where(condition)
    if filters.status is not None:
        query = query.where(Registration.status == filters.status)
    if filters.organization_id is not None:
        query = query.where(Registration.organization_id == filters.organization_id)
    if filters.kind is not None:
        query = query.where(
            Registration.organization_id.in_(
                select(Organization.id).where(Organization.kind == filters.kind)
            )
        )
    if filters.source is not None:
        query = query.where(Registration.source == filters.source)
    if filters.attendance in (ATTENDED, NOT_ATTENDED):
        attended = attended_condition(filters.session_id)
        query = query.where(attended if filters.attendance == ATTENDED else ~attended)
    if filters.sort == SORT_TIME:
        query = query.order_by(Registration.created_at.desc(), Registration.id.desc())
    else:
        query = query.order_by(*signin_sheet_order())
    return query.options(selectinload(Registration.organization))
