"""Builds the default course report template, ``bao-cao.docx``, with python-docx.

The layout is Decree 30/2020/ND-CP, Appendix I, for a report (báo cáo): A4 portrait, Times New
Roman 13 pt, the two-column heading (issuing body and number; national title, motto, place and
date), the title "BÁO CÁO / Kết quả tổ chức lớp tập huấn …", sections I to VI, "Nơi nhận" and a
signature block that does not split, then the two annexes (the sign-in list with the marks of
each session, the absentees). Page numbers are centred at the top from the second page on.

The placeholders are docxtpl's (Jinja ``{{ }}``, ``{%p %}`` paragraphs, ``{%tr %}`` table rows,
``{%tc %}`` the annex's session columns); :mod:`trainingapp.exports.report_docx` fills them.
Tables are plain bordered Word tables: the header row repeats on each page and no row splits
across pages. The clerk edits the downloaded report in Word like any other document.

The paragraph helpers follow ``nominations/letter_template.py`` (a sibling package this one may
not import). Run ``python -m trainingapp.exports.report_template`` to (re)write the file.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.enum.text import WD_LINE_SPACING
from docx.enum.text import WD_TAB_ALIGNMENT
from docx.enum.text import WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm
from docx.shared import Pt
from docx.table import Table
from docx.table import _Cell
from docx.text.paragraph import Paragraph

TEMPLATE_PATH = Path(__file__).with_name("bao-cao.docx")

FONT = "Times New Roman"
BODY_SIZE = 13
TITLE_SIZE = 14
LINE_PT = 16
TWIPS_PER_MM = 1440 / 25.4
TEXT_WIDTH_MM = 210 - 30 - 15  # A4 minus the left and right margins
HEADING_LEFT_MM = 70
HEADING_GAP_MM = 2
HEADING_RIGHT_MM = TEXT_WIDTH_MM - HEADING_LEFT_MM - HEADING_GAP_MM
SIGNATURE_LEFT_MM = 72

#: the annex table whose session columns ``report_docx`` sizes after rendering (its caption)
SIGNIN_TABLE = "Phụ lục 1: danh sách ký tên"
#: widths of the sign-in annex's fixed columns (STT, name, unit, position); sessions share the rest
SIGNIN_FIXED_MM = (13.0, 44.0, 48.0, 30.0)

CENTER = WD_ALIGN_PARAGRAPH.CENTER
JUSTIFY = WD_ALIGN_PARAGRAPH.JUSTIFY
LEFT = WD_ALIGN_PARAGRAPH.LEFT

# The clerk writes the number in this gap: "Số:          /BC-SVHTTDL".
NUMBER_GAP = "\u00a0" * 12

Container = DocumentObject | _Cell


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _paragraph(
    container: Container,
    runs: list[tuple[str, str]] | str = "",
    *,
    size: float = BODY_SIZE,
    align: int = JUSTIFY,
    before: float = 0,
    after: float = 0,
    first_line_mm: float = 0,
    keep_with_next: bool = False,
    page_break_before: bool = False,
) -> Paragraph:
    """A paragraph of runs, each ``(text, flags)`` with flags from "b" (bold) and "i" (italic)."""
    paragraph = container.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.alignment = align
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    if size < 4:  # spacers and the short rules: as thin as their size
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(size)
    elif isinstance(container, DocumentObject) and size == BODY_SIZE:
        # Decree 30: single spacing or "exactly" 15 pt and more.
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(LINE_PT)
    else:
        fmt.line_spacing = 1.0
    if keep_with_next:
        fmt.keep_with_next = True
    if page_break_before:
        fmt.page_break_before = True
    if first_line_mm:
        fmt.first_line_indent = Mm(first_line_mm)
    if isinstance(runs, str):
        runs = [(runs, "")] if runs else []
    for text, flags in runs:
        run = paragraph.add_run(_nfc(text))
        run.font.size = Pt(size)
        run.font.bold = "b" in flags or None
        run.font.italic = "i" in flags or None
    if not runs:
        _mark_size(paragraph, size)
    return paragraph


def _mark_size(paragraph: Paragraph, size: float) -> None:
    p_pr = paragraph._p.get_or_add_pPr()
    r_pr = OxmlElement("w:rPr")
    for tag in ("w:sz", "w:szCs"):
        element = OxmlElement(tag)
        element.set(qn("w:val"), str(int(size * 2)))
        r_pr.append(element)
    p_pr.append(r_pr)


def _tag(container: Container, content: str) -> Paragraph:
    """A paragraph holding only a ``{%p … %}`` tag (docxtpl removes it)."""
    return _paragraph(container, content)


def _insert_in_order(parent: Any, element: Any, successors: tuple[str, ...]) -> None:
    """Insert ``element`` before the first of ``successors`` present (the schema's order)."""
    for name in successors:
        found = parent.find(qn(f"w:{name}"))
        if found is not None:
            found.addprevious(element)
            return
    parent.append(element)


def _rule(container: _Cell, width_mm: float, cell_mm: float) -> Paragraph:
    """A short centred line (under the issuing body, the motto and the title)."""
    side = max((cell_mm - width_mm) / 2, 0)
    paragraph = _paragraph(container, size=2, align=CENTER)
    paragraph.paragraph_format.left_indent = Mm(side)
    paragraph.paragraph_format.right_indent = Mm(side)
    p_pr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "auto")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    _insert_in_order(p_pr, borders, ("shd", "tabs", "spacing", "ind", "jc", "rPr"))
    return paragraph


