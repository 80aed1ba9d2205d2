"""Attendance marks beyond "present": late (đi muộn) and excused absence (vắng có phép).

A check-in (an ``Attendance`` row) is presence; staff may flag it late. An ``ExcusedAbsence`` is
an absence accepted beforehand, with a reason. A check-in for the same session wins over an
excused absence (the person came after all), so undoing that check-in shows the excuse again.
Everything that reads marks (the registrant list, exports, the attendance report, the
certificate rule) asks this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlalchemy import select

from ..audit.services import record
from ..events.locking import lock_course
from ..events.models import EventSession
from ..extensions import db
from ..registration.models import Registration
from ..registration.models import RegistrationStatus
from .models import Attendance
from .models import ExcusedAbsence
from .services import AttendanceError

if TYPE_CHECKING:
    from ..auth.models import User

REASON_MAX = 300


class Mark(StrEnum):
    PRESENT = "present"
    LATE = "late"
    EXCUSED = "excused"
    ABSENT = "absent"

    @property
    def attended(self) -> bool:
        return self in (Mark.PRESENT, Mark.LATE)


MARK_LABELS = {
    Mark.PRESENT: _l("Present"),
    Mark.LATE: _l("Late"),
    Mark.EXCUSED: _l("Excused absence"),
    Mark.ABSENT: _l("Absent"),
}

#: short forms for sheets with one column per session
MARK_SHORT = {
    Mark.PRESENT: "x",
    Mark.LATE: _l("L"),
    Mark.EXCUSED: _l("E"),
    Mark.ABSENT: "",
}


def mark_of(attendance: Attendance | None, excused: bool) -> Mark:
    if attendance is not None:
        return Mark.LATE if attendance.late else Mark.PRESENT
    return Mark.EXCUSED if excused else Mark.ABSENT


def excused_map(registration_ids: Iterable[int]) -> dict[int, dict[int, ExcusedAbsence]]:
    """``{registration_id: {session_id: ExcusedAbsence}}`` for these registrations (one query)."""
    ids = list(registration_ids)
    result: dict[int, dict[int, ExcusedAbsence]] = {}
    if not ids:
        return result
    for row in db.session.scalars(
        select(ExcusedAbsence).where(ExcusedAbsence.registration_id.in_(ids))
    ):
        result.setdefault(row.registration_id, {})[row.session_id] = row
    return result


def marks_for(registration_ids: Iterable[int]) -> dict[int, dict[int, Mark]]:
    """``{registration_id: {session_id: Mark}}`` for the sessions with a check-in or an excuse
    (two queries); a session missing from the inner dict is ABSENT."""
    ids = list(registration_ids)
    result: dict[int, dict[int, Mark]] = {}
    if not ids:
        return result
    for reg_id, by_session in excused_map(ids).items():
        for session_id in by_session:
            result.setdefault(reg_id, {})[session_id] = Mark.EXCUSED
    for reg_id, session_id, late in db.session.execute(
        select(Attendance.registration_id, Attendance.session_id, Attendance.late).where(
            Attendance.registration_id.in_(ids)
        )
    ):
        result.setdefault(reg_id, {})[session_id] = Mark.LATE if late else Mark.PRESENT
    return result


def attended_counts(event_id: int, *, count_excused: bool = False) -> dict[int, int]:
    """Sessions of the course each registration attended (present or late; with
    ``count_excused`` also its excused absences in sessions it was not checked in).
    Registrations with none are left out. Two queries at most."""
    counts: dict[int, int] = {}
    attended = (
        select(Attendance.registration_id, func.count(Attendance.id))
        .join(EventSession, EventSession.id == Attendance.session_id)
        .where(EventSession.event_id == event_id)
        .group_by(Attendance.registration_id)
    )
    for reg_id, count in db.session.execute(attended):
        counts[reg_id] = int(count)
    if count_excused:
        checked_in = select(Attendance.id).where(
            Attendance.registration_id == ExcusedAbsence.registration_id,
            Attendance.session_id == ExcusedAbsence.session_id,
        )
        excused = (
            select(ExcusedAbsence.registration_id, func.count(ExcusedAbsence.id))
            .join(EventSession, EventSession.id == ExcusedAbsence.session_id)
            .where(EventSession.event_id == event_id, ~checked_in.exists())
            .group_by(ExcusedAbsence.registration_id)
        )
        for reg_id, count in db.session.execute(excused):
            counts[reg_id] = counts.get(reg_id, 0) + int(count)
    return counts


def mark_counts(event_id: int) -> dict[int, dict[Mark, int]]:
    """Per session of the course: how many present (on time), late and excused (two queries).
    Absent is left to the caller, who knows whom it expected."""
    result: dict[int, dict[Mark, int]] = {}
    for session_id, late, count in db.session.execute(
        select(Attendance.session_id, Attendance.late, func.count(Attendance.id))
        .join(EventSession, EventSession.id == Attendance.session_id)
        .where(EventSession.event_id == event_id)
        .group_by(Attendance.session_id, Attendance.late)
    ):
        result.setdefault(session_id, {})[Mark.LATE if late else Mark.PRESENT] = int(count)
    checked_in = select(Attendance.id).where(
        Attendance.registration_id == ExcusedAbsence.registration_id,
        Attendance.session_id == ExcusedAbsence.session_id,
    )
    for session_id, count in db.session.execute(
        select(ExcusedAbsence.session_id, func.count(ExcusedAbsence.id))
        .join(EventSession, EventSession.id == ExcusedAbsence.session_id)
        .where(EventSession.event_id == event_id, ~checked_in.exists())
        .group_by(ExcusedAbsence.session_id)
    ):
        result.setdefault(session_id, {})[Mark.EXCUSED] = int(count)
    return result


def _locked_pair(
    event_id: int, registration_id: int, session_id: int
) -> tuple[Registration, EventSession]:
    lock_course(event_id)
    registration = db.session.get(Registration, registration_id)
    event_session = db.session.get(EventSession, session_id)
    if registration is None or registration.event_id != event_id:
        raise AttendanceError(_l("This registration no longer exists."))
    if event_session is None or event_session.event_id != event_id:
        raise AttendanceError(_l("This session no longer exists."))
    return registration, event_session


def set_mark(
    event_id: int,
    registration_id: int,
    session_id: int,
    mark: Mark,
    actor: User | None,
    *,
    reason: str = "",
) -> Mark:
    """Staff set one session's mark. Present and late need a check-in (made at the door, on the
    paper list or in bulk) and only switch its late flag; excused and absent are for people not
    checked in (undo the check-in first). Returns the mark now held."""
    registration, event_session = _locked_pair(event_id, registration_id, session_id)
    attendance = db.session.scalar(
        select(Attendance).where(
            Attendance.registration_id == registration_id, Attendance.session_id == session_id
        )
    )
    excuse = db.session.scalar(
        select(ExcusedAbsence).where(
            ExcusedAbsence.registration_id == registration_id,
            ExcusedAbsence.session_id == session_id,
        )
    )
    before = mark_of(attendance, excuse is not None)
    reason = " ".join(reason.split())[:REASON_MAX]
    if mark.attended:
        if attendance is None:
            raise AttendanceError(
                _l(
                    "%(name)s is not checked in for this session: check them in first.",
                    name=registration.full_name,
                )
            )
        attendance.late = mark is Mark.LATE
    else:
        if attendance is not None:
            raise AttendanceError(
                _l(
                    "%(name)s is checked in for this session: undo the check-in first.",
                    name=registration.full_name,
                )
            )
        if mark is Mark.EXCUSED:
            if registration.status != RegistrationStatus.CONFIRMED:
                raise AttendanceError(_l("Only a confirmed participant's absence can be excused."))
            if excuse is None:
                excuse = ExcusedAbsence(
                    registration_id=registration_id,
                    session_id=session_id,
                    recorded_by_id=actor.id if actor is not None else None,
                )
                db.session.add(excuse)
            excuse.reason = reason
        elif excuse is not None:
            db.session.delete(excuse)
    if before is not mark or (mark is Mark.EXCUSED and reason):
        details: dict[str, object] = {
            "session_id": event_session.id,
            "session": event_session.name,
            "from": before.value,
            "to": mark.value,
        }
        if mark is Mark.EXCUSED and reason:
            details["reason"] = reason
        record(actor, "attendance.mark", registration, event_id=event_id, details=details)
    db.session.flush()
    return mark
