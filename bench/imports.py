"""Benchmark: a staff import of a unit's list (read, preview, save) against a bare Core insert.

    python bench/imports.py [--sizes 2000,10000] [--repeat 1] [--database-url URL]

Seeds a directory of 60 units in a SQLite file (or on the PostgreSQL server named by
``--database-url`` / ``BENCH_DATABASE_URL``: a new schema, dropped afterwards) and writes, per
size, one list of N participants as CSV and as XLSX: Vietnamese names, the directory's units
typed as units type them (exact, lower case, without accents) and a few new units (about one
row in 40, in eight names), phones in several written forms, e-mails for two rows in three.
Then it runs every case in a subprocess of its own and reports wall time, rows per second and
peak resident memory (VmHWM, reset before the clock starts where Linux allows it):

* ``read-csv`` / ``read-xlsx``: ``imports.reading.read_file`` of the file's bytes.
* ``preview``: what the preview page does for the XLSX file: read it, find the header, map the
  columns, ``row_inputs``, then ``imports.services.preview`` (normalise + plan, read-only).
* ``import``: what the confirm step saves, from inputs read beforehand: ``iter_import`` drained
  (course lock, checks again, registrations, one ``registration.create`` audit entry per row,
  new units) and the commit.
* ``bare-insert`` (the baseline): the same N registrations as ready dicts in one Core
  ``insert(Registration)`` executemany, the course's ids read back in one query, N audit rows
  in one executemany, committed (no RETURNING: psycopg 3 spends seconds rewriting the huge
  multi-row INSERTs SQLAlchemy would send for it).

Each writing case gets a course of its own (created before the clock, with 200 online
registrations and quotas for five units; capacity: 200 + 90 % of N, so the last rows wait).

Targets (issue 14): 10,000 rows read + previewed in under 5 s and saved in under 5 s, i.e. at
least 2,000 rows/s for ``preview`` and ``import``; ``import`` within about 3 x ``bare-insert``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CASES = ("bare-insert", "read-csv", "read-xlsx", "preview", "import")
HEADERS = [
    "STT",
    "Họ và tên",
    "Giới tính",
    "Năm sinh",
    "Đơn vị",
    "Chức vụ",
    "Số điện thoại",
    "Email",
]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"]
MIDDLE = ["Văn", "Thị", "Minh", "Thanh", "Quốc", "Ngọc", "Hữu", "Thu", "Đức", "Xuân"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hằng", "Lan", "Minh", "Thảo", "Đức", "Ánh", "Yến", "Hòa"]
GIVEN += ["Thủy", "Phương", "Quỳnh", "Tuấn", "Hưng", "Nga", "Loan", "Khánh", "Vy", "Tâm"]
POSITIONS = ["Chuyên viên", "Cán bộ", "Phó Trưởng phòng", "Trưởng phòng", "Phóng viên", "-", ""]
UNIT_KINDS = [
    ("Đồn Biên phòng {}", "border_post"),
    ("Phòng Văn hóa và Thông tin huyện {}", "culture_office"),
    ("Trung tâm Văn hóa - Thể thao huyện {}", "culture_centre"),
    ("Đài Truyền thanh xã {}", "commune_radio"),
    ("Sở Văn hóa, Thể thao và Du lịch tỉnh {}", "provincial_agency"),
    ("Báo {}", "newsroom"),
]
PLACES = ["Cam Ranh", "Ninh Hải", "Đắk Lắk", "Quảng Trị", "Hà Giang", "Điện Biên", "Lào Cai"]
PLACES += ["Kon Tum", "Gia Lai", "Sơn La"]
EXISTING = 200


def unit_names() -> list[tuple[str, str]]:
    """The directory: 60 units (6 kinds x 10 places)."""
    return [(pattern.format(place), kind) for pattern, kind in UNIT_KINDS for place in PLACES]


def list_rows(size: int, tag: str) -> list[list[Any]]:
    """A unit's list of ``size`` participants below a header; ``tag`` names the new units."""
    from trainingapp.common.text import fold

    units = [name for name, _kind in unit_names()]
    rows: list[list[Any]] = []
    for n in range(size):
        name = f"{FAMILY[n % 12]} {MIDDLE[(n // 12) % 10]} {GIVEN[(n // 7) % 22]}"
        if n % 40 == 39:
            unit = f"Tổ thông tin cơ sở mới {tag} số {n % 8}"
            unit = unit.upper() if n % 3 == 0 else unit
        else:
            unit = units[(n * 7) % 60]
            unit = fold(unit) if n % 5 == 0 else unit.lower() if n % 5 == 1 else unit
        national = f"09{n:08d}"
        phone: str | int = (
            int(national)  # a number cell in Excel: the leading zero is gone
            if n % 4 == 0
            else f"+84 {national[1:4]} {national[4:7]} {national[7:]}"
            if n % 4 == 1
            else f"{national[:4]} {national[4:7]} {national[7:]}"
            if n % 4 == 2
            else national
        )
        email = f"{fold(name).replace(' ', '.')}.{n}@example.vn" if n % 3 else ""
        rows.append(
            [
                n + 1,
                name.lower() if n % 17 == 0 else name,
                "Nam" if n % 2 else "Nữ",
                1965 + n % 35,
                unit,
                POSITIONS[n % len(POSITIONS)],
                phone,
                email,
            ]
        )
    return rows


