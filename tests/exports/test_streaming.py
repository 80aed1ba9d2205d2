"""Exports keep memory flat: 20,000 rows to XLSX need about as much as 2,000 (tracemalloc peak)."""

from __future__ import annotations

import tracemalloc

from flask import Flask

from tests.exports.conftest import add_confirmed
from tests.factories import make_event
from tests.factories import make_session
from trainingapp.events.models import Event
from trainingapp.exports.csv import iter_csv
from trainingapp.exports.filters import ListFilters
from trainingapp.exports.rows import registration_table
from trainingapp.exports.xlsx import write_table
from trainingapp.extensions import db


def _course(app: Flask, rows: int) -> int:
    with app.app_context():
        event = make_event(db.session, capacity=100_000)
        make_session(db.session, event)
        db.session.commit()
        event_id = event.id
    add_confirmed(app, event_id, rows)
    return event_id


def _xlsx_peak(app: Flask, event_id: int) -> tuple[int, int]:
    with app.test_request_context():
        event = db.session.get(Event, event_id)
        tracemalloc.start()
        try:
            path, written = write_table(registration_table(event, ListFilters()))
            _size, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        path.unlink()
    return written, peak


def _csv_peak(app: Flask, event_id: int) -> tuple[int, int]:
    with app.test_request_context():
        event = db.session.get(Event, event_id)
        tracemalloc.start()
        try:
            size = sum(len(piece) for piece in iter_csv(registration_table(event, ListFilters())))
            _now, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    return size, peak


def test_memory_does_not_grow_with_the_row_count(app: Flask) -> None:
    small = _course(app, 2_000)
    large = _course(app, 20_000)
    small_rows, small_xlsx = _xlsx_peak(app, small)
    large_rows, large_xlsx = _xlsx_peak(app, large)
    assert (small_rows, large_rows) == (2_000, 20_000)
    # Ten times the rows; a build in memory would need about ten times the memory.
    assert large_xlsx < small_xlsx * 1.5 + 512 * 1024, (small_xlsx, large_xlsx)

    small_size, small_csv = _csv_peak(app, small)
    large_size, large_csv = _csv_peak(app, large)
    assert large_size > small_size * 9
    assert large_csv < small_csv * 1.5 + 512 * 1024, (small_csv, large_csv)
