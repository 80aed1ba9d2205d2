"""Seats of a course: the one home of counting confirmed registrations (in all and per unit,
against capacity and quotas) and of deciding a registration's status.

Every path that gives or moves a seat asks :func:`decide`: online registration, walk-ins,
imports, approval, staff confirmation, waiting-list promotion, registering again and a staff
edit that moves a confirmed participant to another unit. The numbers are only true while the
caller holds the course lock (``events.locking.lock_course``), until it commits.

Held seats: until a course's nomination deadline (``Event.nominations_close_at``) the unused
seats of every unit's quota are held for that unit, so nobody else gets them; from the deadline
on they are everybody's (``nominations.services.release_held_seats`` then fills them from the
waiting list). A course without a deadline holds nothing: its quotas only cap a unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from typing import Protocol

from sqlalchemy import Integer
from sqlalchemy import bindparam
from sqlalchemy import case
from sqlalchemy import func
from sqlalchemy import select

from ..common.dbtx import connection
from ..common.text import fold
from ..common.time import utcnow
from ..events.models import Event
from ..events.models import Quota
from ..extensions import db
from ..organizations.models import Organization
from .models import Registration
from .models import RegistrationSource
from .models import RegistrationStatus


class SeatRules(Protocol):
    """What the seat rule reads of a course (an ``Event`` or its locked ``CourseRules``)."""

    @property
    def id(self) -> int: ...
    @property
    def capacity(self) -> int: ...
    @property
    def approval_required(self) -> bool: ...
    @property
    def waitlist_enabled(self) -> bool: ...
    @property
    def nominations_close_at(self) -> datetime | None: ...


def holds_seats(rules: SeatRules, now: datetime | None = None) -> bool:
    """Whether the unused quota seats of invited units are still held for them."""
    closes = rules.nominations_close_at
    return closes is not None and (now or utcnow()) < closes


@dataclass(frozen=True)
class Decision:
    """Where a registration goes. ``full``: no seat and nowhere to wait; for a new registration
    that is a refusal (``EventFull``), for a pending one it stays pending."""

    status: RegistrationStatus
    #: a walk-in confirmed although the course or the unit's quota was full
    over_capacity: bool = False
    full: bool = False


def decide(
    rules: SeatRules,
    has_seat: bool,
    *,
    source: RegistrationSource = RegistrationSource.ONLINE,
    current: RegistrationStatus | None = None,
) -> Decision:
    """The seat rule (SPEC rule 1), for a registration in ``current`` state (None: a new one, or
    a cancelled one taken up again) given whether the course and its unit's quota have a seat.

    - new: a walk-in is confirmed at the door (flagged over capacity without a seat); with
      approval on, pending (full when there is no seat and no waiting list); a seat ->
      confirmed; no seat -> waitlisted, or full without a waiting list;
    - pending (approval by staff): a seat -> confirmed; else waitlisted, or stays pending (full);
    - waitlisted (promotion, staff confirmation): a seat -> confirmed, else stays waitlisted;
    - confirmed (a staff edit moving them to another unit): stays confirmed only with a seat in
      the new unit's quota, else full.
    """
    if current == RegistrationStatus.CONFIRMED:
        return Decision(RegistrationStatus.CONFIRMED, full=not has_seat)
    if current == RegistrationStatus.WAITLISTED:
        return Decision(RegistrationStatus.CONFIRMED if has_seat else RegistrationStatus.WAITLISTED)
    if current == RegistrationStatus.PENDING:
        if has_seat:
            return Decision(RegistrationStatus.CONFIRMED)
        if rules.waitlist_enabled:
            return Decision(RegistrationStatus.WAITLISTED)
        return Decision(RegistrationStatus.PENDING, full=True)
    if source == RegistrationSource.WALK_IN:
        return Decision(RegistrationStatus.CONFIRMED, over_capacity=not has_seat)
    if rules.approval_required:
        full = not has_seat and not rules.waitlist_enabled
        return Decision(RegistrationStatus.PENDING, full=full)
    if has_seat:
        return Decision(RegistrationStatus.CONFIRMED)
    if rules.waitlist_enabled:
        return Decision(RegistrationStatus.WAITLISTED)
    return Decision(RegistrationStatus.WAITLISTED, full=True)


# --- counting under the lock ----------------------------------------------------------------


class Seats:
    """Confirmed seats of a course per unit, and its quotas: two queries, then counted in memory
    as a batch (import, approval, promotion) decides row after row.

    Build it only while holding the course lock, so the numbers stay true until commit.
    """

    def __init__(self, rules: SeatRules) -> None:
        self.capacity = rules.capacity
        self.holding = holds_seats(rules)
        rows = db.session.execute(
            select(Registration.organization_id, func.count(Registration.id))
            .where(
                Registration.event_id == rules.id,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
            .group_by(Registration.organization_id)
        ).all()
        self.per_unit: dict[int | None, int] = {org_id: count for org_id, count in rows}
        self.total = sum(self.per_unit.values())
        self.quotas: dict[int, int] = {
            org_id: seats
            for org_id, seats in db.session.execute(
                select(Quota.organization_id, Quota.seats).where(Quota.event_id == rules.id)
            ).all()
        }
        self._count_held()

    def _unused(self, organization_id: int | None) -> int:
        quota = self.quotas.get(organization_id) if organization_id is not None else None
        return 0 if quota is None else max(quota - self.per_unit.get(organization_id, 0), 0)

    def _count_held(self) -> None:
        self.held = sum(self._unused(org) for org in self.quotas) if self.holding else 0

    @property
    def course_full(self) -> bool:
        """No seat for anybody, held or not."""
        return self.total >= self.capacity

    def unit_has_room(self, organization_id: int | None) -> bool:
        """A seat in the unit's quota (a unit without one: always)."""
        quota = self.quotas.get(organization_id) if organization_id is not None else None
        return quota is None or self.per_unit.get(organization_id, 0) < quota

    def fits(self, organization_id: int | None) -> bool:
        """A free seat in the course that is not held for another unit, and in the unit's quota
        (a unit without one: the course only)."""
        held_for_others = self.held - (self._unused(organization_id) if self.holding else 0)
        return self.total + held_for_others < self.capacity and self.unit_has_room(organization_id)

    def take(self, organization_id: int | None) -> None:
        if self.holding and self._unused(organization_id) > 0:
            self.held -= 1
        self.total += 1
        self.per_unit[organization_id] = self.per_unit.get(organization_id, 0) + 1

    def move(self, from_unit: int | None, to_unit: int | None) -> None:
        """A confirmed registration changed unit (the course total stays)."""
        self.per_unit[from_unit] = self.per_unit.get(from_unit, 1) - 1
        self.per_unit[to_unit] = self.per_unit.get(to_unit, 0) + 1
        self._count_held()


