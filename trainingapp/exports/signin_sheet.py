"""The sign-in sheet (danh sách ký tên): A4 portrait, header block, one row per confirmed
participant, header row on every page. As PDF (fpdf2, with the bundled DejaVu Sans so it needs no
system font) and as XLSX with print set-up (A4, repeated header rows, fit to page width)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import TableCellFillMode
from fpdf.fonts import FontFace
from sqlalchemy.orm import selectinload

from ..events.labels import session_label
from ..events.models import Event
from ..events.models import EventSession
from ..extensions import db
from .rows import SigninRow
from .rows import neutralise
from .rows import signin_header
from .xlsx import new_workbook
from .xlsx import sheet_name
from .xlsx import temporary_path

FONT_FAMILY = "DejaVuSans"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}

#: column widths in millimetres on A4 portrait with 15 mm margins (180 mm in all); the
#: signature column gets room to sign from the name and unit columns, which wrap
PDF_WIDTHS = (11, 40, 43, 29, 27, 30)
#: column widths in characters for the XLSX sheet (the signature column about 35 mm)
XLSX_WIDTHS = (5, 24, 27, 18, 13, 20)
#: a data row's height in points: room to sign, more when a cell wraps onto more lines
XLSX_ROW_MIN = 30
XLSX_LINE = 15


@dataclass(frozen=True)
class SheetHeader:
    """The header block: organizing units, title, dates, session and venue, ready to print."""

    organizer: str
    co_organizers: list[str]
    title: str
    dates: str
    session: str
    venue: str

    @property
    def info_lines(self) -> list[str]:
        lines = [f"{_('Date')}: {self.dates}"]
        if self.session:
            lines.append(f"{_('Session')}: {self.session}")
        if self.venue:
            lines.append(f"{_('Venue')}: {self.venue}")
        return lines


def wrapped_lines(text: str, width: int) -> int:
    """How many lines ``text`` takes in a column ``width`` characters wide, wrapped at spaces
    (Excel and LibreOffice wrap at words; a character less per line for the cell's padding)."""
    room = max(width - 1, 1)
    lines, used = 1, 0
    for word in text.split():
        size = len(word)
        if used and used + 1 + size > room:
            lines, used = lines + 1, 0
        used = size if not used else used + 1 + size
        while used > room:  # a word longer than the column is broken
            lines, used = lines + 1, used - room
    return lines


def xlsx_row_height(values: tuple[str, ...]) -> float:
    """A data row's height: :data:`XLSX_ROW_MIN` points, or enough for its longest wrapped
    cell. Set outright because a spreadsheet does not grow a row whose height was given, and a
    row without one would shrink below the room needed to sign."""
    lines = max(
        wrapped_lines(value, width) for value, width in zip(values, XLSX_WIDTHS[1:], strict=False)
    )
    return float(max(XLSX_ROW_MIN, lines * XLSX_LINE + 4))


def course_dates(event: Event) -> str:
    start = event.start_date.strftime("%d/%m/%Y")
    if event.end_date == event.start_date:
        return start
    return f"{start} – {event.end_date.strftime('%d/%m/%Y')}"


def sheet_header(event: Event, event_session: EventSession | None) -> SheetHeader:
    """Header block of ``event``'s sheet (one query for the organizing units)."""
    loaded = db.session.scalars(
        db.select(Event)
        .where(Event.id == event.id)
        .options(selectinload(Event.organizer), selectinload(Event.co_organizers))
        .execution_options(populate_existing=True)
    ).one()
    session_text = ""
    if event_session is not None:
        times = (
            f"{event_session.start_time.strftime('%H:%M')}–"
            f"{event_session.end_time.strftime('%H:%M')}"
        )
        session_text = f"{session_label(event_session)} ({times})"
    return SheetHeader(
        organizer=loaded.organizer.name,
        co_organizers=sorted(unit.name for unit in loaded.co_organizers),
        title=loaded.title,
        dates=course_dates(loaded),
        session=session_text,
        venue=loaded.venue,
    )


def font_dir() -> Path:
    """The app's own static/fonts: the PDF needs no font installed on the server."""
    return Path(current_app.static_folder or "static") / "fonts"


class _SheetPDF(FPDF):
    page_label = "Page"

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT_FAMILY, "", 8)
        self.cell(0, 6, f"{self.page_label} {self.page_no()}/{{nb}}", align="C")


