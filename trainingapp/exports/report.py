"""Attendance report of a course: per session, per unit kind and per unit, with grouped queries
(six in all, whatever the number of registrations), as page data, SVG bar charts and XLSX.

Definitions: *registered* counts every registration that is not cancelled or rejected; *confirmed*
the confirmed ones; *attended* the participants checked in (to that session, or to at least one
session for a unit); *rate* is attended / confirmed. Sessions also count, of the attended, those
marked late, and the excused absences (``attendance.marks``).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case
from sqlalchemy import func
from sqlalchemy import select

from ..attendance.marks import Mark
from ..attendance.marks import mark_counts
from ..attendance.models import Attendance
from ..common.text import text_sort_key
from ..events.labels import session_label
from ..events.models import Event
from ..extensions import db
from ..organizations.models import Organization
from ..organizations.models import OrganizationKind
from ..organizations.services import KIND_LABELS
from ..registration.models import Registration
from ..registration.models import RegistrationStatus
from .rows import course_sessions
from .rows import neutralise
from .xlsx import new_workbook
from .xlsx import sheet_name
from .xlsx import temporary_path

ACTIVE = (RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)


@dataclass
class Line:
    """One line of a report table."""

    label: str
    registered: int = 0
    confirmed: int = 0
    attended: int = 0
    detail: str = ""
    #: sessions only: of the attended, those marked late; excused absences (``attendance.marks``)
    late: int | None = None
    excused: int | None = None

    @property
    def rate(self) -> float | None:
        return self.attended / self.confirmed if self.confirmed else None

    @property
    def rate_text(self) -> str:
        rate = self.rate
        return "" if rate is None else f"{rate * 100:.0f}%"


@dataclass
class AttendanceReport:
    sessions: list[Line] = field(default_factory=list)
    kinds: list[Line] = field(default_factory=list)
    units: list[Line] = field(default_factory=list)
    total: Line = field(default_factory=lambda: Line(""))


def attendance_report(event: Event) -> AttendanceReport:
    """Figures for ``event``: sessions (1 query), attendance per session (1), per unit (1),
    late and excused per session (2)."""
    sessions = course_sessions(event.id)
    per_session = dict(
        db.session.execute(
            select(Attendance.session_id, func.count(Attendance.id))
            .join(Registration, Registration.id == Attendance.registration_id)
            .where(Registration.event_id == event.id)
            .group_by(Attendance.session_id)
        ).all()
    )
    attended_ids = (
        select(Attendance.registration_id)
        .join(Registration, Registration.id == Attendance.registration_id)
        .where(Registration.event_id == event.id)
        .distinct()
        .subquery()
    )
    unit_rows = db.session.execute(
        select(
            Registration.organization_id,
            Organization.name,
            Organization.kind,
            func.count(Registration.id),
            func.coalesce(
                func.sum(case((Registration.status == RegistrationStatus.CONFIRMED, 1), else_=0)),
                0,
            ),
            func.count(attended_ids.c.registration_id),
        )
        .select_from(Registration)
        .outerjoin(Organization, Organization.id == Registration.organization_id)
        .outerjoin(attended_ids, attended_ids.c.registration_id == Registration.id)
        .where(
            Registration.event_id == event.id,
            # Cancelled and rejected people are not expected, unless they came anyway.
            (Registration.status.in_(ACTIVE)) | attended_ids.c.registration_id.is_not(None),
        )
        .group_by(Registration.organization_id, Organization.name, Organization.kind)
    ).all()

    report = AttendanceReport(total=Line(_("Total")))
    kinds: dict[str, Line] = {}
    no_unit = _("No organization")
    for _unit_id, name, kind, registered, confirmed, attended in unit_rows:
        kind_text = str(KIND_LABELS[OrganizationKind(kind)]) if kind else no_unit
        unit = Line(name or no_unit, registered, int(confirmed), attended, detail=kind_text)
        report.units.append(unit)
        group = kinds.setdefault(kind_text, Line(kind_text))
        for target in (group, report.total):
            target.registered += unit.registered
            target.confirmed += unit.confirmed
            target.attended += unit.attended
    report.units.sort(key=lambda line: text_sort_key(line.label))
    order = {str(label): i for i, label in enumerate(KIND_LABELS.values())}
    report.kinds = sorted(kinds.values(), key=lambda line: order.get(line.label, len(order)))
    marks = mark_counts(event.id)
    for event_session in sessions:
        session_marks = marks.get(event_session.id, {})
        report.sessions.append(
            Line(
                session_label(event_session),
                report.total.registered,
                report.total.confirmed,
                per_session.get(event_session.id, 0),
                detail=f"{event_session.start_time:%H:%M}–{event_session.end_time:%H:%M}",
                late=session_marks.get(Mark.LATE, 0),
                excused=session_marks.get(Mark.EXCUSED, 0),
            )
        )
    return report


# --- Charts: server-made SVG, no script ----------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    y: float
    confirmed_width: float
    attended_width: float
    value_text: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    label_width: int
    bars: list[Bar]


#: room for a label of :data:`LABEL_CHARS` characters at 12 px (Vietnamese capitals and
#: diacritics run to about 8 px a character), so none starts left of the drawing
LABEL_WIDTH = 190
LABEL_CHARS = 22


def bar_chart(lines: list[Line], *, width: int = 440, bar_height: int = 22) -> Chart:
    """Horizontal bars (confirmed in light, attended in dark), scaled to the largest confirmed.
    Drawn for a phone's width (the SVG scales; its text stays readable at 390 px)."""
    label_width = LABEL_WIDTH
    plot = width - label_width - 64
    top = max((max(line.confirmed, line.attended) for line in lines), default=0) or 1
    bars = [
        Bar(
            label=(
                line.label
                if len(line.label) <= LABEL_CHARS
                else line.label[: LABEL_CHARS - 1].rstrip() + "…"
            ),
            y=index * (bar_height + 8),
            confirmed_width=round(plot * line.confirmed / top, 1),
            attended_width=round(plot * line.attended / top, 1),
            value_text=f"{line.attended}/{line.confirmed}",
        )
        for index, line in enumerate(lines)
    ]
    return Chart(width, max(len(lines), 1) * (bar_height + 8), label_width, bars)


