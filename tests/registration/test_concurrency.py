"""Rule 1 under load: 320 registrations for a 50-seat course, from 16 threads, against gunicorn
with 2 worker processes. Exactly 50 are confirmed, the rest waitlisted, none lost or duplicated;
double submits of the same phone make one registration.

Runs on a SQLite file always, and on a fresh PostgreSQL database when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import create_engine
from sqlalchemy import make_url
from sqlalchemy import text

from tests.conftest import TEST_DATABASE_URL

ROOT = Path(__file__).resolve().parents[2]
CAPACITY = 50
PEOPLE = 320
DOUBLE_SUBMITS = 20  # the first 20 people submit twice at once
THREADS = 16

SEED = """
import os
from datetime import timedelta
import trainingapp.models  # noqa
from trainingapp import create_app
from trainingapp.common.time import local_today
from trainingapp.events.models import Event, EventStatus
from trainingapp.extensions import db
from trainingapp.organizations.models import Organization, OrganizationKind
CAPACITY = int(os.environ["TEST_CAPACITY"])
app = create_app()
with app.app_context():
    db.create_all()
    org = Organization(name="Sở Thông tin và Truyền thông", kind=OrganizationKind.PROVINCIAL_AGENCY)
    db.session.add(org)
    db.session.flush()
    start = local_today() + timedelta(days=7)
    db.session.add(Event(title="Tải", slug="tai", organizer_id=org.id, start_date=start,
                         end_date=start, capacity=CAPACITY, waitlist_enabled=True,
                         status=EventStatus.PUBLISHED))
    db.session.commit()
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY="concurrency-test",
        FLASK_RATELIMIT_ENABLED="false",
        FLASK_WTF_CSRF_ENABLED="false",
        FLASK_MAIL_OUTBOX=str(tmp_path / "outbox"),
        PYTHONPATH=str(ROOT),
        TEST_CAPACITY=str(CAPACITY),
    )
    return env


def _wait_until_up(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                "gunicorn exited: " + (process.stderr.read().decode() if process.stderr else "")
            )
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                return
        except OSError:
            time.sleep(0.2)
        finally:
            conn.close()
    raise RuntimeError("gunicorn did not start")


def _post(port: int, n: int) -> int:
    form = {
        "full_name": f"Học Viên {n}",
        "gender": "female" if n % 2 else "male",
        "organization": "Sở Thông tin và Truyền thông" if n % 3 else f"Đơn vị mới {n % 7}",
        "position": "Chuyên viên",
        "phone": f"0905{n:06d}" if n % 2 else f"+84 905 {n:06d}",
        "email": f"hv{n}@example.vn" if n % 4 == 0 else "",
        "consent": "y",
    }
    body = urlencode(form)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(
            "POST",
            "/events/tai/register",
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _run(database_url: str, tmp_path: Path) -> None:
    env = _server_env(database_url, tmp_path)
    subprocess.run([sys.executable, "-c", SEED], env=env, cwd=ROOT, check=True, timeout=60)
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
            "trainingapp:create_app()",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_until_up(port, process)
        jobs = list(range(PEOPLE)) + list(range(DOUBLE_SUBMITS))
        with ThreadPoolExecutor(THREADS) as pool:
            codes = Counter(pool.map(lambda n: _post(port, n), jobs))
    finally:
        process.terminate()
        try:
            _out, err = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            _out, err = process.communicate()
    assert set(codes) <= {200, 303}, (codes, err.decode()[-3000:])
    assert codes[303] >= PEOPLE  # duplicates answer 200 (message) unless from the same session

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            by_status = dict(
                conn.execute(
                    text("SELECT status, count(*) FROM registrations GROUP BY status")
                ).all()
            )
            phones, codes_distinct, total = conn.execute(
                text(
                    "SELECT count(DISTINCT phone), count(DISTINCT checkin_code), count(*) FROM registrations"
                )
            ).one()
            audit = conn.execute(
                text("SELECT count(*) FROM audit_entries WHERE action = 'registration.create'")
            ).scalar_one()
            orgs = conn.execute(text("SELECT count(*) FROM organizations")).scalar_one()
    finally:
        engine.dispose()
    assert by_status == {"confirmed": CAPACITY, "waitlisted": PEOPLE - CAPACITY}
    assert total == phones == codes_distinct == audit == PEOPLE
    assert orgs == 1 + 7  # the typed-in units were created once each
    assert "Traceback" not in err.decode(), err.decode()[-3000:]


def test_sqlite_under_load(tmp_path: Path) -> None:
    _run(f"sqlite:///{tmp_path / 'load.sqlite3'}", tmp_path)


@pytest.fixture
def postgres_database() -> Iterator[str]:
    if not TEST_DATABASE_URL:
        pytest.skip("set TEST_DATABASE_URL to run on PostgreSQL")
    name = f"trainingapp_load_{uuid.uuid4().hex[:10]}"
    admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
def test_postgres_under_load(postgres_database: str, tmp_path: Path) -> None:
    _run(postgres_database, tmp_path)
