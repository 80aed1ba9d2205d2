"""Invitations (giấy mời): a course asks a unit to nominate its people, within the unit's quota
(``events.models.Quota``), from a secret link, until the course's nomination deadline."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey
from sqlalchemy import LargeBinary
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..common.time import utcnow
from ..extensions import Model

if TYPE_CHECKING:
    from ..events.models import Event
    from ..organizations.models import Organization


class Invitation(Model):
    """One unit invited to one course. The unit's contact nominates at ``/n/<token>``."""

    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("event_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    #: the secret of the unit's link; a new one when the link is renewed
    token: Mapped[str] = mapped_column(String(64), unique=True)
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    contact_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: the link was first / last opened by the unit's contact
    first_opened_at: Mapped[datetime | None]
    last_opened_at: Mapped[datetime | None]
    #: the contact last added, changed or removed a nominee
    last_change_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_reminded_at: Mapped[datetime | None]
    reminders: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship()
    organization: Mapped[Organization] = relationship()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def __repr__(self) -> str:
        return f"<Invitation {self.event_id}/{self.organization_id}>"


class LetterTemplate(Model):
    """An issuing unit's own invitation letter template (DOCX edited in Word), replacing the
    default for every course that unit organizes."""

    __tablename__ = "letter_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), unique=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
