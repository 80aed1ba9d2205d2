"""The sign-in sheet: print view, PDF (text read back with pypdf) and XLSX print set-up."""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from tests.exports.conftest import Course
from tests.exports.conftest import add_confirmed
from tests.exports.conftest import login
from tests.exports.conftest import vi
from trainingapp.audit.models import AuditEntry
from trainingapp.auth.models import Role
from trainingapp.auth.models import User
from trainingapp.extensions import db

CONFIRMED_ORDER = ["Trần Văn An", "Lê Thị Ánh", "Phạm Bình", "+Cmd Hack", "Nguyễn Thị Hằng"]


def pdf_pages(client: FlaskClient, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.get_data()))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 portrait
    return [unicodedata.normalize("NFC", page.extract_text()) for page in reader.pages]


def columns() -> list[str]:
    return [
        vi("No.", "STT"),
        "Họ và tên",
        "Đơn vị",
        "Chức vụ",
        "Số điện thoại",
        vi("Signature", "Ký tên"),
    ]


def test_print_view_lists_confirmed_participants_in_official_order(
    staff_client: FlaskClient, course: Course
) -> None:
    response = staff_client.get(f"/manage/events/{course.event_id}/signin-sheet")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "css/print.css" in html
    assert "Sở Thông tin và Truyền thông" in html
    assert "Bộ Chỉ huy Bộ đội Biên phòng tỉnh" in html
    assert "Lớp tập huấn công tác thông tin đối ngoại năm 2023" in html
    assert "16/08/2023" in html
    assert "Hội trường Sở Thông tin và Truyền thông" in html
    head = html[html.index("<thead") : html.index("</thead>")]
    assert re.findall(r"<th[^>]*>([^<]*)</th>", head) == columns()
    body = html[html.index("<tbody") : html.index("</tbody>")]
    names = re.findall(r'<td class="name">([^<]*)</td>', body)
    assert names == CONFIRMED_ORDER
    for absent in ("Võ Thị Chờ", "Đặng Văn Đợi", "Hồ Văn Hủy"):
        assert absent not in html
    assert "<script>" not in html  # CSP: scripts only from files
    assert "js/print.js" in html


def test_print_view_for_one_session(staff_client: FlaskClient, course: Course) -> None:
    url = f"/manage/events/{course.event_id}/signin-sheet?session={course.afternoon_id}"
    html = staff_client.get(url).get_data(as_text=True)
    assert "Chiều 16/08/2023 (13:30–17:00)" in html
    assert f"session={course.afternoon_id}" in html  # PDF and Excel links keep the session


@pytest.mark.parametrize("value", ["999999", "abc", "-1", "1" * 40])
def test_unknown_session_is_404(staff_client: FlaskClient, course: Course, value: str) -> None:
    for path in ("signin-sheet", "signin-sheet.pdf", "signin-sheet.xlsx"):
        response = staff_client.get(f"/manage/events/{course.event_id}/{path}?session={value}")
        assert response.status_code == 404


def test_session_of_another_course_is_404(
    app: Flask, staff_client: FlaskClient, course: Course
) -> None:
    from tests.factories import make_event
    from tests.factories import make_session

    with app.app_context():
        other = make_session(db.session, make_event(db.session))
        db.session.commit()
        other_id = other.id
    url = f"/manage/events/{course.event_id}/signin-sheet.pdf?session={other_id}"
    assert staff_client.get(url).status_code == 404


def test_pdf_shows_vietnamese_text_header_block_and_page_numbers(
    staff_client: FlaskClient, course: Course
) -> None:
    pages = pdf_pages(staff_client, f"/manage/events/{course.event_id}/signin-sheet.pdf")
    assert len(pages) == 1
    text = pages[0]
    assert "SỞ THÔNG TIN VÀ TRUYỀN THÔNG" in text
    assert "BỘ CHỈ HUY BỘ ĐỘI BIÊN PHÒNG TỈNH" in text
    assert "Lớp tập huấn công tác thông tin đối ngoại năm 2023" in text
    assert "16/08/2023" in text
    assert "Hội trường Sở Thông tin và Truyền thông" in text
    assert "Nguyễn Thị Hằng" in text
    assert "Đồn Biên phòng Cam Ranh" in text
    assert "Chính trị viên" in text
    assert "0905123456" in text
    assert f"{vi('Page', 'Trang')} 1/1" in text
    positions = [text.index(name) for name in CONFIRMED_ORDER]
    assert positions == sorted(positions)
    assert "Võ Thị Chờ" not in text


