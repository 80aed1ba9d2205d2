"""The sign-in sheet (danh sách ký tên): A4 portrait, header block, one row per confirmed
participant, header row on every page. As PDF (fpdf2, with the bundled DejaVu Sans so it needs no
system font) and as XLSX with print set-up (A4, repeated header rows, fit to page width)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from fpdf import FPDF
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
#: the PDF table's look (as ``FPDF.table()`` drew it): text alignment per column, cell padding,
#: line height and least row height (room to sign) in millimetres, font size in points, the
#: header row's grey, and the bottom margin that a row may not cross
PDF_ALIGN = ("C", "L", "L", "L", "C", "L")
PDF_PADDING = 1.5
PDF_LINE = 5.0
PDF_ROW_MIN = 10.0
PDF_FONT_SIZE = 9.5
PDF_HEAD_FILL = 235
PDF_BOTTOM_MARGIN = 16
TABLE_WIDTH = sum(PDF_WIDTHS)
#: slack in width comparisons (fpdf2's own float tolerance in line breaking)
TOLERANCE = 1e-9
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


@dataclass(frozen=True)
class Line:
    """One printed line of a cell and its width in millimetres."""

    text: str
    width: float


#: a table row's cells, each as its printed lines
Cells = list[tuple[Line, ...]]


class _SheetPDF(FPDF):
    page_label = "Page"

    def __init__(self) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        #: text widths and wrapped cells by font style and size: names, units and positions
        #: repeat a lot, so most rows are measured and wrapped once
        self.widths: dict[tuple[str, float, str], float] = {}
        self.wrapped: dict[tuple[str, float, str, float], tuple[Line, ...]] = {}

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT_FAMILY, "", 8)
        self.cell(0, 6, f"{self.page_label} {self.page_no()}/{{nb}}", align="C")

    def text_width(self, text: str) -> float:
        """Width of ``text`` in the current font, cached. Measured as the sum of its characters'
        widths (what ``get_string_width`` gives without text shaping, at a fraction of its cost):
        the sheet is plain text, no kerning, no markdown."""
        key = (self.font_style, self.font_size_pt, text)
        width = self.widths.get(key)
        if width is None:
            if len(text) == 1:
                width = self.get_string_width(text)
            else:
                width = sum(self.text_width(char) for char in text)
            self.widths[key] = width
        return width


def break_word(pdf: _SheetPDF, word: str, width: float) -> list[str]:
    """A word wider than ``width`` in pieces that fit, cut between characters (at least one
    character a piece)."""
    pieces: list[str] = []
    start, used = 0, 0.0
    for index, char in enumerate(word):
        size = pdf.text_width(char)
        if index > start and used + size > width + TOLERANCE:
            pieces.append(word[start:index])
            start, used = index, 0.0
        used += size
    pieces.append(word[start:])
    return pieces


def wrap(pdf: _SheetPDF, text: str, width: float) -> list[Line]:
    """``text`` in lines at most ``width`` mm wide in the current font, as multi_cell wraps it:
    at spaces, and a word wider than the column broken between characters."""
    space = pdf.text_width(" ")
    lines: list[Line] = []
    words: list[str] = []
    used = 0.0
    for word in text.split():
        size = pdf.text_width(word)
        if words and used + space + size <= width + TOLERANCE:
            words.append(word)
            used += space + size
            continue
        if words:
            lines.append(Line(" ".join(words), used))
        if size > width + TOLERANCE:
            *whole, word = break_word(pdf, word, width)
            lines.extend(Line(piece, pdf.text_width(piece)) for piece in whole)
            size = pdf.text_width(word)
        words, used = [word], size
    if words:
        lines.append(Line(" ".join(words), used))
    return lines


def cell_lines(pdf: _SheetPDF, values: Sequence[str]) -> Cells:
    """Each cell of a table row wrapped to its column inside the padding, as NFC text; a text
    already wrapped to that column in this font comes from the cache."""
    cells: Cells = []
    for value, width in zip(values, PDF_WIDTHS, strict=True):
        key = (pdf.font_style, pdf.font_size_pt, value, width)
        lines = pdf.wrapped.get(key)
        if lines is None:
            text = unicodedata.normalize("NFC", value)
            lines = pdf.wrapped[key] = tuple(wrap(pdf, text, width - 2 * PDF_PADDING))
        cells.append(lines)
    return cells


def row_height(cells: Cells) -> float:
    """A row's height: its tallest cell with padding, at least :data:`PDF_ROW_MIN`."""
    return max(PDF_ROW_MIN, max(len(lines) for lines in cells) * PDF_LINE + 2 * PDF_PADDING)


