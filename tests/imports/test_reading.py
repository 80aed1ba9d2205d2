"""Reading files, detecting their encoding and mapping their columns: pure functions."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from datetime import date

import pytest

from tests.imports.conftest import EN_HEADERS
from tests.imports.conftest import cp1258_bytes
from tests.imports.conftest import csv_text
from tests.imports.conftest import person
from tests.imports.conftest import xlsx_bytes
from trainingapp.imports import reading as imports
from trainingapp.imports.reading import ImportFileError

NAME = "Nguyễn Thị Ánh Tuyết"
UNIT = "Trung tâm Văn hóa – Thể thao huyện Vạn Ninh"


def _inputs(data: bytes) -> list:
    sheet = imports.read_file(data)
    header = imports.find_header(sheet)
    mapping = imports.detect_mapping(sheet.rows[header][1])
    assert imports.mapping_errors(mapping) == []
    return imports.row_inputs(sheet, header, mapping)


@pytest.mark.parametrize(
    ("encode", "label"),
    [
        (lambda text: text.encode("utf-8"), "UTF-8"),
        (lambda text: text.encode("utf-8-sig"), "UTF-8 (with BOM)"),
        (lambda text: text.encode("utf-16"), "UTF-16"),
        (cp1258_bytes, "Windows-1258"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16", "windows-1258"],
)
def test_csv_encodings_are_detected_and_text_is_nfc(encode, label) -> None:
    data = encode(csv_text([person(1, full_name=NAME, organization=UNIT)]))
    sheet = imports.read_file(data)
    assert sheet.kind == "csv"
    assert sheet.encoding == label
    (line, row) = _inputs(data)[0]
    assert line == 2
    assert row.full_name == NAME
    assert unicodedata.is_normalized("NFC", row.full_name)
    assert row.organization == UNIT
    assert row.gender == "male"


def test_windows_1258_bytes_really_hold_combining_tone_marks() -> None:
    data = cp1258_bytes(NAME)
    assert "\u0303" in data.decode("cp1258")  # the ngã of "Nguyễn" is a separate character
    assert imports.decode_text(data) == (NAME, "Windows-1258")


def test_semicolon_and_tab_separated_files() -> None:
    for delimiter in (";", "\t"):
        rows = _inputs(csv_text([person(1)], delimiter=delimiter).encode())
        assert rows[0][1].phone == "0905000001"


def test_xlsx_cells_of_every_type() -> None:
    data = xlsx_bytes(
        [
            ["Trần Văn Bình", "nam", 1979, "Sở Tư pháp", "Chuyên viên", 905123456, None],
            ["Lê Thị Cúc", "NỮ", date(1990, 3, 8), "Sở Tư pháp", None, "0258 3822 123", ""],
            ["Phạm Văn Dũng", "", 1985.0, "Sở Tư pháp", "-", "+84 912 345 678", "D@Example.VN"],
        ]
    )
    assert imports.read_file(data).kind == "xlsx"
    rows = [row for _line, row in _inputs(data)]
    assert [(r.gender, r.birth_year, r.phone) for r in rows] == [
        ("male", "1979", "0905123456"),  # a number lost its leading zero: put back
        ("female", "1990", "0258 3822 123"),  # a date of birth: its year
        (None, "1985", "+84 912 345 678"),
    ]
    assert rows[2].position == ""  # "-" means none


@pytest.mark.parametrize(
    "headers",
    [
        ["Họ và tên", "Giới tính", "Năm sinh", "Đơn vị", "Chức vụ", "Số điện thoại", "Email"],
        ["HỌ TÊN", "GIỚI TÍNH", "NĂM SINH", "CƠ QUAN", "CHỨC VỤ", "ĐIỆN THOẠI", "THƯ ĐIỆN TỬ"],
        ["ho va ten (*)", "gioi tinh", "nam sinh", "don vi:", "chuc vu", "SĐT", "e-mail"],
        EN_HEADERS,
        ["FULL NAME", "Sex", "Birth year", "Organisation", "Job title", "Phone number", "Email"],
    ],
    ids=["vi", "vi-upper", "vi-no-accents", "en", "en-variants"],
)
def test_headers_in_vietnamese_and_english(headers: list[str]) -> None:
    assert imports.detect_mapping(headers) == list(imports.FIELDS)


def test_unknown_extra_and_repeated_columns() -> None:
    mapping = imports.detect_mapping(["STT", "Họ và tên", "Ghi chú", "Họ tên", "Đơn vị", "SĐT"])
    assert mapping == [None, "full_name", None, None, "organization", "phone"]


def test_header_below_a_title_row() -> None:
    data = xlsx_bytes([person(1)], title="DANH SÁCH HỌC VIÊN ĐĂNG KÝ")
    sheet = imports.read_file(data)
    assert imports.find_header(sheet) == 1
    assert _inputs(data)[0][0] == 3  # the row number the spreadsheet shows


def test_missing_required_column_is_named() -> None:
    headers = ["Họ và tên", "Đơn vị", "Chức vụ"]
    errors = [str(e) for e in imports.mapping_errors(imports.detect_mapping(headers))]
    assert errors == [
        "No column holds the Phone number. Choose it below, or add a column headed "
        "“Số điện thoại” to the file."
    ]


def test_field_chosen_twice() -> None:
    errors = [
        str(e) for e in imports.mapping_errors(["full_name", "organization", "phone", "phone"])
    ]
    assert errors == ["Phone number is chosen for more than one column."]


def test_xlsx_rows_end_at_their_last_cell_with_text() -> None:
    """openpyxl pads each row with empty cells up to the widest row (here 12 columns): the
    padding, and trailing cells holding only spaces, are dropped; empty cells between are kept."""
    data = xlsx_bytes(
        [
            ["Trần Văn Bình", None, None, "Sở Tư pháp", None, "0905123456"],
            ["Lê Thị Cúc", "Nữ", 1990, "Sở Tư pháp", "", "0905123457", "", "   ", None],
            ["", None, None, None, None, None, None, None, None, None, None, "x"],
        ]
    )
    sheet = imports.read_file(data)
    assert sheet.rows[1:] == [
        (2, ["Trần Văn Bình", "", "", "Sở Tư pháp", "", "0905123456"]),
        (3, ["Lê Thị Cúc", "Nữ", "1990", "Sở Tư pháp", "", "0905123457"]),
        (4, ["", "", "", "", "", "", "", "", "", "", "", "x"]),
    ]


def test_blank_rows_are_skipped() -> None:
    text = csv_text([person(1), ["", "", "", "", "", "", ""], person(2)])
    assert [line for line, _row in _inputs(text.encode())] == [2, 4]


# --- hostile files ------------------------------------------------------------------------------


def _message(data: bytes) -> str:
    with pytest.raises(ImportFileError) as caught:
        imports.read_file(data)
    return str(caught.value.message)


def test_empty_files() -> None:
    assert _message(b"") == "The file is empty."
    assert _message(b" \r\n\r\n") == "The file is empty."


def test_not_a_spreadsheet() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"
    assert _message(png).startswith("This file is not a spreadsheet we can read.")
    assert _message(b"\x81\x8d\x8f\x90\x9d" * 10).startswith("This file is not a spreadsheet")


def test_old_xls() -> None:
    assert _message(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100).startswith(
        "Old Excel files (.xls) cannot be read."
    )


def test_garbage_xlsx() -> None:
    assert _message(b"PK\x03\x04" + b"garbage" * 100).startswith(
        "This file is not a readable Excel workbook (.xlsx)."
    )
    # A real zip that is not a workbook.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "xin chào")
    assert _message(out.getvalue()).startswith("This file is not a readable Excel workbook")
    # A workbook cut in half.
    whole = xlsx_bytes([person(1)])
    assert _message(whole[: len(whole) // 2]).startswith("This file is not a readable Excel")


def test_zip_bomb_is_refused_before_it_is_unpacked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "MAX_UNZIPPED", 1024 * 1024)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (2 * 1024 * 1024))
    data = out.getvalue()
    assert len(data) < 10_000
    assert _message(data) == "The workbook is too large once unpacked. Split it into smaller files."


def test_huge_cell() -> None:
    data = csv_text([person(1, full_name="A" * 200_000)]).encode()
    assert _message(data) == "The CSV file is damaged or has a cell that is far too large (row 2)."


def test_long_cells_are_cut_and_then_refused_by_the_rules() -> None:
    rows = _inputs(csv_text([person(1, full_name="Lê " + "A" * 50_000)]).encode())
    assert len(rows[0][1].full_name) == imports.MAX_CELL + 1


def test_too_many_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "MAX_ROWS", 5)
    data = csv_text([person(n) for n in range(6)]).encode()
    assert _message(data) == "The file has more than 5 rows. Split it into smaller files."


def test_too_large_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "MAX_BYTES", 100)
    assert _message(csv_text([person(n) for n in range(5)]).encode()).startswith(
        "The file is larger than"
    )


def test_template_files_read_back() -> None:
    for data in (imports.template_csv(), imports.template_xlsx()):
        rows = _inputs(data)
        assert len(rows) == 1
        assert rows[0][1].full_name == "Nguyễn Văn An"
        assert rows[0][1].phone == "0905 123 456"
    assert imports.template_csv().startswith(b"\xef\xbb\xbfH\xe1\xbb\x8d v\xc3\xa0 t\xc3\xaan,")
