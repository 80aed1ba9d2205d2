"""The due date of a participant's request: 2 working days, weekends and public holidays skipped."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from trainingapp.config import DefaultConfig
from trainingapp.privacy.working_days import configured_holidays
from trainingapp.privacy.working_days import due_date
from trainingapp.privacy.working_days import is_working_day

DEFAULT_HOLIDAYS = configured_holidays({"PUBLIC_HOLIDAYS": DefaultConfig.PUBLIC_HOLIDAYS})


@pytest.mark.parametrize(
    ("made_on", "due_on"),
    [
        (date(2026, 6, 8), date(2026, 6, 10)),  # Monday -> Wednesday
        (date(2026, 6, 11), date(2026, 6, 15)),  # Thursday -> Monday, over the weekend
        (date(2026, 6, 12), date(2026, 6, 16)),  # Friday -> Tuesday
        (date(2026, 6, 13), date(2026, 6, 16)),  # Saturday -> Tuesday
        (date(2026, 6, 14), date(2026, 6, 16)),  # Sunday -> Tuesday
    ],
)
def test_weekends_are_skipped(made_on: date, due_on: date) -> None:
    assert due_date(made_on) == due_on


def test_a_holiday_is_skipped() -> None:
    # Wednesday 10/06/2026 made a holiday: Tuesday's request is due on Thursday, not Wednesday+1.
    assert due_date(date(2026, 6, 9), [date(2026, 6, 10)]) == date(2026, 6, 12)


def test_weekend_and_holidays_together_with_the_default_list() -> None:
    # Friday 24/04/2026; Sat 25, Sun 26, Mon 27 (Giỗ Tổ, in lieu): due Wednesday 29/04.
    assert due_date(date(2026, 4, 24), DEFAULT_HOLIDAYS) == date(2026, 4, 29)
    # Wednesday 29/04/2026; 30/04 and 01/05 holidays, then the weekend: Mon 4, Tue 5 May.
    assert due_date(date(2026, 4, 29), DEFAULT_HOLIDAYS) == date(2026, 5, 5)
    # Friday before Tết 2026 (13/02): 16-20/02 off, then the weekend: due Tuesday 24/02.
    assert due_date(date(2026, 2, 13), DEFAULT_HOLIDAYS) == date(2026, 2, 24)
    # New Year 2027 (Friday 01/01): a request of 31/12/2026 is due Tuesday 05/01/2027.
    assert due_date(date(2026, 12, 31), DEFAULT_HOLIDAYS) == date(2027, 1, 5)


def test_the_default_list_holds_the_official_days() -> None:
    for day in [
        date(2026, 1, 1),
        date(2026, 2, 17),  # Tết Bính Ngọ
        date(2026, 4, 30),
        date(2026, 5, 1),
        date(2026, 9, 2),
        date(2027, 1, 1),
        date(2027, 4, 16),  # Giỗ Tổ 2027 (10/3 lunar)
        date(2027, 9, 2),
    ]:
        assert day in DEFAULT_HOLIDAYS
        assert not is_working_day(day, DEFAULT_HOLIDAYS)
    assert is_working_day(date(2026, 6, 10), DEFAULT_HOLIDAYS)


def test_holidays_from_a_string_and_bad_values(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        days = configured_holidays({"PUBLIC_HOLIDAYS": "2026-06-10, 10/06/2026,2026-06-11"})
    assert days == {date(2026, 6, 10), date(2026, 6, 11)}
    assert "10/06/2026" in caplog.text
    assert configured_holidays({}) == frozenset()
