"""Reading the lists units send (CSV or XLSX) as rows of participants: pure functions from the
file's bytes to a :class:`Sheet`, its header mapping and one ``RegistrationInput`` per row, with
every limit that keeps a hostile file from exhausting the server. No database here.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any
from xml.parsers import expat

from flask_babel import lazy_gettext as _l

from ..common.errors import DomainError
from ..common.text import clean
from ..common.text import fold
from ..registration.models import Gender
from ..registration.normalise import RegistrationInput

if TYPE_CHECKING:
    pass

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 50
#: longer cells are cut here: every field's own limit is lower, so they are still refused
MAX_CELL = 1000
#: an uncompressed .xlsx larger than this is refused before openpyxl reads it (zip bombs)
MAX_UNZIPPED = 50 * 1024 * 1024
MAX_ZIP_MEMBERS = 2000
# What a workbook may hold, counted by a quick scan of its XML before openpyxl reads it: openpyxl
# parses every cell of a row (it keeps only the first MAX_COLUMNS) and loads every shared string,
# about 16 µs a cell, so a small file of millions of cells would keep a worker busy for minutes.
#: cells in one row of a worksheet (only the first MAX_COLUMNS are read)
MAX_ROW_CELLS = 1000
#: cells in all the worksheets (20,000 rows of 15 columns; openpyxl reads them in about 5 s)
MAX_CELLS = 300_000
#: entries of the shared-strings table (the distinct texts of the workbook)
MAX_SHARED_STRINGS = 200_000
#: XML elements in all the workbook's parts together (the scan reads about 3 million a second;
#: MAX_CELLS cells with their values and as many shared strings make about 1.2 million)
MAX_XML_ELEMENTS = 1_500_000
#: a spreadsheet formatted down to row 1,048,576 ends after this many blank rows in a row
BLANK_RUN_END = 1000
HEADER_SCAN_ROWS = 20
CHUNK = 500

FIELDS = ("full_name", "gender", "birth_year", "organization", "position", "phone", "email")
REQUIRED = ("full_name", "organization", "phone")
FIELD_LABELS = {
    "full_name": _l("Full name"),
    "gender": _l("Gender"),
    "birth_year": _l("Year of birth"),
    "organization": _l("Organization"),
    "position": _l("Position"),
    "phone": _l("Phone number"),
    "email": _l("E-mail"),
}
#: the downloadable template's headers: Vietnamese, as units write them
TEMPLATE_HEADERS = {
    "full_name": "Họ và tên",
    "gender": "Giới tính",
    "birth_year": "Năm sinh",
    "organization": "Đơn vị",
    "position": "Chức vụ",
    "phone": "Số điện thoại",
    "email": "Email",
}
TEMPLATE_EXAMPLE = {
    "full_name": "Nguyễn Văn An",
    "gender": "Nam",
    "birth_year": "1985",
    "organization": "Sở Thông tin và Truyền thông",
    "position": "Chuyên viên",
    "phone": "0905 123 456",
    "email": "an.nguyen@example.vn",
}
_ALIASES = {
    "full_name": (
        "Họ và tên", "Họ tên", "Họ và tên học viên", "Họ tên học viên", "Tên học viên",
        "Full name", "Name", "Participant",
    ),
    "gender": ("Giới tính", "Nam/Nữ", "Phái", "Gender", "Sex"),
    "birth_year": (
        "Năm sinh", "Ngày sinh", "Ngày tháng năm sinh", "Year of birth", "Birth year",
        "Date of birth",
    ),
    "organization": (
        "Đơn vị", "Cơ quan", "Đơn vị công tác", "Cơ quan công tác", "Cơ quan, đơn vị",
        "Organization", "Organisation", "Unit", "Agency",
    ),
    "position": ("Chức vụ", "Chức danh", "Chức vụ, chức danh", "Position", "Job title", "Title"),
    "phone": (
        "Số điện thoại", "Điện thoại", "SĐT", "ĐT", "Điện thoại di động", "Di động",
        "Phone", "Phone number", "Mobile", "Telephone", "Tel",
    ),
    "email": ("Email", "Thư điện tử", "Địa chỉ email", "Địa chỉ thư điện tử", "Mail"),
}  # fmt: skip
_GENDERS = {
    "nam": Gender.MALE, "male": Gender.MALE, "m": Gender.MALE,
    "nu": Gender.FEMALE, "female": Gender.FEMALE, "f": Gender.FEMALE,
    "khac": Gender.OTHER, "other": Gender.OTHER,
}  # fmt: skip
FORMULA_START = ("=", "+", "-", "@")
_DATE_TEXT = re.compile(r"\d{1,2}[/.\-]\d{1,2}[/.\-](\d{4})")


class ImportFileError(DomainError):
    """The file cannot be read as a list of participants."""


# --- reading ------------------------------------------------------------------------------------


@dataclass
class Sheet:
    """The cells of a file's rows as text, each row with its number as a spreadsheet shows it."""

    kind: str  # "csv" or "xlsx"
    #: how a CSV file was decoded, e.g. "UTF-8 (with BOM)"; None for XLSX
    encoding: str | None
    rows: list[tuple[int, list[str]]]


