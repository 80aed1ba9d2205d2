"""Invisible characters (zero-width, direction marks and overrides, word joiner, a BOM inside the
text) are deleted wherever text is cleaned, so names, units and positions are stored without them
and compare equal to the same text typed without them."""

from __future__ import annotations

import unicodedata

import pytest

from trainingapp.common.text import INVISIBLE
from trainingapp.common.text import clean
from trainingapp.common.text import fold
from trainingapp.common.text import name_sort_key
from trainingapp.registration.normalise import RegistrationInput
from trainingapp.registration.normalise import normalise_input

LISTED = (
    [chr(c) for c in range(0x200B, 0x2010)]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2060, 0x2065)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\ufeff"]
)


def test_the_set_is_the_listed_one() -> None:
    assert sorted(INVISIBLE) == sorted(LISTED)
    assert all(unicodedata.category(ch) == "Cf" for ch in LISTED)


@pytest.mark.parametrize("ch", LISTED, ids=[f"U+{ord(ch):04X}" for ch in LISTED])
def test_each_is_deleted_inside_and_at_the_ends(ch: str) -> None:
    assert clean(f"{ch}Nguyễn{ch} Văn A{ch}n{ch}") == "Nguyễn Văn An"


def test_a_mark_between_letter_and_tone_still_composes() -> None:
    # "Hằng" decomposed, with a zero-width joiner between the ă and its grave accent.
    typed = "Ha\u0306\u200d\u0300ng"
    assert clean(typed) == "Hằng"
    assert unicodedata.is_normalized("NFC", clean(typed))


def test_an_override_cannot_reverse_what_a_list_shows() -> None:
    # U+202E would show "Lê Văn An" as its mirror image in every list and export.
    spoofed = "\u202eLê Văn An\u202c"
    assert clean(spoofed) == "Lê Văn An"
    assert name_sort_key(spoofed) == name_sort_key("Lê Văn An")
    assert fold(spoofed) == "le van an"


def test_spaces_around_a_removed_character_collapse() -> None:
    assert clean("Trần \u200b Thị\u2060 \ufeffMai") == "Trần Thị Mai"


def test_normalised_input_holds_no_invisible_character() -> None:
    cleaned, errors = normalise_input(
        RegistrationInput(
            full_name="\u200fnguyễn\u200b văn\u2066 an\u2069",
            organization="Sở Thông tin\u200c và Truyền thông\ufeff",
            position="Chuyên\u2062 viên",
            phone="0905\u200e123\u200b456",
            email="an\u200b@example.vn",
            consent=True,
        )
    )
    assert errors == {}
    assert cleaned.full_name == "Nguyễn Văn An"
    assert cleaned.organization == "Sở Thông tin và Truyền thông"
    assert cleaned.position == "Chuyên viên"
    assert cleaned.phone == "0905123456"
    assert cleaned.email == "an@example.vn"


def test_a_name_of_invisible_characters_only_is_empty() -> None:
    _cleaned, errors = normalise_input(
        RegistrationInput(
            full_name="\u200b\u200d\u2060", organization="Sở Tư pháp", phone="0905123456"
        )
    )
    assert str(errors["full_name"]) == "Please enter your full name."
