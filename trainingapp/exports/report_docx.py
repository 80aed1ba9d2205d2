"""The course report as DOCX: a :class:`~.course_report.CourseReport` in, DOCX bytes out.

The template is a docxtpl (Jinja) document, by default ``bao-cao.docx`` (built by
:mod:`.report_template`, Decree 30/2020/ND-CP layout). It is rendered in Jinja's sandbox with
autoescaping on, so an ``&`` or ``<`` in a unit's name cannot break the XML. The context holds
plain strings already written the Vietnamese way (``16/08/2023``, ``thứ Tư``, ``7 giờ 30``,
``40%``, ``4,52``), all NFC. After rendering, the sign-in annex's columns are sized to the
number of sessions (docxtpl's ``{%tc %}`` repeats the cells but not their widths).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from docx.document import Document as DocumentObject
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docxtpl import DocxTemplate
from jinja2.sandbox import SandboxedEnvironment
from slugify import slugify

from ..common.text import clean
from ..common.text import fold
from ..common.time import local_today
from ..common.vietnamese import DOTS
from ..common.vietnamese import course_dates
from ..common.vietnamese import format_time
from ..common.vietnamese import initials
from ..common.vietnamese import issued_date
from ..common.vietnamese import upper_lines
from ..common.vietnamese import weekday
from .course_report import MARK_LEGEND
from .course_report import AbsenteeLine
from .course_report import AgendaSession
from .course_report import CertificateFigures
from .course_report import CourseReport
from .course_report import EvaluationFigures
from .course_report import KindFigures
from .report_template import SIGNIN_FIXED_MM
from .report_template import SIGNIN_TABLE
from .report_template import TEXT_WIDTH_MM
from .report_template import TWIPS_PER_MM

DEFAULT_TEMPLATE = Path(__file__).with_name("bao-cao.docx")
DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FILENAME_SLUG_LENGTH = 60

#: below this many answers the evaluation's averages stay hidden (they would identify people)
HIDDEN_AVERAGE = "chưa công bố (cần ít nhất 5 phiếu để bảo đảm ẩn danh)"


def percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.0f}%"


def decimal(value: float | None) -> str:
    """``4,52``: two decimals, a comma as Vietnamese writes them."""
    return "" if value is None else f"{value:.2f}".replace(".", ",")


def _ends(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each list item ends with ";" and the last one with "." (Vietnamese administrative style)."""
    for index, item in enumerate(items):
        item["end"] = "." if index == len(items) - 1 else ";"
    return items


def _session_heading(session: AgendaSession) -> str:
    if session.start is None or session.end is None:
        return session.label
    return (
        f"{session.label} ({weekday(session.day)}), "
        f"từ {format_time(session.start)} đến {format_time(session.end)}"
    )


def _agenda(report: CourseReport) -> list[dict[str, Any]]:
    number = 0
    sessions = []
    for session in report.agenda:
        topics = []
        for topic in session.topics:
            number += 1
            topics.append(
                {
                    "number": number,
                    "title": clean(topic.title),
                    "lecturers": "; ".join(clean(x) for x in topic.lecturers),
                }
            )
        sessions.append({"heading": _session_heading(session), "topics": topics})
    return sessions


def _kind(line: KindFigures) -> dict[str, Any]:
    return {
        "label": clean(line.label),
        "quota_units": line.quota_units,
        "quota_seats": line.quota_seats,
        "registered": line.registered,
        "confirmed": line.confirmed,
        "attended": line.attended,
        "rate": percent(line.rate),
    }


def _absentee(line: AbsenteeLine, session_count: int) -> dict[str, Any]:
    excused = sum(1 for m in line.missed if m.excused)
    unexcused = len(line.missed) - excused
    if session_count > 1 and len(line.missed) == session_count and not (excused and unexcused):
        sessions = f"Cả {session_count} buổi"
    else:
        sessions = "; ".join(
            f"{_short_label(m.label)}{' (có phép)' if m.excused else ''}"
            if excused and unexcused
            else _short_label(m.label)
            for m in line.missed
        )
    if not unexcused:
        status = "Có phép"
    elif not excused:
        status = "Không phép"
    else:
        status = f"Có phép {excused} buổi, không phép {unexcused} buổi"
    reasons = list(dict.fromkeys(m.reason for m in line.missed if m.reason))
    return {
        "number": line.number,
        "full_name": clean(line.full_name),
        "organization": clean(line.organization),
        "sessions": sessions,
        "excused": status,
        "reason": "; ".join(reasons),
    }


