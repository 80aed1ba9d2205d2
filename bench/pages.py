"""Benchmark: the public pages against a bare Flask + Jinja page, same server set-up, same load.

    python bench/pages.py [--rounds 3] [--duration 10] [--threads 2] [--connections 16] [--workers 2]

Seeds a database with ``flask seed-demo`` (the upcoming course has fewer than 50 registrations,
the past one 200+), serves TrainingApp and a bare Flask app whose one page renders 50 rows with
Jinja, each with gunicorn (``--workers`` sync workers) on 127.0.0.1, and drives each page in turn
with ``wrk -t2 -c16 -d10s`` (``--rounds`` times, the median kept: other work on the machine then
falls on all of them alike). It prints requests per second and the p50/p99 latency of:

* ``bare``: ``GET /`` of the bare app (no database, no session, no extensions);
* ``home``: ``GET /``, the upcoming courses;
* ``course``: ``GET /events/<slug>``, the upcoming course's page (agenda, seats left);
* ``form``: ``GET /events/<slug>/register``, its registration form;

and each page's rate over the bare page's in the same round. wrk sends no cookie and no
If-None-Match: every request is a first visit (new session, new CSRF token, full page), the worst
case; the ETag's 304 for a returning browser is cheaper still. Target: every ratio at least 0.5.

It runs on a SQLite file and, when ``BENCH_DATABASE_URL`` or ``TEST_DATABASE_URL`` names a
PostgreSQL server, on a fresh database created there and dropped afterwards.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.registration import Server  # noqa: E402
from bench.registration import _serve  # noqa: E402

WRK = shutil.which("wrk") or "/usr/bin/wrk"
UPCOMING = "tap-huan-thong-tin-doi-ngoai-2027"
#: kind -> path; ``bare`` is served by :func:`bare_app`, the others by TrainingApp
PAGES = {
    "bare": "/",
    "home": "/",
    "course": f"/events/{UPCOMING}",
    "form": f"/events/{UPCOMING}/register",
}
TARGET = 0.5

BARE_TEMPLATE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><h1>{{ title }}</h1>
<table>
{% for row in rows %}<tr><td>{{ loop.index }}</td><td>{{ row.name }}</td><td>{{ row.unit }}</td><td>{{ row.position }}</td></tr>
{% endfor %}</table>
</body></html>"""

CREATE_SCHEMA = """
import trainingapp.models  # noqa: F401
from trainingapp import create_app
from trainingapp.extensions import db
app = create_app()
with app.app_context():
    db.create_all()
"""


def bare_app() -> Any:
    """The baseline: one Jinja template of 50 rows, no database. Loaded by gunicorn."""
    from flask import Flask
    from flask import render_template_string

    app = Flask("bare")
    rows = [
        {
            "name": f"Nguyễn Văn Học Viên {n}",
            "unit": "Sở Thông tin và Truyền thông tỉnh Khánh Hòa",
            "position": "Chuyên viên",
        }
        for n in range(50)
    ]

    @app.get("/")
    def index() -> str:
        return render_template_string(BARE_TEMPLATE, title="Danh sách", rows=rows)

    @app.get("/healthz")
    def healthz() -> str:
        return "ok"

    return app


@dataclass
class Measure:
    rate: float
    p50_ms: float
    p99_ms: float


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _latency_ms(text: str, percent: str) -> float:
    found = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s)\s*$", text, re.MULTILINE)
    if not found:
        raise SystemExit(f"no {percent}% latency in wrk's output:\n{text}")
    return float(found.group(1)) * _UNITS[found.group(2)]


def parse_wrk(text: str) -> Measure:
    """Requests/s and the p50/p99 latencies of ``wrk --latency``'s report; a report with
    errors or non-2xx answers is refused (a broken page would measure fast)."""
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = re.search(r"Socket errors: (.*)", text)
    if bad:
        raise SystemExit(f"{bad.group(1)} responses were not 2xx:\n{text}")
    if errors and any(int(n) for n in re.findall(r"\d+", errors.group(1))):
        raise SystemExit(f"socket errors: {errors.group(1)}\n{text}")
    rate = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if not rate:
        raise SystemExit(f"no Requests/sec in wrk's output:\n{text}")
    return Measure(float(rate.group(1)), _latency_ms(text, "50"), _latency_ms(text, "99"))


