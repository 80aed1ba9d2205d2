"""Certificates, the per-course rule and template texts, and the number counter per year.

A certificate keeps a snapshot of what was printed on it (name, unit, course, dates), so the
verification page and a download years later show the same words even if the registration or
the course was edited since. Numbers are ``{number}/{year}/{suffix}`` (``12/2026/GCN``), taken
from :class:`CertificateCounter` without gaps (``numbering.py``); a revoked certificate keeps
its number. At most one valid certificate per registration (a partial unique index); after a
revocation the organizer may issue again, which makes a new certificate with a new number.
"""

from __future__ import annotations

from datetime import date
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Boolean
from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy import text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..common.enums import EnumText
from ..common.enums import check_in
from ..common.time import utcnow
from ..extensions import Model

if TYPE_CHECKING:
    from ..auth.models import User
    from ..events.models import Event
    from ..registration.models import Registration


class CertificateRule(StrEnum):
    ALL_SESSIONS = "all_sessions"
    MIN_SESSIONS = "min_sessions"
    MANUAL = "manual"


DEFAULT_TITLE = "GIẤY CHỨNG NHẬN"
DEFAULT_SENTENCE = "Đã hoàn thành lớp tập huấn {course} {dates}."


class CertificateSettings(Model):
    """A course's certificate rule and template texts; one row per course, made on first save.

    Empty texts mean the default: the issuing body is the course's organizing unit (and its
    parent above it), the place and signer come from the LETTER_* settings."""

    __tablename__ = "certificate_settings"
    __table_args__ = (
        check_in("rule", CertificateRule),
        CheckConstraint("min_sessions >= 1", name="min_sessions_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    rule: Mapped[CertificateRule] = mapped_column(
        EnumText(CertificateRule), default=CertificateRule.ALL_SESSIONS
    )
    min_sessions: Mapped[int] = mapped_column(default=1)
    count_excused: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str] = mapped_column(String(200), default=DEFAULT_TITLE)
    sentence: Mapped[str] = mapped_column(Text, default=DEFAULT_SENTENCE)
    parent_body: Mapped[str] = mapped_column(String(300), default="")
    issuing_body: Mapped[str] = mapped_column(String(300), default="")
    place: Mapped[str] = mapped_column(String(100), default="")
    signer_title: Mapped[str] = mapped_column(String(200), default="")
    signer_name: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class CertificateCounter(Model):
    """The last number given in a year, across all of the office's courses."""

    __tablename__ = "certificate_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)


class Certificate(Model):
    """One certificate: its number, secret verification code and what was printed on it."""

    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("year", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        # One valid certificate per registration; revoked ones stay beside a re-issued one.
        Index(
            "uq_certificates_registration_valid",
            "registration_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
        Index(None, "event_id", "registration_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL")
    )
    number: Mapped[int]
    year: Mapped[int]
    suffix: Mapped[str] = mapped_column(String(20))
    #: the secret in /verify/<code>: secrets.token_urlsafe(16), 128 random bits
    code: Mapped[str] = mapped_column(String(64), unique=True)
    #: the date printed on it ("ngày … tháng … năm …"); its year is the number's year
    issued_on: Mapped[date]
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoke_reason: Mapped[str] = mapped_column(String(500), default="")
    # What was printed, as it was on the day of issue.
    full_name: Mapped[str] = mapped_column(String(200))
    organization_name: Mapped[str] = mapped_column(String(300), default="")
    course_title: Mapped[str] = mapped_column(String(300))
    start_date: Mapped[date]
    end_date: Mapped[date]

    event: Mapped[Event] = relationship()
    registration: Mapped[Registration | None] = relationship()
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    @property
    def label(self) -> str:
        """The number as printed: ``12/2026/GCN``."""
        return f"{self.number}/{self.year}/{self.suffix}"

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None

    def __repr__(self) -> str:
        return f"<Certificate {self.label}>"
