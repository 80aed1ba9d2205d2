"""Benchmark: staff lists at 10,000 registrations against the public course page, same run.

    python bench/lists.py [--registrations 10000] [--repeat 30]

Builds a course with ``--registrations`` confirmed registrations (Core ``insert()``, a third of
them checked in for the morning session) in a fresh SQLite file, or on PostgreSQL when
``BENCH_DATABASE_URL`` names a server (a new schema, dropped afterwards). Then, signed in as the
course's organizer through Flask's test client (in-process: app + database time, no network), it
times each page ``--repeat`` times and prints the median and the 90th percentile in ms:

* ``public course page``   ``GET /events/<slug>`` (the reference: what anyone gets)
* ``registrant list``      ``GET /manage/events/<id>/registrations`` (first page of 50)
* ``list search``          the list searched by name (accent-free), by phone digits, by unit
* ``check-in search``      ``GET /manage/events/<id>/checkin?q=...`` (20 results)
* ``offline snapshot``     ``GET .../checkin/snapshot.json`` gzip-compressed, with its size
                           (issue 11: under 1 MB compressed, under 300 ms at 10,000)
* ``offline sync of 500``  one ``POST .../checkin/sync`` of 500 queued check-ins, then the same
                           queue again (a replay: nothing added) (issue 11: under 2 s)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine  # noqa: E402
from sqlalchemy import text  # noqa: E402

PASSWORD = "bench password 123"  # noqa: S105  (a throwaway account in a temporary database)


def _seed(app: Any, count: int) -> dict[str, Any]:
    from tests.factories import make_event
    from tests.factories import make_organization
    from tests.factories import make_session
    from tests.registrants.test_scale import bulk_registrations
    from trainingapp.auth.models import Role
    from trainingapp.auth.models import User
    from trainingapp.common.time import local_today
    from trainingapp.extensions import db
    from trainingapp.organizations.models import OrganizationKind

    with app.app_context():
        db.create_all()
        user = User(email="bench@example.vn", role=Role.ORGANIZER)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.flush()
        units = [
            make_organization(
                db.session, name=f"Đồn Biên phòng {n}", kind=OrganizationKind.BORDER_POST
            ).id
            for n in range(60)
        ]
        event = make_event(
            db.session, created_by_id=user.id, capacity=count * 2, start_date=local_today()
        )
        morning = make_session(db.session, event)
        bulk_registrations(event.id, count, units, morning.id)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # What autovacuum does soon after a bulk load: planner statistics for the new rows.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
        return {"event_id": event.id, "slug": event.slug, "session_id": morning.id}


def _time(client: Any, url: str, repeat: int) -> tuple[float, float]:
    client.get(url)  # warm-up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.9) - 1]


def run(database_url: str, count: int, repeat: int) -> None:
    import trainingapp.models  # noqa: F401
    from trainingapp import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "BABEL_DEFAULT_LOCALE": "vi",
            # no sender thread outliving the temporary database
            "MAIL_SENDER": "worker",
        }
    )
    started = time.perf_counter()
    world = _seed(app, count)
    print(f"  seeded {count:,} registrations in {time.perf_counter() - started:.1f} s")
    client = app.test_client()
    client.post("/login", data={"email": "bench@example.vn", "password": PASSWORD})
    base = f"/manage/events/{world['event_id']}"
    pages = {
        "public course page": f"/events/{world['slug']}",
        "registrant list": f"{base}/registrations",
        "list search: name": f"{base}/registrations?q=nguyen+van+an",
        "list search: phone": f"{base}/registrations?q=0901+000+12",
        "list search: unit": f"{base}/registrations?q=bien+phong+17",
        "list filtered": f"{base}/registrations?status=confirmed&session={world['session_id']}&attendance=not_attended",
        "check-in search": f"{base}/checkin?session={world['session_id']}&q=tran+thi+mai",
    }
    print(f"  {'page':<28} {'median ms':>10} {'p90 ms':>8}")
    for name, url in pages.items():
        median, p90 = _time(client, url, repeat)
        print(f"  {name:<28} {median:>10.1f} {p90:>8.1f}")
    # check-in POST by code (each a different person: every one is a real insert)
    samples = []
    for i in range(repeat):
        start = time.perf_counter()
        response = client.post(
            f"{base}/checkin",
            data={"code": f"S{i * 3 + 1:07d}", "session": world["session_id"]},
            headers={"Accept": "application/json"},
        )
        samples.append((time.perf_counter() - start) * 1000)
        outcome = response.get_json()["outcome"]
        assert outcome == "checked_in", outcome
    samples.sort()
    print(
        f"  {'check-in by code (POST)':<28} {statistics.median(samples):>10.1f} "
        f"{samples[int(len(samples) * 0.9) - 1]:>8.1f}"
    )
    _offline(client, base, world["session_id"], repeat)
    with app.app_context():
        from trainingapp.extensions import db

        db.session.remove()
        db.engine.dispose()


def _offline(client: Any, base: str, session_id: int, repeat: int) -> None:
    """The offline check-in's snapshot (size and time) and one sync of 500 queued items."""
    url = f"{base}/checkin/snapshot.json"
    gzip_headers = {"Accept-Encoding": "gzip"}
    response = client.get(url, headers=gzip_headers)
    assert response.headers.get("Content-Encoding") == "gzip"
    compressed = len(response.data)
    raw = len(client.get(url).data)
    samples = []
    for _ in range(max(5, repeat // 3)):
        start = time.perf_counter()
        assert client.get(url, headers=gzip_headers).status_code == 200
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    print(
        f"  {'offline snapshot (gzip)':<28} {statistics.median(samples):>10.1f} "
        f"{samples[int(len(samples) * 0.9) - 1]:>8.1f}   "
        f"{compressed / 1024:,.0f} KiB compressed, {raw / 1024:,.0f} KiB raw"
    )
    now_ms = int(time.time() * 1000)
    items = [
        {
            "id": f"bench-{uuid.uuid4().hex}",
            "session_id": session_id,
            "at": now_ms - 60_000 + i,
            "method": "code",
            "code": f"S{i * 3 + 2:07d}",
        }
        for i in range(500)
    ]
    for label in ("offline sync of 500", "  same queue again (replay)"):
        start = time.perf_counter()
        response = client.post(f"{base}/checkin/sync", json={"device": "bench", "items": items})
        elapsed = (time.perf_counter() - start) * 1000
        answers = response.get_json()["answers"]
        outcomes = {answer["outcome"] for answer in answers}
        replays = sum(1 for answer in answers if answer.get("replay"))
        print(
            f"  {label:<28} {elapsed:>10.1f} {'':>8}   outcomes {sorted(outcomes)}, {replays} replays"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        print(f"SQLite ({args.registrations:,} registrations)")
        run(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", args.registrations, args.repeat)

    server = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if server and server.startswith("postgresql"):
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            separator = "&" if "?" in server else "?"
            print(f"PostgreSQL ({args.registrations:,} registrations)")
            run(
                f"{server}{separator}options=-csearch_path%3D{schema}",
                args.registrations,
                args.repeat,
            )
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
