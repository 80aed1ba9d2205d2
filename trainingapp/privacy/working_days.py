"""Working days: a participant's request is answered within 2 of them (SPEC rule 4).

Saturdays, Sundays and the public holidays of ``PUBLIC_HOLIDAYS`` (ISO dates in the config; the
default lists Vietnam's official days off for 2026 and 2027) are not working days. The one place
the due date is computed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from collections.abc import Mapping
from datetime import date
from datetime import timedelta
from typing import Any

log = logging.getLogger(__name__)

#: working days a request may wait for its answer
ANSWER_WITHIN = 2


def is_working_day(day: date, holidays: Iterable[date] = ()) -> bool:
    return day.weekday() < 5 and day not in set(holidays)


def due_date(start: date, holidays: Iterable[date] = (), days: int = ANSWER_WITHIN) -> date:
    """The ``days``-th working day after ``start`` (the day the request was made, whatever day
    it is): a request of Friday is due on Tuesday, one of Saturday on Tuesday too."""
    off = set(holidays)
    day = start
    left = days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day, off):
            left -= 1
    return day


def configured_holidays(config: Mapping[str, Any]) -> frozenset[date]:
    """``PUBLIC_HOLIDAYS`` as dates: a list of ISO dates or one comma-separated string (from
    ``FLASK_PUBLIC_HOLIDAYS``). A value that is no date is logged and left out."""
    value = config.get("PUBLIC_HOLIDAYS") or ()
    items = value.split(",") if isinstance(value, str) else value
    days = set()
    for item in items:
        if isinstance(item, date):
            days.add(item)
            continue
        try:
            days.add(date.fromisoformat(str(item).strip()))
        except ValueError:
            log.warning("PUBLIC_HOLIDAYS: %r is not an ISO date (YYYY-MM-DD); ignored", item)
    return frozenset(days)