def _table(
    document: DocumentObject,
    widths_mm: list[float],
    rows: int = 1,
    *,
    borders: bool = False,
    flush: bool = False,
    caption: str = "",
) -> Table:
    """A table of fixed column widths; ``borders``: single lines everywhere (the figures and
    annexes), else none (the heading and signature); ``flush``: no left/right cell margins."""
    table: Table = document.add_table(rows=rows, cols=len(widths_mm))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    width = OxmlElement("w:tblW")
    width.set(qn("w:w"), str(round(sum(widths_mm) * TWIPS_PER_MM)))
    width.set(qn("w:type"), "dxa")
    tbl_pr.replace(tbl_pr.find(qn("w:tblW")), width)
    edges = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        if borders:
            for key, value in (("w:val", "single"), ("w:sz", "4"), ("w:space", "0")):
                element.set(qn(key), value)
            element.set(qn("w:color"), "auto")
        else:
            element.set(qn("w:val"), "nil")
        edges.append(element)
    _insert_in_order(tbl_pr, edges, ("shd", "tblLayout", "tblCellMar", "tblLook"))
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    _insert_in_order(tbl_pr, layout, ("tblCellMar", "tblLook", "tblCaption"))
    if flush:
        margins = OxmlElement("w:tblCellMar")
        for edge in ("left", "right"):
            element = OxmlElement(f"w:{edge}")
            element.set(qn("w:w"), "0")
            element.set(qn("w:type"), "dxa")
            margins.append(element)
        _insert_in_order(tbl_pr, margins, ("tblLook", "tblCaption", "tblDescription"))
    if caption:
        element = OxmlElement("w:tblCaption")
        element.set(qn("w:val"), caption)
        _insert_in_order(tbl_pr, element, ("tblDescription",))
    for column, width_mm in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width_mm)
    for row in table.rows:
        for cell, width_mm in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width_mm)
            for paragraph in cell.paragraphs:
                paragraph._p.getparent().remove(paragraph._p)
        # No row splits across pages (a name on one page, its unit on the next).
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    return table


def _repeat_header(table: Table) -> None:
    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))


def _cell_text(cell: _Cell, text: str, *, flags: str = "", align: int = LEFT) -> None:
    _paragraph(cell, [(text, flags)] if text else "", align=align, before=1, after=1)


