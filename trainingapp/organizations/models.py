"""Units (đơn vị) that send participants and organise courses."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean
from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship
from sqlalchemy.orm import validates

from ..common.enums import EnumText
from ..common.enums import check_in
from ..common.text import clean
from ..common.text import fold
from ..common.time import utcnow
from ..extensions import Model


class OrganizationKind(StrEnum):
    PROVINCIAL_AGENCY = "provincial_agency"
    DISTRICT_OFFICE = "district_office"
    CULTURE_OFFICE = "culture_office"
    CULTURE_CENTRE = "culture_centre"
    COMMUNE_RADIO = "commune_radio"
    BORDER_POST = "border_post"
    NEWSROOM = "newsroom"
    OTHER = "other"


class Organization(Model):
    __tablename__ = "organizations"
    __table_args__ = (
        check_in("kind", OrganizationKind),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        CheckConstraint("successor_id IS NULL OR successor_id <> id", name="not_own_successor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    #: accent- and case-insensitive form of ``name``; one unit per key
    name_key: Mapped[str] = mapped_column(String(255), unique=True)
    short_name: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[OrganizationKind] = mapped_column(EnumText(OrganizationKind))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL")
    )
    #: retired units keep their name on old courses but are no longer offered
    retired_on: Mapped[date | None]
    successor_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL")
    )
    #: typed in by a participant and not yet reviewed by staff
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the unit's contact (đầu mối) for invitations, remembered for the next course
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    contact_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Organization | None] = relationship(
        remote_side=[id], foreign_keys=[parent_id], back_populates="children"
    )
    children: Mapped[list[Organization]] = relationship(
        foreign_keys=[parent_id], back_populates="parent"
    )
    successor: Mapped[Organization | None] = relationship(
        remote_side=[id], foreign_keys=[successor_id]
    )

    @validates("name")
    def _set_name(self, _key: str, value: str) -> str:
        value = clean(value)
        self.name_key = fold(value)
        return value

    @property
    def is_current(self) -> bool:
        return self.retired_on is None

    def __repr__(self) -> str:
        return f"<Organization {self.name!r}>"
