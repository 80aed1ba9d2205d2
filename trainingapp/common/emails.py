"""E-mail addresses: lower-cased and checked for shape (never for deliverability)."""

from __future__ import annotations

from email_validator import EmailNotValidError
from email_validator import validate_email

from .text import clean


class InvalidEmailError(ValueError):
    """The text is not an e-mail address."""


def normalise_email(text: str | None) -> str | None:
    """``  An.Nguyen@Example.VN `` -> ``an.nguyen@example.vn``; empty -> None.

    The whole address is lower-cased: Vietnamese mail providers treat the local part
    case-insensitively, and duplicates must be found whatever the case typed. Raises
    :class:`InvalidEmailError` for anything email-validator refuses (no DNS lookup).
    """
    raw = clean(text)
    if not raw:
        return None
    if len(raw) > 254:
        raise InvalidEmailError(raw)
    try:
        result = validate_email(raw, check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidEmailError(str(error)) from error
    return result.normalized.lower()