def _figures_table(
    document: DocumentObject,
    columns: list[tuple[str, float, int]],
    loop: str,
    cells: list[str],
    total: list[str] | None = None,
    *,
    caption: str = "",
) -> Table:
    """A bordered table: a repeated header row (``columns``: heading, width, alignment), one
    docxtpl row loop (``{%tr for … %}``) of ``cells`` and an optional ``total`` row."""
    widths = [width for _, width, _ in columns]
    table = _table(document, widths, 4 + (1 if total else 0), borders=True, caption=caption)
    _repeat_header(table)
    for cell, (heading, _, _) in zip(table.rows[0].cells, columns, strict=True):
        _cell_text(cell, heading, flags="b", align=CENTER)
    first = table.rows[1].cells
    _cell_text(first[0], f"{{%tr for {loop} %}}")
    for cell in first[1:]:
        _cell_text(cell, "")
    for cell, text, (_, _, align) in zip(table.rows[2].cells, cells, columns, strict=True):
        _cell_text(cell, text, align=align)
    last = table.rows[3].cells
    _cell_text(last[0], "{%tr endfor %}")
    for cell in last[1:]:
        _cell_text(cell, "")
    if total:
        for cell, text, (_, _, align) in zip(table.rows[4].cells, total, columns, strict=True):
            _cell_text(cell, text, flags="b", align=align)
    return table


def _set_fonts(document: DocumentObject) -> None:
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(BODY_SIZE)
    r_pr = style.element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, fonts)
    for key in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(key), FONT)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "vi-VN")
    lang.set(qn("w:eastAsia"), "vi-VN")
    r_pr.append(lang)
    style.paragraph_format.space_after = Pt(0)
    style.paragraph_format.line_spacing = 1.0


def _page(document: DocumentObject) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width = Mm(210)
    section.page_height = Mm(297)
    section.top_margin = Mm(20)
    section.bottom_margin = Mm(20)
    section.left_margin = Mm(30)
    section.right_margin = Mm(15)
    section.header_distance = Mm(10)
    section.footer_distance = Mm(10)
    # Decree 30: page numbers centred at the top, from the second page on.
    section.different_first_page_header_footer = True
    header = section.header.paragraphs[0]
    header.alignment = CENTER
    run = header.add_run()
    run.font.size = Pt(BODY_SIZE)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), ("end", None)):
        if kind is None:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)


def _heading(document: DocumentObject) -> None:
    # No cell margins (the national title needs the width) and a narrow empty middle column
    # to keep the two blocks apart.
    heading = _table(document, [HEADING_LEFT_MM, HEADING_GAP_MM, HEADING_RIGHT_MM], flush=True)
    left, gap, right = heading.rows[0].cells
    _paragraph(gap, size=2)
    # Decree 30: the parent body and the issuing body in 12-13 pt capitals; 12 keeps the
    # usual names of a provincial department on one line each.
    _paragraph(left, "{%p if parent_body %}", size=12, align=CENTER)
    _paragraph(left, "{{ parent_body }}", size=12, align=CENTER)
    _paragraph(left, "{%p endif %}", size=12, align=CENTER)
    _paragraph(left, [("{{ issuing_body }}", "b")], size=12, align=CENTER)
    _rule(left, 22, HEADING_LEFT_MM)
    _paragraph(left, f"Số:{NUMBER_GAP}/BC-{{{{ issuing_short }}}}", align=CENTER, before=6)

    _paragraph(right, [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "b")], size=12, align=CENTER)
    _paragraph(right, [("Độc lập - Tự do - Hạnh phúc", "b")], align=CENTER)
    _rule(right, 60, HEADING_RIGHT_MM)
    _paragraph(right, [("{{ place }}, {{ issued_date }}", "i")], align=CENTER, before=6)

    _paragraph(document, [("BÁO CÁO", "b")], size=TITLE_SIZE, align=CENTER, before=18)
    _paragraph(
        document,
        [("Kết quả tổ chức lớp tập huấn {{ subject }}", "b")],
        size=TITLE_SIZE,
        align=CENTER,
    )
    title_rule = _table(document, [TEXT_WIDTH_MM]).rows[0].cells[0]
    _rule(title_rule, 40, TEXT_WIDTH_MM)