def _wrk(port: int, path: str, args: argparse.Namespace, duration: float) -> Measure:
    command = [
        WRK,
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{duration:g}s",
        "--latency",
        f"http://127.0.0.1:{port}{path}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return parse_wrk(done.stdout)


def _check(port: int, path: str) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    if response.status != 200 or b"<html" not in body[:200]:
        raise SystemExit(f"GET {path}: {response.status}, not a page")


def _env(database_url: str, workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY=secrets.token_hex(16),
        FLASK_MAIL_OUTBOX=str(workdir / "outbox"),
        PYTHONPATH=str(ROOT),
    )
    return env


def seed(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-c", CREATE_SCHEMA], env=env, cwd=ROOT, check=True)
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "trainingapp", "seed-demo"],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )


@dataclass
class Result:
    database: str
    pages: dict[str, Measure]
    #: page -> its rate over the bare page's, per round
    ratios: dict[str, list[float]] = field(default_factory=dict)

    def ratio(self, kind: str) -> float:
        return statistics.median(self.ratios[kind])


def run(label: str, database_url: str, workdir: Path, args: argparse.Namespace) -> Result:
    """Serve both apps at once, then load each page in turn, ``args.rounds`` times."""
    env = _env(database_url, workdir)
    seed(env)
    servers: dict[str, Server] = {}
    try:
        servers["bare"] = _serve("bench.pages:bare_app()", env, args)
        servers["app"] = _serve("trainingapp:create_app()", env, args)
        port = {kind: servers["bare" if kind == "bare" else "app"].port for kind in PAGES}
        for kind, path in PAGES.items():
            _check(port[kind], path)
            _wrk(port[kind], path, args, args.warmup)  # imports, connections, caches
        measured: dict[str, list[Measure]] = {kind: [] for kind in PAGES}
        ratios: dict[str, list[float]] = {kind: [] for kind in PAGES if kind != "bare"}
        for _round in range(args.rounds):
            this_round = {
                kind: _wrk(port[kind], path, args, args.duration) for kind, path in PAGES.items()
            }
            for kind, measure in this_round.items():
                measured[kind].append(measure)
                if kind != "bare":
                    ratios[kind].append(measure.rate / this_round["bare"].rate)
    finally:
        for server in servers.values():
            server.process.terminate()
            server.process.wait(timeout=30)
    rounds = "; ".join(
        f"{kind} {' '.join(f'{m.rate:.0f}' for m in measures)}"
        for kind, measures in measured.items()
    )
    print(f"{label}, per round (requests/s): {rounds}", flush=True)
    medians = {
        kind: Measure(
            statistics.median(m.rate for m in measures),
            statistics.median(m.p50_ms for m in measures),
            statistics.median(m.p99_ms for m in measures),
        )
        for kind, measures in measured.items()
    }
    return Result(label, medians, ratios)


def _postgres_database(base_url: str) -> tuple[Any, str, str]:
    from sqlalchemy import create_engine
    from sqlalchemy import make_url
    from sqlalchemy import text

    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    name = f"trainingapp_bench_pages_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base_url).set(database=name).render_as_string(hide_password=False)
    return admin, name, url


def _drop_postgres(admin: Any, name: str) -> None:
    from sqlalchemy import text

    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3, help="the median round is kept")
    parser.add_argument("--duration", type=float, default=10, help="seconds of wrk per page")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of wrk before")
    parser.add_argument("--threads", type=int, default=2, help="wrk -t")
    parser.add_argument("--connections", type=int, default=16, help="wrk -c")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    args = parser.parse_args()
    if not Path(WRK).exists():
        raise SystemExit("wrk is not installed (apt-get install wrk)")

    workdir = Path(tempfile.mkdtemp(prefix="trainingapp-bench-pages-"))
    results = []
    try:
        results.append(run("sqlite", f"sqlite:///{workdir / 'pages.sqlite3'}", workdir, args))
        pg = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
        if pg:
            admin, name, url = _postgres_database(pg)
            try:
                results.append(run("postgresql", url, workdir, args))
            finally:
                _drop_postgres(admin, name)
        else:
            print("PostgreSQL skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print(
        f"\nwrk -t{args.threads} -c{args.connections} -d{args.duration:g}s per page and round, "
        f"median of {args.rounds} rounds, gunicorn -w {args.workers} (sync)"
    )
    print(f"{'database':<12}{'page':<8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'/ bare':>9}")
    for r in results:
        for kind, m in r.pages.items():
            ratio = "" if kind == "bare" else f"{r.ratio(kind):.2f}"
            print(
                f"{r.database:<12}{kind:<8}{m.rate:>9.0f}{m.p50_ms:>9.2f}{m.p99_ms:>9.2f}{ratio:>9}"
            )
    for kind in PAGES:
        if kind == "bare":
            continue
        failing = [r.database for r in results if r.ratio(kind) < TARGET]
        verdict = "met" if not failing else f"NOT met on {', '.join(failing)}"
        print(f"target ({kind}/bare >= {TARGET}):", verdict)


if __name__ == "__main__":
    main()
