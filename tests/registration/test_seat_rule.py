"""The one seat rule, driven through every path that gives a seat, from one table.

Each row of :data:`NEW` is a course state (course full or not, the unit's quota full or not,
approval on/off, waiting list on/off) and what a new registration becomes. The same table is
run through ``seats.decide`` itself, the public registration, an import and a walk-in; the
approval, promotion and register-again paths run the tables below it. A path that decided by
its own copy of the rule would disagree with one of the rows.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.factories import make_event
from tests.factories import make_organization
from tests.factories import make_registration
from trainingapp.events.models import Event
from trainingapp.events.models import Quota
from trainingapp.extensions import db
from trainingapp.imports import services as imports
from trainingapp.organizations.lookup import current_unit_id
from trainingapp.registrants import services as registrants
from trainingapp.registration import seats
from trainingapp.registration import services
from trainingapp.registration.errors import EventFull
from trainingapp.registration.models import Registration
from trainingapp.registration.models import RegistrationSource
from trainingapp.registration.models import RegistrationStatus as S
from trainingapp.registration.normalise import RegistrationInput

FULL = "full"

#: (course full, quota full, approval, waiting list) -> a new registration's status, or FULL
NEW = [
    (False, False, False, True, S.CONFIRMED),
    (False, False, False, False, S.CONFIRMED),
    (True, False, False, True, S.WAITLISTED),
    (True, False, False, False, FULL),
    (False, True, False, True, S.WAITLISTED),
    (False, True, False, False, FULL),
    (False, False, True, True, S.PENDING),
    (False, False, True, False, S.PENDING),
    (True, False, True, True, S.PENDING),
    (True, False, True, False, FULL),
    (False, True, True, False, FULL),
]
#: (course full, quota full, waiting list) -> a pending registration approved by staff (a pending
#: one exists in a full course only with a waiting list: see NEW)
APPROVE = [
    (False, False, True, S.CONFIRMED),
    (False, False, False, S.CONFIRMED),
    (True, False, True, S.WAITLISTED),
    (False, True, True, S.WAITLISTED),
]


def _course(course_full: bool, quota_full: bool, approval: bool, waitlist: bool) -> tuple[int, str]:
    """A course of 2 seats and a unit with a quota of 1, filled as the row says. Returns the
    course id and the unit's name."""
    event = make_event(
        db.session, capacity=2, approval_required=approval, waitlist_enabled=waitlist
    )
    unit = make_organization(db.session)
    other = make_organization(db.session)
    db.session.add(Quota(event_id=event.id, organization_id=unit.id, seats=1))
    if quota_full:
        make_registration(db.session, event, organization_id=unit.id)
    if course_full:
        for _ in range(2 - int(quota_full)):
            make_registration(db.session, event, organization_id=other.id)
    db.session.commit()
    return event.id, unit.name


def _person(unit: str, phone: str = "0905123456") -> RegistrationInput:
    return RegistrationInput(
        full_name="Trần Thị Bình", organization=unit, phone=phone, consent=True
    )


def _outcome(call: Any) -> Any:
    try:
        status = call()
    except EventFull:
        db.session.rollback()
        return FULL
    db.session.commit()
    return status


@pytest.mark.parametrize(("course_full", "quota_full", "approval", "waitlist", "expected"), NEW)
def test_decide_is_the_table(
    course_full: bool, quota_full: bool, approval: bool, waitlist: bool, expected: Any
) -> None:
    class Rules:
        id = 0
        capacity = 2
        approval_required = approval
        waitlist_enabled = waitlist

    decision = seats.decide(Rules(), not (course_full or quota_full))
    assert (FULL if decision.full else decision.status) == expected


@pytest.mark.parametrize(("course_full", "quota_full", "approval", "waitlist", "expected"), NEW)
def test_online_registration_follows_the_table(
    app_ctx: None,
    course_full: bool,
    quota_full: bool,
    approval: bool,
    waitlist: bool,
    expected: Any,
) -> None:
    event_id, unit = _course(course_full, quota_full, approval, waitlist)

    def register() -> Any:
        registered = services.register(
            event_id, _person(unit), source=RegistrationSource.ONLINE, actor=None
        )
        return registered.status

    assert _outcome(register) == expected