def _text(document: DocumentObject, runs: list[tuple[str, str]] | str, **options: Any) -> None:
    settings: dict[str, Any] = {"before": 6, "first_line_mm": 10, **options}
    _paragraph(document, runs, **settings)


def _dotted(document: DocumentObject, lines: int) -> None:
    """Lines for the organizer to write on: a right tab at the margin with a dot leader (Word
    keeps the dots to the end of the line whatever is typed before them)."""
    for _ in range(lines):
        paragraph = _paragraph(document, "\t", before=6)
        paragraph.paragraph_format.tab_stops.add_tab_stop(
            Mm(TEXT_WIDTH_MM), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS
        )


def _section_title(document: DocumentObject, text: str) -> None:
    _text(document, [(text, "b")], before=10, keep_with_next=True)


def _body(document: DocumentObject) -> None:
    _text(
        document,
        "Thực hiện kế hoạch công tác năm {{ year }}, {{ issuing_body_name }} đã tổ chức lớp tập "
        "huấn {{ subject }}{% if co_organizers %}, phối hợp với {{ co_organizers }}{% endif %}. "
        "{{ issuing_body_name }} báo cáo kết quả như sau:",
        before=12,
    )

    _section_title(document, "I. MỤC ĐÍCH, YÊU CẦU")
    _tag(document, "{%p for line in purpose %}")
    _text(document, "{{ line }}")
    _tag(document, "{%p endfor %}")
    _tag(document, "{%p if not purpose %}")
    _dotted(document, 2)
    _tag(document, "{%p endif %}")

    _section_title(document, "II. THỜI GIAN, ĐỊA ĐIỂM")
    _text(document, [("1. Thời gian: ", "b"), ("{{ course_dates }}{{ session_count }}.", "")])
    _tag(document, "{%p for s in timetable %}")
    _text(document, "- {{ s }};", before=0)
    _tag(document, "{%p endfor %}")
    _text(document, [("2. Địa điểm: ", "b"), ("{{ venue }}.", "")])

    _section_title(document, "III. THÀNH PHẦN")
    _text(document, [("1. Đơn vị tổ chức: ", "b"), ("{{ issuing_body_name }}.", "")])
    _text(document, [("2. Đơn vị phối hợp: ", "b"), ("{{ co_organizers or 'không' }}.", "")])
    _text(
        document,
        [("3. Báo cáo viên: ", "b"), ("{% if not lecturers %}không.{% endif %}", "")],
        keep_with_next=True,
    )
    _tag(document, "{%p for l in lecturers %}")
    _text(
        document,
        "- {{ l.text }}{% if l.organization %}, {{ l.organization }}{% endif %}{{ l.end }}",
        before=0,
    )
    _tag(document, "{%p endfor %}")
    _text(document, [("4. Học viên: ", "b"), ("{{ participants }}.", "")])

    _section_title(document, "IV. NỘI DUNG")
    _tag(document, "{%p if not agenda %}")
    _text(document, "Chương trình lớp tập huấn chưa có chuyên đề.")
    _tag(document, "{%p endif %}")
    _tag(document, "{%p for s in agenda %}")
    _text(document, [("{{ s.heading }}:", "i")], keep_with_next=True)
    _tag(document, "{%p for t in s.topics %}")
    _text(
        document,
        "+ Chuyên đề {{ t.number }}: {{ t.title }}"
        "{% if t.lecturers %}. Báo cáo viên: {{ t.lecturers }}{% endif %};",
        before=0,
    )
    _tag(document, "{%p endfor %}")
    _tag(document, "{%p endfor %}")

    _section_title(document, "V. KẾT QUẢ")
    _text(document, [("1. Số lượng học viên", "b")], keep_with_next=True)
    _text(
        document,
        "- {% if quota_units %}Đơn vị được giao chỉ tiêu: {{ quota_units }} đơn vị, với "
        "{{ quota_seats }} chỉ tiêu{% else %}Không giao chỉ tiêu cho đơn vị{% endif %};",
        before=0,
    )
    _text(document, "- Học viên đăng ký: {{ registered }} (không kể đăng ký đã hủy hoặc bị từ chối);", before=0)  # fmt: skip
    _text(document, "- Học viên đã xác nhận: {{ confirmed }};", before=0)
    _text(
        document,
        "- Học viên tham dự (có mặt ít nhất một buổi): {{ attended }}"
        "{% if attended_rate %}, đạt {{ attended_rate }} số học viên đã xác nhận{% endif %}.",
        before=0,
    )

    _text(document, [("2. Điểm danh theo buổi", "b")], keep_with_next=True)
    _tag(document, "{%p if sessions %}")
    n = CENTER
    _figures_table(
        document,
        [
            ("Buổi", 38, LEFT),
            ("Thời gian", 25, CENTER),
            ("Dự kiến (đã xác nhận)", 22, n),
            ("Có mặt đúng giờ", 20, n),
            ("Đi muộn", 18, n),
            ("Vắng có phép", 21, n),
            ("Vắng không phép", 21, n),
        ],
        "s in sessions",
        [
            "{{ s.label }}",
            "{{ s.time }}",
            "{{ s.expected }}",
            "{{ s.present }}",
            "{{ s.late }}",
            "{{ s.excused }}",
            "{{ s.absent }}",
        ],
    )
    _tag(document, "{%p else %}")
    _text(document, "Lớp tập huấn chưa có buổi học.")
    _tag(document, "{%p endif %}")

    _text(document, [("3. Học viên theo loại đơn vị, so với chỉ tiêu", "b")], keep_with_next=True)
    _figures_table(
        document,
        [
            ("Loại đơn vị", 45, LEFT),
            ("Số đơn vị được giao chỉ tiêu", 22, n),
            ("Chỉ tiêu", 17, n),
            ("Đăng ký", 19, n),
            ("Đã xác nhận", 20, n),
            ("Tham dự", 19, n),
            ("Tỷ lệ tham dự", 23, n),
        ],
        "k in kinds",
        [
            "{{ k.label }}",
            "{{ k.quota_units }}",
            "{{ k.quota_seats }}",
            "{{ k.registered }}",
            "{{ k.confirmed }}",
            "{{ k.attended }}",
            "{{ k.rate }}",
        ],
        [
            "{{ total.label }}",
            "{{ total.quota_units }}",
            "{{ total.quota_seats }}",
            "{{ total.registered }}",
            "{{ total.confirmed }}",
            "{{ total.attended }}",
            "{{ total.rate }}",
        ],
    )
    _paragraph(
        document,
        [("Tỷ lệ tham dự: số học viên tham dự ít nhất một buổi trên số đã xác nhận.", "i")],
        size=12,
        before=3,
    )

    _text(
        document,
        [("4. Đơn vị được giao chỉ tiêu nhưng không có học viên tham dự: ", "b"),
         ("{% if not absent_units %}không có.{% endif %}", "")],
        keep_with_next=True,
    )  # fmt: skip
    _tag(document, "{%p for u in absent_units %}")
    _text(document, "- {{ u.name }} ({{ u.kind }}; chỉ tiêu {{ u.quota }}; {{ u.note }}){{ u.end }}", before=0)  # fmt: skip
    _tag(document, "{%p endfor %}")

    _text(document, [("5. Kết quả phiếu đánh giá", "b")], keep_with_next=True)
    _tag(document, "{%p if evaluation %}")
    _text(
        document,
        "- Số phiếu thu về: {{ evaluation.responses }}/{{ evaluation.eligible }} học viên"
        "{% if evaluation.rate %} ({{ evaluation.rate }}){% endif %};",
        before=0,
    )
    _text(document, "- Điểm trung bình chung: {{ evaluation.overall }};", before=0)
    _tag(document, "{%p for s in evaluation.sections %}")
    _text(document, "- {{ s.label }}: {{ s.average }};", before=0)
    _tag(document, "{%p endfor %}")
    _tag(document, "{%p if evaluation.lecturers %}")
    _text(document, "- Đánh giá báo cáo viên:", before=0, keep_with_next=True)
    _tag(document, "{%p endif %}")
    _tag(document, "{%p for l in evaluation.lecturers %}")
    _text(document, "+ {{ l.label }}: {{ l.average }};", before=0)
    _tag(document, "{%p endfor %}")
    _tag(document, "{%p if evaluation.comments %}")
    _text(document, "- Một số ý kiến của học viên:", before=0, keep_with_next=True)
    _tag(document, "{%p endif %}")
    _tag(document, "{%p for c in evaluation.comments %}")
    _text(document, [("+ “{{ c }}”", "i")], before=0)
    _tag(document, "{%p endfor %}")
    _tag(document, "{%p if evaluation.comments_more %}")
    _text(
        document,
        "(Và {{ evaluation.comments_more }} ý kiến khác trong kết quả đánh giá kèm theo.)",
        before=0,
    )
    _tag(document, "{%p endif %}")
    _tag(document, "{%p else %}")
    _text(document, "Chưa thực hiện.", before=0)
    _tag(document, "{%p endif %}")

    _text(document, [("6. Cấp giấy chứng nhận", "b")], keep_with_next=True)
    _tag(document, "{%p if certificates %}")
    _text(
        document,
        "Đã cấp {{ certificates.issued }} giấy chứng nhận hoàn thành lớp tập huấn"
        "{% if certificates.revoked %} (đã thu hồi {{ certificates.revoked }} giấy){% endif %}.",
        before=0,
    )
    _tag(document, "{%p else %}")
    _text(document, "Chưa thực hiện.", before=0)
    _tag(document, "{%p endif %}")
    _text(
        document,
        "(Danh sách học viên tham dự và danh sách học viên vắng mặt tại Phụ lục 1 "
        "và Phụ lục 2 kèm theo.)",
        before=6,
    )

    _section_title(document, "VI. ĐỀ XUẤT, KIẾN NGHỊ")
    _dotted(document, 4)

    _text(
        document,
        "Trên đây là báo cáo kết quả tổ chức lớp tập huấn {{ subject }} "
        "của {{ issuing_body_name }}./.",
        before=10,
        keep_with_next=True,
    )