_CONFIRMED = (Registration.event_id == bindparam("event_id")) & (
    Registration.status == RegistrationStatus.CONFIRMED
)
_QUOTA = (
    select(Quota.seats)
    .where(
        Quota.event_id == bindparam("event_id"),
        Quota.organization_id == bindparam("organization_id"),
    )
    .scalar_subquery()
)
_SEATS_TAKEN = select(
    select(func.count()).where(_CONFIRMED).scalar_subquery().label("total"),
    # Counted only for a unit that has a quota (most have none): a count is a scan of the
    # unit's confirmed rows. CASE runs its subquery only when needed (a condition inside the
    # count's WHERE would still walk every row).
    case(
        (_QUOTA.is_(None), 0),
        else_=select(func.count())
        .where(_CONFIRMED, Registration.organization_id == bindparam("organization_id"))
        .scalar_subquery(),
    ).label("of_unit"),
    _QUOTA.label("quota"),
)


def _unused_quota_seats(*, except_unit: bool) -> Any:
    """Seats of the course's quotas not yet taken by their unit's confirmed registrations
    (optionally leaving out the unit ``organization_id``): what is held while nominating."""
    taken = (
        select(func.count())
        .where(_CONFIRMED, Registration.organization_id == Quota.organization_id)
        .correlate(Quota)
        .scalar_subquery()
    )
    where = [Quota.event_id == bindparam("event_id")]
    if except_unit:
        # A NULL unit (none typed) is no quota's: coalesce to an id no row has.
        where.append(
            Quota.organization_id != func.coalesce(bindparam("organization_id", type_=Integer), 0)
        )
    return (
        select(
            func.coalesce(func.sum(case((Quota.seats > taken, Quota.seats - taken), else_=0)), 0)
        )
        .where(*where)
        .scalar_subquery()
    )


