"""XLSX writer: XlsxWriter in ``constant_memory`` mode into a temporary file, so memory stays flat.

XlsxWriter was chosen over openpyxl's write-only mode: about 1.6 times faster on the same rows
(bench/exports.py) with the same flat memory. Cells are written as data, never as formulas
(``strings_to_formulas`` off) and text cells are neutralised by the row functions as well.
"""

from __future__ import annotations

import os
import tempfile
from datetime import time
from pathlib import Path
from typing import Any

import xlsxwriter

from .rows import ExportTable

WORKBOOK_OPTIONS: dict[str, Any] = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "default_date_format": "dd/mm/yyyy hh:mm",
}

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: column widths (characters) of the registrations export; sessions get SESSION_WIDTH
EXPORT_WIDTHS = (5, 28, 8, 8, 36, 24, 22, 13, 26, 14, 12, 16, 11)
SESSION_WIDTH = 16


def sheet_name(title: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of ``[]:*?/\\``."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip("' ")
    return cleaned[:31] or "Sheet1"


def new_workbook(target: Path, *, constant_memory: bool = True) -> xlsxwriter.Workbook:
    """A workbook that writes data, never formulas; ``constant_memory`` for long tables."""
    return xlsxwriter.Workbook(target, {**WORKBOOK_OPTIONS, "constant_memory": constant_memory})


def temporary_path(suffix: str) -> Path:
    """A new empty file in the temporary folder; the response that sends it deletes it."""
    fd, name = tempfile.mkstemp(prefix="trainingapp-", suffix=suffix)
    os.close(fd)
    return Path(name)


def _print_setup(worksheet: Any) -> None:
    """Printed as an office prints a list: A4 landscape, every column on the page's width,
    the header row on every page, page numbers below."""
    worksheet.set_paper(9)  # A4
    worksheet.set_landscape()
    worksheet.fit_to_pages(1, 0)
    worksheet.repeat_rows(0)
    worksheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    worksheet.set_footer("&C&P / &N")


def write_table(table: ExportTable) -> tuple[Path, int]:
    """Write ``table`` to a temporary XLSX file; returns its path and the rows written."""
    path = temporary_path(".xlsx")
    try:
        workbook = new_workbook(path)
        worksheet = workbook.add_worksheet(sheet_name(table.title))
        bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        clock = workbook.add_format({"num_format": "hh:mm"})
        for column in range(len(table.header)):
            width = EXPORT_WIDTHS[column] if column < len(EXPORT_WIDTHS) else SESSION_WIDTH
            worksheet.set_column(column, column, width)
        worksheet.freeze_panes(1, 2)
        worksheet.write_row(0, 0, table.header, bold)
        _print_setup(worksheet)
        written = 0
        write_row, write_datetime = worksheet.write_row, worksheet.write_datetime
        time_columns = table.time_columns
        for written, row in enumerate(table.rows, 1):  # noqa: B007  (count kept after the loop)
            write_row(written, 0, row)
            for index in time_columns:  # a time of day, shown as 08:05, not a date
                if isinstance(row[index], time):
                    write_datetime(written, index, row[index], clock)
        worksheet.autofilter(0, 0, max(written, 1), len(table.header) - 1)
        workbook.close()
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, written
