"""Registrations and check-ins of the demo courses, drawn from seeded generators."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime
from datetime import timedelta

from sqlalchemy import select

from ..attendance.models import Attendance
from ..attendance.models import CheckInMethod
from ..attendance.models import ExcusedAbsence
from ..common.time import local_to_utc
from ..events.models import Event
from ..events.models import EventSession
from ..extensions import db
from ..organizations.models import Organization
from ..organizations.models import OrganizationKind
from ..registration.models import Registration
from ..registration.models import RegistrationSource
from ..registration.models import RegistrationStatus
from ..registration.normalise import RegistrationInput
from ..registration.storage import person_values
from . import data
from .people import PeopleFactory
from .people import Person

REFERENCE_SEED = "trainingapp-demo-reference-2023"
UPCOMING_SEED = "trainingapp-demo-upcoming"

#: registered before the day (online or imported), the cancelled ones included
REFERENCE_REGISTERED = 223
REFERENCE_CANCELLED = 5
REFERENCE_WALK_INS = 3
#: chance to be checked in: in the morning; in the afternoon after a morning / without one
MORNING_SHOWS = 0.88
AFTERNOON_STAYS = 0.93
AFTERNOON_ONLY = 0.3
CHECKIN_METHODS = ((CheckInMethod.QR, 6), (CheckInMethod.CODE, 2), (CheckInMethod.SEARCH, 2))

UPCOMING_CONFIRMED = 37
#: a check-in this long after the start was marked late at the desk
LATE_AFTER = timedelta(minutes=15)
EXCUSED_PER_SESSION = 6
UPCOMING_CANCELLED = 2


def add_reference_participants(
    event: Event, units: dict[str, Organization], sessions: list[EventSession]
) -> None:
    rng = random.Random(REFERENCE_SEED)  # noqa: S311 - reproducible demo data, not secrets
    people = PeopleFactory(rng)
    specs = [spec for spec in data.ORGANIZATIONS if not spec.founded_2025]
    counts = _participants_per_unit(rng, specs, REFERENCE_REGISTERED)

    opens = local_to_utc(data.REFERENCE_OPENS)
    closes = local_to_utc(data.REFERENCE_CLOSES)
    span = (closes - opens).total_seconds()
    imports = {kind: local_to_utc(at) for kind, at in data.REFERENCE_IMPORTS.items()}
    rows: list[tuple[datetime, RegistrationSource, Person, Organization]] = []
    for spec in specs:
        for person in people.staff_of(spec, counts[spec.name]):
            if spec.kind in imports:
                rows.append(
                    (imports[spec.kind], RegistrationSource.IMPORT, person, units[spec.name])
                )
            else:
                offset = int(rng.triangular(0, span, span * 0.75))
                created = opens + timedelta(seconds=offset)
                rows.append((created, RegistrationSource.ONLINE, person, units[spec.name]))
    rows.sort(key=lambda row: row[0])  # ids follow arrival; stable, so imports keep their order

    online = [i for i, row in enumerate(rows) if row[1] == RegistrationSource.ONLINE]
    cancelled = set(rng.sample(online, REFERENCE_CANCELLED))
    confirmed = []
    for i, (created, source, person, org) in enumerate(rows):
        if i in cancelled:
            changed = min(created + timedelta(hours=rng.randint(2, 96)), closes)
            _register(event, person, org, people, source, created, cancelled_at=changed)
        else:
            confirmed.append(_register(event, person, org, people, source, created))

    morning, afternoon = sessions
    for registration in confirmed:
        came = rng.random() < MORNING_SHOWS
        if came:
            _check_in(registration, morning, _arrival(rng, morning), _method(rng))
        if rng.random() < (AFTERNOON_STAYS if came else AFTERNOON_ONLY):
            _check_in(registration, afternoon, _arrival(rng, afternoon), _method(rng))

    # A few came on the day without registering and were added at the desk.
    walk_in_units = [
        spec
        for spec in specs
        if spec.kind in (OrganizationKind.COMMUNE_RADIO, OrganizationKind.CULTURE_CENTRE)
    ]
    for spec in rng.sample(walk_in_units, REFERENCE_WALK_INS):
        person = people.staff_of(spec, 1)[0]
        start = datetime.combine(morning.date, morning.start_time)
        created = local_to_utc(start + timedelta(minutes=rng.randint(5, 28)))
        registration = _register(
            event, person, units[spec.name], people, RegistrationSource.WALK_IN, created
        )
        _check_in(registration, morning, created, CheckInMethod.WALK_IN)
        if rng.random() < AFTERNOON_STAYS:
            _check_in(registration, afternoon, _arrival(rng, afternoon), _method(rng))
    _excuse_absences(confirmed, sessions)
    db.session.flush()


def _participants_per_unit(
    rng: random.Random, specs: list[data.OrgSpec], total: int
) -> dict[str, int]:
    """How many people each unit sent, drawn from its kind's range, adjusted to ``total``."""
    ranges = {
        spec.name: data.PARTICIPANTS_OVERRIDES.get(spec.name)
        or data.PARTICIPANTS_PER_UNIT[spec.kind]
        for spec in specs
    }
    counts = {name: rng.randint(low, high) for name, (low, high) in ranges.items()}
    names = list(counts)
    while sum(counts.values()) < total:
        counts[rng.choice(names)] += 1
    while sum(counts.values()) > total:
        above = [name for name in names if counts[name] > ranges[name][0]]
        if not above:
            break
        counts[rng.choice(above)] -= 1
    return counts


