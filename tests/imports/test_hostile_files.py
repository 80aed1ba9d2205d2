"""Hostile and odd files: workbooks of millions of cells or shared strings in a few hundred KB are
refused by a scan of their XML before openpyxl reads them (within a second, not minutes of a
worker); CSV files with old Mac line endings are read; invisible characters leave the cells."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.imports.conftest import csv_text
from tests.imports.conftest import person
from tests.imports.conftest import xlsx_bytes
from tests.imports.test_views import upload
from trainingapp.imports import reading
from trainingapp.imports.reading import ImportFileError

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
#: every refusal must come this fast; measured figures are printed with -s
LIMIT_SECONDS = 5


def workbook(sheet_data: bytes, shared: bytes = b"", *, prefix: str = "") -> bytes:
    """A minimal .xlsx written as raw XML (openpyxl would take minutes to write these): one
    worksheet whose ``<sheetData>`` is ``sheet_data``, and a shared-strings table of ``shared``.
    ``prefix`` writes the worksheet's elements with a namespace prefix (``x:row``), as some
    generators do."""
    ns = f"xmlns:{prefix[:-1]}" if prefix else "xmlns"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{TYPE}.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            f'ContentType="{TYPE}.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" '
            f'ContentType="{TYPE}.sharedStrings+xml"/>'
            "</Types>"
        ).encode(),
        "_rels/.rels": (
            f'<Relationships xmlns="{PACKAGE_REL}"><Relationship Id="rId1" '
            f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            '<sheet name="Danh sách" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{PACKAGE_REL}">'
            f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"
        ).encode(),
        "xl/worksheets/sheet1.xml": (
            f'<{prefix}worksheet {ns}="{MAIN}"><{prefix}dimension ref="A1:G3"/>'
            f"<{prefix}sheetData>".encode()
            + sheet_data
            + f"</{prefix}sheetData></{prefix}worksheet>".encode()
        ),
        "xl/sharedStrings.xml": f'<sst xmlns="{MAIN}">'.encode() + shared + b"</sst>",
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def inline_row(number: int, texts: list[str], prefix: str = "") -> bytes:
    cells = "".join(
        f'<{prefix}c t="inlineStr"><{prefix}is><{prefix}t>{text}</{prefix}t></{prefix}is>'
        f"</{prefix}c>"
        for text in texts
    )
    return f'<{prefix}row r="{number}">{cells}</{prefix}row>'.encode()


HEADER = ["Họ và tên", "Đơn vị", "Số điện thoại"]


def refusal(data: bytes) -> tuple[str, float]:
    """The message ``read_file`` refuses ``data`` with, and the seconds it took."""
    started = time.perf_counter()
    with pytest.raises(ImportFileError) as caught:
        reading.read_file(data)
    seconds = time.perf_counter() - started
    print(f"refused {len(data):,} bytes in {seconds:.3f} s: {caught.value.message}")
    return str(caught.value.message), seconds


# --- workbooks ----------------------------------------------------------------------------------


def test_one_row_of_five_million_cells_is_refused_at_once() -> None:
    data = workbook(inline_row(1, HEADER) + b'<row r="2">' + b"<c/>" * 5_000_000 + b"</row>")
    assert len(data) < 600_000  # the attack's file was 568 KB
    message, seconds = refusal(data)
    assert message == (
        "A row of the workbook has more than 1000 cells. Delete the columns to the right of "
        "the list, save the file and try again."
    )
    assert seconds < LIMIT_SECONDS


def test_ten_million_shared_strings_are_refused_at_once() -> None:
    # 10 million empty entries fit under the unpacked-size cap: the count refuses them.
    data = workbook(inline_row(1, HEADER), b"<si/>" * 10_000_000)
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist()) < (
        reading.MAX_UNZIPPED
    )
    message, seconds = refusal(data)
    assert (
        message == "The workbook has more than 200000 different texts. Split it into smaller files."
    )
    assert seconds < LIMIT_SECONDS


def test_ten_million_real_shared_strings_are_refused_by_their_unpacked_size() -> None:
    data = workbook(inline_row(1, HEADER), b"<si><t>x</t></si>" * 10_000_000)
    message, seconds = refusal(data)
    assert message == "The workbook is too large once unpacked. Split it into smaller files."
    assert seconds < LIMIT_SECONDS


def test_many_rows_of_many_cells_are_refused_by_the_total() -> None:
    row = b"<row>" + b"<c/>" * 900 + b"</row>"
    message, seconds = refusal(workbook(inline_row(1, HEADER) + row * 1000))
    assert message == "The workbook has more than 300000 cells. Split it into smaller files."
    assert seconds < LIMIT_SECONDS


def test_millions_of_other_elements_are_refused() -> None:
    # Not cells, not strings: elements of any kind count (openpyxl builds every one).
    data = workbook(inline_row(1, HEADER) + b"<row/>" * 3_000_000)
    message, seconds = refusal(data)
    assert message == "The workbook is too large once unpacked. Split it into smaller files."
    assert seconds < LIMIT_SECONDS


def test_a_prefixed_namespace_does_not_hide_the_cells() -> None:
    data = workbook(b"<x:row>" + b"<x:c/>" * 5_000 + b"</x:row>", prefix="x:")
    message, _seconds = refusal(data)
    assert message.startswith("A row of the workbook has more than 1000 cells.")


def test_cells_hidden_in_a_part_of_any_name_are_counted() -> None:
    """The scan goes by what a part holds, not by its name (a workbook's relationships can put
    its sheet anywhere)."""
    base = workbook(inline_row(1, HEADER))
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(base)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for item in source.infolist():
            archive.writestr(item, source.read(item))
        archive.writestr(
            "xl/media/image9.bin",
            f'<worksheet xmlns="{MAIN}"><sheetData><row>'.encode() + b"<c/>" * 2000 + b"</row>",
        )
    message, _seconds = refusal(out.getvalue())
    assert message.startswith("A row of the workbook has more than 1000 cells.")


def test_a_declared_entity_is_refused() -> None:
    """A billion-laughs worksheet in an otherwise sound workbook: refused by the scan, whose
    parser would otherwise expand the entities."""
    laughs = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {"b" * n} "{("&" + "b" * (n - 1) + ";") * 10 if n > 1 else "&a;" * 10}">'
        for n in range(1, 9)
    )
    sheet = (
        f'<?xml version="1.0"?><!DOCTYPE worksheet [{laughs}]>'
        f'<worksheet xmlns="{MAIN}"><sheetData><row><c t="inlineStr"><is><t>&bbbbbbbb;</t>'
        "</is></c></row></sheetData></worksheet>"
    ).encode()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook(b""))) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for item in source.infolist():
            data = sheet if item.filename == "xl/worksheets/sheet1.xml" else source.read(item)
            archive.writestr(item, data)
    message, seconds = refusal(out.getvalue())
    assert message.startswith("This file is not a readable Excel workbook (.xlsx).")
    assert seconds < LIMIT_SECONDS
    # The scan itself refuses it (openpyxl, through defusedxml, would too).
    with zipfile.ZipFile(out) as archive, pytest.raises(ImportFileError):
        reading._scan_workbook(archive)


def test_a_zip_that_declares_less_than_it_holds_is_not_read_beyond_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Python's zipfile reads no more than the size the directory declares and then checks the
    CRC, so a lying directory makes the workbook unreadable rather than large."""
    data = workbook(inline_row(1, HEADER) + b"<row/>" * 100_000)
    name = b"xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name.decode())
    # Patch the uncompressed size in the central directory entry to 100 bytes.
    central = data.rindex(b"PK\x01\x02", 0, data.rindex(name))
    forged = data[: central + 24] + (100).to_bytes(4, "little") + data[central + 28 :]
    assert info.file_size > 100
    message, _seconds = refusal(forged)
    assert message.startswith("This file is not a readable Excel workbook (.xlsx).")


