"""Vietnamese phone numbers: every common written form becomes the national form 0XXXXXXXXX."""

from __future__ import annotations

import pytest

from trainingapp.common.phones import InvalidPhoneError
from trainingapp.common.phones import normalise_phone
from trainingapp.common.phones import phone_digits


@pytest.mark.parametrize(
    "written",
    [
        "0905123456",
        "0905 123 456",
        "0905.123.456",
        "0905-123-456",
        "  0905 123 456  ",
        "(0905) 123 456",
        "+84 905123456",
        "+84 905 123 456",
        "+84905123456",
        "(+84) 905 123 456",
        "84-905-123-456",
        "84905123456",
        "84 905 123 456",
        "+84 (0) 905 123 456",
        "+84 0905 123 456",
    ],
)
def test_mobile_forms_are_normalised(written: str) -> None:
    assert normalise_phone(written) == "0905123456"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("0353 123 456", "0353123456"),  # Viettel 03x
        ("0522.456.789", "0522456789"),  # Vietnamobile 05x
        ("0707 654 321", "0707654321"),  # MobiFone 07x
        ("0868 000 111", "0868000111"),  # 08x
        ("+84 986 543 210", "0986543210"),
    ],
)
def test_every_mobile_prefix(written: str, expected: str) -> None:
    assert normalise_phone(written) == expected


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("0258 3822 123", "02583822123"),  # Khánh Hòa
        ("0258.3822.123", "02583822123"),
        ("(0258) 3822 123", "02583822123"),
        ("024 3825 1234", "02438251234"),  # Hà Nội
        ("028 3829 5555", "02838295555"),  # TP. Hồ Chí Minh
        ("+84 258 3822 123", "02583822123"),
        ("84-258-3822-123", "02583822123"),
        ("+84 (0) 258 3822 123", "02583822123"),
    ],
)
def test_landlines_are_accepted(written: str, expected: str) -> None:
    assert normalise_phone(written) == expected


@pytest.mark.parametrize(
    "written",
    [
        "",
        "   ",
        None,
        "0905 123",  # too short
        "090512345",  # one digit short
        "123456",
        "09051234567",  # one digit too many
        "0258 3822 12",  # landline one digit short
        "0258 3822 1234",  # landline one digit too many
        "0905 abc 456",  # letters
        "O9O5123456",  # letter O for zero
        "0905123456 ext 12",
        "tel: 0905123456",
        "0905/123/456",
        "+1 202 555 0143",  # foreign numbers
        "+44 20 7946 0958",
        "+33 1 42 68 53 00",
        "+856 20 5555 1234",  # Laos
        "+84 905 123 4567",  # +84 with an extra digit
        "+84 9051234567",
        "+84 258 3822 1234",
        "84 905 123 45678",
        "++84 905 123 456",
        "0905+123456",
        "0123 456 789",  # the old 01x mobile prefixes no longer exist
        "0105123456",
        "0605123456",  # no 06x mobile prefix
        "1900 1234",  # hotline, not a person's number
        "0000000000",
    ],
)
def test_invalid_numbers_are_refused(written: str | None) -> None:
    with pytest.raises(InvalidPhoneError):
        normalise_phone(written)


def test_invalid_phone_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="0905 abc"):
        normalise_phone("0905 abc 456")


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("0905 123", "0905123"),
        ("905.123", "905123"),
        ("+84 905 123 456", "0905123456"),
        ("84905", "84905"),  # too short to be a country code
        ("abc", ""),
        (None, ""),
    ],
)
def test_phone_digits_for_search(term: str | None, expected: str) -> None:
    assert phone_digits(term) == expected
