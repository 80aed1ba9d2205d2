"""A unit's people pasted from a spreadsheet or uploaded as its list, read by the import's
reader (``imports.reading``): with a header row its columns are known by their headings; a block
pasted without one has its columns told apart by what they hold (phones, e-mails, years of birth,
"Nam"/"Nữ"; the first other column is the name, the next the position)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from flask_babel import lazy_gettext as _l

from ..common.phones import InvalidPhoneError
from ..common.phones import normalise_phone
from ..common.text import fold
from ..imports.reading import ImportFileError
from ..imports.reading import Sheet
from ..imports.reading import detect_mapping
from ..imports.reading import field_for_header
from ..imports.reading import find_header
from ..imports.reading import read_file
from ..imports.reading import row_inputs
from ..registration.normalise import RegistrationInput

_YEAR = re.compile(r"(\d{1,2}[/.\-]\d{1,2}[/.\-])?(19|20)\d\d")
_GENDER_WORDS = {"nam", "nu", "khac", "male", "female", "other", "m", "f"}


def _looks_like_phone(text: str) -> bool:
    digits = re.sub(r"[\s.\-()]", "", text)
    if digits.isdigit() and len(digits) == 9:
        digits = "0" + digits  # a spreadsheet dropped the leading zero
    try:
        normalise_phone(digits)
    except InvalidPhoneError:
        return False
    return True


def _kind_of(cells: Sequence[str]) -> str | None:
    """What a column holds, if its filled cells agree."""
    filled = [cell for cell in cells if cell]
    if not filled:
        return None
    for kind, test in (
        ("email", lambda c: "@" in c),
        ("phone", _looks_like_phone),
        ("birth_year", lambda c: _YEAR.fullmatch(c) is not None),
        ("gender", lambda c: fold(c) in _GENDER_WORDS),
    ):
        if sum(1 for cell in filled if test(cell)) * 2 > len(filled):
            return kind
    return "text"


def guess_mapping(sheet: Sheet) -> list[str | None]:
    """Columns of a headerless block by their content."""
    width = max((len(cells) for _n, cells in sheet.rows), default=0)
    mapping: list[str | None] = []
    texts = iter(("full_name", "position"))
    for index in range(width):
        kind = _kind_of([cells[index] if index < len(cells) else "" for _n, cells in sheet.rows])
        if kind == "text":
            kind = next(texts, None)
        mapping.append(kind if kind not in mapping else None)
    return mapping


def people_in(sheet: Sheet) -> list[tuple[int, RegistrationInput]]:
    """Each person of a pasted block or uploaded list, with its row number."""
    header = find_header(sheet)
    headers = sheet.rows[header][1] if sheet.rows else []
    if sum(1 for cell in headers if field_for_header(cell)) >= 2:
        mapping = detect_mapping(headers)
        if "full_name" not in mapping or "phone" not in mapping:
            raise ImportFileError(
                _l("The list needs a column of full names and a column of phone numbers.")
            )
        return row_inputs(sheet, header, mapping)
    mapping = guess_mapping(sheet)
    if "full_name" not in mapping or "phone" not in mapping:
        raise ImportFileError(
            _l(
                "Could not tell which column holds the names and which the phone numbers. "
                "Paste the heading row too (Họ và tên, Số điện thoại, …)."
            )
        )
    # No header: every row is a person (row_inputs starts below "row" -1).
    return row_inputs(sheet, -1, mapping)


def pasted_people(text: str) -> list[tuple[int, RegistrationInput]]:
    """Rows copied from Excel or LibreOffice (tab-separated) or typed as CSV."""
    return people_in(read_file(text.encode("utf-8")))


def uploaded_people(data: bytes) -> list[tuple[int, RegistrationInput]]:
    return people_in(read_file(data))
