"""Vietnamese text: NFC, spaces, accent-insensitive keys, capitalisation and official-list order."""

from __future__ import annotations

import random
import unicodedata

import pytest

from trainingapp.common.text import capitalise_name
from trainingapp.common.text import clean
from trainingapp.common.text import fold
from trainingapp.common.text import name_sort_key
from trainingapp.common.text import search_words
from trainingapp.common.text import text_sort_key

# "Nguyễn Thị Hằng" as some keyboards send it: base letters followed by combining marks.
DECOMPOSED = "Nguye\u0302\u0303n Thi\u0323 Ha\u0306\u0300ng"


def official_order(names: list[str]) -> list[str]:
    return sorted(names, key=name_sort_key)


# clean


def test_clean_composes_decomposed_input() -> None:
    assert DECOMPOSED != "Nguyễn Thị Hằng"
    result = clean(DECOMPOSED)
    assert result == "Nguyễn Thị Hằng"
    assert unicodedata.is_normalized("NFC", result)
    assert len(result) == len("Nguyễn Thị Hằng")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Lê   Văn\tAn  ", "Lê Văn An"),
        ("Trần\u00a0Thị\n Mai", "Trần Thị Mai"),
        ("Đồn Biên phòng\r\nCửa khẩu", "Đồn Biên phòng Cửa khẩu"),
        ("", ""),
        ("   ", ""),
        (None, ""),
    ],
)
def test_clean_collapses_and_strips_whitespace(raw: str | None, expected: str) -> None:
    assert clean(raw) == expected


# fold


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Biên  Phòng", "bien phong"),
        ("Đồn Biên phòng", "don bien phong"),
        ("ĐẶNG THỊ ĐÀO", "dang thi dao"),
        ("Sở Thông tin và Truyền thông", "so thong tin va truyen thong"),
        ("Trường", "truong"),
        ("Ủy ban nhân dân huyện", "uy ban nhan dan huyen"),
        (DECOMPOSED, "nguyen thi hang"),
        ("  ", ""),
        (None, ""),
    ],
)
def test_fold_removes_case_accents_and_extra_spaces(raw: str | None, expected: str) -> None:
    assert fold(raw) == expected


def test_fold_matches_precomposed_and_decomposed_forms() -> None:
    assert fold(DECOMPOSED) == fold("NGUYỄN THỊ HẰNG") == fold("nguyen thi hang")


# capitalise_name


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("nguyễn VĂN an", "Nguyễn Văn An"),
        ("  đặng   thị   ánh  ", "Đặng Thị Ánh"),
        ("ĐỖ THỊ ỚT", "Đỗ Thị Ớt"),
        ("lê ư", "Lê Ư"),
        (DECOMPOSED.lower(), "Nguyễn Thị Hằng"),
        ("", ""),
        (None, ""),
    ],
)
def test_capitalise_name(raw: str | None, expected: str) -> None:
    assert capitalise_name(raw) == expected
    assert capitalise_name(expected) == expected


@pytest.mark.parametrize("raw", ["ß", "straße", "ǆuro", "İstanbul", "ﬁ", "NGUYỄN ǅ"])
def test_capitalise_name_is_idempotent(raw: str) -> None:
    once = capitalise_name(raw)
    assert capitalise_name(once) == once


# name_sort_key: given name (last word) first, then the rest; Vietnamese letters
# a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y; tones after the base letter.


def test_given_name_sorts_before_family_name() -> None:
    # Family names alone would put Trần after Lê; the given names An < Bình decide.
    assert official_order(["Lê Văn Bình", "Trần Thị An"]) == ["Trần Thị An", "Lê Văn Bình"]


def test_same_given_name_sorts_by_the_rest() -> None:
    names = ["Nguyễn Văn An", "Lê Thị An", "Nguyễn Thị An", "Bùi An"]
    assert official_order(names) == ["Bùi An", "Lê Thị An", "Nguyễn Thị An", "Nguyễn Văn An"]


def test_vietnamese_letters_follow_their_base_letter() -> None:
    # a < ă < â: the letter decides before anything after it, so Anh < Ăn.
    names = ["Lê Văn Ân", "Lê Văn Ăn", "Lê Văn Anh", "Lê Văn An"]
    assert official_order(names) == ["Lê Văn An", "Lê Văn Anh", "Lê Văn Ăn", "Lê Văn Ân"]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Hà Văn Dũng", "Hà Văn Đức"),  # d < đ
        ("Lê Thị Duyên", "Lê Thị Đào"),  # d < đ although u > a
        ("Trần Văn Đức", "Trần Văn Em"),  # đ < e
        ("Lê Văn Em", "Lê Văn Ê"),  # e < ê
        ("Lê Văn Ê", "Lê Văn Gấm"),  # ê < g
        ("Lê Thị Oanh", "Lê Thị Ôn"),  # o < ô
        ("Lê Thị Ôn", "Lê Thị Ơn"),  # ô < ơ
        ("Lê Thị Ơn", "Lê Thị Phương"),  # ơ < p
        ("Lê Văn Uy", "Lê Văn Ưng"),  # u < ư
        ("Lê Văn Ưng", "Lê Văn Vinh"),  # ư < v
        ("Lê Văn Hải", "Lê Văn Hăng"),  # a < ă before the tone is looked at
        ("Lê Văn An", "Lê Văn Anh"),  # a shorter word first
        ("Lê Văn Án", "Lê Văn Anh"),  # the tone of An does not outweigh the letter h
    ],
)
def test_vietnamese_alphabet_order(before: str, after: str) -> None:
    assert name_sort_key(before) < name_sort_key(after)