#: :data:`_SEATS_TAKEN` and the seats held for the other invited units (before the deadline)
_SEATS_TAKEN_HELD = _SEATS_TAKEN.add_columns(
    _unused_quota_seats(except_unit=True).label("held_for_others")
)
_HELD = select(_unused_quota_seats(except_unit=False))


def has_seat(rules: SeatRules, organization_id: int | None) -> bool:
    """One query: a free seat in the course that is not held for another unit, and in the
    unit's quota (a unit without one: course only), for a single registration (the hot path).
    The caller holds the course lock."""
    holding = holds_seats(rules)
    seats = (
        connection(db.session)
        .execute(
            _SEATS_TAKEN_HELD if holding else _SEATS_TAKEN,
            {"event_id": rules.id, "organization_id": organization_id},
        )
        .one()
    )
    held_for_others = seats.held_for_others if holding else 0
    if seats.total + held_for_others >= rules.capacity:
        return False
    return organization_id is None or seats.quota is None or seats.of_unit < seats.quota


class Waiting(StrEnum):
    """Why a waitlisted registration has no seat now (what its page and mail tell the person)."""

    UNIT_QUOTA = "unit_quota"  # the unit's quota is taken, though the course may have seats
    COURSE_FULL = "course_full"
    HELD = "held"  # the seats left are held for invited units until the nomination deadline
    SEAT_FREE = "seat_free"  # a seat came free since; the promotion is on its way


@dataclass(frozen=True)
class WaitingReason:
    why: Waiting
    #: the unit's quota (seats) when ``why`` is UNIT_QUOTA
    quota: int | None = None
    #: the seats of the course not taken, for the person to see why "seats left" is not theirs
    seats_left: int = 0


def why_waiting(rules: SeatRules, organization_id: int | None) -> WaitingReason:
    """Why a registration of ``organization_id`` would get no seat now: the unit's quota
    first (it names the quota), then the course, then the seats held for invited units. One
    query, the same counts as :func:`has_seat`."""
    holding = holds_seats(rules)
    seats = (
        connection(db.session)
        .execute(
            _SEATS_TAKEN_HELD if holding else _SEATS_TAKEN,
            {"event_id": rules.id, "organization_id": organization_id},
        )
        .one()
    )
    left = max(rules.capacity - seats.total, 0)
    if organization_id is not None and seats.quota is not None and seats.of_unit >= seats.quota:
        return WaitingReason(Waiting.UNIT_QUOTA, quota=seats.quota, seats_left=left)
    if left == 0:
        return WaitingReason(Waiting.COURSE_FULL)
    if holding and seats.total + seats.held_for_others >= rules.capacity:
        return WaitingReason(Waiting.HELD, seats_left=left)
    return WaitingReason(Waiting.SEAT_FREE, seats_left=left)


def held_seats(rules: SeatRules) -> int:
    """Seats held for invited units right now (0 after the deadline or without one)."""
    if not holds_seats(rules):
        return 0
    return int(db.session.connection().execute(_HELD, {"event_id": rules.id}).scalar() or 0)


# --- figures for pages (no lock: a snapshot) ------------------------------------------------