def read_file(data: bytes) -> Sheet:
    """Read an upload by its content, whatever its name says. Raises :class:`ImportFileError`."""
    if not data or not data.strip():
        raise ImportFileError(_l("The file is empty."))
    if len(data) > MAX_BYTES:
        raise ImportFileError(
            _l("The file is larger than %(n)d MB. Split it into smaller files.", n=MAX_BYTES >> 20)
        )
    if data.startswith(b"PK\x03\x04"):
        return Sheet("xlsx", None, _xlsx_rows(data))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            _l(
                "Old Excel files (.xls) cannot be read. Save the list as .xlsx or CSV and try again."
            )
        )
    text, encoding = decode_text(data)
    return Sheet("csv", encoding, _csv_rows(text))


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a CSV file and name the encoding: UTF-8 (with or without BOM), UTF-16 with a BOM,
    or Windows-1258. The text is NFC-normalised: Windows-1258 writes tone marks as separate
    combining characters."""
    if data.startswith(b"\xef\xbb\xbf"):
        text, label = _decode(data[3:], "utf-8"), "UTF-8 (with BOM)"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text, label = _decode(data, "utf-16"), "UTF-16"
    else:
        if b"\x00" in data:
            raise _not_a_spreadsheet()
        try:
            text, label = data.decode("utf-8"), "UTF-8"
        except UnicodeDecodeError:
            text, label = _decode(data, "cp1258"), "Windows-1258"
    if "\x00" in text:
        raise _not_a_spreadsheet()
    return unicodedata.normalize("NFC", text), label


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise _not_a_spreadsheet() from None


def _not_a_spreadsheet() -> ImportFileError:
    return ImportFileError(
        _l(
            "This file is not a spreadsheet we can read. Upload an Excel workbook (.xlsx) or a "
            "CSV file (UTF-8 or Windows-1258)."
        )
    )


def _csv_rows(text: str) -> list[tuple[int, list[str]]]:
    # Lines may end in CR LF (Windows), LF or a lone CR (old Mac Excel "CSV (Macintosh)").
    first_line = re.split(r"\r\n|\r|\n", text, maxsplit=1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    rows: list[tuple[int, list[str]]] = []
    lines = io.StringIO(text, newline="")  # splits at each of the three, keeps quoted ones
    try:
        for number, cells in enumerate(csv.reader(lines, delimiter=delimiter), 1):
            _add_row(rows, number, cells)
    except csv.Error:
        raise ImportFileError(
            _l(
                "The CSV file is damaged or has a cell that is far too large (row %(row)d).",
                row=len(rows) + 1,
            )
        ) from None
    return rows


def _add_row(rows: list[tuple[int, list[str]]], number: int, cells: Sequence[Any]) -> None:
    end = min(len(cells), MAX_COLUMNS)
    # openpyxl pads every row with empty cells up to max_col: skip them before converting.
    while end and cells[end - 1] is None:
        end -= 1
    texts = [_cell_text(cells[index]) for index in range(end)]
    while texts and not texts[-1]:
        texts.pop()
    if texts:
        rows.append((number, texts))
        if len(rows) > MAX_ROWS + 1:
            raise ImportFileError(
                _l(
                    "The file has more than %(n)d rows. Split it into smaller files.",
                    n=MAX_ROWS,
                )
            )


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        text = str(value)
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, datetime | date):
        text = value.strftime("%d/%m/%Y")
    else:
        text = str(value)
    return clean(text[: MAX_CELL + 1])


def _xlsx_rows(data: bytes) -> list[tuple[int, list[str]]]:
    """The first worksheet's rows, read with openpyxl in read-only mode (defusedxml parses),
    once the zip's directory and :func:`_scan_workbook` found the workbook within the caps."""
    from openpyxl import load_workbook

    unreadable = _unreadable_workbook()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if (
                len(members) > MAX_ZIP_MEMBERS
                or sum(member.file_size for member in members) > MAX_UNZIPPED
            ):
                raise _too_large_unpacked()
            _scan_workbook(archive)
    except ImportFileError:
        raise
    except Exception:  # damaged, encrypted, an unknown compression: zipfile raises anything
        raise unreadable from None
    rows: list[tuple[int, list[str]]] = []
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ImportFileError:
        raise
    except Exception:  # hostile files raise anything from zipfile, XML or openpyxl
        raise unreadable from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise ImportFileError(_l("The workbook has no worksheet."))
        blank_run = 0
        for number, cells in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), 1):
            before = len(rows)
            _add_row(rows, number, cells)
            blank_run = 0 if len(rows) > before else blank_run + 1
            if blank_run >= BLANK_RUN_END:
                break
    except ImportFileError:
        raise
    except Exception:  # same: never a 500 for a bad file
        raise unreadable from None
    finally:
        workbook.close()
    return rows