@pytest.mark.parametrize(("course_full", "quota_full", "approval", "waitlist", "expected"), NEW)
def test_import_follows_the_table(
    app_ctx: None,
    course_full: bool,
    quota_full: bool,
    approval: bool,
    waitlist: bool,
    expected: Any,
) -> None:
    event_id, unit = _course(course_full, quota_full, approval, waitlist)
    plan = imports.preview(db.session.get_one(Event, event_id), [(2, _person(unit))])
    outcome = plan.rows[0].outcome
    want = {
        FULL: imports.Outcome.FULL,
        S.CONFIRMED: imports.Outcome.CONFIRMED,
        S.PENDING: imports.Outcome.PENDING,
        S.WAITLISTED: imports.Outcome.WAITLISTED,
    }[expected]
    assert outcome == want


@pytest.mark.parametrize(("course_full", "quota_full", "approval", "waitlist", "_expected"), NEW)
def test_walk_ins_are_confirmed_and_flagged_when_no_seat(
    app_ctx: None,
    course_full: bool,
    quota_full: bool,
    approval: bool,
    waitlist: bool,
    _expected: Any,
) -> None:
    event_id, unit = _course(course_full, quota_full, approval, waitlist)
    registration = services.register_walk_in(event_id, _person(unit), None)
    db.session.commit()
    assert registration.status == S.CONFIRMED
    assert registration.over_capacity == (course_full or quota_full)


@pytest.mark.parametrize(("course_full", "quota_full", "waitlist", "expected"), APPROVE)
def test_approval_follows_the_table(
    app_ctx: None, course_full: bool, quota_full: bool, waitlist: bool, expected: Any
) -> None:
    event_id, unit = _course(course_full, quota_full, True, waitlist)
    registered = services.register(
        event_id, _person(unit), source=RegistrationSource.ONLINE, actor=None
    )
    db.session.commit()
    assert registered.status == S.PENDING
    result = registrants.confirm_many(event_id, [registered.id], None)
    db.session.commit()
    status = db.session.get_one(Registration, registered.id).status
    assert status == expected
    assert (result.changed, result.waitlisted) == (
        ([db.session.get_one(Registration, registered.id)], [])
        if expected == S.CONFIRMED
        else ([], [db.session.get_one(Registration, registered.id)])
    )


@pytest.mark.parametrize("quota_full", [False, True])
def test_promotion_follows_the_table(app_ctx: None, quota_full: bool) -> None:
    """A cancellation frees a course seat: the first waitlisted one is promoted only when its
    unit's quota has room too."""
    event_id, unit = _course(True, quota_full, False, True)
    waiting = services.register(
        event_id, _person(unit), source=RegistrationSource.ONLINE, actor=None
    )
    db.session.commit()
    assert waiting.status == S.WAITLISTED
    leaving = db.session.scalars(
        select(Registration.id)
        .where(Registration.event_id == event_id, Registration.status == S.CONFIRMED)
        .order_by(Registration.id.desc())
    ).first()
    assert leaving is not None
    result = services.cancel(leaving, None)
    db.session.commit()
    promoted = [r.id for r in result.promoted]
    # The last confirmed one was of the other unit: the quota stays full when it was.
    assert promoted == ([] if quota_full else [waiting.id])


@pytest.mark.parametrize(("course_full", "quota_full", "approval", "waitlist", "expected"), NEW)
def test_register_again_follows_the_table(
    app_ctx: None,
    course_full: bool,
    quota_full: bool,
    approval: bool,
    waitlist: bool,
    expected: Any,
) -> None:
    event_id, unit = _course(course_full, quota_full, approval, waitlist)
    cancelled = make_registration(
        db.session,
        db.session.get_one(Event, event_id),
        organization_id=current_unit_id(unit),
        status=S.CANCELLED,
    )
    db.session.commit()

    def again() -> Any:
        return services.register_again(cancelled.id).status

    assert _outcome(again) == expected