def _evaluation(figures: EvaluationFigures | None) -> dict[str, Any] | None:
    if figures is None:
        return None
    overall = f"{decimal(figures.overall)}/5" if figures.overall is not None else HIDDEN_AVERAGE
    hidden = figures.overall is None
    return {
        "responses": figures.responses,
        "eligible": figures.eligible,
        "rate": percent(figures.rate),
        "overall": overall,
        # Averages of parts are hidden with the overall one (too few answers to stay anonymous).
        "sections": []
        if hidden
        else [
            {"label": label, "average": f"{decimal(avg)}/5"}
            for label, avg in figures.sections
            if avg is not None
        ],
        "lecturers": []
        if hidden
        else [
            {"label": label, "average": f"{decimal(avg)}/5"}
            for label, avg in figures.lecturers
            if avg is not None
        ],
        "comments": list(figures.comments),
        "comments_more": figures.comments_more,
    }


def _certificates(figures: CertificateFigures | None) -> dict[str, Any] | None:
    if figures is None:
        return None
    return {"issued": figures.issued, "revoked": figures.revoked}


#: Decree 30/2020 (Appendix I) lets the parent body's name shorten these common words
_ABBREVIATIONS = (("uy ban nhan dan ", "UBND"), ("hoi dong nhan dan ", "HĐND"))


def abbreviated(body: str) -> str:
    """``Ủy ban nhân dân tỉnh Khánh Hòa`` -> ``UBND tỉnh Khánh Hòa`` (fits the heading's
    column on one line)."""
    text = clean(body)
    folded = fold(text)
    for words, short in _ABBREVIATIONS:
        if folded.startswith(words):
            return f"{short} {text[len(words) :]}"
    return text


def _recipients(report: CourseReport) -> list[str]:
    recipients = []
    if report.issuer.parent_body:
        recipients.append(f"{abbreviated(report.issuer.parent_body)} (để báo cáo)")
    recipients += [f"{clean(name)} (để phối hợp)" for name in report.co_organizers]
    return recipients


def build_context(report: CourseReport) -> dict[str, Any]:
    """The template's names, filled from ``report``."""
    issuer = report.issuer
    year = local_today().year
    session_count = len(report.sessions)
    participants = f"{report.confirmed} học viên đã xác nhận tham dự"
    if report.units:
        participants += f", thuộc {report.units} đơn vị"
    return {
        "parent_body": upper_lines(abbreviated(issuer.parent_body)),
        "issuing_body": upper_lines(issuer.issuing_body),
        "issuing_body_name": clean(issuer.issuing_body),
        "issuing_short": initials(issuer.issuing_body),
        "place": clean(issuer.place) or DOTS,
        # The clerk dates the report when it is signed.
        "issued_date": issued_date(None, year),
        "year": str(report.start_date.year),
        "subject": clean(report.subject),
        "co_organizers": ", ".join(clean(name) for name in report.co_organizers),
        "purpose": [line for line in map(clean, report.description.splitlines()) if line],
        "course_dates": course_dates(report.start_date, report.end_date),
        "session_count": f", gồm {session_count} buổi" if session_count else "",
        "timetable": [
            f"{s.label} ({weekday(s.day)}): từ {format_time(s.start)} đến {format_time(s.end)}"
            for s in report.agenda
            if s.start is not None and s.end is not None
        ],
        "venue": clean(report.venue) or DOTS,
        "lecturers": _ends(
            [
                {"text": clean(line.text), "organization": clean(line.organization)}
                for line in report.lecturers
            ]
        ),
        "participants": participants,
        "agenda": [s for s in _agenda(report) if s["topics"]],
        "quota_units": report.quota_units,
        "quota_seats": report.quota_seats,
        "registered": report.registered,
        "confirmed": report.confirmed,
        "attended": report.attended,
        "attended_rate": percent(report.attended / report.confirmed if report.confirmed else None),
        "sessions": [
            {
                "label": clean(s.label),
                "time": s.time,
                "expected": s.expected,
                "present": s.present,
                "late": s.late,
                "excused": s.excused,
                "absent": s.absent,
            }
            for s in report.sessions
        ],
        "kinds": [_kind(line) for line in report.kinds],
        "total": _kind(report.kinds_total),
        "absent_units": _ends(
            [
                {
                    "name": clean(unit.name),
                    "kind": clean(unit.kind),
                    "quota": unit.quota,
                    "note": (
                        "không cử học viên"
                        if unit.registered == 0
                        else f"{unit.registered} học viên đăng ký nhưng không tham dự"
                    ),
                }
                for unit in report.absent_units
            ]
        ),
        "evaluation": _evaluation(report.evaluation),
        "certificates": _certificates(report.certificates),
        "recipients": _recipients(report),
        "signer_title": upper_lines(issuer.signer_title),
        "signer_name": clean(issuer.signer_name),
        "mark_legend": MARK_LEGEND,
        "session_labels": [_short_label(label) for label in report.session_labels],
        "signin": [
            {
                "number": line.number,
                "full_name": clean(line.full_name),
                "organization": clean(line.organization),
                "position": clean(line.position),
                "marks": line.marks,
            }
            for line in report.signin
        ],
        "absentees": [_absentee(line, session_count) for line in report.absentees],
    }