def _too_large_unpacked() -> ImportFileError:
    return ImportFileError(
        _l("The workbook is too large once unpacked. Split it into smaller files.")
    )


class _ScanRefusalError(Exception):
    """Raised from inside the XML parser's callbacks to stop a scan with a refusal."""

    def __init__(self, error: ImportFileError) -> None:
        self.error = error


class _WorkbookCount:
    """What the scan has counted so far over every part of one workbook."""

    def __init__(self) -> None:
        self.elements = 0
        self.cells = 0
        self.shared_strings = 0
        self.unpacked = 0


def _scan_workbook(archive: zipfile.ZipFile) -> None:
    """Refuse a workbook whose worksheets or shared strings are beyond the caps above, before
    openpyxl reads any of it. Every XML part is scanned, whatever its name (a workbook can put
    its sheets anywhere): the ``<dimension>`` a sheet declares and the sizes the zip's directory
    declares can lie, so cells, rows and strings are counted as they stream out, and the scan
    stops at the first cap passed. Parts that are not XML (images) are left to openpyxl."""
    count = _WorkbookCount()
    for member in archive.infolist():
        if not member.is_dir():
            _scan_part(archive, member, count)


def _scan_part(archive: zipfile.ZipFile, member: zipfile.ZipInfo, count: _WorkbookCount) -> None:
    """Count one part's elements; a worksheet's cells (per row too), or a shared-strings table's
    entries. The root element picks the counter, in the root's own namespace (``x:row`` too)."""
    parser = expat.ParserCreate(namespace_separator=" ")
    row_cells = 0
    cell = row = entry = ""  # the names of a cell, a row and a shared string, set by root()

    def other(_name: str, _attributes: object) -> None:
        count.elements += 1
        if count.elements > MAX_XML_ELEMENTS:
            raise _ScanRefusalError(_too_large_unpacked())

    def worksheet(name: str, _attributes: object) -> None:
        nonlocal row_cells
        count.elements += 1
        if count.elements > MAX_XML_ELEMENTS:
            raise _ScanRefusalError(_too_large_unpacked())
        if name == cell:
            row_cells += 1
            count.cells += 1
            if row_cells > MAX_ROW_CELLS:
                raise _ScanRefusalError(_too_many_row_cells())
            if count.cells > MAX_CELLS:
                raise _ScanRefusalError(_too_many_cells())
        elif name == row:
            row_cells = 0

    def shared(name: str, _attributes: object) -> None:
        count.elements += 1
        if count.elements > MAX_XML_ELEMENTS:
            raise _ScanRefusalError(_too_large_unpacked())
        if name == entry:
            count.shared_strings += 1
            if count.shared_strings > MAX_SHARED_STRINGS:
                raise _ScanRefusalError(_too_many_shared_strings())

    def root(name: str, attributes: object) -> None:
        nonlocal cell, row, entry
        namespace, _space, local = name.rpartition(" ")
        prefix = f"{namespace} " if namespace else ""
        cell, row, entry = prefix + "c", prefix + "row", prefix + "si"
        handlers = {"worksheet": worksheet, "sst": shared}
        parser.StartElementHandler = handlers.get(local, other)
        other(name, attributes)

    def no_entities(*_args: object) -> None:
        # Workbook XML never declares entities; a part that does is hostile (billion laughs).
        raise _ScanRefusalError(_unreadable_workbook())

    parser.StartElementHandler = root
    parser.EntityDeclHandler = no_entities
    with archive.open(member) as stream:
        while chunk := stream.read(1 << 16):
            count.unpacked += len(chunk)
            # zipfile stops at each member's declared size (then checks its CRC), so this only
            # holds if that ever changes: the sum of what really came out stays under the cap
            if count.unpacked > MAX_UNZIPPED:
                raise _too_large_unpacked()
            try:
                parser.Parse(chunk, False)
            except _ScanRefusalError as stop:
                raise stop.error from None
            except expat.ExpatError:
                return  # not XML, or damaged: openpyxl refuses what it needs and cannot read


