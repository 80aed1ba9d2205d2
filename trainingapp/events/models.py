"""Courses (``Event``), their sessions, topics, lecturers, quotas and staff assignments."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import time
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Boolean
from sqlalchemy import CheckConstraint
from sqlalchemy import Column
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import Table
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..common.enums import EnumText
from ..common.enums import check_in
from ..common.time import utcnow
from ..extensions import Model
from ..extensions import db
from ..lecturers.models import Lecturer
from ..lecturers.models import topic_lecturers

if TYPE_CHECKING:
    from ..auth.models import User
    from ..organizations.models import Organization


class EventStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    ARCHIVED = "archived"


class StaffRole(StrEnum):
    ORGANIZER = "organizer"
    STAFF = "staff"


event_co_organizers = Table(
    "event_co_organizers",
    db.metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("organization_id", ForeignKey("organizations.id"), primary_key=True),
)


class Event(Model):
    """A course (lớp tập huấn)."""

    __tablename__ = "events"
    __table_args__ = (
        check_in("status", EventStatus),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("end_date >= start_date", name="ends_after_start"),
        CheckConstraint(
            "registration_closes_at IS NULL OR registration_opens_at IS NULL"
            " OR registration_closes_at > registration_opens_at",
            name="registration_window",
        ),
        CheckConstraint(
            "retention_months IS NULL OR (retention_months >= 1 AND retention_months <= 240)",
            name="retention_months_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    organizer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    venue: Mapped[str] = mapped_column(String(300), default="")
    start_date: Mapped[date]
    end_date: Mapped[date]
    #: instants, naive UTC; both optional (open from publication until the course starts)
    registration_opens_at: Mapped[datetime | None]
    registration_closes_at: Mapped[datetime | None]
    capacity: Mapped[int]
    waitlist_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    approval_required: Mapped[bool] = mapped_column(Boolean, default=False)
    #: until this instant (naive UTC) the quota seats of invited units are held for them;
    #: None: quotas only cap a unit, nothing is held
    nominations_close_at: Mapped[datetime | None]
    #: when the unused held seats went to the waiting list (after the deadline), once
    held_seats_released_at: Mapped[datetime | None]
    status: Mapped[EventStatus] = mapped_column(EnumText(EventStatus), default=EventStatus.DRAFT)
    cloned_from_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    anonymised_at: Mapped[datetime | None]
    #: months after its end date that its participants' personal data is kept (``flask
    #: retention run`` anonymises it then); None: the ``RETENTION_MONTHS`` setting
    retention_months: Mapped[int | None]
    #: raised by one with every change of what the public pages show of the course (its fields,
    #: sessions, topics, their lecturers and units): the key of its cached fragments and ETags,
    #: the same on every worker and host (``events.caching``)
    content_version: Mapped[int] = mapped_column(default=1, server_default="1")

    organizer: Mapped[Organization] = relationship(foreign_keys=[organizer_id])
    co_organizers: Mapped[list[Organization]] = relationship(secondary=event_co_organizers)
    sessions: Mapped[list[EventSession]] = relationship(
        back_populates="event",
        cascade="all, delete-orphan",
        order_by="(EventSession.date, EventSession.start_time, EventSession.position)",
    )
    topics: Mapped[list[Topic]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="Topic.position"
    )
    quotas: Mapped[list[Quota]] = relationship(back_populates="event", cascade="all, delete-orphan")
    staff: Mapped[list[EventStaff]] = relationship(
        back_populates="event", cascade="all, delete-orphan"
    )

    @property
    def is_public(self) -> bool:
        return self.status in (EventStatus.PUBLISHED, EventStatus.CLOSED)

    def __repr__(self) -> str:
        return f"<Event {self.slug}>"


class EventSession(Model):
    """A session (buổi) of a course; attendance is taken per session."""

    __tablename__ = "event_sessions"
    __table_args__ = (CheckConstraint("end_time > start_time", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: local wall-clock date and times
    date: Mapped[date]
    start_time: Mapped[time]
    end_time: Mapped[time]
    position: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="sessions")
    topics: Mapped[list[Topic]] = relationship(
        back_populates="session", order_by="Topic.position", passive_deletes=True
    )


class Topic(Model):
    """A topic (chuyên đề) presented in a session by one or more lecturers."""

    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("event_sessions.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(500))
    summary: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="topics")
    session: Mapped[EventSession | None] = relationship(back_populates="topics")
    lecturers: Mapped[list[Lecturer]] = relationship(
        secondary=topic_lecturers, order_by=topic_lecturers.c.position
    )


class Quota(Model):
    """Seats reserved for one unit in one course (chỉ tiêu)."""

    __tablename__ = "quotas"
    __table_args__ = (
        UniqueConstraint("event_id", "organization_id"),
        CheckConstraint("seats >= 0", name="seats_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    seats: Mapped[int]

    event: Mapped[Event] = relationship(back_populates="quotas")
    organization: Mapped[Organization] = relationship()


class EventStaff(Model):
    """An account's role on one course: organizer (edits it) or staff (checks in, exports)."""

    __tablename__ = "event_staff"
    __table_args__ = (UniqueConstraint("event_id", "user_id"), check_in("role", StaffRole))

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[StaffRole] = mapped_column(EnumText(StaffRole))

    event: Mapped[Event] = relationship(back_populates="staff")
    user: Mapped[User] = relationship()
