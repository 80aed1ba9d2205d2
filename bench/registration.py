"""Benchmark: full registration POSTs per second against a bare one-row insert, same server set-up.

    python bench/registration.py [--requests 1000] [--rounds 3] [--threads 16] [--workers 2]

Serves four apps at once with gunicorn (sync workers) on 127.0.0.1, then fires bursts of form
POSTs at each in turn from a thread pool, ``--rounds`` times, and keeps each app's median rate:

* ``full``: ``POST /events/<slug>/register`` of TrainingApp (normalisation, writer transaction,
  course lock, duplicate check, quota/capacity count, insert, audit entry, an outbox row for
  the mail of a quarter of them (sent by the sender thread after the response), 303 to the
  confirmation page). CSRF and rate limits are off, as behind a trusted load test. After each
  of its bursts the bench waits until that mail is out (and prints how long it took), so the
  sending never falls on the next app's burst.
* ``queued``: the same app with ``MAIL_SENDER=worker``: the web processes only queue mail, and
  ``flask mail worker`` processes (none during the burst; in production on any host) send it.
  ``full`` sends it from a thread in each web process, on the same two cores as the requests.
* ``bare``: a minimal Flask + SQLAlchemy app in this file whose POST inserts one row and commits
  (same SQLite connection set-up: WAL, busy timeout, BEGIN IMMEDIATE).
* ``floor``: what any correct registration must do, hand-written in this file as cheaply as the
  stack allows: the app's own form (WTForms + normalisation), then one Core transaction that locks
  the course and runs the duplicate check, unit look-up, seat count, insert and audit entry. No
  ORM, no session cookie, no mail. It shows how close the target can be got at all.

It runs on a SQLite file and, when ``BENCH_DATABASE_URL`` or ``TEST_DATABASE_URL`` names a
PostgreSQL server, on fresh databases created there and dropped afterwards. It prints requests per
second and the ratios to the floor and the bare app. Targets: full / floor and queued / floor at
least 0.8 (mail and ORM work off the hot path), full / bare at least 0.5.
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SEED = """
from datetime import timedelta
import trainingapp.models  # noqa: F401
from trainingapp import create_app
from trainingapp.common.time import local_today
from trainingapp.events.models import Event, EventStatus
from trainingapp.extensions import db
from trainingapp.organizations.models import Organization, OrganizationKind
app = create_app()
with app.app_context():
    db.create_all()
    org = Organization(name="Sở Thông tin và Truyền thông", kind=OrganizationKind.PROVINCIAL_AGENCY)
    db.session.add(org)
    db.session.flush()
    start = local_today() + timedelta(days=7)
    db.session.add(Event(title="Bench", slug="bench", organizer_id=org.id, start_date=start,
                         end_date=start, capacity=1_000_000, status=EventStatus.PUBLISHED))
    db.session.commit()
