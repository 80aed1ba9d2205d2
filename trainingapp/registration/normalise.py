"""Registration input: normalised first, then checked, the same way for every caller.

The public form, the service (:func:`trainingapp.registration.services.register`) and any import
run the same :func:`normalise_input`, so a name typed with decomposed accents, a phone written
``+84 905 123 456`` or an e-mail in capitals is stored in one canonical form and compared in it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ..common.emails import InvalidEmailError
from ..common.emails import normalise_email
from ..common.phones import InvalidPhoneError
from ..common.phones import normalise_phone
from ..common.text import capitalise_name
from ..common.text import clean
from ..common.text import fold
from ..common.time import local_today
from .models import Gender

#: longer names would overflow ``sort_key``; no real Vietnamese name comes near
MAX_NAME = 100
MAX_ORGANIZATION = 255
MAX_POSITION = 200
MIN_BIRTH_YEAR = 1900
#: youngest participant's age: a year of birth after this is a typing mistake
MIN_AGE = 10


@dataclass(frozen=True)
class RegistrationInput:
    """What a participant typed (or an import row holds), before or after normalisation."""

    full_name: str = ""
    organization: str = ""
    phone: str = ""
    gender: str | None = None
    birth_year: str | int | None = None
    position: str = ""
    email: str | None = None
    consent: bool = False


@dataclass(frozen=True)
class NormalisedInput(RegistrationInput):
    """Input that :func:`normalise_input` found valid, in canonical form. Only that function makes
    one; passing it again costs nothing (the public form normalises, then the service checks)."""


def _bad_characters(text: str) -> bool:
    """Control characters and lone surrogates: never valid in a name, and NUL breaks PostgreSQL."""
    return any(unicodedata.category(ch) in ("Cc", "Cs", "Co") for ch in text)


def _has_letter(text: str) -> bool:
    return any(unicodedata.category(ch).startswith("L") for ch in text)


def normalise_name(text: str | None) -> str:
    return capitalise_name(text)


def normalise_input(raw: RegistrationInput) -> tuple[RegistrationInput, dict[str, str]]:
    """Return the normalised input and a message per invalid field (empty when all is well).

    Invalid fields keep what was typed (cleaned of stray spaces) so a form can show it again.
    Valid input comes back as a :class:`NormalisedInput`.
    """
    if isinstance(raw, NormalisedInput):
        return raw, {}
    errors: dict[str, str] = {}

    full_name = normalise_name(raw.full_name)
    if not full_name:
        errors["full_name"] = _l("Please enter your full name.")
    elif _bad_characters(full_name) or not _has_letter(full_name):
        errors["full_name"] = _l("Please enter your name in letters.")
    elif len(full_name) > MAX_NAME:
        errors["full_name"] = _l("The name is too long (at most %(n)d characters).", n=MAX_NAME)

    organization = clean(raw.organization)
    if not organization:
        errors["organization"] = _l("Please enter your organization.")
    elif _bad_characters(organization) or not fold(organization).strip():
        errors["organization"] = _l("Please enter the name of your organization.")
    elif len(organization) > MAX_ORGANIZATION or len(fold(organization)) > MAX_ORGANIZATION:
        errors["organization"] = _l(
            "The organization name is too long (at most %(n)d characters).", n=MAX_ORGANIZATION
        )

    position = clean(raw.position)
    if _bad_characters(position):
        errors["position"] = _l("The position contains characters that are not allowed.")
    elif len(position) > MAX_POSITION:
        errors["position"] = _l(
            "The position is too long (at most %(n)d characters).", n=MAX_POSITION
        )

    phone = clean(raw.phone)
    if not phone:
        errors["phone"] = _l("Please enter your phone number.")
    else:
        try:
            phone = normalise_phone(phone)
        except InvalidPhoneError:
            errors["phone"] = _l(
                "Please enter a Vietnamese phone number, e.g. 0905 123 456 or +84 905 123 456."
            )

    email: str | None = clean(raw.email) or None
    try:
        email = normalise_email(email)
    except InvalidEmailError:
        errors["email"] = _l(
            "Please enter a valid e-mail address, e.g. ten@example.vn, or leave it empty."
        )

    gender = clean(raw.gender) or None
    if gender is not None and gender not in {g.value for g in Gender}:
        errors["gender"] = _l("Please choose one of the options.")

    birth_year: str | int | None = raw.birth_year
    if isinstance(birth_year, str):
        birth_year = clean(birth_year) or None
    if birth_year is not None:
        latest = local_today().year - MIN_AGE
        text = str(birth_year)
        if not (len(text) == 4 and text.isascii() and text.isdigit()):
            errors["birth_year"] = _l("Please enter a year of birth with four digits, e.g. 1985.")
        elif not MIN_BIRTH_YEAR <= int(text) <= latest:
            errors["birth_year"] = _l(
                "Please enter a year of birth between %(first)d and %(last)d.",
                first=MIN_BIRTH_YEAR,
                last=latest,
            )
        else:
            birth_year = int(text)

    result = (RegistrationInput if errors else NormalisedInput)(
        full_name=full_name,
        organization=organization,
        position=position,
        phone=phone,
        email=email,
        gender=gender,
        birth_year=birth_year,
        consent=bool(raw.consent),
    )
    return result, errors
