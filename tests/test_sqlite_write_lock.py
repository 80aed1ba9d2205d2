"""SQLite, the default: a request that reads and then writes (a login, a sign-out, an export's
audit entry) waits for the write lock instead of failing with "database is locked" when another
connection committed a write between its first read and its first write (``SQLITE_BUSY_SNAPSHOT``:
a read transaction whose snapshot is stale can never become a writer, and SQLite does not call the
busy handler for it). ``common.dbtx`` restarts such a transaction as ``BEGIN IMMEDIATE`` before its
first write.

The load test at the end (marked ``slow``; ``-m "not slow"`` leaves it out) runs registrations,
logins, sign-outs and CSV/XLSX exports together against gunicorn with 2 workers on a SQLite file.
"""

from __future__ import annotations

import http.client
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from tests.conftest import PASSWORD
from tests.conftest import TEST_DATABASE_URL
from tests.factories import make_event
from tests.factories import make_registration
from trainingapp.audit.models import AuditEntry
from trainingapp.auth.models import Role
from trainingapp.auth.models import User
from trainingapp.events.models import EventStaff
from trainingapp.events.models import StaffRole
from trainingapp.extensions import db

pytestmark = pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="SQLite's write lock")

ROOT = Path(__file__).resolve().parents[1]


class Interloper:
    """Another process's writer: once armed, it commits a write on its own connection right
    after the app's next SELECT, i.e. between the request's first read and its first write."""

    def __init__(self, app: Flask, database_url: str) -> None:
        self.path = database_url.removeprefix("sqlite:///")
        self.armed = False
        self.commits = 0
        with app.app_context():
            self.engine = db.engine
        other = sqlite3.connect(self.path, isolation_level=None)
        other.execute("CREATE TABLE IF NOT EXISTS interloper (n INTEGER)")
        other.close()
        event.listen(self.engine, "after_cursor_execute", self._after)

    def _after(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not self.armed or not statement.lstrip().upper().startswith("SELECT"):
            return
        self.armed = False
        other = sqlite3.connect(self.path, isolation_level=None, timeout=5)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("INSERT INTO interloper (n) VALUES (1)")
            other.execute("COMMIT")
        finally:
            other.close()
        self.commits += 1

    def remove(self) -> None:
        event.remove(self.engine, "after_cursor_execute", self._after)


@pytest.fixture
def interloper(app: Flask, database_url: str) -> Iterator[Interloper]:
    spy = Interloper(app, database_url)
    yield spy
    spy.remove()


@pytest.fixture
def staff(app: Flask, make_user: Callable[..., User]) -> tuple[int, str]:
    """A course with three registrations and its organizer's account: (course id, e-mail)."""
    user = make_user("canbo@example.vn", role=Role.ORGANIZER)
    with app.app_context():
        course = make_event(db.session)
        for _n in range(3):
            make_registration(db.session, course)
        db.session.add(EventStaff(event_id=course.id, user_id=user.id, role=StaffRole.ORGANIZER))
        db.session.commit()
        return course.id, user.email


def _audit_count(app: Flask, action: str) -> int:
    with app.app_context():
        count = db.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
        )
        db.session.rollback()
        return int(count or 0)


def test_the_race_fails_without_the_write_lock(database_url: str) -> None:
    """The failure the fix is for, on two bare connections: a deferred transaction that read
    before another connection committed cannot write, busy timeout or not."""
    path = database_url.removeprefix("sqlite:///")
    request = sqlite3.connect(path, isolation_level=None, timeout=5)
    other = sqlite3.connect(path, isolation_level=None, timeout=5)
    try:
        request.execute("PRAGMA journal_mode = WAL")
        request.execute("CREATE TABLE t (n INTEGER)")
        request.execute("BEGIN")
        request.execute("SELECT count(*) FROM t").fetchone()  # the read snapshot starts
        other.execute("INSERT INTO t (n) VALUES (1)")  # another writer commits
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            request.execute("INSERT INTO t (n) VALUES (2)")
        assert time.monotonic() - started < 1  # at once: the busy timeout is not used
        request.execute("ROLLBACK")
    finally:
        request.close()
        other.close()


def test_a_read_transaction_takes_the_write_lock_before_its_first_write(
    app: Flask, interloper: Interloper
) -> None:
    """Below the requests: an ORM session reads, another connection commits, the session writes
    and commits. Without ``common.dbtx``'s restart the flush raises OperationalError."""
    with app.app_context():
        course = make_event(db.session)
        db.session.commit()
        interloper.armed = True
        db.session.get(type(course), course.id, populate_existing=True)
        assert interloper.commits == 1
        course.title = "Đổi tên sau khi người khác đã ghi"
        db.session.commit()
        db.session.execute(text("SELECT 1"))  # a read-only transaction stays deferred
        db.session.rollback()
        assert db.session.scalar(select(type(course).title)) == course.title