def _too_many_row_cells() -> ImportFileError:
    return ImportFileError(
        _l(
            "A row of the workbook has more than %(n)d cells. Delete the columns to the right "
            "of the list, save the file and try again.",
            n=MAX_ROW_CELLS,
        )
    )


def _too_many_cells() -> ImportFileError:
    return ImportFileError(
        _l("The workbook has more than %(n)d cells. Split it into smaller files.", n=MAX_CELLS)
    )


def _too_many_shared_strings() -> ImportFileError:
    return ImportFileError(
        _l(
            "The workbook has more than %(n)d different texts. Split it into smaller files.",
            n=MAX_SHARED_STRINGS,
        )
    )


def _unreadable_workbook() -> ImportFileError:
    return ImportFileError(
        _l(
            "This file is not a readable Excel workbook (.xlsx). Open it in Excel, save it "
            "again as .xlsx or CSV, and try again."
        )
    )


# --- columns ------------------------------------------------------------------------------------


def _header_key(text: str) -> str:
    without_notes = re.sub(r"\(.*?\)", "", text)
    return re.sub(r"[^a-z0-9]", "", fold(without_notes))


_ALIAS_KEYS = {_header_key(alias): name for name, aliases in _ALIASES.items() for alias in aliases}


def field_for_header(text: str) -> str | None:
    """``"Họ và tên (*)"`` -> ``"full_name"``; accent-, case- and punctuation-insensitive."""
    return _ALIAS_KEYS.get(_header_key(text))


def detect_mapping(headers: Sequence[str]) -> list[str | None]:
    """The field each column holds, by its header; a field's second column is left unmapped."""
    mapping: list[str | None] = []
    for header in headers:
        name = field_for_header(header)
        mapping.append(name if name not in mapping else None)
    return mapping