# --- XLSX --------------------------------------------------------------------------------------------


#: what the figures count (the page shows it above the tables; the XLSX under each title)
REPORT_NOTE = _l(
    "Registered: every registration not cancelled or rejected. Rate: attended / confirmed. "
    "For a unit, attended means checked in to at least one session."
)


def report_xlsx(event: Event, report: AttendanceReport) -> Path:
    """Three sheets (sessions, unit kinds, units) with the same figures as the page."""
    target = temporary_path(".xlsx")
    try:
        workbook = new_workbook(target, constant_memory=False)
        bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        title = workbook.add_format({"bold": True, "font_size": 13})
        percent = workbook.add_format({"num_format": "0%"})
        note = workbook.add_format({"italic": True, "font_color": "#555555"})
        header = [_("Registered"), _("Confirmed"), _("Attended"), _("Attendance rate")]
        for name, first, detail, lines in (
            (_("Sessions"), _("Session"), _("Time"), report.sessions),
            (_("Unit kinds"), _("Kind"), None, report.kinds),
            (_("Organizations"), _("Organization"), _("Kind"), report.units),
        ):
            sheet = workbook.add_worksheet(sheet_name(name))
            sheet.set_paper(9)
            sheet.fit_to_pages(1, 0)
            sheet.write_string(0, 0, neutralise(event.title), title)
            # The page's note on what the figures count, so the sheet reads the same.
            sheet.write_string(1, 0, str(REPORT_NOTE), note)
            first_columns = [first, detail] if detail is not None else [first]
            sheet.write_row(3, 0, [*first_columns, *header], bold)
            sheet.repeat_rows(3)
            sheet.set_column(0, 0, 40)
            if detail is not None:
                sheet.set_column(1, 1, 26)
            figures = len(first_columns)
            sheet.set_column(figures, figures + 5, 12)
            if lines is report.sessions:
                sheet.write_row(3, figures + 4, [_("Late"), _("Excused absence")], bold)
            row = 3
            for line in [*lines, report.total] if lines is not report.sessions else lines:
                row += 1
                sheet.write_string(row, 0, neutralise(line.label))
                if detail is not None:
                    sheet.write_string(row, 1, neutralise(line.detail))
                sheet.write_number(row, figures, line.registered)
                sheet.write_number(row, figures + 1, line.confirmed)
                sheet.write_number(row, figures + 2, line.attended)
                if line.rate is not None:
                    sheet.write_number(row, figures + 3, line.rate, percent)
                if line.late is not None and line.excused is not None:
                    sheet.write_number(row, figures + 4, line.late)
                    sheet.write_number(row, figures + 5, line.excused)
        workbook.close()
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target
