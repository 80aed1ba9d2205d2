"""Vietnamese phone numbers in any common written form, normalised to the national form."""

from __future__ import annotations

import re

_MOBILE = re.compile(r"0[35789]\d{8}")
_LANDLINE = re.compile(r"02\d{9}")
_ALLOWED = re.compile(r"[\d\s.\-()+]+")


class InvalidPhoneError(ValueError):
    """The text is not a Vietnamese mobile or landline number."""


def normalise_phone(text: str | None) -> str:
    """``0905 123 456``, ``+84 905123456``, ``84-905-123-456`` -> ``0905123456``.

    Landlines (area code 02xx, 11 digits in all) are accepted too. Raises :class:`InvalidPhoneError`.
    """
    raw = (text or "").strip()
    if not raw or not _ALLOWED.fullmatch(raw) or "+" in raw.lstrip("(")[1:]:
        raise InvalidPhoneError(raw)
    digits = re.sub(r"\D", "", raw)
    # "+84 (0) 905 ..." keeps the trunk 0: test it first (no number after 84 starts with 0).
    if digits.startswith("840") and len(digits) in (12, 13):
        digits = digits[2:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if raw.lstrip("(").startswith("+") and not digits.startswith("0"):
        raise InvalidPhoneError(raw)
    if _MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits):
        return digits
    raise InvalidPhoneError(raw)


def phone_digits(text: str | None) -> str:
    """Only the digits of a search term, with a leading 84 country code made national."""
    digits = re.sub(r"\D", "", text or "")
    if digits.startswith("84") and len(digits) >= 11:
        digits = "0" + digits[2:]
    return digits
