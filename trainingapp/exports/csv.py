"""CSV writer: UTF-8 with a BOM (so Excel reads Vietnamese), commas, CRLF line ends, streamed."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from datetime import time

from .rows import ExportTable

BOM = "\ufeff"
#: rows buffered before a piece of the response is sent
ROWS_PER_PIECE = 500


def iter_csv(table: ExportTable) -> Iterator[bytes]:
    """The table as CSV bytes, a few hundred rows at a time (memory does not grow with it)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(table.header)
    datetime_columns = table.datetime_columns
    time_columns = table.time_columns
    pending = 0
    for row in table.rows:
        for index in datetime_columns:  # None is written as an empty cell by csv itself
            value = row[index]
            if isinstance(value, datetime):
                row[index] = (
                    f"{value.day:02d}/{value.month:02d}/{value.year} "
                    f"{value.hour:02d}:{value.minute:02d}"
                )
        for index in time_columns:
            value = row[index]
            if isinstance(value, time):
                row[index] = f"{value.hour:02d}:{value.minute:02d}"
        writer.writerow(row)
        pending += 1
        if pending >= ROWS_PER_PIECE:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue().encode("utf-8")