def csv_bytes(rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = workbook.add_worksheet("Danh sách")
    sheet.write_row(0, 0, ["DANH SÁCH HỌC VIÊN ĐĂNG KÝ THAM GIA LỚP TẬP HUẤN"])
    sheet.write_row(1, 0, HEADERS)
    for number, row in enumerate(rows, 2):
        sheet.write_row(number, 0, row)
    workbook.close()
    return out.getvalue()


def _app(database_url: str) -> Any:
    from trainingapp import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "bench",
            "TESTING": True,
            "BABEL_DEFAULT_LOCALE": "en",
        }
    )


def seed(database_url: str, sizes: list[int], out_dir: Path) -> None:
    """The tables, the unit directory, an organizer account; one CSV and one XLSX per size."""
    import trainingapp.models  # noqa: F401
    from trainingapp.auth.models import Role
    from trainingapp.auth.models import User
    from trainingapp.extensions import db
    from trainingapp.organizations.models import Organization

    app = _app(database_url)
    with app.app_context():
        db.create_all()
        db.session.add_all(Organization(name=name, kind=kind) for name, kind in unit_names())
        # An account nobody signs in to: the import's actor.
        db.session.add(User(email="bench@example.vn", role=Role.ORGANIZER, password_hash="!"))  # noqa: S106
        db.session.commit()
        db.engine.dispose()
    for size in sizes:
        rows = list_rows(size, f"p{size}")
        (out_dir / f"list-{size}.csv").write_bytes(csv_bytes(rows))
        (out_dir / f"list-{size}.xlsx").write_bytes(xlsx_bytes(rows))


