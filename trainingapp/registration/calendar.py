"""iCalendar (.ics) files for a course: one event per session, or all-day events for the dates."""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta

from ..common.time import local_to_utc
from ..common.time import utcnow
from ..events.models import Event

_UTC_FORMAT = "%Y%m%dT%H%M%SZ"


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1)."""
    if len(line.encode("utf-8")) <= 75:
        return line
    out: list[str] = []
    current = b""
    for ch in line:
        encoded = ch.encode("utf-8")
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode("utf-8"))
            current = b""
        current += encoded
    out.append(current.decode("utf-8"))
    return "\r\n ".join(out)


def calendar_for(event: Event, *, url: str | None = None) -> str:
    """The course as an iCalendar text (times in UTC, so every calendar app places them right)."""
    stamp = utcnow().strftime(_UTC_FORMAT)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//TrainingApp//Registration//VI",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    description = event.description or ""
    if url:
        description = f"{description}\n\n{url}".strip()

    def vevent(uid: str, start: list[str], end: list[str], summary: str) -> None:
        lines.extend(
            [
                "BEGIN:VEVENT",
                f"UID:{uid}",
                f"DTSTAMP:{stamp}",
                *start,
                *end,
                f"SUMMARY:{_escape(summary)}",
            ]
        )
        if event.venue:
            lines.append(f"LOCATION:{_escape(event.venue)}")
        if description:
            lines.append(f"DESCRIPTION:{_escape(description)}")
        if url:
            lines.append(f"URL:{url}")
        lines.append("END:VEVENT")

    if event.sessions:
        for event_session in event.sessions:
            start = local_to_utc(datetime.combine(event_session.date, event_session.start_time))
            end = local_to_utc(datetime.combine(event_session.date, event_session.end_time))
            vevent(
                f"event-{event.id}-session-{event_session.id}@trainingapp",
                [f"DTSTART:{start.strftime(_UTC_FORMAT)}"],
                [f"DTEND:{end.strftime(_UTC_FORMAT)}"],
                f"{event.title} ({event_session.name})",
            )
    else:
        vevent(
            f"event-{event.id}@trainingapp",
            [f"DTSTART;VALUE=DATE:{event.start_date:%Y%m%d}"],
            [f"DTEND;VALUE=DATE:{event.end_date + timedelta(days=1):%Y%m%d}"],
            event.title,
        )
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