def draw_row(pdf: _SheetPDF, cells: Cells, height: float, fill: int | None = None) -> None:
    """One table row at the current y: its box (filled grey for the header row), the column
    rules, each cell's lines centred vertically; then y moves below it."""
    left, top = pdf.l_margin, pdf.y
    if fill is None:
        pdf.rect(left, top, TABLE_WIDTH, height)
    else:
        pdf.set_fill_color(fill)
        pdf.rect(left, top, TABLE_WIDTH, height, style="DF")
        pdf.set_fill_color(0)  # else fpdf2 wraps every text in q/Q to set its own colour
    # the baseline of a line of PDF_LINE mm, where multi_cell puts it
    baseline = PDF_LINE / 2 + 0.3 * pdf.font_size
    x = left
    for lines, width, align in zip(cells, PDF_WIDTHS, PDF_ALIGN, strict=True):
        if x > left:
            pdf.line(x, top, x, top + height)
        y = top + (height - len(lines) * PDF_LINE) / 2 + baseline
        for line in lines:
            offset = (width - line.width) / 2 if align == "C" else PDF_PADDING
            pdf.text(x + offset, y, line.text)
            y += PDF_LINE
        x += width
    pdf.set_y(top + height)


def draw_table(pdf: _SheetPDF, rows: list[SigninRow]) -> None:
    """The table from the current y on: a grey, bold header row, then one row per participant.
    A row that would cross the bottom margin goes to a new page, below the header row drawn
    again; a row is never split, and the header row never stands alone at a page's foot."""
    pdf.set_font(FONT_FAMILY, "B", PDF_FONT_SIZE)
    head = cell_lines(pdf, signin_header())
    head_height = row_height(head)
    pdf.set_font(FONT_FAMILY, "", PDF_FONT_SIZE)
    bottom = pdf.h - PDF_BOTTOM_MARGIN

    def draw_head() -> None:
        pdf.set_font(FONT_FAMILY, "B", PDF_FONT_SIZE)
        draw_row(pdf, head, head_height, fill=PDF_HEAD_FILL)
        pdf.set_font(FONT_FAMILY, "", PDF_FONT_SIZE)

    pdf.set_auto_page_break(auto=False)  # pages are broken here, between rows
    headed = False
    for row in rows:
        cells = cell_lines(
            pdf, (str(row.number), row.full_name, row.organization, row.position, row.phone, "")
        )
        height = row_height(cells)
        needed = height if headed else head_height + height
        if pdf.y + needed > bottom and pdf.y > pdf.t_margin:
            pdf.add_page()
            headed = False
        if not headed:
            draw_head()
            headed = True
        draw_row(pdf, cells, height)
    if not headed:
        draw_head()
    pdf.set_auto_page_break(auto=True, margin=PDF_BOTTOM_MARGIN)


def signin_pdf(header: SheetHeader, rows: list[SigninRow]) -> bytes:
    """The sheet as PDF bytes: A4 portrait, page numbers "Trang 1/5", header row on every page.
    The table is drawn with fpdf2's primitives (:func:`draw_table`): linear in the rows, where
    ``FPDF.table()`` took milliseconds a row."""
    pdf = _SheetPDF()
    pdf.page_label = _("Page")
    pdf.set_title(f"{_('Sign-in sheet')} – {header.title}")
    pdf.set_creator("TrainingApp")
    pdf.set_margins(15, 12, 15)
    pdf.set_auto_page_break(auto=True, margin=PDF_BOTTOM_MARGIN)
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

    draw_table(pdf, rows)
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