def test_pdf_repeats_the_header_row_on_every_page(
    app: Flask, staff_client: FlaskClient, course: Course
) -> None:
    add_confirmed(app, course.event_id, 65, unit_id=course.border_post_id)
    pages = pdf_pages(staff_client, f"/manage/events/{course.event_id}/signin-sheet.pdf")
    assert len(pages) >= 3
    page_word = vi("Page", "Trang")
    for number, text in enumerate(pages, 1):
        for column in columns():
            assert column in text, f"page {number} lacks the column {column!r}"
        assert f"{page_word} {number}/{len(pages)}" in text
    # The header block is printed once, on the first page.
    assert "SỞ THÔNG TIN VÀ TRUYỀN THÔNG" in pages[0]
    assert "SỞ THÔNG TIN VÀ TRUYỀN THÔNG" not in pages[1]
    every_row = "\n".join(pages)
    assert every_row.count("Đồn Biên phòng Cam Ranh") == 65 + 2


def test_empty_course_still_prints(
    app: Flask, client: FlaskClient, make_user: Callable[..., User]
) -> None:
    from tests.factories import make_event

    with app.app_context():
        event = make_event(db.session, title="Lớp chưa có ai")
        db.session.commit()
        event_id = event.id
    make_user("admin@example.vn", role=Role.ADMIN)
    login(client, "admin@example.vn")
    (text,) = pdf_pages(client, f"/manage/events/{event_id}/signin-sheet.pdf")
    assert "Lớp chưa có ai" in text
    assert "Họ và tên" in text
    assert client.get(f"/manage/events/{event_id}/signin-sheet").status_code == 200
    assert client.get(f"/manage/events/{event_id}/signin-sheet.xlsx").status_code == 200


def test_xlsx_sheet_is_set_up_for_a4_printing(staff_client: FlaskClient, course: Course) -> None:
    response = staff_client.get(f"/manage/events/{course.event_id}/signin-sheet.xlsx")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    sheet = workbook.active
    assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
    assert sheet.page_setup.orientation == "portrait"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert int(sheet.page_setup.fitToWidth or 1) == 1  # absent means 1 (ECMA-376 default)
    assert int(sheet.page_setup.fitToHeight) == 0
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header_index = next(i for i, row in enumerate(rows) if row[1] == "Họ và tên")
    assert rows[header_index] == columns()
    assert sheet.print_title_rows == f"${header_index + 1}:${header_index + 1}"
    assert rows[0][0] == "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert "A1:C1" in merged
    title_row = next(i for i, row in enumerate(rows) if row[0] and "năm 2023" in str(row[0]))
    assert f"A{title_row + 1}:F{title_row + 1}" in merged
    data = rows[header_index + 1 :]
    assert [row[1] for row in data] == [
        "Trần Văn An",
        "Lê Thị Ánh",
        "Phạm Bình",
        "'+Cmd Hack",
        "Nguyễn Thị Hằng",
    ]
    assert data[-1][:5] == [
        5,
        "Nguyễn Thị Hằng",
        "Đồn Biên phòng Cam Ranh",
        "Chính trị viên",
        "0905123456",
    ]
    cell = sheet.cell(row=header_index + 2, column=6)
    assert cell.border.left.style == "thin"
    workbook.close()


def test_each_sheet_is_audited(app: Flask, staff_client: FlaskClient, course: Course) -> None:
    base = f"/manage/events/{course.event_id}/signin-sheet"
    staff_client.get(base).close()
    staff_client.get(f"{base}.pdf?session={course.morning_id}").close()
    staff_client.get(f"{base}.xlsx").close()
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "signin_sheet.export")
            .order_by(AuditEntry.id)
        ).all()
        assert [(e.details["format"], e.details["rows"]) for e in entries] == [
            ("html", 5),
            ("pdf", 5),
            ("xlsx", 5),
        ]
        assert entries[1].details["session_id"] == course.morning_id


def test_xlsx_rows_grow_with_wrapped_text_and_leave_room_to_sign() -> None:
    from trainingapp.exports.signin_sheet import XLSX_ROW_MIN
    from trainingapp.exports.signin_sheet import XLSX_WIDTHS
    from trainingapp.exports.signin_sheet import xlsx_row_height

    short = ("Trần Văn An", "Đồn Biên phòng Cam Ranh", "Trưởng Đài", "0905123456")
    long_position = "Phó Trưởng phòng Văn hóa - Thông tin huyện Vạn Ninh kiêm phát thanh viên"
    assert xlsx_row_height(short) == XLSX_ROW_MIN
    assert xlsx_row_height((*short[:2], long_position, short[3])) >= 4 * 15  # four lines
    assert XLSX_WIDTHS[-1] >= 20  # about 35 mm to sign in


