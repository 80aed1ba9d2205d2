"""A registration typed with invisible characters (pasted from a chat app or a web page) is stored
clean, and the duplicate check and the unit look-up still match it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from trainingapp.extensions import db
from trainingapp.organizations.models import Organization
from trainingapp.registration import errors
from trainingapp.registration import services
from trainingapp.registration.models import Registration
from trainingapp.registration.models import RegistrationSource
from trainingapp.registration.normalise import RegistrationInput

UNIT = "Sở Thông tin và Truyền thông"


def person(**overrides: object) -> RegistrationInput:
    values: dict[str, object] = {
        "full_name": "Nguyễn Văn An",
        "organization": UNIT,
        "phone": "0905123456",
        "position": "Chuyên viên",
        "email": "an@example.vn",
        "consent": True,
    }
    values.update(overrides)
    return RegistrationInput(**values)  # type: ignore[arg-type]


def register(event_id: int, data: RegistrationInput) -> Registration:
    registered = services.register(event_id, data, source=RegistrationSource.ONLINE, actor=None)
    db.session.commit()
    registration = db.session.get(Registration, registered.id)
    assert registration is not None
    return registration


def test_stored_clean(make_event: Callable[..., int], app_ctx: None) -> None:
    event_id = make_event()
    registration = register(
        event_id,
        person(
            full_name="\u202bNguyễn\u200b Văn\u200d An\u202c",
            organization=f"\ufeff{UNIT}\u200e",
            position="Chuyên\u2060 viên",
        ),
    )
    assert registration.full_name == "Nguyễn Văn An"
    assert registration.position == "Chuyên viên"
    assert registration.organization.name == UNIT
    assert registration.search_name == "nguyen van an"
    assert db.session.scalars(select(Organization.name)).all() == [UNIT]  # no look-alike unit


@pytest.mark.parametrize(
    "again",
    [
        person(full_name="Nguyễn\u200b Văn An", phone="0905\u200b123\u200f456", email=None),
        person(full_name="Trần Bình", phone="0912345678", email="an\u2060@example.vn"),
    ],
    ids=["phone", "email"],
)
def test_the_duplicate_check_still_matches(
    make_event: Callable[..., int], app_ctx: None, again: RegistrationInput
) -> None:
    event_id = make_event()
    first = register(event_id, person())
    with pytest.raises(errors.AlreadyRegistered) as caught:
        services.register(event_id, again, source=RegistrationSource.ONLINE, actor=None)
    db.session.rollback()
    assert caught.value.registration_id == first.id
    assert len(db.session.scalars(select(Registration)).all()) == 1
