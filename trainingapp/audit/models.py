"""Audit log: who did what to which object, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from ..common.time import utcnow
from ..extensions import Model


class AuditEntry(Model):
    __tablename__ = "audit_entries"
    __table_args__ = (
        Index(None, "event_id", "created_at"),
        Index(None, "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    #: the actor's e-mail (or "system", or a login name tried) kept after the account is gone
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    #: dotted verb, e.g. "event.create", "auth.login_failed", "registration.export"
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(64), default="")
    object_id: Mapped[int | None]
    #: the course the entry belongs to, for filtering; no foreign key so the log outlives it
    event_id: Mapped[int | None]
    #: changed fields as {"field": [before, after]} or other facts of the action
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip_address: Mapped[str | None] = mapped_column(String(45))