@pytest.mark.parametrize("how", ["orm flush", "core insert", "execute_write", "text", "savepoint"])
def test_every_kind_of_write_takes_the_lock(app: Flask, interloper: Interloper, how: str) -> None:
    """Whatever API writes (the unit of work, a Core statement, ``dbtx.execute_write``, raw
    SQL, a savepoint), the stale read transaction is restarted as a writer first."""
    from trainingapp.common.dbtx import execute_write
    from trainingapp.organizations.models import Organization

    table = Organization.__table__
    with app.app_context():
        interloper.armed = True
        assert db.session.scalar(select(func.count()).select_from(Organization)) == 0
        assert interloper.commits == 1
        values = {"name": "Đồn Biên phòng", "name_key": "don bien phong", "kind": "other"}
        if how == "orm flush":
            db.session.add(Organization(**values))
            db.session.flush()
        elif how == "core insert":
            db.session.execute(table.insert(), values)  # type: ignore[attr-defined]
        elif how == "execute_write":
            execute_write(db.session, table.insert().values(**values))  # type: ignore[attr-defined]
        elif how == "text":
            db.session.execute(text("INSERT INTO interloper (n) VALUES (5)"))
        else:
            with db.session.begin_nested():
                db.session.add(Organization(**values))
        db.session.commit()
        if how == "text":
            assert db.session.scalar(text("SELECT count(*) FROM interloper WHERE n = 5")) == 1
        else:
            assert db.session.scalar(select(func.count()).select_from(Organization)) == 1
        db.session.rollback()


def test_login_after_another_write_succeeds(
    app: Flask, client: FlaskClient, staff: tuple[int, str], interloper: Interloper
) -> None:
    _course_id, email = staff
    interloper.armed = True
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert interloper.commits == 1
    assert response.status_code == 303
    assert _audit_count(app, "auth.login") == 1


def test_failed_login_after_another_write_is_audited(
    app: Flask, client: FlaskClient, staff: tuple[int, str], interloper: Interloper
) -> None:
    _course_id, email = staff
    interloper.armed = True
    response = client.post("/login", data={"email": email, "password": "wrong password!"})
    assert interloper.commits == 1
    assert response.status_code == 200
    assert _audit_count(app, "auth.login_failed") == 1


def test_logout_after_another_write_succeeds(
    app: Flask, client: FlaskClient, staff: tuple[int, str], interloper: Interloper
) -> None:
    _course_id, email = staff
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 303
    interloper.armed = True
    response = client.post("/logout")
    assert interloper.commits == 1
    assert response.status_code == 303
    assert _audit_count(app, "auth.logout") == 1


@pytest.mark.parametrize(
    ("name", "action"),
    [
        ("export.csv", "registration.export"),
        ("export.xlsx", "registration.export"),
        ("signin-sheet", "signin_sheet.export"),
        ("report.xlsx", "attendance_report.export"),
        ("report.docx", "course_report.export"),
    ],
)
def test_export_after_another_write_succeeds(
    app: Flask,
    client: FlaskClient,
    staff: tuple[int, str],
    interloper: Interloper,
    name: str,
    action: str,
) -> None:
    course_id, email = staff
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 303
    interloper.armed = True
    with client.get(f"/manage/events/{course_id}/{name}") as response:
        assert response.status_code == 200
        assert response.data
    assert interloper.commits == 1
    assert _audit_count(app, action) == 1


def test_without_the_restart_the_same_request_fails(
    app: Flask, database_url: str, interloper: Interloper
) -> None:
    """The control: the same interleaving on an engine set up as before the fix (plain deferred
    BEGIN, no restart) raises "database is locked" at the write."""
    engine = create_engine(database_url)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA busy_timeout = 5000")

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")

    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM interloper")).scalar()
            other = sqlite3.connect(interloper.path, isolation_level=None)
            other.execute("INSERT INTO interloper (n) VALUES (2)")
            other.close()
            with pytest.raises(OperationalError, match="database is locked"):
                conn.execute(text("INSERT INTO interloper (n) VALUES (3)"))
            conn.rollback()
    finally:
        engine.dispose()


# --- Under load ------------------------------------------------------------------------------

SEED = """
from datetime import timedelta
import trainingapp.models  # noqa
from trainingapp import create_app
from trainingapp.auth.models import Role, User
from trainingapp.common.time import local_today
from trainingapp.events.models import Event, EventStaff, EventStatus, StaffRole
from trainingapp.extensions import db
from trainingapp.organizations.models import Organization, OrganizationKind
app = create_app()
with app.app_context():
    db.create_all()
    org = Organization(name="Sở Thông tin và Truyền thông", kind=OrganizationKind.PROVINCIAL_AGENCY)
    db.session.add(org)
    db.session.flush()
    start = local_today() + timedelta(days=7)
    course = Event(title="Tải", slug="tai", organizer_id=org.id, start_date=start,
                   end_date=start, capacity=100000, waitlist_enabled=True,
                   status=EventStatus.PUBLISHED)
    db.session.add(course)
    db.session.flush()
    for n in range(8):
        user = User(email=f"canbo{n}@example.vn", role=Role.STAFF, full_name="")
        user.set_password("correct horse battery")
        db.session.add(user)
        db.session.flush()
        db.session.add(EventStaff(event_id=course.id, user_id=user.id, role=StaffRole.STAFF))
    db.session.commit()
    print(course.id)
"""

