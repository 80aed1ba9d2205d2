"""Session labels: the name with its date said once (``session_label``), and names that follow
their date: "Sáng 16/08/2023" becomes "Sáng 10/08/2027" when the session moves from 16/08/2023
to 10/08/2027 (``relabel``). Pure functions, no database."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import EventSession

#: d/m, dd/mm, d/m/yyyy, dd/mm/yyyy, not inside a longer run of digits and slashes (so neither
#: "116/08", "16/08/23" nor "1/2/3" is read as a date)
_DATE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?:/(\d{4}))?(?![\d/])")


def _padded(text: str, other: str) -> bool:
    """Whether the day (or month) ``text`` was written with two digits on purpose. "08" was,
    "8" was not; "16" says nothing, so it follows ``other``, the month (or day), and two digits
    (dd/mm, the Vietnamese convention) when neither tells."""
    return len(text) == 2 and (text[0] == "0" or len(other) == 2)


def relabel(name: str, old: date, new: date) -> str:
    """``name`` with every date in it that means ``old`` rewritten as ``new``, in the same form:
    a year stays written or left out, one-digit days and months stay one digit ("Chiều 5/9/2023"
    -> "Chiều 12/10/2027"), two-digit ones stay two ("Sáng 16/08" -> "Sáng 02/09"). Dates that
    mean another day, and text that is no date, are left as they are."""
    if old == new:
        return name

    def replace(match: re.Match[str]) -> str:
        day, month, year = match.group(1), match.group(2), match.group(3)
        if int(day) != old.day or int(month) != old.month:
            return match.group(0)
        if year is not None and int(year) != old.year:
            return match.group(0)
        new_day = f"{new.day:02d}" if _padded(day, month) else str(new.day)
        new_month = f"{new.month:02d}" if _padded(month, day) else str(new.month)
        text = f"{new_day}/{new_month}"
        return f"{text}/{new.year:04d}" if year is not None else text

    return _DATE.sub(replace, name)


def session_label(event_session: EventSession) -> str:
    """``Sáng 16/08/2023``: the session's name with its date, unless the name already has it."""
    day = event_session.date.strftime("%d/%m/%Y")
    if event_session.date.strftime("%d/%m") in event_session.name:
        return event_session.name
    return f"{event_session.name} {day}"
