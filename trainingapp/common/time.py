"""Time conventions.

Instants (created, checked in, registration window) are stored as naive UTC datetimes; a course's
calendar dates and session times are the local wall-clock of Asia/Ho_Chi_Minh, stored as plain
dates and times. Conversions for display go through Flask-Babel's timezone.
"""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    """The current instant as a naive UTC datetime (the form every instant is stored in)."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_today() -> date:
    return datetime.now(LOCAL_TZ).date()


def to_local(instant: datetime) -> datetime:
    """A stored naive UTC instant as an aware local datetime."""
    return instant.replace(tzinfo=UTC).astimezone(LOCAL_TZ)


def local_to_utc(local: datetime) -> datetime:
    """A naive local wall-clock datetime (as typed in a form) as a naive UTC instant."""
    return local.replace(tzinfo=LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)