LOAD_SECONDS = 15


class _Browser:
    """One HTTP client with its own cookies."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> int:
        """The response's status; 0 when none came (a timeout or a dropped connection)."""
        try:
            return self._request(method, path, form)
        except OSError:
            return 0

    def _request(self, method: str, path: str, form: dict[str, str] | None) -> int:
        headers = {"Host": "localhost"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=90)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _eq, rest = value.partition("=")
                    cookie_value = rest.split(";", 1)[0]
                    if cookie_value and "Max-Age=0" not in value and "1970" not in value:
                        self.cookies[name] = cookie_value
                    else:
                        self.cookies.pop(name, None)
            return response.status
        finally:
            conn.close()


def _wait_until_up(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited")
        if _Browser(port).request("GET", "/healthz") == 200:
            return
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


@pytest.mark.slow
def test_registrations_logins_and_exports_under_load_give_no_server_error(
    tmp_path: Path,
) -> None:
    database_url = f"sqlite:///{tmp_path / 'load.sqlite3'}"
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY="write-lock-load-test",
        FLASK_RATELIMIT_ENABLED="false",
        FLASK_WTF_CSRF_ENABLED="false",
        FLASK_MAIL_OUTBOX=str(tmp_path / "outbox"),
        FLASK_JOB_FOLDER=str(tmp_path / "jobs"),
        PYTHONPATH=str(ROOT),
    )
    seeded = subprocess.run(
        [sys.executable, "-c", SEED], env=env, cwd=ROOT, check=True, timeout=60, capture_output=True
    )
    course_id = int(seeded.stdout.decode().split()[-1])
    port = int(
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import socket; s=socket.socket(); s.bind(('127.0.0.1',0));"
                "print(s.getsockname()[1])",
            ],
            capture_output=True,
            check=True,
        ).stdout
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "2",
            "--threads",
            "4",
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "90",
            "trainingapp:create_app()",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    codes: dict[str, Counter[int]] = {
        kind: Counter() for kind in ("register", "login", "logout", "csv", "xlsx")
    }
    lock = threading.Lock()
    stop_at = 0.0

    def note(kind: str, status: int) -> None:
        with lock:
            codes[kind][status] += 1

    def registrant(worker: int) -> None:
        n = 0
        while time.monotonic() < stop_at:
            n += 1
            form = {
                "full_name": f"Học Viên {worker} {n}",
                "gender": "female" if n % 2 else "male",
                "organization": "Sở Thông tin và Truyền thông",
                "position": "Chuyên viên",
                "phone": f"09{worker:02d}{n:06d}",
                "email": "",
                "consent": "y",
            }
            note("register", _Browser(port).request("POST", "/events/tai/register", form))

    def staff_member(worker: int) -> None:
        browser = _Browser(port)
        login = {"email": f"canbo{worker}@example.vn", "password": PASSWORD}
        while time.monotonic() < stop_at:
            note("login", browser.request("POST", "/login", login))
            note("csv", browser.request("GET", f"/manage/events/{course_id}/export.csv"))
            note("xlsx", browser.request("GET", f"/manage/events/{course_id}/export.xlsx"))
            note("logout", browser.request("POST", "/logout", {}))

    try:
        _wait_until_up(port, process)
        stop_at = time.monotonic() + LOAD_SECONDS
        with ThreadPoolExecutor(16) as pool:
            futures = [pool.submit(registrant, n) for n in range(8)]
            futures += [pool.submit(staff_member, n) for n in range(8)]
            for future in futures:
                future.result()
    finally:
        process.terminate()
        try:
            _out, err = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            _out, err = process.communicate()
    log = err.decode()
    summary = {kind: dict(counter) for kind, counter in codes.items()}
    print("responses by request kind and status:", summary)
    errors = {
        (kind, status): n
        for kind, counter in codes.items()
        for status, n in counter.items()
        if status >= 500 or status == 0
    }
    assert not errors, (summary, log[-3000:])
    assert "database is locked" not in log, log[-3000:]
    assert set(codes["register"]) <= {303}, summary
    assert set(codes["login"]) == {303}, summary
    assert set(codes["logout"]) == {303}, summary
    assert set(codes["csv"]) == {200}, summary
    assert set(codes["xlsx"]) == {200}, summary
    assert codes["register"][303] >= 50, summary
    assert codes["login"][303] >= 16, summary

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            registrations = conn.execute(text("SELECT count(*) FROM registrations")).scalar_one()
            logins = conn.execute(
                text("SELECT count(*) FROM audit_entries WHERE action = 'auth.login'")
            ).scalar_one()
            exports = conn.execute(
                text("SELECT count(*) FROM audit_entries WHERE action = 'registration.export'")
            ).scalar_one()
    finally:
        engine.dispose()
    assert registrations == codes["register"][303]
    assert logins == codes["login"][303]
    assert exports == codes["csv"][200] + codes["xlsx"][200]
    assert not re.search(r"Traceback", log), log[-3000:]