def _make_course(size: int) -> int:
    """A published course of its own for a writing case, committed before the clock starts."""
    from datetime import timedelta

    from sqlalchemy import insert
    from sqlalchemy import select

    from trainingapp.common.text import fold
    from trainingapp.common.text import name_sort_key
    from trainingapp.common.time import local_today
    from trainingapp.common.time import utcnow
    from trainingapp.events.models import Event
    from trainingapp.events.models import EventStatus
    from trainingapp.events.models import Quota
    from trainingapp.extensions import db
    from trainingapp.organizations.models import Organization
    from trainingapp.registration.models import Registration

    unit_ids = db.session.scalars(
        select(Organization.id).order_by(Organization.id).limit(len(unit_names()))
    ).all()
    start = local_today() + timedelta(days=30)
    event = Event(
        title=f"Lớp tập huấn {size}",
        slug=f"bench-import-{uuid.uuid4().hex[:12]}",
        organizer_id=unit_ids[0],
        start_date=start,
        end_date=start,
        capacity=EXISTING + size * 9 // 10,
        status=EventStatus.PUBLISHED,
        waitlist_enabled=True,
    )
    db.session.add(event)
    db.session.flush()
    db.session.add_all(
        Quota(event_id=event.id, organization_id=unit_id, seats=max(size // 100, 1))
        for unit_id in unit_ids[:5]
    )
    now = utcnow()
    db.session.execute(
        insert(Registration),
        [
            {
                "event_id": event.id,
                "full_name": f"Lê Thị Có Sẵn {n}",
                "sort_key": name_sort_key(f"Lê Thị Có Sẵn {n}"),
                "search_name": fold(f"Lê Thị Có Sẵn {n}"),
                "organization_id": unit_ids[n % len(unit_ids)],
                "position": "",
                "phone": f"038{n:07d}",
                "email": f"co.san.{n}@example.vn",
                "status": "confirmed",
                "source": "online",
                "manage_token": uuid.uuid4().hex,
                "checkin_code": f"E{n:05d}",
                "consent_at": now,
                "created_at": now,
                "status_changed_at": now,
            }
            for n in range(EXISTING)
        ],
    )
    db.session.commit()
    return event.id


def _inputs(data: bytes) -> list[Any]:
    from trainingapp.imports import reading

    sheet = reading.read_file(data)
    header = reading.find_header(sheet)
    mapping = reading.detect_mapping(sheet.rows[header][1])
    assert not reading.mapping_errors(mapping), mapping
    return reading.row_inputs(sheet, header, mapping)


def _bare_rows(event_id: int, inputs: list[Any]) -> list[dict[str, Any]]:
    """Ready dicts for ``bare-insert``: the registrations' values, prepared before the clock."""
    import secrets

    from trainingapp.common.text import fold
    from trainingapp.common.time import utcnow
    from trainingapp.extensions import db
    from trainingapp.organizations.lookup import current_unit_ids
    from trainingapp.organizations.models import Organization
    from trainingapp.registration.normalise import normalise_input
    from trainingapp.registration.storage import new_checkin_code
    from trainingapp.registration.storage import person_values

    normalised = [normalise_input(raw)[0] for _line, raw in inputs]
    units = current_unit_ids(data.organization for data in normalised)
    # A new unit's rows point at the first unit: the baseline creates no units.
    fallback = db.session.scalar(db.select(db.func.min(Organization.id)))
    now = utcnow()
    codes: set[str] = set()
    rows = []
    for data in normalised:
        code = new_checkin_code()
        while code in codes:
            code = new_checkin_code()
        codes.add(code)
        rows.append(
            {
                "event_id": event_id,
                **person_values(data),
                "organization_id": units.get(fold(data.organization), fallback),
                "status": "confirmed",
                "source": "import",
                "over_capacity": False,
                "manage_token": secrets.token_urlsafe(32),
                "checkin_code": code,
                "consent_at": now,
                "created_at": now,
                "updated_at": now,
                "status_changed_at": now,
            }
        )
    return rows


def run_case(case: str, database_url: str, size: int, files: Path, tag: str) -> dict[str, Any]:
    from sqlalchemy import insert
    from sqlalchemy import select

    from trainingapp.audit.models import AuditEntry
    from trainingapp.auth.models import User
    from trainingapp.common.time import utcnow
    from trainingapp.events.models import Event
    from trainingapp.extensions import db
    from trainingapp.imports import reading
    from trainingapp.imports import services as imports
    from trainingapp.registration.models import Registration

    app = _app(database_url)
    parts: dict[str, float] = {}
    counts: dict[str, Any] = {}
    with app.test_request_context():
        xlsx = (files / f"list-{size}.xlsx").read_bytes()
        csv_data = (files / f"list-{size}.csv").read_bytes()
        actor = db.session.scalars(db.select(User)).first()
        event_id = _make_course(size) if case in ("import", "bare-insert") else None
        if case == "import":
            # Fresh names for this run's new units (an earlier run created its own).
            inputs = _inputs(csv_bytes(list_rows(size, tag)))
        elif case == "bare-insert":
            ready = _bare_rows(event_id, _inputs(csv_data))  # type: ignore[arg-type]
        elif case == "preview":
            event_id = _make_course(size)
        event = db.session.get(Event, event_id) if event_id else None
        db.session.commit()  # the course and the reads before the clock end here
        db.session.execute(db.select(1))  # connected before the clock starts
        db.session.rollback()
        baseline = _memory_mib("VmRSS")
        _reset_peak()
        started = time.perf_counter()
        if case == "read-csv":
            counts["rows"] = len(reading.read_file(csv_data).rows) - 1
        elif case == "read-xlsx":
            counts["rows"] = len(reading.read_file(xlsx).rows) - 2
        elif case == "preview":
            inputs = _inputs(xlsx)
            parts["read"] = time.perf_counter() - started
            plan = imports.preview(event, inputs)  # type: ignore[arg-type]
            parts["plan"] = time.perf_counter() - started - parts["read"]
            counts = {str(k): v for k, v in plan.counts.items()}
        elif case == "import":
            steps = imports.iter_import(event_id, inputs, actor=actor, source_name="bench")  # type: ignore[arg-type]
            while True:
                try:
                    next(steps)
                except StopIteration as finished:
                    counts = finished.value.counts
                    break
            parts["iter_import"] = time.perf_counter() - started
            db.session.commit()
        elif case == "bare-insert":
            conn = db.session.connection()
            conn.execute(insert(Registration), ready)
            ids = (
                conn.execute(select(Registration.id).where(Registration.event_id == event_id))
                .scalars()
                .all()
            )
            now = utcnow()
            conn.execute(
                insert(AuditEntry),
                [
                    {
                        "created_at": now,
                        "actor_id": actor.id,
                        "actor_label": actor.email,
                        "action": "registration.create",
                        "object_type": "Registration",
                        "object_id": new_id,
                        "event_id": event_id,
                        "details": {"status": "confirmed", "source": "import"},
                        "ip_address": None,
                    }
                    for new_id in ids
                ],
            )
            db.session.commit()
            counts["imported"] = len(ids)
        seconds = time.perf_counter() - started
        db.session.remove()
        db.engine.dispose()
    return {
        "seconds": seconds,
        "baseline_mib": baseline,
        "peak_mib": _memory_mib("VmHWM"),
        "parts": parts,
        "counts": counts,
    }


def _reset_peak() -> None:
    """Start VmHWM again from the current RSS (Linux: ``clear_refs`` 5), so the preparation
    before the clock (reading the file for ``import``) does not count as the case's peak."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _memory_mib(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process, from /proc; ``ru_maxrss`` would report the
    parent's size, which a child inherits across fork and exec on Linux."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _postgres_schema(server: str) -> tuple[Any, str, str]:
    """A new schema on the server: (admin engine, schema, URL that uses it)."""
    from sqlalchemy import create_engine
    from sqlalchemy import text

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in server else "?"
    return admin, schema, f"{server}{separator}options=-csearch_path%3D{schema}"


def _run(database_url: str, sizes: list[int], repeat: int, tmp: str) -> None:
    files = Path(tmp)
    print(
        f"seeding units and lists of {sizes} rows in {database_url.split('@')[-1]} ...", flush=True
    )
    seed(database_url, sizes, files)
    results: dict[tuple[int, str], dict[str, Any]] = {}
    for size in sizes:
        for case in CASES:
            runs = []
            for run in range(repeat):
                child = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--case",
                        case,
                        "--size",
                        str(size),
                        "--files",
                        tmp,
                        "--tag",
                        f"r{size}-{run}",
                        "--database-url",
                        database_url,
                    ],
                    check=False,
                    capture_output=True,
                    text=True,
                    cwd=ROOT,
                )
                if child.returncode:
                    sys.stderr.write(child.stderr)
                    raise SystemExit(f"case {case} ({size} rows) failed")
                runs.append(json.loads(child.stdout.strip().splitlines()[-1]))
            results[size, case] = r = min(runs, key=lambda run: run["seconds"])
            parts = "".join(f"  {name} {value:.2f} s" for name, value in r["parts"].items())
            print(
                f"{size:>7} {case:<11} {r['seconds']:7.2f} s {size / r['seconds']:9,.0f} rows/s"
                f"  RSS before {r['baseline_mib']:6.1f} MiB, peak {r['peak_mib']:6.1f} MiB"
                f" (+{r['peak_mib'] - r['baseline_mib']:.1f}){parts}",
                flush=True,
            )
    print()
    for size in sizes:
        bare = results[size, "bare-insert"]["seconds"]
        imported = results[size, "import"]
        ratio = imported["seconds"] / bare
        print(
            f"{size:>7} import/bare-insert = {ratio:5.2f} ({'ok' if ratio <= 3 else 'over 3'});"
            f" imported {imported['counts'].get('imported')}"
        )
        for case in ("preview", "import"):
            rate = size / results[size, case]["seconds"]
            verdict = "ok" if rate >= 2000 else "under 2,000 rows/s"
            print(
                f"{size:>7} {case:<7} {rate:7,.0f} rows/s, {10_000 / rate:5.2f} s per 10,000 ({verdict})"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,10000")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--repeat", type=int, default=1, help="runs per case; the fastest counts")
    parser.add_argument("--case", choices=CASES, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--files", help=argparse.SUPPRESS)
    parser.add_argument("--tag", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.case:  # a child process: one case, result as JSON on stdout
        result = run_case(args.case, args.database_url, args.size, Path(args.files), args.tag)
        print(json.dumps(result))
        return

    sizes = [int(size) for size in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-imports-") as tmp:
        server = args.database_url
        if server and server.startswith("postgresql"):
            from sqlalchemy import text

            admin, schema, url = _postgres_schema(server)
            try:
                _run(url, sizes, args.repeat, tmp)
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
        else:
            _run(server or f"sqlite:///{tmp}/bench.sqlite3", sizes, args.repeat, tmp)


if __name__ == "__main__":
    main()