def count_confirmed(event_id: int) -> int:
    """Confirmed registrations of the course (the number the capacity is measured against)."""
    return (
        db.session.scalar(
            select(func.count(Registration.id)).where(
                Registration.event_id == event_id,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
        )
        or 0
    )


def _seats_left_column() -> Any:
    """Seats anybody may still take, as a column of a SELECT over ``events`` (may be below 0:
    read it through :func:`seats_left_of`): the course's free seats less those held for invited
    units until their nomination deadline. The same counts as :class:`Seats` and
    :func:`has_seat`, in the statement that loads the course, so a public page pays no query
    for it."""
    confirmed = (
        select(func.count(Registration.id))
        .where(
            Registration.event_id == Event.id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .correlate(Event)
        .scalar_subquery()
    )
    taken = (
        select(func.count(Registration.id))
        .where(
            Registration.event_id == Quota.event_id,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.organization_id == Quota.organization_id,
        )
        .correlate(Quota)
        .scalar_subquery()
    )
    held = (
        select(
            func.coalesce(func.sum(case((Quota.seats > taken, Quota.seats - taken), else_=0)), 0)
        )
        .where(Quota.event_id == Event.id)
        .correlate(Event)
        .scalar_subquery()
    )
    # The clock is read when the statement runs (a cached statement keeps no time of its own).
    now = bindparam("seats_now", callable_=utcnow, type_=Event.nominations_close_at.type)
    holding = Event.nominations_close_at.is_not(None) & (Event.nominations_close_at > now)
    return (Event.capacity - confirmed - case((holding, held), else_=0)).label("seats_left")


#: ``select(Event, SEATS_LEFT)``: a course with the seats anybody may still take
SEATS_LEFT = _seats_left_column()


def seats_left_of(value: int | None) -> int:
    """The figure a page shows of a :data:`SEATS_LEFT` value (never below 0)."""
    return max(int(value or 0), 0)


def seats_left(rules: SeatRules) -> int:
    """Seats anybody may still take of the course (see :data:`SEATS_LEFT`). One query."""
    return seats_left_of(db.session.scalar(select(SEATS_LEFT).where(Event.id == rules.id)))


def confirmed_in_unit(event_id: int, organization_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count(Registration.id)).where(
                Registration.event_id == event_id,
                Registration.organization_id == organization_id,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
        )
        or 0
    )


def has_registrations(event_id: int) -> bool:
    """Any registration at all, whatever its status."""
    return (
        db.session.scalar(select(Registration.id).where(Registration.event_id == event_id).limit(1))
        is not None
    )


def registration_counts(event_id: int) -> dict[RegistrationStatus, int]:
    """Registrations of a course per status, every status present (0 when none). One query."""
    counts = dict.fromkeys(RegistrationStatus, 0)
    rows = db.session.execute(
        select(Registration.status, func.count(Registration.id))
        .where(Registration.event_id == event_id)
        .group_by(Registration.status)
    )
    for status, count in rows:
        counts[RegistrationStatus(status)] = count
    return counts


def confirmed_by_event(event_ids: list[int]) -> dict[int, int]:
    """Confirmed registrations per course, for a page of courses. One query."""
    if not event_ids:
        return {}
    rows = db.session.execute(
        select(Registration.event_id, func.count(Registration.id))
        .where(
            Registration.event_id.in_(event_ids),
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .group_by(Registration.event_id)
    )
    return {event_id: count for event_id, count in rows}


@dataclass(frozen=True)
class QuotaUse:
    quota_id: int
    organization_id: int
    organization_name: str
    seats: int
    confirmed: int

    @property
    def left(self) -> int:
        return max(self.seats - self.confirmed, 0)


def quota_use(event_id: int) -> list[QuotaUse]:
    """Each quota of a course against its unit's confirmed registrations, by unit name.
    One query."""
    confirmed = (
        select(Registration.organization_id, func.count(Registration.id).label("n"))
        .where(
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .group_by(Registration.organization_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Quota.id, Quota.organization_id, Organization.name, Quota.seats, confirmed.c.n)
        .join(Organization, Organization.id == Quota.organization_id)
        .outerjoin(confirmed, confirmed.c.organization_id == Quota.organization_id)
        .where(Quota.event_id == event_id)
    )
    uses = [
        QuotaUse(quota_id, org_id, name, seats, n or 0) for quota_id, org_id, name, seats, n in rows
    ]
    return sorted(uses, key=lambda use: fold(use.organization_name))
