"""Session labels follow their date (events.labels.relabel): pure, no database."""

from __future__ import annotations

from datetime import date

import pytest

from trainingapp.events.labels import relabel

OLD = date(2023, 8, 16)
NEW = date(2027, 8, 10)


@pytest.mark.parametrize(
    ("name", "old", "new", "expected"),
    [
        ("Sáng 16/08/2023", OLD, NEW, "Sáng 10/08/2027"),
        ("Chiều 16/08", OLD, NEW, "Chiều 10/08"),
        ("Sáng 16/8/2023", OLD, NEW, "Sáng 10/8/2027"),  # the month kept one digit
        ("Sáng 16/8", OLD, date(2027, 9, 5), "Sáng 5/9"),  # day follows the month's style
        ("Sáng 16/08", OLD, date(2027, 9, 5), "Sáng 05/09"),
        ("Sáng 16/12", date(2023, 12, 16), date(2027, 1, 2), "Sáng 02/01"),  # dd/mm by default
        ("Ngày 5/9/2023", date(2023, 9, 5), date(2027, 10, 12), "Ngày 12/10/2027"),
        ("Ngày 05/09/2023", date(2023, 9, 5), date(2027, 10, 12), "Ngày 12/10/2027"),
        ("Ngày 5/9/2023", date(2023, 9, 5), date(2027, 9, 6), "Ngày 6/9/2027"),
        ("16/08/2023 (sáng)", OLD, NEW, "10/08/2027 (sáng)"),
        ("Sáng 16/08 – Chiều 16/08", OLD, NEW, "Sáng 10/08 – Chiều 10/08"),
    ],
)
def test_a_date_equal_to_the_old_one_follows_in_its_own_form(name, old, new, expected):
    assert relabel(name, old, new) == expected


@pytest.mark.parametrize(
    "name",
    [
        "Sáng",  # no date at all
        "Buổi 1 - Khai mạc",
        "Sáng 17/08",  # another day
        "Sáng 16/08/2022",  # the same day, another year
        "Sáng 16/09",  # another month
        "Phòng 116/08",  # part of a longer number
        "Sáng 16/08/23",  # two-digit years are not read (could be anything)
        "Tổ 1/16/08",  # a run of slashes is no date
        "Sáng 16.08",  # only slashes: 8.30 is a time, not a date
    ],
)
def test_anything_else_is_left_alone(name):
    assert relabel(name, OLD, NEW) == name


def test_only_the_old_date_moves_when_a_label_names_two_days():
    assert relabel("Sáng 16/08, thay cho 15/08", OLD, NEW) == "Sáng 10/08, thay cho 15/08"


def test_same_date_is_a_no_op():
    assert relabel("Sáng 16/08", OLD, OLD) == "Sáng 16/08"


def test_a_label_without_a_year_follows_across_years():
    assert relabel("Sáng 31/12", date(2026, 12, 31), date(2027, 1, 1)) == "Sáng 01/01"
