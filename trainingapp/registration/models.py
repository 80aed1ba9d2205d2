"""Registrations (học viên đăng ký) of participants for a course."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Boolean
from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import Index
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
    from ..events.models import Event
    from ..organizations.models import Organization


class RegistrationStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


class RegistrationSource(StrEnum):
    ONLINE = "online"
    IMPORT = "import"
    WALK_IN = "walk_in"
    #: put forward by the unit's contact on its invitation link (``/n/<token>``)
    NOMINATION = "nomination"


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"
    OTHER = "other"


class Registration(Model):
    __tablename__ = "registrations"
    __table_args__ = (
        # One person registers once per course (SPEC rule 2); NULL e-mails never collide.
        UniqueConstraint("event_id", "phone"),
        UniqueConstraint("event_id", "email"),
        UniqueConstraint("event_id", "checkin_code"),
        check_in("status", RegistrationStatus),
        check_in("source", RegistrationSource),
        check_in("gender", Gender),
        CheckConstraint(
            "birth_year IS NULL OR (birth_year >= 1900 AND birth_year <= 2100)",
            name="birth_year_range",
        ),
        Index(None, "event_id", "status", "created_at"),
        Index(None, "event_id", "sort_key"),
        Index(None, "event_id", "organization_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    full_name: Mapped[str] = mapped_column(String(200))
    #: Vietnamese official-list order (``common.text.name_sort_key``)
    sort_key: Mapped[str] = mapped_column(String(500))
    #: accent- and case-insensitive name for search (``common.text.fold``)
    search_name: Mapped[str] = mapped_column(String(200))
    gender: Mapped[Gender | None] = mapped_column(EnumText(Gender))
    birth_year: Mapped[int | None]
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL")
    )
    position: Mapped[str] = mapped_column(String(200), default="")
    #: normalised national form, e.g. 0905123456; NULL only once anonymised
    phone: Mapped[str | None] = mapped_column(String(20))
    #: lower-cased; optional
    email: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[RegistrationStatus] = mapped_column(EnumText(RegistrationStatus))
    source: Mapped[RegistrationSource] = mapped_column(
        EnumText(RegistrationSource), default=RegistrationSource.ONLINE
    )
    #: a walk-in confirmed over capacity or quota
    over_capacity: Mapped[bool] = mapped_column(Boolean, default=False)
    manage_token: Mapped[str] = mapped_column(String(64), unique=True)
    checkin_code: Mapped[str] = mapped_column(String(12))
    consent_at: Mapped[datetime | None]
    #: the personal data notice's version agreed to (``notice.NOTICE_VERSION`` at the time)
    consent_version: Mapped[str | None] = mapped_column(String(20))
    #: the staff account that vouched for informing the person (walk-in, import); a unit's
    #: nominee is vouched for by its invitation (source ``nomination``, course and unit). No ON
    #: DELETE: the consent record keeps its voucher (accounts are disabled, not deleted)
    consent_vouched_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: the participant withdrew their consent from their own link (``privacy``)
    consent_withdrawn_at: Mapped[datetime | None]
    #: the language the participant registered in ("vi", "en"): their mail is written in it
    locale: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    anonymised_at: Mapped[datetime | None]
    #: answered the course's evaluation; nothing else links the person to the (anonymous) answers
    has_evaluated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    event: Mapped[Event] = relationship()
    organization: Mapped[Organization | None] = relationship()

    def __repr__(self) -> str:
        return f"<Registration {self.id} {self.full_name!r} {self.status}>"
