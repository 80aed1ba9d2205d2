"""A participant's request about their personal data, answered by the course's organizers within
2 working days (``working_days.due_date``)."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Text
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


class RequestKind(StrEnum):
    DELETION = "deletion"
    CORRECTION = "correction"
    ACCESS = "access"
    OTHER = "other"


class RequestStatus(StrEnum):
    OPEN = "open"
    #: done as asked (a deletion: the person's registration is anonymised)
    ANSWERED = "answered"
    REFUSED = "refused"


class DataRequest(Model):
    __tablename__ = "data_requests"
    __table_args__ = (
        check_in("kind", RequestKind),
        check_in("status", RequestStatus),
        # The staff queue and the reminders: open requests by due date.
        Index(None, "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[RequestKind] = mapped_column(EnumText(RequestKind))
    status: Mapped[RequestStatus] = mapped_column(
        EnumText(RequestStatus), default=RequestStatus.OPEN
    )
    #: what the participant wrote
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: 2 working days after the local day it was made (weekends and PUBLIC_HOLIDAYS skipped)
    due_on: Mapped[date]
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: the organizers were reminded that it is due (once)
    reminded_at: Mapped[datetime | None]

    event: Mapped[Event] = relationship()
    registration: Mapped[Registration] = relationship()
    answered_by: Mapped[User | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.OPEN

    def __repr__(self) -> str:
        return f"<DataRequest {self.id} {self.kind} {self.status}>"
