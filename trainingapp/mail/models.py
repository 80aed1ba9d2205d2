"""The outbox: one row per message to send, written in the transaction of the change it tells."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from ..common.enums import EnumText
from ..common.enums import check_in
from ..common.time import utcnow
from ..extensions import Model


class OutboxStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    #: gave up after ``MAIL_MAX_ATTEMPTS``; ``flask mail retry`` queues it again
    FAILED = "failed"
    #: its composer found nothing to send any more (e.g. the registration is gone)
    DROPPED = "dropped"


class OutboxMessage(Model):
    __tablename__ = "mail_outbox"
    __table_args__ = (
        check_in("status", OutboxStatus),
        # The senders' question: what is queued and due?
        Index(None, "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: dotted, the composer's prefix first, e.g. "registration.confirmed"
    kind: Mapped[str] = mapped_column(String(64))
    #: what the composer needs to build the message (ids, not personal data)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    locale: Mapped[str] = mapped_column(String(10))
    #: the site root absolute links are built on, as seen when the mail was queued
    base_url: Mapped[str] = mapped_column(String(500))
    recipient: Mapped[str] = mapped_column(String(254))
    status: Mapped[OutboxStatus] = mapped_column(
        EnumText(OutboxStatus), default=OutboxStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: set by the sender that is sending it; a claim older than a few minutes is a dead sender's
    claimed_at: Mapped[datetime | None]
    #: "host:pid" of that sender
    claimed_by: Mapped[str | None] = mapped_column(String(255))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.status}>"