def find_header(sheet: Sheet) -> int:
    """Index in ``sheet.rows`` of the header row: among the first rows, the first that names
    at least two known columns (a title such as "DANH SÁCH HỌC VIÊN" may sit above it)."""
    if not sheet.rows:
        raise ImportFileError(_l("The file is empty."))
    for index, (_number, cells) in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
        if sum(1 for cell in cells if field_for_header(cell)) >= 2:
            return index
    return 0


def mapping_errors(mapping: Sequence[str | None]) -> list[Any]:
    """Messages for required fields no column holds and fields chosen for several columns."""
    errors: list[Any] = []
    for name in REQUIRED:
        if name not in mapping:
            errors.append(
                _l(
                    "No column holds the %(field)s. Choose it below, or add a column headed "
                    "“%(header)s” to the file.",
                    field=FIELD_LABELS[name],
                    header=TEMPLATE_HEADERS[name],
                )
            )
    for name, count in Counter(m for m in mapping if m).items():
        if count > 1:
            errors.append(
                _l("%(field)s is chosen for more than one column.", field=FIELD_LABELS[name])
            )
    return errors


def row_inputs(
    sheet: Sheet, header_index: int, mapping: Sequence[str | None]
) -> list[tuple[int, RegistrationInput]]:
    """Each row below the header as raw input (consent given by the unit: see the UI)."""
    inputs = []
    for number, cells in sheet.rows[header_index + 1 :]:
        values: dict[str, Any] = {}
        for index, name in enumerate(mapping):
            if name and index < len(cells):
                values[name] = cells[index]
        if any(values.values()):
            inputs.append((number, _raw_input(values)))
    return inputs


def _raw_input(values: dict[str, str]) -> RegistrationInput:
    phone = values.get("phone", "")
    # Spreadsheets store phones as numbers and drop the leading zero: 905123456 -> 0905123456.
    if phone.isdigit() and (len(phone) == 9 or (len(phone) == 10 and phone[0] == "2")):
        phone = "0" + phone
    birth_year: str | None = values.get("birth_year") or None
    if birth_year and (match := _DATE_TEXT.fullmatch(birth_year)):
        birth_year = match.group(1)
    gender = values.get("gender") or None
    if gender is not None:
        known = _GENDERS.get(fold(gender))
        gender = known.value if known else gender
    position = values.get("position", "")
    if position and not position.strip("-–— "):
        position = ""  # "-" written for "none"
    return RegistrationInput(
        full_name=values.get("full_name", ""),
        organization=values.get("organization", ""),
        phone=phone,
        gender=gender,
        birth_year=birth_year,
        position=position,
        email=values.get("email") or None,
        consent=True,
    )


# --- the template -------------------------------------------------------------------------------


def template_csv() -> bytes:
    """The template as CSV: UTF-8 with a BOM (so Excel shows the accents), one example row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([TEMPLATE_HEADERS[name] for name in FIELDS])
    writer.writerow([TEMPLATE_EXAMPLE[name] for name in FIELDS])
    return out.getvalue().encode("utf-8-sig")


def template_xlsx() -> bytes:
    """The template as an Excel workbook; the phone column is text so leading zeros stay."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Danh sách học viên"
    sheet.append([TEMPLATE_HEADERS[name] for name in FIELDS])
    example: list[Any] = [TEMPLATE_EXAMPLE[name] for name in FIELDS]
    example[FIELDS.index("birth_year")] = int(TEMPLATE_EXAMPLE["birth_year"])
    sheet.append(example)
    widths = {"full_name": 28, "organization": 40, "position": 24, "phone": 16, "email": 28}
    for index, name in enumerate(FIELDS, 1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.cell(row=1, column=index).font = Font(bold=True)
        sheet.column_dimensions[letter].width = widths.get(name, 12)
        if name == "phone":
            for row in range(2, 1002):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