"""


def bare_app() -> Any:
    """The baseline: one POST, one INSERT, one COMMIT, a 303. Loaded by gunicorn."""
    from flask import Flask
    from flask import redirect
    from flask import request
    from sqlalchemy import Column
    from sqlalchemy import DateTime
    from sqlalchemy import Integer
    from sqlalchemy import MetaData
    from sqlalchemy import String
    from sqlalchemy import Table
    from sqlalchemy import create_engine
    from sqlalchemy import func

    from trainingapp.common import dbtx

    url = os.environ["DATABASE_URL"]
    engine = create_engine(url, pool_pre_ping=True)
    dbtx.configure_engine(engine, 30)
    metadata = MetaData()
    rows = Table(
        "bare_rows",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("full_name", String(200)),
        Column("phone", String(20)),
        Column("created_at", DateTime, server_default=func.now()),
    )
    app = Flask("bare")

    @app.post("/insert")
    def insert() -> Any:
        with engine.begin() as conn:
            conn.execute(
                rows.insert().values(
                    full_name=request.form.get("full_name", ""), phone=request.form.get("phone", "")
                )
            )
        return redirect("/done", 303)

    @app.get("/healthz")
    def healthz() -> str:
        return "ok"

    app.extensions["bench_create"] = lambda: metadata.create_all(engine)
    app.extensions["bench_engine"] = engine
    return app


def floor_app() -> Any:
    """The floor (see the module docstring): the real form, then six statements and a commit."""
    import secrets as random_tokens

    from flask import Flask
    from flask import redirect
    from flask_babel import Babel
    from sqlalchemy import bindparam
    from sqlalchemy import create_engine
    from sqlalchemy import func
    from sqlalchemy import insert
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError

    import trainingapp.models  # noqa: F401
    from trainingapp.audit.models import AuditEntry
    from trainingapp.common import dbtx
    from trainingapp.common.text import fold
    from trainingapp.common.text import name_sort_key
    from trainingapp.common.time import utcnow
    from trainingapp.events.models import Event
    from trainingapp.organizations.models import Organization
    from trainingapp.registration.forms import RegistrationForm
    from trainingapp.registration.models import Registration
    from trainingapp.registration.models import RegistrationStatus
    from trainingapp.registration.storage import new_checkin_code

    engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)
    dbtx.configure_engine(engine, 30)
    lock = select(Event.id, Event.capacity).where(Event.slug == bindparam("slug")).with_for_update()
    same_phone = select(Registration.id).where(
        Registration.event_id == bindparam("event_id"), Registration.phone == bindparam("phone")
    )
    unit = select(Organization.id).where(Organization.name_key == bindparam("key"))
    taken = select(func.count()).where(
        Registration.event_id == bindparam("event_id"),
        Registration.status == RegistrationStatus.CONFIRMED,
    )
    add = insert(Registration.__table__)  # type: ignore[arg-type]
    audit = insert(AuditEntry.__table__)  # type: ignore[arg-type]

    app = Flask("floor")
    app.config.update(SECRET_KEY=os.environ["SECRET_KEY"], WTF_CSRF_ENABLED=False)
    Babel(app)

    @app.post("/events/bench/register")
    def register() -> Any:
        form = RegistrationForm()
        if not form.validate() or form.cleaned is None:
            return "invalid", 400
        data = form.cleaned
        for attempt in range(3):  # a check-in code already drawn in the course: start again
            try:
                token = _floor_transaction(data)
                break
            except IntegrityError:
                if attempt == 2:
                    raise
        if token is None:
            return "duplicate", 400
        return redirect(f"/r/{token}", 303)

    def _floor_transaction(data: Any) -> str | None:
        """Lock, check, count, insert and audit; None for a phone already registered."""
        immediate = engine.connect().execution_options(**{dbtx.IMMEDIATE: True})
        with immediate as conn, conn.begin():
            event_id, capacity = conn.execute(lock, {"slug": "bench"}).one()
            if conn.execute(same_phone, {"event_id": event_id, "phone": data.phone}).first():
                return None
            organization_id = conn.execute(unit, {"key": fold(data.organization)}).scalar()
            confirmed = conn.execute(taken, {"event_id": event_id}).scalar_one() < capacity
            now = utcnow()
            row = {
                "event_id": event_id,
                "full_name": data.full_name,
                "sort_key": name_sort_key(data.full_name),
                "search_name": fold(data.full_name),
                "gender": data.gender,
                "birth_year": None,
                "organization_id": organization_id,
                "position": data.position,
                "phone": data.phone,
                "email": data.email,
                "status": "confirmed" if confirmed else "waitlisted",
                "source": "online",
                "over_capacity": False,
                "manage_token": random_tokens.token_urlsafe(32),
                "checkin_code": new_checkin_code(),
                "consent_at": now,
                "created_at": now,
                "updated_at": now,
                "status_changed_at": now,
            }
            new_id = conn.execute(add, row).inserted_primary_key[0]
            conn.execute(
                audit,
                {
                    "created_at": now,
                    "actor_id": None,
                    "actor_label": "participant",
                    "action": "registration.create",
                    "object_type": "Registration",
                    "object_id": new_id,
                    "event_id": event_id,
                    "details": {"status": row["status"], "source": "online"},
                    "ip_address": None,
                },
            )
        return str(row["manage_token"])

    @app.get("/healthz")
    def healthz() -> str:
        return "ok"

    app.extensions["bench_engine"] = engine
    return app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn exited early")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def _post(port: int, path: str, n: int) -> int:
    body = urlencode(
        {
            "full_name": f"nguyễn văn  học viên {n}",
            "gender": "male",
            "organization": "Sở Thông tin và Truyền thông",
            "position": "Chuyên viên",
            "phone": f"+84 905 {n:06d}",
            "email": f"hv{n}@example.vn" if n % 4 == 0 else "",
            "consent": "y",
        }
    )
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(
            "POST", path, body=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _serve(app_spec: str, env: dict[str, str], args: argparse.Namespace) -> Server:
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(args.workers),
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "--log-level",
            "warning",
            app_spec,
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        _wait(port, process)
    except BaseException:
        process.terminate()
        raise
    return Server(app_spec, port, process)


@dataclass
class Server:
    app_spec: str
    port: int
    process: subprocess.Popen[bytes]


def _burst(server: Server, path: str, first: int, args: argparse.Namespace) -> float:
    """POSTs per second for ``args.requests`` new registrations numbered from ``first``."""
    with ThreadPoolExecutor(args.threads) as pool:
        started = time.perf_counter()
        numbers = range(first, first + args.requests)
        codes = list(pool.map(lambda n: _post(server.port, path, n), numbers))
        elapsed = time.perf_counter() - started
    bad = [code for code in codes if code != 303]
    if bad:
        raise SystemExit(
            f"{server.app_spec}: {len(bad)} responses were not 303: {sorted(set(bad))}"
        )
    return float(args.requests) / elapsed


def _wait_for_mail(database_url: str, timeout: float = 120) -> float:
    """Seconds until the app's outbox holds no queued mail any more (its sender threads sent
    it); raises when that takes longer than ``timeout``."""
    from sqlalchemy import create_engine
    from sqlalchemy import text

    engine = create_engine(database_url)
    started = time.perf_counter()
    try:
        while True:
            with engine.connect() as conn:
                left = conn.execute(
                    text("SELECT count(*) FROM mail_outbox WHERE status = 'queued'")
                ).scalar_one()
            waited = time.perf_counter() - started
            if not left:
                return waited
            if waited > timeout:
                raise SystemExit(f"{left} mails still queued {timeout:.0f} s after the burst")
            time.sleep(0.05)
    finally:
        engine.dispose()


def _env(database_url: str, outbox: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY=secrets.token_hex(16),
        FLASK_RATELIMIT_ENABLED="false",
        FLASK_WTF_CSRF_ENABLED="false",
        FLASK_MAIL_OUTBOX=str(outbox),
        PYTHONPATH=str(ROOT),
    )
    return env


def _create_bare(env: dict[str, str]) -> None:
    code = "from bench.registration import bare_app; bare_app().extensions['bench_create']()"
    subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True)


#: the apps that send their mail themselves (a sender thread in each web process)
SENDS_MAIL = ("full",)
#: kind, gunicorn app, path, extra environment
APPS: tuple[tuple[str, str, str, dict[str, str]], ...] = (
    ("full", "trainingapp:create_app()", "/events/bench/register", {}),
    (
        "queued",
        "trainingapp:create_app()",
        "/events/bench/register",
        {"FLASK_MAIL_SENDER": "worker"},
    ),
    ("floor", "bench.registration:floor_app()", "/events/bench/register", {}),
    ("bare", "bench.registration:bare_app()", "/insert", {}),
)
KINDS = tuple(kind for kind, *_rest in APPS)


def run(label: str, urls: dict[str, str], workdir: Path, args: argparse.Namespace) -> Result:
    """Serve the apps at once, each on its own database (``urls`` by kind), then measure
    them in turn, ``args.rounds`` times: the machine's noise then falls on all of them alike, and
    the median of each is kept."""
    servers: dict[str, Server] = {}
    try:
        for kind, app_spec, _path, extra_env in APPS:
            env = {**_env(urls[kind], workdir / f"outbox-{label}"), **extra_env}
            if kind == "bare":
                _create_bare(env)
            else:
                subprocess.run([sys.executable, "-c", SEED], env=env, cwd=ROOT, check=True)
            servers[kind] = _serve(app_spec, env, args)
        rates: dict[str, list[float]] = {kind: [] for kind in KINDS}
        mail_out: list[float] = []
        for kind, _spec, path, _env_extra in APPS:  # warm-up: imports, connections, caches
            _burst(
                servers[kind], path, 900_000, argparse.Namespace(**{**vars(args), "requests": 50})
            )
            if kind in SENDS_MAIL:
                _wait_for_mail(urls[kind])
        for round_number in range(args.rounds):
            for kind, _spec, path, _env_extra in APPS:
                rates[kind].append(_burst(servers[kind], path, round_number * args.requests, args))
                if kind in SENDS_MAIL:
                    mail_out.append(_wait_for_mail(urls[kind]))
    finally:
        for server in servers.values():
            server.process.terminate()
            server.process.wait(timeout=30)
    rounds = "; ".join(
        f"{kind} {' '.join(f'{rate:.0f}' for rate in rates[kind])}" for kind in rates
    )
    print(f"{label}, per round (POSTs/s): {rounds}")
    if mail_out:
        print(
            f"{label}, mail of {', '.join(SENDS_MAIL)} all sent this long after each burst (s): "
            + " ".join(f"{seconds:.1f}" for seconds in mail_out)
        )
    return Result(label, *(statistics.median(rates[kind]) for kind in KINDS))


@dataclass
class Result:
    database: str
    full: float
    queued: float
    floor: float
    bare: float

    def ratio(self, name: str) -> float:
        """``"full/floor"`` and the like."""
        top, bottom = name.split("/")
        return float(getattr(self, top)) / float(getattr(self, bottom))


def _postgres_databases(base_url: str) -> tuple[Any, dict[str, str]]:
    from sqlalchemy import create_engine
    from sqlalchemy import make_url
    from sqlalchemy import text

    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    tag = uuid.uuid4().hex[:8]
    names = {kind: f"trainingapp_bench_{tag}_{kind}" for kind in KINDS}
    with admin.connect() as conn:
        for name in names.values():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    urls = {
        kind: make_url(base_url).set(database=name).render_as_string(hide_password=False)
        for kind, name in names.items()
    }
    return (admin, list(names.values())), urls


def _drop_postgres(handle: tuple[Any, list[str]]) -> None:
    from sqlalchemy import text

    admin, names = handle
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=1000, help="POSTs per app and round")
    parser.add_argument("--rounds", type=int, default=3, help="the median round is kept")
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="trainingapp-bench-"))
    results = []
    try:
        sqlite_urls = {kind: f"sqlite:///{workdir / kind}.sqlite3" for kind in KINDS}
        results.append(run("sqlite", sqlite_urls, workdir, args))
        pg = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
        if pg:
            handle, pg_urls = _postgres_databases(pg)
            try:
                results.append(run("postgresql", pg_urls, workdir, args))
            finally:
                _drop_postgres(handle)
        else:
            print("PostgreSQL skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print(
        f"\n{args.requests} POSTs per app and round, median of {args.rounds} rounds, "
        f"{args.threads} client threads, gunicorn -w {args.workers}"
    )
    columns = ("full/floor", "queued/floor", "full/bare", "floor/bare")
    print(
        f"{'database':<12}{'full/s':>8}{'queued/s':>10}{'floor/s':>9}{'bare/s':>8}"
        + "".join(f"{name:>14}" for name in columns)
    )
    for r in results:
        print(
            f"{r.database:<12}{r.full:>8.1f}{r.queued:>10.1f}{r.floor:>9.1f}{r.bare:>8.1f}"
            + "".join(f"{r.ratio(name):>14.2f}" for name in columns)
        )
    for name, target in (("full/floor", 0.8), ("queued/floor", 0.8), ("full/bare", 0.5)):
        failing = [r.database for r in results if r.ratio(name) < target]
        verdict = "met" if not failing else f"NOT met on {', '.join(failing)}"
        print(f"target ({name} >= {target}):", verdict)


if __name__ == "__main__":
    main()