def test_a_real_workbook_at_the_usual_size_is_still_read() -> None:
    rows = [person(n) for n in range(1, 2001)]
    data = xlsx_bytes(rows)
    started = time.perf_counter()
    sheet = reading.read_file(data)
    print(f"read 2,000 rows in {time.perf_counter() - started:.3f} s")
    assert len(sheet.rows) == 2001
    assert sheet.rows[1][1][0] == rows[0][0]


def test_a_raw_workbook_below_every_cap_is_read() -> None:
    data = workbook(
        inline_row(1, HEADER)
        + inline_row(2, ["Lê Thị Cúc", "Sở Tư pháp", "0905123456"])
        + b'<row r="3">'
        + b"<c/>" * reading.MAX_ROW_CELLS
        + b"</row>",
        b"<si><t>x</t></si>" * 1000,
    )
    sheet = reading.read_file(data)
    assert [cells for _number, cells in sheet.rows] == [
        HEADER,
        ["Lê Thị Cúc", "Sở Tư pháp", "0905123456"],
    ]


def test_the_upload_page_shows_the_refusal(
    signed_in: FlaskClient, make_course: Callable[..., int], import_folder: Path
) -> None:
    event_id = make_course()
    data = workbook(inline_row(1, HEADER) + b'<row r="2">' + b"<c/>" * 5_000_000 + b"</row>")
    started = time.perf_counter()
    response = upload(signed_in, event_id, data, "danh-sach.xlsx")
    seconds = time.perf_counter() - started
    print(f"upload page answered in {seconds:.3f} s")
    assert response.status_code == 200
    assert "A row of the workbook has more than 1000 cells." in response.get_data(as_text=True)
    assert not import_folder.exists() or list(import_folder.iterdir()) == []
    assert seconds < LIMIT_SECONDS


