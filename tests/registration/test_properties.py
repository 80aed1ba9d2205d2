"""Property tests: random form input never gives a server error nor saves an invalid registration."""

from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from sqlalchemy import select

from trainingapp.common.phones import normalise_phone
from trainingapp.extensions import db
from trainingapp.registration.models import Registration
from trainingapp.registration.normalise import MAX_NAME
from trainingapp.registration.normalise import RegistrationInput
from trainingapp.registration.normalise import normalise_input

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

text = st.text(st.characters(codec="utf-8"), max_size=120)
phones = st.one_of(
    text,
    st.from_regex(r"(\+84|84|0)[ .-]?(9|3|7|8|5)\d{2}[ .-]?\d{3}[ .-]?\d{3}", fullmatch=True),
)
years = st.one_of(text, st.integers(1800, 2200).map(str), st.just(""))
form = st.fixed_dictionaries(
    {
        "full_name": st.one_of(text, st.sampled_from(["Nguyễn Văn An", "trần thị b"])),
        "gender": st.one_of(text, st.sampled_from(["male", "female", "other"])),
        "birth_year": years,
        "organization": st.one_of(text, st.just("Báo Khánh Hòa")),
        "position": text,
        "phone": phones,
        "email": st.one_of(text, st.emails().map(lambda e: e[:254]), st.just("")),
        "consent": st.sampled_from(["y", "", "on", "false"]),
    }
)


def assert_valid(registration: Registration) -> None:
    assert registration.full_name
    assert len(registration.full_name) <= MAX_NAME
    assert unicodedata.is_normalized("NFC", registration.full_name)
    assert "  " not in registration.full_name
    assert registration.full_name == registration.full_name.strip()
    assert not any(unicodedata.category(ch) == "Cc" for ch in registration.full_name)
    assert normalise_phone(registration.phone) == registration.phone
    assert registration.email is None or registration.email == registration.email.lower()
    assert registration.birth_year is None or 1900 <= registration.birth_year <= 2100
    assert registration.consent_at is not None
    assert registration.organization_id is not None


@SETTINGS
@given(data=form)
def test_random_form_input_never_500(app, client, make_event, data):
    if not app.config.get("_course_made"):  # fixtures run once for all examples
        make_event(capacity=1000)
        app.config["_course_made"] = True
    response = client.post("/events/lop-1/register", data=data)
    assert response.status_code in (200, 303)
    with app.app_context():
        for registration in db.session.scalars(select(Registration)):
            assert_valid(registration)


@SETTINGS
@given(
    st.builds(
        RegistrationInput,
        full_name=text,
        organization=text,
        phone=phones,
        gender=st.one_of(st.none(), text),
        birth_year=st.one_of(st.none(), years, st.integers()),
        position=text,
        email=st.one_of(st.none(), text, st.emails()),
        consent=st.booleans(),
    )
)
def test_normalise_is_idempotent_when_valid(app, raw):
    with app.test_request_context():
        cleaned, errors = normalise_input(raw)
        if not errors:
            again, errors_again = normalise_input(cleaned)
            assert errors_again == {}
            assert again == cleaned
