"""Lecturers (báo cáo viên): a directory shared by every course."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column
from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Table
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship
from sqlalchemy.orm import validates

from ..common.text import clean
from ..common.text import fold
from ..common.time import utcnow
from ..extensions import Model
from ..extensions import db

if TYPE_CHECKING:
    from ..organizations.models import Organization


topic_lecturers = Table(
    "topic_lecturers",
    db.metadata,
    Column("topic_id", ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True),
    Column("lecturer_id", ForeignKey("lecturers.id"), primary_key=True),
    Column("position", Integer, nullable=False, default=0),
)


class Lecturer(Model):
    """A lecturer (báo cáo viên), shared across courses."""

    __tablename__ = "lecturers"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    #: accent- and case-insensitive ``full_name`` for directory search (``common.text.fold``)
    search_name: Mapped[str] = mapped_column(String(200), default="")
    #: rank or title, e.g. "Thượng tá", "TS."
    rank: Mapped[str] = mapped_column(String(100), default="")
    position: Mapped[str] = mapped_column(String(200), default="")
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization | None] = relationship()

    @validates("full_name")
    def _set_full_name(self, _key: str, value: str) -> str:
        value = clean(value)
        self.search_name = fold(value)
        return value