def _signature(document: DocumentObject) -> None:
    _paragraph(document, size=6, keep_with_next=True)
    table = _table(document, [SIGNATURE_LEFT_MM, TEXT_WIDTH_MM - SIGNATURE_LEFT_MM], flush=True)
    left, right = table.rows[0].cells
    # Decree 30: "Nơi nhận" 12 pt bold italic, its lines 11 pt.
    _paragraph(left, [("Nơi nhận:", "bi")], size=12, align=LEFT)
    _paragraph(left, "{%p for r in recipients %}", size=11)
    _paragraph(left, "- {{ r }};", size=11, align=LEFT)
    _paragraph(left, "{%p endfor %}", size=11)
    _paragraph(left, "- Lưu: VT.", size=11, align=LEFT)

    _paragraph(right, [("{{ signer_title }}", "b")], align=CENTER)
    for _ in range(4):  # the signature and the seal
        _paragraph(right, align=CENTER)
    _paragraph(right, [("{{ signer_name }}", "b")], align=CENTER)


def _annex_heading(document: DocumentObject, number: int, title: str) -> None:
    _paragraph(
        document, [(f"Phụ lục {number}", "b")], align=CENTER, page_break_before=True,
        keep_with_next=True,
    )  # fmt: skip
    _paragraph(document, [(title, "b")], align=CENTER, keep_with_next=True)
    _paragraph(
        document,
        [
            (
                f"(Kèm theo Báo cáo số{NUMBER_GAP}/BC-{{{{ issuing_short }}}} {{{{ issued_date }}}} "
                "của {{ issuing_body_name }})",
                "i",
            )
        ],
        align=CENTER,
        after=6,
        keep_with_next=True,
    )


