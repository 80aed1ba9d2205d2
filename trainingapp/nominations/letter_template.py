"""Builds the default invitation letter template, ``giay-moi.docx``, with python-docx.

The layout is Decree 30/2020/ND-CP, Appendix I (A4 portrait, Times New Roman, the two-column
heading with the issuing body and the national title, "Kính gửi", the body, "Nơi nhận" and the
signature block). The placeholders are docxtpl's (Jinja ``{{ }}``, ``{%p %}`` paragraph tags);
:mod:`trainingapp.nominations.letter` fills them. Offices edit the result in Word and upload it
back, so everything here is plain Word formatting: paragraphs, runs, borderless tables and
paragraph borders for the short lines, nothing Word would not write itself.

Run ``python -m trainingapp.nominations.letter_template`` to (re)write the committed file.
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
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm
from docx.shared import Pt
from docx.table import Table
from docx.table import _Cell
from docx.text.paragraph import Paragraph

TEMPLATE_PATH = Path(__file__).with_name("giay-moi.docx")

FONT = "Times New Roman"
BODY_SIZE = 13
LINE_PT = 15
TWIPS_PER_MM = 1440 / 25.4
TEXT_WIDTH_MM = 210 - 30 - 15  # A4 minus the left and right margins
HEADING_LEFT_MM = 62
HEADING_RIGHT_MM = TEXT_WIDTH_MM - HEADING_LEFT_MM
QR_COLUMN_MM = 44
SIGNATURE_LEFT_MM = 80

CENTER = WD_ALIGN_PARAGRAPH.CENTER
JUSTIFY = WD_ALIGN_PARAGRAPH.JUSTIFY
LEFT = WD_ALIGN_PARAGRAPH.LEFT

# The clerk writes the number by hand (or in Word) in this gap: "Số:          /GM-SVHTTDL".
NUMBER_GAP = "\u00a0" * 12


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _paragraph(
    container: DocumentObject | _Cell,
    runs: list[tuple[str, str]] | str = "",
    *,
    size: float = BODY_SIZE,
    align: int = JUSTIFY,
    before: float = 0,
    after: float = 0,
    first_line_mm: float = 0,
    left_mm: float = 0,
    right_mm: float = 0,
    keep_with_next: bool = False,
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
    elif size == BODY_SIZE:
        # Decree 30 allows single spacing or "exactly" 15 pt and more; exactly 15 pt keeps a
        # letter with two sessions on one page. (Not for the QR's paragraph: it would clip it.)
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(LINE_PT)
    else:
        fmt.line_spacing = 1.0
    if keep_with_next:
        fmt.keep_with_next = True
    if first_line_mm:
        fmt.first_line_indent = Mm(first_line_mm)
    if left_mm:
        fmt.left_indent = Mm(left_mm)
    if right_mm:
        fmt.right_indent = Mm(right_mm)
    if isinstance(runs, str):
        runs = [(runs, "")] if runs else []
    for text, flags in runs:
        run = paragraph.add_run(_nfc(text))
        run.font.size = Pt(size)
        run.font.bold = "b" in flags or None
        run.font.italic = "i" in flags or None
    if not runs:
        # An empty paragraph still takes its line height from the paragraph mark's size.
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


def _rule(container: _Cell, width_mm: float, cell_mm: float) -> Paragraph:
    """A short centred line (Decree 30: under the issuing body and under the motto): an empty,
    tiny paragraph indented on both sides, with a bottom border."""
    side = max((cell_mm - 3.8 - width_mm) / 2, 0)  # 3.8 mm: the cell's own left + right margin
    paragraph = _paragraph(container, size=2, align=CENTER, left_mm=side, right_mm=side)
    p_pr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "auto")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    _insert_in_order(p_pr, borders, ("shd", "tabs", "spacing", "ind", "jc", "rPr"))
    return paragraph


def _insert_in_order(parent: Any, element: Any, successors: tuple[str, ...]) -> None:
    """Insert ``element`` before the first of ``successors`` present (the schema's order, which
    Word enforces), or at the end."""
    for name in successors:
        found = parent.find(qn(f"w:{name}"))
        if found is not None:
            found.addprevious(element)
            return
    parent.append(element)


def _borderless_table(
    document: DocumentObject, widths_mm: list[float], *, flush: bool = False
) -> Table:
    """A one-row table without borders; ``flush``: no left/right cell margins, so the text of
    the first column starts at the page margin like the paragraphs around it."""
    table: Table = document.add_table(rows=1, cols=len(widths_mm))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    width = OxmlElement("w:tblW")
    width.set(qn("w:w"), str(round(sum(widths_mm) * TWIPS_PER_MM)))
    width.set(qn("w:type"), "dxa")
    tbl_pr.replace(tbl_pr.find(qn("w:tblW")), width)
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    _insert_in_order(tbl_pr, borders, ("shd", "tblLayout", "tblCellMar", "tblLook"))
    if flush:
        margins = OxmlElement("w:tblCellMar")
        for edge in ("left", "right"):
            element = OxmlElement(f"w:{edge}")
            element.set(qn("w:w"), "0")
            element.set(qn("w:type"), "dxa")
            margins.append(element)
        _insert_in_order(tbl_pr, margins, ("tblLook", "tblCaption", "tblDescription"))
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
    for cell, width in zip(table.rows[0].cells, widths_mm, strict=True):
        cell.width = Mm(width)
        # add_table leaves one empty paragraph per cell: remove it, the builders add their own.
        for paragraph in cell.paragraphs:
            paragraph._p.getparent().remove(paragraph._p)
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
    left, right = _borderless_table(document, [HEADING_LEFT_MM, HEADING_RIGHT_MM]).rows[0].cells
    _paragraph(left, "{%p if parent_body %}", size=13, align=CENTER)
    _paragraph(left, "{{ parent_body }}", size=13, align=CENTER)
    _paragraph(left, "{%p endif %}", size=13, align=CENTER)
    _paragraph(left, [("{{ issuing_body }}", "b")], size=13, align=CENTER)
    _rule(left, 22, HEADING_LEFT_MM)
    _paragraph(left, f"Số:{NUMBER_GAP}/GM-{{{{ issuing_short }}}}", size=13, align=CENTER, before=6)
    _paragraph(
        left,
        "V/v cử cán bộ tham dự lớp tập huấn {{ course_title }}",
        size=12,
        align=CENTER,
        before=6,
    )

    _paragraph(right, [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "b")], size=12, align=CENTER)
    _paragraph(right, [("Độc lập - Tự do - Hạnh phúc", "b")], size=13, align=CENTER)
    _rule(right, 60, HEADING_RIGHT_MM)
    _paragraph(
        right, [("{{ place }}, {{ issued_date }}", "i")], size=BODY_SIZE, align=CENTER, before=6
    )


def _body(document: DocumentObject) -> None:
    def text(runs: list[tuple[str, str]] | str, **kwargs: float) -> Paragraph:
        options: dict[str, float] = {"before": 6, "first_line_mm": 10, **kwargs}
        return _paragraph(document, runs, **options)  # type: ignore[arg-type]

    def tag(content: str) -> Paragraph:
        return _paragraph(document, content)

    _paragraph(
        document,
        [("Kính gửi: ", ""), ("{{ unit_name }}.", "")],
        align=CENTER,
        before=6,
    )
    text("{{ issuing_body_name }} tổ chức lớp tập huấn {{ course_title }}, cụ thể như sau:")
    text([("1. Thời gian: ", "b"), ("{{ course_dates }}.", "")])
    text([("2. Địa điểm: ", "b"), ("{{ venue }}.", "")])
    text([("3. Nội dung, chương trình:", "b")])
    tag("{%p for s in sessions %}")
    text([("- {{ s.label }} ({{ s.weekday }}), từ {{ s.start }} đến {{ s.end }}:", "i")])
    tag("{%p for t in s.topics %}")
    text("+ {{ t }};", before=0)
    tag("{%p endfor %}")
    tag("{%p endfor %}")
    text(
        [
            ("4. Thành phần: ", "b"),
            (
                "đề nghị {{ unit_name }} cử {{ quota }} ({{ quota_words }}) cán bộ tham dự "
                "lớp tập huấn đầy đủ, đúng thời gian.",
                "",
            ),
        ]
    )
    text(
        [
            ("5. Đăng ký cử cán bộ: ", "b"),
            (
                "đơn vị đăng ký danh sách cán bộ được cử trực tuyến theo đường dẫn hoặc "
                "mã QR dưới đây"
                "{% if deadline %}, trước {{ deadline }} ({{ deadline_weekday }}){% endif %}.",
                "",
            ),
        ]
    )

    table = _borderless_table(document, [TEXT_WIDTH_MM - QR_COLUMN_MM, QR_COLUMN_MM], flush=True)
    how, code = table.rows[0].cells
    _paragraph(
        how, "- Đường dẫn đăng ký: {{ nomination_url }}", align=LEFT, before=6, first_line_mm=10
    )
    _paragraph(how, "{%p if contact_name %}")
    _paragraph(
        how, "- Đầu mối của đơn vị: {{ contact_name }}.", align=LEFT, before=6, first_line_mm=10
    )
    _paragraph(how, "{%p endif %}")
    _paragraph(how, "{%p if organizer_contact %}")
    _paragraph(
        how,
        "- Thông tin chi tiết, xin liên hệ: {{ organizer_contact }}.",
        align=LEFT,
        before=6,
        first_line_mm=10,
    )
    _paragraph(how, "{%p endif %}")
    _paragraph(code, "{{ qr }}", size=12, align=CENTER, before=3)
    _paragraph(code, [("Quét mã QR để cử người tham dự", "i")], size=10, align=CENTER)

    text("Rất mong nhận được sự quan tâm, phối hợp của {{ unit_name }}./.", keep_with_next=True)


def _signature(document: DocumentObject) -> None:
    _paragraph(document, size=6, keep_with_next=True)
    table = _borderless_table(
        document, [SIGNATURE_LEFT_MM, TEXT_WIDTH_MM - SIGNATURE_LEFT_MM], flush=True
    )
    # The signature block never splits across pages (a name alone on page 2 is no letter).
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    left, right = table.rows[0].cells
    _paragraph(left, [("Nơi nhận:", "bi")], size=12, align=LEFT)
    _paragraph(left, "{%p for r in recipients %}", size=11)
    _paragraph(left, "- {{ r }};", size=11, align=LEFT)
    _paragraph(left, "{%p endfor %}", size=11)
    _paragraph(left, "- Lưu: VT.", size=11, align=LEFT)

    _paragraph(right, [("{{ signer_title }}", "b")], align=CENTER)
    for _ in range(4):  # the signature and the seal
        _paragraph(right, align=CENTER)
    _paragraph(right, [("{{ signer_name }}", "b")], align=CENTER)


def _preserve_spaces(document: DocumentObject) -> None:
    """``xml:space="preserve"`` on every text run: the number gap and the blanks the letter
    fills in (``ngày      tháng``) keep their width in every reader."""
    for element in document.element.body.iter(qn("w:t")):
        element.set(qn("xml:space"), "preserve")


def build() -> bytes:
    """The default template as DOCX bytes."""
    document = Document()
    _set_fonts(document)
    _page(document)
    body = document.element.body
    for paragraph in list(document.paragraphs):  # python-docx's template starts with none, but
        body.remove(paragraph._p)  # be sure
    _heading(document)
    _body(document)
    _signature(document)
    _paragraph(document, size=1)  # Word wants a paragraph after the last table
    _preserve_spaces(document)
    props = document.core_properties
    props.author = "TrainingApp"
    props.title = "Giấy mời cử cán bộ tham dự lớp tập huấn"
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
            member = zipfile.ZipInfo(info.filename)  # dated 1980-01-01 00:00
            target.writestr(member, source.read(info), compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def main() -> None:
    TEMPLATE_PATH.write_bytes(build())
    print(f"wrote {TEMPLATE_PATH}")  # noqa: T201


if __name__ == "__main__":
    main()