def test_xlsx_long_position_row_is_taller(
    app: Flask, staff_client: FlaskClient, course: Course
) -> None:
    from trainingapp.registration.models import Registration

    with app.app_context():
        person = db.session.scalars(
            select(Registration).where(Registration.full_name == "Nguyễn Thị Hằng")
        ).one()
        person.position = "Phó Trưởng phòng Văn hóa - Thông tin huyện Vạn Ninh kiêm phát thanh viên"
        db.session.commit()
    response = staff_client.get(f"/manage/events/{course.event_id}/signin-sheet.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    index = next(i for i, row in enumerate(rows) if row[1] == "Nguyễn Thị Hằng") + 1
    other = next(i for i, row in enumerate(rows) if row[1] == "Trần Văn An") + 1
    assert sheet.row_dimensions[other].height == 30
    assert sheet.row_dimensions[index].height >= 60


def test_session_picker_names_each_session_once(
    app: Flask, staff_client: FlaskClient, course: Course
) -> None:
    from trainingapp.events.models import EventSession

    with app.app_context():
        morning = db.session.get(EventSession, course.morning_id)
        assert morning is not None
        morning.name = "Sáng 16/08/2023"  # as a clone of last year's course names it
        db.session.commit()
    html = staff_client.get(f"/manage/events/{course.event_id}/signin-sheet").get_data(as_text=True)
    options = re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', html)
    assert "Sáng 16/08/2023" in options
    for label in options:
        assert len(re.findall(r"\d{2}/\d{2}", label)) == 1, label


# --- The PDF table's layout (drawn with fpdf2 primitives, read back with pypdf) -----------------

#: where each column of the PDF table starts, in millimetres from the page's left edge
PDF_COLUMN_X = (15, 26, 66, 109, 138, 165, 195)
POINT = 25.4 / 72  # millimetres


def pdf_chunks(data: bytes) -> list[list[tuple[str, float, float]]]:
    """Every page's text as pypdf reads it: (text, x, y) a printed line of a cell, x and y in
    millimetres from the page's top left corner (y at the baseline)."""
    pages = []
    for page in PdfReader(io.BytesIO(data)).pages:
        chunks: list[tuple[str, float, float]] = []

        def visit(text: str, cm: object, tm: list[float], *_: object) -> None:
            if text.strip():
                chunks.append((text.strip(), tm[4] * POINT, 297 - tm[5] * POINT))  # noqa: B023

        page.extract_text(visitor_text=visit)
        pages.append(chunks)
    return pages


def in_column(chunk: tuple[str, float, float], column: int) -> bool:
    return PDF_COLUMN_X[column] <= chunk[1] < PDF_COLUMN_X[column + 1]


def pdf_bytes(client: FlaskClient, event_id: int) -> bytes:
    response = client.get(f"/manage/events/{event_id}/signin-sheet.pdf")
    assert response.status_code == 200
    return response.get_data()


def test_pdf_wraps_a_long_position_over_several_lines_and_keeps_every_word(
    app: Flask, staff_client: FlaskClient, course: Course
) -> None:
    from trainingapp.registration.models import Registration

    position = "Phó Trưởng phòng Văn hóa, Thể thao và Du lịch huyện Cam Lâm kiêm phát thanh viên"
    with app.app_context():
        person = db.session.get(Registration, course.ids["hang"])
        assert person is not None
        person.position = position
        db.session.commit()
    (page,) = pdf_chunks(pdf_bytes(staff_client, course.event_id))
    number = next(c for c in page if c[0] == "5" and in_column(c, 0))  # the last row
    previous = next(c for c in page if c[0] == "4" and in_column(c, 0))
    lines = [c for c in page if in_column(c, 3) and c[2] > previous[2] + 0.01]
    assert len(lines) >= 5
    assert " ".join(text for text, _x, _y in lines).split() == position.split()
    # top to bottom a line height apart, the row's number centred beside them
    ys = [y for _text, _x, y in lines]
    assert all(abs(b - a - 5) < 0.01 for a, b in zip(ys, ys[1:], strict=False))
    assert abs(number[2] - (ys[0] + ys[-1]) / 2) < 0.01
    name = next(c for c in page if c[0] == "Nguyễn Thị Hằng")
    assert abs(name[2] - number[2]) < 0.01


def test_pdf_rows_are_never_split_across_pages(
    app: Flask, staff_client: FlaskClient, course: Course
) -> None:
    from trainingapp.exports.rows import signin_rows
    from trainingapp.registration.models import Registration

    add_confirmed(app, course.event_id, 65, unit_id=course.border_post_id)
    with app.app_context():
        people = db.session.scalars(
            select(Registration).where(Registration.event_id == course.event_id)
        ).all()
        for person in people:  # a tall cell opened and closed by words naming its row
            person.position = (
                f"Đầu{person.id} Phó Trưởng phòng Văn hóa, Thể thao huyện Cuối{person.id}"
            )
        db.session.commit()
        expected = [(row.number, row.position.split()) for row in signin_rows(course.event_id)]
    pages = pdf_chunks(pdf_bytes(staff_client, course.event_id))
    assert len(pages) >= 4
    for chunks in pages:  # the header row heads every page, above every row
        top = next(c for c in chunks if c[0] == columns()[0])
        head = [c for c in chunks if abs(c[2] - top[2]) < 5]
        assert [
            " ".join(c[0] for c in head if in_column(c, column)) for column in range(6)
        ] == columns()
        rows = [c for c in chunks if in_column(c, 0) and c[0].isdigit()]
        assert rows
        assert max(c[2] for c in head) < min(c[2] for c in rows)
    for number, words in expected:
        (at,) = [
            index
            for index, chunks in enumerate(pages)
            for c in chunks
            if c[0] == str(number) and in_column(c, 0)
        ]
        printed = [word for c in pages[at] for word in c[0].split()]
        assert words[0] in printed, f"row {number} starts on another page"
        assert words[-1] in printed, f"row {number} ends on another page"
        last_line = next(c for c in pages[at] if words[-1] in c[0].split())
        assert last_line[2] < 297 - 16  # above the bottom margin


def test_pdf_fits_many_short_rows_a_page(
    app: Flask, staff_client: FlaskClient, course: Course
) -> None:
    from trainingapp.registration.models import Registration

    add_confirmed(app, course.event_id, 200)
    with app.app_context():
        for person in db.session.scalars(
            select(Registration).where(Registration.event_id == course.event_id)
        ):
            person.position = "Chuyên viên"
        db.session.commit()
    pages = pdf_chunks(pdf_bytes(staff_client, course.event_id))
    # 205 rows, nearly all of one line (10 mm): about 20 under the header block, then 25 a page
    assert 8 <= len(pages) <= 10
    numbers = [
        [int(c[0]) for c in chunks if in_column(c, 0) and c[0].isdigit()] for chunks in pages
    ]
    assert [n for page in numbers for n in page] == list(range(1, 206))
    # a full page holds 25 rows of 10 mm below the header row; a few rows wrap (the course's own
    # participants' "Đồn Biên phòng Cam Ranh") and take a little more
    assert all(23 <= len(page) <= 25 for page in numbers[1:-1])
    assert len(numbers[0]) >= 15


def test_wrap_fills_lines_at_spaces_and_cuts_long_words(app: Flask) -> None:
    from trainingapp.exports.signin_sheet import FONT_FAMILY
    from trainingapp.exports.signin_sheet import FONT_FILES
    from trainingapp.exports.signin_sheet import _SheetPDF
    from trainingapp.exports.signin_sheet import font_dir
    from trainingapp.exports.signin_sheet import wrap

    with app.app_context():
        pdf = _SheetPDF()
        for style, filename in FONT_FILES.items():
            pdf.add_font(FONT_FAMILY, style, str(font_dir() / filename))
    pdf.set_font(FONT_FAMILY, "", 9.5)
    width = 26.0
    text = "Phó Trưởng phòng Văn hóa, Thể thao và Du lịch huyện Cam Lâm " + "W" * 40 + " An"
    lines = wrap(pdf, text, width)
    printed = [line.text for line in lines]
    assert "".join(printed).replace(" ", "") == text.replace(" ", "")  # nothing lost, in order
    words = [word for line in printed for word in line.split()]
    assert [w for w in words if w[0] != "W"] == [w for w in text.split() if w[0] != "W"]
    cut = [w for w in words if w[0] == "W"]  # the word too long for the column, in pieces
    assert len(cut) >= 3
    assert "".join(cut) == "W" * 40
    for line, after in zip(lines, lines[1:], strict=False):
        assert line.width == pytest.approx(pdf.get_string_width(line.text))
        assert line.width <= width
        # greedy: the next line's first word (or character, in a cut word) did not fit
        following = after.text.split()[0]
        if line.text.endswith("W") and following.startswith("W"):
            following = following[0]
            assert pdf.get_string_width(line.text + following) > width
        else:
            assert pdf.get_string_width(f"{line.text} {following}") > width
    assert wrap(pdf, "", width) == []
    assert [line.text for line in wrap(pdf, "  Trần   Văn  An ", width)] == ["Trần Văn An"]
    for font in pdf.fonts.values():  # no output() here, which would close the font files
        font.close()


def test_pdf_prints_decomposed_accents_as_nfc(app: Flask) -> None:
    from trainingapp.exports.rows import SigninRow
    from trainingapp.exports.signin_sheet import SheetHeader
    from trainingapp.exports.signin_sheet import signin_pdf

    header = SheetHeader("Sở Thông tin và Truyền thông", [], "Lớp thử", "16/08/2023", "", "")
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Hằng")
    with app.test_request_context():
        data = signin_pdf(header, [SigninRow(1, nfd, "Đồn Biên phòng", "Chính trị viên", "")])
    (page,) = pdf_chunks(data)
    assert "Nguyễn Thị Hằng" in [c[0] for c in page]  # read back NFC, without normalising
