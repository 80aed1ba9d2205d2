"""Attendance (điểm danh): one row per registration and session."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import Boolean
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy import false
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..common.enums import EnumText
from ..common.enums import check_in
from ..common.time import utcnow
from ..extensions import Model

if TYPE_CHECKING:
    from ..auth.models import User
    from ..events.models import EventSession
    from ..registration.models import Registration


class CheckInMethod(StrEnum):
    QR = "qr"
    CODE = "code"
    SEARCH = "search"
    WALK_IN = "walk_in"
    PAPER = "paper"
    BULK = "bulk"


class Attendance(Model):
    __tablename__ = "attendances"
    __table_args__ = (
        # Two devices checking in the same person at once still make one row.
        UniqueConstraint("registration_id", "session_id"),
        check_in("method", CheckInMethod),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(
        ForeignKey("event_sessions.id", ondelete="CASCADE"), index=True
    )
    checked_in_at: Mapped[datetime] = mapped_column(default=utcnow)
    checked_in_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    method: Mapped[CheckInMethod] = mapped_column(EnumText(CheckInMethod))
    #: marked by staff: present, but came after the session had started (đi muộn)
    late: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    registration: Mapped[Registration] = relationship()
    session: Mapped[EventSession] = relationship()
    checked_in_by: Mapped[User | None] = relationship()


class ExcusedAbsence(Model):
    """An absence the organizers accepted beforehand (vắng có phép), with its reason. A check-in
    for the same session wins: the person was there after all (``attendance.marks``)."""

    __tablename__ = "excused_absences"
    __table_args__ = (UniqueConstraint("registration_id", "session_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(
        ForeignKey("event_sessions.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(String(300), default="")
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    registration: Mapped[Registration] = relationship()
    session: Mapped[EventSession] = relationship()
    recorded_by: Mapped[User | None] = relationship()


class SyncOutcome(StrEnum):
    """What became of one check-in a device queued while offline (see ``attendance.offline``)."""

    CHECKED_IN = "checked_in"
    #: someone (another device, another staff member) had checked the person in: one row, the
    #: earlier of the two times
    ALREADY = "already"
    #: a walk-in whose phone or e-mail was already registered: that registration checked in
    MERGED = "merged"
    WALK_IN = "walk_in"
    #: not checked in; staff should look (cancelled, waiting list, pending, rejected meanwhile)
    REFUSED = "refused"
    NOT_REGISTERED = "not_registered"
    INVALID = "invalid"


class SyncedCheckIn(Model):
    """One item of a device's offline queue, kept once applied: its client-made id makes the
    sync idempotent (a replay returns the stored answer and adds nothing)."""

    __tablename__ = "checkin_sync_items"
    __table_args__ = (
        UniqueConstraint("event_id", "client_id"),
        check_in("outcome", SyncOutcome),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(64))
    device: Mapped[str] = mapped_column(String(100), default="")
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("event_sessions.id", ondelete="SET NULL")
    )
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL")
    )
    #: when the device recorded it (naive UTC), and when the server got it
    queued_at: Mapped[datetime] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    outcome: Mapped[SyncOutcome] = mapped_column(EnumText(SyncOutcome))
    #: the answer sent back (reason, times, the other device), replayed as it was
    answer: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
