"""Attendance (điểm danh): one row per registration and session."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey
from sqlalchemy import UniqueConstraint
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

    registration: Mapped[Registration] = relationship()
    session: Mapped[EventSession] = relationship()
    checked_in_by: Mapped[User | None] = relationship()