def add_upcoming_participants(
    event: Event, units: dict[str, Organization], opens: datetime, until: datetime
) -> None:
    rng = random.Random(UPCOMING_SEED)  # noqa: S311 - reproducible demo data, not secrets
    people = PeopleFactory(rng)
    pool = [spec for spec in data.ORGANIZATIONS if units[spec.name].is_current]
    busy = {OrganizationKind.BORDER_POST: 3, OrganizationKind.COMMUNE_RADIO: 2}
    weights = [busy.get(spec.kind, 1) for spec in pool]
    picks = Counter(
        spec.name for spec in rng.choices(pool, weights, k=UPCOMING_CONFIRMED + UPCOMING_CANCELLED)
    )

    span = int((until - opens).total_seconds())
    rows = []
    for spec in pool:
        for person in people.staff_of(spec, picks.get(spec.name, 0)):
            rows.append((opens + timedelta(seconds=rng.randrange(span)), person, spec.name))
    rows.sort(key=lambda row: row[0])
    cancelled = set(rng.sample(range(len(rows)), UPCOMING_CANCELLED))
    for i, (created, person, name) in enumerate(rows):
        changed = (
            min(created + timedelta(hours=rng.randint(1, 48)), until) if i in cancelled else None
        )
        _register(
            event,
            person,
            units[name],
            people,
            RegistrationSource.ONLINE,
            created,
            cancelled_at=changed,
        )
    db.session.flush()


def _register(
    event: Event,
    person: Person,
    org: Organization,
    people: PeopleFactory,
    source: RegistrationSource,
    created: datetime,
    *,
    cancelled_at: datetime | None = None,
) -> Registration:
    changed = cancelled_at or created
    typed = RegistrationInput(
        full_name=person.full_name,
        organization=org.name,
        phone=person.phone,
        gender=person.gender.value,
        birth_year=person.birth_year,
        position=person.position,
        email=person.email,
    )
    registration = Registration(
        event_id=event.id,
        **person_values(typed),
        organization=org,
        status=RegistrationStatus.CANCELLED if cancelled_at else RegistrationStatus.CONFIRMED,
        source=source,
        manage_token=people.manage_token(),
        checkin_code=people.checkin_code(),
        consent_at=created,
        created_at=created,
        updated_at=changed,
        status_changed_at=changed,
    )
    db.session.add(registration)
    return registration


def _check_in(
    registration: Registration, event_session: EventSession, at: datetime, method: CheckInMethod
) -> Attendance:
    # The desk marked late whoever came more than LATE_AFTER after the start.
    start = local_to_utc(datetime.combine(event_session.date, event_session.start_time))
    attendance = Attendance(
        registration=registration,
        session=event_session,
        checked_in_at=at,
        method=method,
        late=at > start + LATE_AFTER,
    )
    db.session.add(attendance)
    return attendance


def _excuse_absences(confirmed: list[Registration], sessions: list[EventSession]) -> None:
    """A few absent participants had asked leave beforehand (vắng có phép), with a reason.
    Its own random sequence, so the rest of the demo stays as it was."""
    rng = random.Random(REFERENCE_SEED + "-excused")  # noqa: S311 - reproducible demo data
    db.session.flush()
    present = {
        (registration_id, session_id)
        for registration_id, session_id in db.session.execute(
            select(Attendance.registration_id, Attendance.session_id).where(
                Attendance.session_id.in_([s.id for s in sessions])
            )
        )
    }
    for event_session in sessions:
        absent = [r for r in confirmed if (r.id, event_session.id) not in present]
        for registration in rng.sample(absent, min(EXCUSED_PER_SESSION, len(absent))):
            db.session.add(
                ExcusedAbsence(
                    registration_id=registration.id,
                    session_id=event_session.id,
                    reason=rng.choice(data.EXCUSE_REASONS),
                    recorded_at=local_to_utc(
                        datetime.combine(event_session.date, event_session.start_time)
                    ),
                )
            )


def _arrival(rng: random.Random, event_session: EventSession) -> datetime:
    """Check-in time: half an hour either side of the start, mostly a little before it."""
    start = datetime.combine(event_session.date, event_session.start_time)
    return local_to_utc(start + timedelta(seconds=int(rng.triangular(-1800, 1800, -600))))


def _method(rng: random.Random) -> CheckInMethod:
    methods = [method for method, _weight in CHECKIN_METHODS]
    weights = [weight for _method, weight in CHECKIN_METHODS]
    return rng.choices(methods, weights)[0]
