"""Benchmark: the app's exports (registrations CSV, XLSX; sign-in sheet PDF) against the libraries.

    python bench/exports.py [--sizes 10000,100000] [--repeat 1] [--database-url URL]
                            [--cases app-pdf,lib-pdf]

Seeds one course per size (registrations with units, two sessions, attendance for about half of
them) in a SQLite file (or the database named by ``--database-url``), then runs every case in a
subprocess of its own and reports wall time and peak resident memory (VmHWM):

* ``app-csv`` / ``app-xlsx``: TrainingApp's own code (``exports.rows`` + ``exports.csv`` /
  ``exports.xlsx``): filters, official order, labels in the UI language, local times, formula
  neutralising, attendance loaded per chunk.
* ``lib-csv`` / ``lib-xlsx`` (the ceiling): one Core query for the same columns in the same order,
  one query for the whole course's attendance (kept in a dict, as HH:MM text), rows written
  straight through ``csv.writer`` / XlsxWriter (constant_memory): no labels, no time zone, no
  formula neutralising.
* ``app-pdf``: the sign-in sheet as its view makes it (``exports.rows.signin_rows``,
  ``exports.signin_sheet.sheet_header`` and ``signin_pdf``): confirmed participants in official
  order, the header block, cells wrapped to their columns, rows as tall as they need.
* ``lib-pdf`` (the baseline): one Core query for the same columns in the same order, rows written
  straight with fpdf2 (same font, page set-up and column widths): fixed-height bordered
  ``pdf.cell``s, one line a cell, a header row on every page; no wrapping, no labels.

Targets: app time at most 1.5 x the ceiling's; for CSV and XLSX, peak memory that does not grow
with the row count (a PDF is built in memory, so its peak grows with the pages).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CASES = ("lib-csv", "app-csv", "lib-xlsx", "app-xlsx", "lib-pdf", "app-pdf")
FORMATS = ("csv", "xlsx", "pdf")


def _app(database_url: str) -> Any:
    from trainingapp import create_app

    return create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench", "TESTING": True}
    )


def seed(database_url: str, sizes: list[int]) -> dict[int, int]:
    """One course per size; returns {size: event_id}."""
    from datetime import date
    from datetime import datetime
    from datetime import time as clock

    import trainingapp.models  # noqa: F401
    from trainingapp.attendance.models import Attendance
    from trainingapp.common.text import fold
    from trainingapp.common.text import name_sort_key
    from trainingapp.events.models import Event
    from trainingapp.events.models import EventSession
    from trainingapp.extensions import db
    from trainingapp.organizations.models import Organization
    from trainingapp.organizations.models import OrganizationKind
    from trainingapp.registration.models import Registration

    family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi", "Huỳnh", "Phan"]
    middle = ["Văn", "Thị", "Minh", "Thanh", "Quốc", "Ngọc"]
    given = ["An", "Bình", "Cường", "Dũng", "Hằng", "Lan", "Minh", "Thảo", "Đức", "Ánh", "Yến"]
    app = _app(database_url)
    events: dict[int, int] = {}
    with app.app_context():
        db.create_all()
        kinds = list(OrganizationKind)
        units = [
            Organization(name=f"Đồn Biên phòng số {n}", kind=kinds[n % len(kinds)])
            for n in range(60)
        ]
        db.session.add_all(units)
        db.session.flush()
        for size in sizes:
            event = Event(
                title=f"Lớp tập huấn {size}",
                slug=f"bench-export-{size}",
                organizer_id=units[0].id,
                start_date=date(2023, 8, 16),
                end_date=date(2023, 8, 16),
                capacity=size + 1,
            )
            db.session.add(event)
            db.session.flush()
            sessions = [
                EventSession(
                    event_id=event.id,
                    name=name,
                    date=event.start_date,
                    start_time=start,
                    end_time=end,
                )
                for name, start, end in [
                    ("Sáng", clock(7, 30), clock(11, 30)),
                    ("Chiều", clock(13, 30), clock(17, 0)),
                ]
            ]
            db.session.add_all(sessions)
            db.session.flush()
            batch: list[dict[str, Any]] = []
            for n in range(size):
                name = f"{family[n % 10]} {middle[n % 6]} {given[(n // 7) % 11]}"
                batch.append(
                    {
                        "event_id": event.id,
                        "full_name": name,
                        "sort_key": name_sort_key(name),
                        "search_name": fold(name),
                        "gender": "female" if n % 2 else "male",
                        "birth_year": 1970 + n % 30,
                        "organization_id": units[n % 60].id,
                        "position": "Chuyên viên phòng Thông tin đối ngoại",
                        "phone": f"09{n:08d}",
                        "email": f"hoc.vien.{n}@example.vn",
                        "status": "confirmed" if n % 10 else "waitlisted",
                        "source": "online",
                        "manage_token": f"bench-{size}-{n}",
                        "checkin_code": f"C{n:08d}",
                        "created_at": datetime(2023, 8, 1, 2, 0),
                    }
                )
                if len(batch) == 5000:
                    db.session.execute(db.insert(Registration), batch)
                    batch = []
            if batch:
                db.session.execute(db.insert(Registration), batch)
            ids = db.session.scalars(
                db.select(Registration.id).where(Registration.event_id == event.id)
            ).all()
            attendance = [
                {
                    "registration_id": rid,
                    "session_id": sessions[k % 2].id,
                    "checked_in_at": datetime(2023, 8, 16, 0, 40),
                    "method": "code",
                }
                for k, rid in enumerate(ids)
                if k % 2 == 0
            ]
            for start in range(0, len(attendance), 5000):
                db.session.execute(db.insert(Attendance), attendance[start : start + 5000])
            db.session.commit()
            events[size] = event.id
    with app.app_context():
        db.engine.dispose()
    return events


def _ceiling_rows(event_id: int) -> Any:
    """The same columns and order in one Core query; attendance in one more; no formatting."""
    from sqlalchemy import String
    from sqlalchemy import select
    from sqlalchemy import type_coerce

    from trainingapp.attendance.models import Attendance
    from trainingapp.events.models import EventSession
    from trainingapp.extensions import db
    from trainingapp.organizations.models import Organization
    from trainingapp.registration.models import Registration

    sessions = db.session.scalars(
        select(EventSession.id).where(EventSession.event_id == event_id).order_by(EventSession.id)
    ).all()
    seen: dict[int, dict[int, Any]] = {}
    for rid, sid, at in db.session.execute(
        select(Attendance.registration_id, Attendance.session_id, Attendance.checked_in_at)
        .join(Registration, Registration.id == Attendance.registration_id)
        .where(Registration.event_id == event_id)
    ):
        seen.setdefault(rid, {})[sid] = at.strftime("%H:%M")
    table = Registration.__table__
    org = Organization.__table__
    query = (
        select(
            table.c.id,
            table.c.full_name,
            type_coerce(table.c.gender, String),  # plain text, as the app reads it
            table.c.birth_year,
            org.c.name,
            type_coerce(org.c.kind, String),  # plain text, as the app reads it
            table.c.position,
            table.c.phone,
            table.c.email,
            type_coerce(table.c.status, String),  # plain text, as the app reads it
            type_coerce(table.c.source, String),  # plain text, as the app reads it
            table.c.created_at,
            table.c.checkin_code,
        )
        .select_from(table.outerjoin(org, org.c.id == table.c.organization_id))
        .where(table.c.event_id == event_id)
        .order_by(table.c.sort_key, table.c.id)
    )
    with db.engine.connect() as conn:
        for row in conn.execution_options(yield_per=1000).execute(query):
            marks = seen.get(row[0], {})
            yield [*row, *(marks.get(sid, "") for sid in sessions)]


def _ceiling_pdf(event_id: int, target: Path) -> None:
    """The sign-in sheet's columns written straight with fpdf2: one Core query (confirmed, official
    order), one fixed-height bordered cell a value, a header row at the top of every page."""
    from fpdf import FPDF
    from sqlalchemy import select

    from trainingapp.exports.signin_sheet import FONT_FAMILY
    from trainingapp.exports.signin_sheet import FONT_FILES
    from trainingapp.exports.signin_sheet import PDF_WIDTHS
    from trainingapp.exports.signin_sheet import font_dir
    from trainingapp.extensions import db
    from trainingapp.organizations.models import Organization
    from trainingapp.registration.models import Registration
    from trainingapp.registration.models import RegistrationStatus

    table = Registration.__table__
    org = Organization.__table__
    query = (
        select(table.c.full_name, org.c.name, table.c.position, table.c.phone)
        .select_from(table.outerjoin(org, org.c.id == table.c.organization_id))
        .where(table.c.event_id == event_id, table.c.status == RegistrationStatus.CONFIRMED)
        .order_by(table.c.sort_key, table.c.id)
    )
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(15, 12, 15)
    pdf.set_auto_page_break(auto=False)
    for style, filename in FONT_FILES.items():
        pdf.add_font(FONT_FAMILY, style, str(font_dir() / filename))
    head = ("No.", "Full name", "Organization", "Position", "Phone", "Signature")
    height, bottom = 10, pdf.h - 16
    pdf.add_page()
    with db.engine.connect() as conn:
        for number, row in enumerate(conn.execute(query), 1):
            if number == 1 or pdf.y + height > bottom:
                if number > 1:
                    pdf.add_page()
                pdf.set_font(FONT_FAMILY, "B", 9.5)
                pdf.set_fill_color(235)
                for text, width in zip(head, PDF_WIDTHS, strict=True):
                    pdf.cell(width, height, text, border=1, fill=True)
                pdf.set_fill_color(0)
                pdf.ln(height)
                pdf.set_font(FONT_FAMILY, "", 9.5)
            for text, width in zip((str(number), *row, ""), PDF_WIDTHS, strict=True):
                pdf.cell(width, height, text or "", border=1)
            pdf.ln(height)
    pdf.output(str(target))


def run_case(case: str, database_url: str, event_id: int, out_dir: Path) -> dict[str, Any]:
    import xlsxwriter

    from trainingapp.events.models import Event
    from trainingapp.exports.csv import iter_csv
    from trainingapp.exports.filters import ListFilters
    from trainingapp.exports.rows import registration_table
    from trainingapp.exports.rows import signin_rows
    from trainingapp.exports.signin_sheet import sheet_header
    from trainingapp.exports.signin_sheet import signin_pdf
    from trainingapp.exports.xlsx import WORKBOOK_OPTIONS
    from trainingapp.exports.xlsx import write_table
    from trainingapp.extensions import db

    app = _app(database_url)
    target = out_dir / f"{case}-{event_id}"
    with app.test_request_context():
        db.session.execute(db.select(1))  # connect before the clock starts
        baseline = _memory_mib("VmRSS")
        started = time.perf_counter()
        rows = 0
        if case == "app-csv":
            event = db.session.get(Event, event_id)
            with target.open("wb") as file:
                for piece in iter_csv(registration_table(event, ListFilters())):
                    file.write(piece)
        elif case == "app-xlsx":
            event = db.session.get(Event, event_id)
            path, rows = write_table(registration_table(event, ListFilters()))
            path.replace(target)
        elif case == "lib-csv":
            with target.open("w", encoding="utf-8-sig", newline="") as file:
                writer = csv.writer(file, lineterminator="\r\n")
                for row in _ceiling_rows(event_id):
                    writer.writerow(row)
                    rows += 1
        elif case == "lib-xlsx":
            workbook = xlsxwriter.Workbook(str(target), WORKBOOK_OPTIONS)
            sheet = workbook.add_worksheet()
            for rows, row in enumerate(_ceiling_rows(event_id), 1):  # noqa: B007
                sheet.write_row(rows, 0, row)
            workbook.close()
        elif case == "app-pdf":
            event = db.session.get(Event, event_id)
            target.write_bytes(signin_pdf(sheet_header(event, None), signin_rows(event_id)))
        elif case == "lib-pdf":
            _ceiling_pdf(event_id, target)
        seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "baseline_mib": baseline,
        "peak_mib": _memory_mib("VmHWM"),
        "bytes": target.stat().st_size,
    }


def _memory_mib(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process, from /proc; ``ru_maxrss`` would report the
    parent's size, which a child inherits across fork and exec on Linux."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--repeat", type=int, default=1, help="runs per case; the fastest counts")
    parser.add_argument(
        "--cases",
        default=",".join(CASES),
        help="comma-separated cases to run, e.g. lib-pdf,app-pdf (default: all)",
    )
    parser.add_argument("--case", choices=CASES, help=argparse.SUPPRESS)
    parser.add_argument("--event-id", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.case:  # a child process: one case, result as JSON on stdout
        result = run_case(args.case, args.database_url, args.event_id, Path(args.out))
        print(json.dumps(result))
        return

    sizes = [int(size) for size in args.sizes.split(",")]
    chosen = [case for case in args.cases.split(",") if case]
    unknown = sorted(set(chosen) - set(CASES))
    if unknown:
        parser.error(f"unknown cases {', '.join(unknown)}; known: {', '.join(CASES)}")
    cases = [case for case in CASES if case in chosen]  # each baseline before its app case
    with tempfile.TemporaryDirectory(prefix="bench-exports-") as tmp:
        database_url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        print(f"seeding {sizes} registrations in {database_url.split('@')[-1]} ...", flush=True)
        events = seed(database_url, sizes)
        results: dict[tuple[int, str], dict[str, Any]] = {}
        for size in sizes:
            for case in cases:
                runs = []
                for _run in range(args.repeat):
                    child = subprocess.run(
                        [
                            sys.executable,
                            __file__,
                            "--case",
                            case,
                            "--event-id",
                            str(events[size]),
                            "--out",
                            tmp,
                            "--database-url",
                            database_url,
                        ],
                        check=True,
                        capture_output=True,
                        text=True,
                        cwd=ROOT,
                    )
                    runs.append(json.loads(child.stdout.strip().splitlines()[-1]))
                results[size, case] = min(runs, key=lambda run: run["seconds"])
                r = results[size, case]
                print(
                    f"{size:>7} {case:<9} {r['seconds']:7.2f} s  RSS before {r['baseline_mib']:6.1f}"
                    f" MiB, peak {r['peak_mib']:6.1f} MiB (+{r['peak_mib'] - r['baseline_mib']:.1f})"
                    f"  file {r['bytes'] / 1e6:6.1f} MB",
                    flush=True,
                )
        print()
        formats = [f for f in FORMATS if f"app-{f}" in cases and f"lib-{f}" in cases]
        for size in sizes:
            for fmt in formats:
                app, lib = results[size, f"app-{fmt}"], results[size, f"lib-{fmt}"]
                ratio = app["seconds"] / lib["seconds"]
                verdict = "ok" if ratio <= 1.5 else "over 1.5"
                print(f"{size:>7} {fmt:<4} time app/ceiling = {ratio:4.2f} ({verdict})")
        if len(sizes) > 1:
            small, large = min(sizes), max(sizes)
            for case in (f"app-{fmt}" for fmt in FORMATS if f"app-{fmt}" in cases):
                grow = results[large, case]["peak_mib"] - results[small, case]["peak_mib"]
                print(f"{case}: peak RSS {small} -> {large} rows grows by {grow:+.1f} MiB")


if __name__ == "__main__":
    main()
