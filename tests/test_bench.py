"""The apps of ``bench/registration.py`` work: the floor is a real registration, the bare app
inserts its row. A benchmark that measured a broken app would print a meaningless ratio."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import create_engine
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text

import trainingapp.models  # noqa: F401  (registers every table)
from bench.registration import _wait_for_mail
from bench.registration import bare_app
from bench.registration import floor_app
from trainingapp.audit.models import AuditEntry
from trainingapp.common.time import local_today
from trainingapp.common.time import utcnow
from trainingapp.events.models import Event
from trainingapp.events.models import EventStatus
from trainingapp.extensions import db
from trainingapp.mail.models import OutboxMessage
from trainingapp.mail.models import OutboxStatus
from trainingapp.organizations.models import Organization
from trainingapp.organizations.models import OrganizationKind
from trainingapp.registration.models import Registration

FORM = {
    "full_name": "nguyễn văn  học viên",
    "gender": "male",
    "organization": "Sở Thông tin và Truyền thông",
    "position": "Chuyên viên",
    "phone": "+84 905 000 001",
    "email": "",
    "consent": "y",
}


@pytest.fixture
def bench_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SECRET_KEY", "bench-test")
    return database_url


def test_floor_registers_once_with_the_rules(bench_env: str) -> None:
    engine = create_engine(bench_env)
    db.metadata.create_all(engine)
    with engine.begin() as conn:
        org_id = conn.execute(
            Organization.__table__.insert().values(
                name=FORM["organization"],
                name_key="so thong tin va truyen thong",
                kind=OrganizationKind.PROVINCIAL_AGENCY,
            )
        ).inserted_primary_key[0]
        start = local_today() + timedelta(days=7)
        conn.execute(
            Event.__table__.insert().values(
                title="Bench",
                slug="bench",
                organizer_id=org_id,
                start_date=start,
                end_date=start,
                capacity=1,
                status=EventStatus.PUBLISHED,
            )
        )
    app = floor_app()
    client = app.test_client()
    first = client.post("/events/bench/register", data=FORM)
    assert first.status_code == 303
    again = client.post("/events/bench/register", data={**FORM, "phone": "0905000001"})
    assert again.status_code == 400  # the same phone in another format is a duplicate
    later = client.post("/events/bench/register", data={**FORM, "phone": "0905000002"})
    assert later.status_code == 303
    with engine.connect() as conn:
        rows = conn.execute(
            select(Registration.phone, Registration.status, Registration.organization_id).order_by(
                Registration.id
            )
        ).all()
        audited = conn.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    assert [(phone, str(status)) for phone, status, _org in rows] == [
        ("0905000001", "confirmed"),
        ("0905000002", "waitlisted"),  # capacity 1
    ]
    assert {org for _phone, _status, org in rows} == {org_id}
    assert audited == 2
    engine.dispose()
    app.extensions["bench_engine"].dispose()


def test_bare_inserts_one_row_per_post(bench_env: str) -> None:
    app = bare_app()
    app.extensions["bench_create"]()
    client = app.test_client()
    for n in range(3):
        assert client.post("/insert", data={**FORM, "phone": f"0905{n:06d}"}).status_code == 303
    engine = create_engine(bench_env)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM bare_rows")).scalar_one() == 3
    engine.dispose()
    app.extensions["bench_engine"].dispose()


def test_the_bench_waits_for_the_mail_of_the_full_app(bench_env: str) -> None:
    """Mail left queued after a burst would be sent during the next app's burst."""
    engine = create_engine(bench_env)
    db.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            OutboxMessage.__table__.insert().values(
                kind="registration.confirmed",
                recipient="an@example.vn",
                payload={"registration_id": 1},
                locale="vi",
                base_url="http://localhost/",
                status=OutboxStatus.QUEUED,
                attempts=0,
                next_attempt_at=utcnow(),
                created_at=utcnow(),
            )
        )
    with pytest.raises(SystemExit, match="1 mails still queued"):
        _wait_for_mail(bench_env, timeout=0.2)
    with engine.begin() as conn:
        conn.execute(OutboxMessage.__table__.update().values(status=OutboxStatus.SENT))
    assert _wait_for_mail(bench_env, timeout=0.2) < 0.2
    engine.dispose()