def test_tones_only_break_ties_in_dictionary_order() -> None:
    # No mark, huyền, hỏi, ngã, sắc, nặng.
    names = ["Lê Văn Mạ", "Lê Văn Má", "Lê Văn Mã", "Lê Văn Mả", "Lê Văn Mà", "Lê Văn Ma"]
    assert official_order(names) == [
        "Lê Văn Ma",
        "Lê Văn Mà",
        "Lê Văn Mả",
        "Lê Văn Mã",
        "Lê Văn Má",
        "Lê Văn Mạ",
    ]


def test_given_name_with_its_tone_decides_before_the_rest() -> None:
    # Anh and Ánh are different given names: every Anh comes before every Ánh, whatever
    # the family names, as when the list is sorted by the "Tên" column, then "Họ và đệm".
    names = ["Phạm Thị Ánh", "Trần Văn Anh", "Bùi Thị Ánh", "Võ Văn Anh"]
    assert official_order(names) == ["Trần Văn Anh", "Võ Văn Anh", "Bùi Thị Ánh", "Phạm Thị Ánh"]


def test_sort_ignores_case_spacing_and_unicode_form() -> None:
    assert name_sort_key(DECOMPOSED) == name_sort_key("Nguyễn Thị Hằng")
    assert name_sort_key("  nguyễn   thị HẰNG ") == name_sort_key("Nguyễn Thị Hằng")


def test_sort_key_is_digits_only() -> None:
    # Every database collation then orders it as Python does.
    for name in ("Nguyễn Thị Hằng", "Đỗ Văn Ư", "Lê 2", "H'Hen Niê", "Y-Moan"):
        assert name_sort_key(name).isdigit()
    assert name_sort_key("") == name_sort_key(None) == name_sort_key("   ") == ""


def test_one_word_name_sorts_before_longer_names_with_that_given_name() -> None:
    assert official_order(["Lê An", "An"]) == ["An", "Lê An"]


# A sign-in sheet as the office would print it (participants of a border-area course).
OFFICIAL_LIST = [
    "Lê Thị An",
    "Nguyễn Văn An",
    "Trần Văn Anh",
    "Phạm Thị Ánh",
    "Hoàng Văn Ân",
    "Võ Văn Dũng",
    "Bùi Văn Đức",
    "Nguyễn Thị Hà",
    "Phan Thị Hạnh",
    "Đỗ Thị Hằng",
]


def test_realistic_list_sorts_as_an_official_list() -> None:
    shuffled = OFFICIAL_LIST[:]
    random.Random(20230816).shuffle(shuffled)
    assert shuffled != OFFICIAL_LIST
    assert official_order(shuffled) == OFFICIAL_LIST
    assert official_order(list(reversed(OFFICIAL_LIST))) == OFFICIAL_LIST


def test_text_sort_key_orders_unit_names_as_a_vietnamese_dictionary() -> None:
    from trainingapp.common.text import text_sort_key

    names = ["Đồn Biên phòng Cam Ranh", "Đài Truyền thanh xã Tân Thanh", "Dân tộc tỉnh",
             "Báo Khánh Hòa", "Ban Quản lý", "Bộ Chỉ huy", "Công an tỉnh"]  # fmt: skip
    assert sorted(names, key=text_sort_key) == [
        "Ban Quản lý",
        "Báo Khánh Hòa",
        "Bộ Chỉ huy",
        "Công an tỉnh",
        "Dân tộc tỉnh",  # d before đ, whatever follows
        "Đài Truyền thanh xã Tân Thanh",
        "Đồn Biên phòng Cam Ranh",
    ]


@pytest.mark.parametrize(
    ("old", "new"),
    [("Hoà", "Hòa"), ("Thuỷ", "Thủy"), ("Khoẻ", "Khỏe"), ("Hoàng Thị Hoà", "Hoàng Thị Hòa")],
)
def test_old_and_new_tone_placement_sort_alike(old: str, new: str) -> None:
    assert name_sort_key(old) == name_sort_key(new)
    assert text_sort_key(old) == text_sort_key(new)
    assert fold(old) == fold(new)
    assert search_words(old) == search_words(new)


def test_names_with_either_placement_keep_their_neighbours() -> None:
    names = ["Lê Thị Hoà", "Trần Thị Hòa", "Nguyễn Thị Hóa", "Phạm Văn Hoa", "Võ Thị Hỏa"]
    ordered = sorted(names, key=name_sort_key)
    # Hoa, then the tones in dictionary order (huyền, hỏi, sắc); the two placements of "Hòa"
    # side by side, ordered by the rest of the name.
    assert ordered == [
        "Phạm Văn Hoa",
        "Lê Thị Hoà",
        "Trần Thị Hòa",
        "Võ Thị Hỏa",
        "Nguyễn Thị Hóa",
    ]