def _annexes(document: DocumentObject) -> None:
    _annex_heading(document, 1, "DANH SÁCH KÝ TÊN HỌC VIÊN THAM DỰ LỚP TẬP HUẤN")
    _paragraph(
        document, [("Ký hiệu điểm danh: {{ mark_legend }}.", "i")], align=CENTER, after=6,
        keep_with_next=True,
    )  # fmt: skip
    _tag(document, "{%p if signin %}")
    widths = [*SIGNIN_FIXED_MM, 10.0, 10.0, 10.0]  # resized to the sessions when rendered
    table = _table(document, widths, 4, borders=True, caption=SIGNIN_TABLE)
    _repeat_header(table)
    header = table.rows[0].cells
    for cell, text in zip(header, ["STT", "Họ và tên", "Đơn vị", "Chức vụ"], strict=False):
        _cell_text(cell, text, flags="b", align=CENTER)
    _cell_text(header[4], "{%tc for label in session_labels %}")
    _cell_text(header[5], "{{ label }}", flags="b", align=CENTER)
    _cell_text(header[6], "{%tc endfor %}")
    first = table.rows[1].cells
    _cell_text(first[0], "{%tr for r in signin %}")
    for cell in first[1:]:
        _cell_text(cell, "")
    row = table.rows[2].cells
    _cell_text(row[0], "{{ r.number }}", align=CENTER)
    _cell_text(row[1], "{{ r.full_name }}")
    _cell_text(row[2], "{{ r.organization }}")
    _cell_text(row[3], "{{ r.position }}")
    _cell_text(row[4], "{%tc for m in r.marks %}")
    _cell_text(row[5], "{{ m }}", align=CENTER)
    _cell_text(row[6], "{%tc endfor %}")
    last = table.rows[3].cells
    _cell_text(last[0], "{%tr endfor %}")
    for cell in last[1:]:
        _cell_text(cell, "")
    _tag(document, "{%p else %}")
    _paragraph(document, "Không có học viên đã xác nhận.", align=CENTER)
    _tag(document, "{%p endif %}")

    _annex_heading(document, 2, "DANH SÁCH HỌC VIÊN VẮNG MẶT")
    _tag(document, "{%p if absentees %}")
    _figures_table(
        document,
        [
            ("STT", 13, CENTER),
            ("Họ và tên", 31, LEFT),
            ("Đơn vị", 38, LEFT),
            ("Buổi vắng", 30, LEFT),
            ("Có phép / không phép", 26, CENTER),
            ("Lý do", 27, LEFT),
        ],
        "a in absentees",
        [
            "{{ a.number }}",
            "{{ a.full_name }}",
            "{{ a.organization }}",
            "{{ a.sessions }}",
            "{{ a.excused }}",
            "{{ a.reason }}",
        ],
    )
    _tag(document, "{%p else %}")
    _paragraph(document, "Không có học viên vắng mặt.", align=CENTER)
    _tag(document, "{%p endif %}")