def test_a_units_nomination_upload_is_refused_the_same_way() -> None:
    """The nomination page (``/n/<token>``) reads uploads with the same reader."""
    from trainingapp.nominations.rows import uploaded_people

    data = workbook(inline_row(1, HEADER) + b'<row r="2">' + b"<c/>" * 5_000_000 + b"</row>")
    started = time.perf_counter()
    with pytest.raises(ImportFileError) as caught:
        uploaded_people(data)
    assert str(caught.value.message).startswith("A row of the workbook has more than 1000 cells.")
    assert time.perf_counter() - started < LIMIT_SECONDS


# --- CSV line endings and invisible characters --------------------------------------------------


def test_old_mac_line_endings_are_read() -> None:
    text = csv_text([person(1), person(2, full_name='Trần "Bình"\rnhỏ')]).replace("\r\n", "\r")
    assert "\n" not in text
    sheet = reading.read_file(text.encode("utf-8"))
    assert [number for number, _cells in sheet.rows] == [1, 2, 3]
    assert sheet.rows[1][1][0] == person(1)[0]
    assert sheet.rows[1][1][5] == "0905000001"
    assert sheet.rows[2][1][0] == 'Trần "Bình" nhỏ'  # a line break inside quotes stays inside


@pytest.mark.parametrize("ending", ["\r\n", "\n", "\r"], ids=["windows", "unix", "old-mac"])
def test_every_line_ending_reads_the_same(ending: str) -> None:
    text = csv_text([person(1), person(2)], delimiter=";").replace("\r\n", ending)
    sheet = reading.read_file(text.encode("utf-8"))
    assert [cells[5] for _number, cells in sheet.rows[1:]] == ["0905000001", "0905000002"]


def test_invisible_characters_leave_imported_cells() -> None:
    text = csv_text(
        [person(1, full_name="Nguyễn\u200b Văn\u202e An", organization="\ufeffSở Tư pháp")]
    )
    sheet = reading.read_file(text.encode("utf-8"))
    assert sheet.rows[1][1][0] == "Nguyễn Văn An"
    assert sheet.rows[1][1][3] == "Sở Tư pháp"