def signin_pdf(header: SheetHeader, rows: list[SigninRow]) -> bytes:
    """The sheet as PDF bytes: A4 portrait, page numbers "Trang 1/5", header row on every page."""
    pdf = _SheetPDF(orientation="portrait", unit="mm", format="A4")
    pdf.page_label = _("Page")
    pdf.set_title(f"{_('Sign-in sheet')} – {header.title}")
    pdf.set_creator("TrainingApp")
    pdf.set_margins(15, 12, 15)
    pdf.set_auto_page_break(auto=True, margin=16)
    for style, filename in FONT_FILES.items():
        pdf.add_font(FONT_FAMILY, style, str(font_dir() / filename))
    pdf.add_page()

    # Vietnamese administrative style: the organizing units in capitals, top left, underlined.
    pdf.set_font(FONT_FAMILY, "B", 10)
    left_width = 95
    pdf.multi_cell(
        left_width, 5, header.organizer.upper(), align="C", new_x="LMARGIN", new_y="NEXT"
    )
    if header.co_organizers:
        pdf.set_font(FONT_FAMILY, "", 9)
        together = " – ".join(name.upper() for name in header.co_organizers)
        pdf.multi_cell(
            left_width,
            4.5,
            f"{_('Co-organizers').upper()}: {together}",
            align="C",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    rule_y = pdf.get_y() + 1
    pdf.line(15 + left_width / 2 - 15, rule_y, 15 + left_width / 2 + 15, rule_y)
    pdf.ln(6)

    pdf.set_font(FONT_FAMILY, "B", 14)
    pdf.multi_cell(0, 7, _("Sign-in sheet").upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, "B", 11)
    pdf.multi_cell(0, 6, header.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, "", 10)
    for line in header.info_lines:
        pdf.multi_cell(0, 5.5, line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    pdf.set_font(FONT_FAMILY, "", 9.5)
    heading = FontFace(emphasis="BOLD", fill_color=(235, 235, 235))
    with pdf.table(
        col_widths=PDF_WIDTHS,
        width=sum(PDF_WIDTHS),
        headings_style=heading,
        repeat_headings=1,
        line_height=5,
        padding=1.5,
        text_align=("CENTER", "LEFT", "LEFT", "LEFT", "CENTER", "LEFT"),
        v_align="MIDDLE",
        min_row_height=10,
        cell_fill_mode=TableCellFillMode.NONE,
    ) as table:
        table.row(signin_header())
        for row in rows:
            table.row(
                [str(row.number), row.full_name, row.organization, row.position, row.phone, ""]
            )
    if not rows:
        pdf.ln(4)
        pdf.multi_cell(0, 6, _("No confirmed participants yet."), align="C")
    return bytes(pdf.output())


def signin_xlsx(header: SheetHeader, rows: list[SigninRow]) -> Path:
    """The sheet as an XLSX file ready to print: A4 portrait, fit to one page wide, the header
    block merged across the columns and the table's header row repeated on every page."""
    target = temporary_path(".xlsx")
    try:
        workbook = new_workbook(target, constant_memory=False)
        sheet = workbook.add_worksheet(sheet_name(_("Sign-in sheet")))
        last = len(XLSX_WIDTHS) - 1
        unit_format = workbook.add_format(
            {"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True}
        )
        title_format = workbook.add_format(
            {"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"}
        )
        course_format = workbook.add_format(
            {
                "bold": True,
                "font_size": 12,
                "align": "center",
                "valign": "vcenter",
                "text_wrap": True,
            }
        )
        info_format = workbook.add_format({"align": "center", "valign": "vcenter"})
        head_format = workbook.add_format(
            {
                "bold": True,
                "border": 1,
                "align": "center",
                "valign": "vcenter",
                "text_wrap": True,
                "bg_color": "#EBEBEB",
            }
        )
        cell_format = workbook.add_format({"border": 1, "valign": "vcenter", "text_wrap": True})
        number_format = workbook.add_format({"border": 1, "align": "center", "valign": "vcenter"})

        sheet.set_paper(9)  # A4
        sheet.set_portrait()
        sheet.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
        sheet.fit_to_pages(1, 0)  # one page wide, as many pages tall as needed
        sheet.set_footer(f"&C{_('Page')} &P/&N")
        for column, width in enumerate(XLSX_WIDTHS):
            sheet.set_column(column, column, width)

        line = 0
        sheet.merge_range(line, 0, line, 2, header.organizer.upper(), unit_format)
        sheet.set_row(line, 30)
        line += 1
        if header.co_organizers:
            together = " – ".join(name.upper() for name in header.co_organizers)
            sheet.merge_range(
                line, 0, line, 2, f"{_('Co-organizers').upper()}: {together}", unit_format
            )
            sheet.set_row(line, 30)
            line += 1
        line += 1
        sheet.merge_range(line, 0, line, last, _("Sign-in sheet").upper(), title_format)
        line += 1
        sheet.merge_range(line, 0, line, last, neutralise(header.title), course_format)
        sheet.set_row(line, 32)
        line += 1
        for info in header.info_lines:
            sheet.merge_range(line, 0, line, last, neutralise(info), info_format)
            line += 1
        line += 1

        header_row = line
        sheet.write_row(header_row, 0, signin_header(), head_format)
        sheet.repeat_rows(header_row)
        for row in rows:
            line += 1
            values = (row.full_name, row.organization, row.position, row.phone)
            sheet.set_row(line, xlsx_row_height(values))
            sheet.write_number(line, 0, row.number, number_format)
            for column, value in enumerate(values, 1):
                sheet.write_string(line, column, neutralise(value), cell_format)
            sheet.write_blank(line, last, None, cell_format)
        workbook.close()
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target
