"""Export bookkeeping: every export of personal data is written to the audit log (SPEC rule 4)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from ..audit.services import record

if TYPE_CHECKING:
    from ..auth.models import User
    from ..events.models import Event
    from ..events.models import EventSession

REGISTRATION_EXPORT = "registration.export"
SIGNIN_SHEET_EXPORT = "signin_sheet.export"
REPORT_EXPORT = "attendance_report.export"


def record_export(
    actor: User | None,
    action: str,
    event: Event,
    *,
    file_format: str,
    rows: int,
    event_session: EventSession | None = None,
    filters: dict[str, str] | None = None,
) -> None:
    """Audit an export of ``event``'s data (flushes nothing; the caller commits)."""
    details: dict[str, Any] = {"format": file_format, "rows": rows}
    if event_session is not None:
        details["session_id"] = event_session.id
    if filters:
        details["filters"] = filters
    record(actor, action, event, event_id=event.id, details=details)