def _short_label(label: str) -> str:
    """``Sáng 16/08/2023`` -> ``Sáng 16/08``: a narrow column's heading (the year is the
    course's, stated in section II)."""
    head, _, tail = label.rpartition(" ")
    if len(tail) == 10 and tail[2] == "/" and tail[5] == "/":
        return f"{head} {tail[:5]}"
    return label


# --- rendering -------------------------------------------------------------------------------


def _signin_widths(sessions: int) -> list[float]:
    """Column widths (mm) of the sign-in annex with ``sessions`` mark columns: the number, then
    name, unit and position sharing what the marks leave (at least 60 mm)."""
    number, *named = SIGNIN_FIXED_MM
    mark = min(18.0, max(9.0, 60.0 / sessions)) if sessions else 0.0
    if sessions and TEXT_WIDTH_MM - number - mark * sessions < 60:
        mark = (TEXT_WIDTH_MM - number - 60) / sessions
    rest = TEXT_WIDTH_MM - number - mark * sessions
    return [number, *(w * rest / sum(named) for w in named), *([mark] * sessions)]


def _fit_signin_columns(document: DocumentObject, sessions: int) -> None:
    """Give the sign-in annex's table the widths of :func:`_signin_widths`: its grid and each
    cell (Word reads the cells' widths, LibreOffice the grid's)."""
    body = document.element.body
    widths = [round(mm * TWIPS_PER_MM) for mm in _signin_widths(sessions)]
    for table in body.iter(qn("w:tbl")):
        caption = table.find(f"{qn('w:tblPr')}/{qn('w:tblCaption')}")
        if caption is None or caption.get(qn("w:val")) != SIGNIN_TABLE:
            continue
        grid = table.find(qn("w:tblGrid"))
        for column in list(grid):
            grid.remove(column)
        for width in widths:
            column = OxmlElement("w:gridCol")
            column.set(qn("w:w"), str(width))
            grid.append(column)
        for row in table.iter(qn("w:tr")):
            for cell, width in zip(row.iter(qn("w:tc")), widths, strict=False):
                tc_pr = cell.find(qn("w:tcPr"))
                if tc_pr is None:
                    continue
                tc_w = tc_pr.find(qn("w:tcW"))
                if tc_w is None:
                    tc_w = OxmlElement("w:tcW")
                    tc_pr.insert(0, tc_w)
                tc_w.set(qn("w:w"), str(width))
                tc_w.set(qn("w:type"), "dxa")


def render_report(report: CourseReport, template: bytes | None = None) -> bytes:
    """The report as DOCX bytes, from ``template`` (DOCX bytes) or the default template."""
    data = DEFAULT_TEMPLATE.read_bytes() if template is None else template
    tpl = DocxTemplate(io.BytesIO(data))
    tpl.render(
        build_context(report), jinja_env=SandboxedEnvironment(autoescape=True), autoescape=True
    )
    _fit_signin_columns(tpl.docx, len(report.session_labels))
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def report_filename(slug: str) -> str:
    """``bao-cao-<course slug>.docx``."""
    name = slugify(slug, max_length=FILENAME_SLUG_LENGTH, word_boundary=True)
    return f"bao-cao-{name}.docx" if name else "bao-cao.docx"
