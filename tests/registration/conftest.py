"""Fixtures for registration tests: courses, units and quotas made in one call."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from trainingapp.common.text import fold
from trainingapp.common.time import local_today
from trainingapp.events.models import Event
from trainingapp.events.models import EventStatus
from trainingapp.events.models import Quota
from trainingapp.extensions import db
from trainingapp.organizations.models import Organization
from trainingapp.organizations.models import OrganizationKind


def form_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "full_name": "Nguyễn Văn An",
        "gender": "male",
        "birth_year": "1985",
        "organization": "Sở Thông tin và Truyền thông",
        "position": "Chuyên viên",
        "phone": "0905 123 456",
        "email": "an@example.vn",
        "consent": "y",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def make_org(app: Flask) -> Callable[..., int]:
    def _make_org(name: str, **kwargs: Any) -> int:
        with app.app_context():
            org = db.session.query(Organization).filter_by(name_key=fold(name)).one_or_none()
            if org is None:
                org = Organization(
                    name=name, kind=kwargs.pop("kind", OrganizationKind.PROVINCIAL_AGENCY), **kwargs
                )
                db.session.add(org)
                db.session.commit()
            return org.id

    return _make_org


@pytest.fixture
def make_event(app: Flask, make_org: Callable[..., int]) -> Callable[..., int]:
    """Create a published course open for registration; returns its id."""
    counter = {"n": 0}

    def _make_event(quotas: dict[str, int] | None = None, **kwargs: Any) -> int:
        counter["n"] += 1
        organizer_id = make_org("Sở Thông tin và Truyền thông")
        start: date = kwargs.pop("start_date", local_today() + timedelta(days=10))
        quota_ids = {make_org(name): seats for name, seats in (quotas or {}).items()}
        with app.app_context():
            event = Event(
                title=kwargs.pop("title", "Lớp tập huấn thông tin đối ngoại"),
                slug=kwargs.pop("slug", f"lop-{counter['n']}"),
                organizer_id=organizer_id,
                venue=kwargs.pop("venue", "Hội trường Sở"),
                start_date=start,
                end_date=kwargs.pop("end_date", start),
                capacity=kwargs.pop("capacity", 50),
                status=kwargs.pop("status", EventStatus.PUBLISHED),
                **kwargs,
            )
            db.session.add(event)
            db.session.flush()
            for org_id, seats in quota_ids.items():
                db.session.add(Quota(event_id=event.id, organization_id=org_id, seats=seats))
            db.session.commit()
            return event.id

    return _make_event


@pytest.fixture
def outbox(app: Flask) -> Path:
    return Path(app.config["MAIL_OUTBOX"])


def read_mail(outbox: Path) -> list[Any]:
    from email import policy
    from email.parser import BytesParser

    return [
        BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        for path in sorted(outbox.glob("*.eml"))
    ]


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """English pages, so assertions read the messages as written in the code."""
    return {**app_config, "BABEL_DEFAULT_LOCALE": "en"}