def _preserve_spaces(document: DocumentObject) -> None:
    """``xml:space="preserve"`` on every text run: the number gap keeps its width."""
    for element in document.element.body.iter(qn("w:t")):
        element.set(qn("xml:space"), "preserve")


def build() -> bytes:
    """The default template as DOCX bytes."""
    document = Document()
    _set_fonts(document)
    _page(document)
    body = document.element.body
    for paragraph in list(document.paragraphs):
        body.remove(paragraph._p)
    _heading(document)
    _body(document)
    _signature(document)
    _annexes(document)
    _paragraph(document, size=1)  # Word wants a paragraph after the last table
    _preserve_spaces(document)
    props = document.core_properties
    props.author = "TrainingApp"
    props.title = "Báo cáo kết quả tổ chức lớp tập huấn"
    props.comments = ""
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_timestamps(buffer.getvalue())


def _fixed_timestamps(data: bytes) -> bytes:
    """The same ZIP with every member dated 1980-01-01: rerunning the script rewrites the
    committed file byte for byte unless the template really changed."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename)
            target.writestr(member, source.read(info), compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def main() -> None:
    TEMPLATE_PATH.write_bytes(build())
    print(f"wrote {TEMPLATE_PATH}")  # noqa: T201


if __name__ == "__main__":
    main()
