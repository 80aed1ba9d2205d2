"""Vietnamese wording of official documents (Decree 30/2020/ND-CP): dates, times, weekdays,
numbers in words, the initials of a document symbol. Pure Python, shared by the invitation
letter and the course report."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from datetime import time

from .text import clean
from .text import fold

WEEKDAYS = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
#: the clerk's gap in "ngày      tháng      năm 2027"
BLANK = "\u00a0" * 6
#: the clerk's gap for a missing place name
DOTS = "………"

_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def format_date(day: date) -> str:
    """``16/08/2027``."""
    return day.strftime("%d/%m/%Y")


def weekday(day: date) -> str:
    return WEEKDAYS[day.weekday()]


def format_time(moment: time) -> str:
    """``7 giờ 30``, ``14 giờ 00``."""
    return f"{moment.hour} giờ {moment.minute:02d}"


def issued_date(day: date | None, year: int) -> str:
    """The date line after the place name. Decree 30: a 0 before days under 10 and before
    months 1 and 2 (``ngày 05 tháng 02 năm 2027``, ``ngày 16 tháng 8 năm 2027``); ``None``
    leaves blanks for the clerk (``ngày      tháng      năm 2027``)."""
    if day is None:
        return f"ngày{BLANK}tháng{BLANK}năm {year}"
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def course_dates(start: date, end: date) -> str:
    """``thứ Tư, ngày 16/08/2023`` or ``từ ngày … (thứ Hai) đến ngày … (thứ Ba)``."""
    if end <= start:
        return f"{weekday(start)}, ngày {format_date(start)}"
    return (
        f"từ ngày {format_date(start)} ({weekday(start)}) "
        f"đến ngày {format_date(end)} ({weekday(end)})"
    )


def number_words(n: int) -> str:
    """0-999 in Vietnamese words (northern usage: ``linh``); other numbers as digits."""
    if not 0 <= n <= 999:
        return str(n)
    if n < 10:
        return _DIGITS[n]
    if n < 100:
        tens, units = divmod(n, 10)
        words = "mười" if tens == 1 else f"{_DIGITS[tens]} mươi"
        if units == 0:
            return words
        if units == 1 and tens > 1:
            return f"{words} mốt"
        if units == 4 and tens > 1:
            return f"{words} tư"
        if units == 5:
            return f"{words} lăm"
        return f"{words} {_DIGITS[units]}"
    hundreds, rest = divmod(n, 100)
    words = f"{_DIGITS[hundreds]} trăm"
    if rest == 0:
        return words
    if rest < 10:
        return f"{words} linh {_DIGITS[rest]}"
    return f"{words} {number_words(rest)}"


#: words that start the place part of a body's name ("… tỉnh Khánh Hòa"), left out of its
#: document symbol: "Sở Thông tin và Truyền thông tỉnh Khánh Hòa" signs "/BC-STTTT"
_LOCALITY_WORDS = frozenset({"tỉnh", "huyện", "quận", "xã", "phường"})
_LOCALITY_PAIRS = frozenset({("thành", "phố"), ("thị", "xã"), ("thị", "trấn")})


def initials(body: str) -> str:
    """The document symbol's initials of an issuing body: ``Sở Văn hóa, Thể thao và Du lịch``
    -> ``SVHTTDL`` (``và`` is skipped; ``Đ`` stays ``Đ`` as in ``SGDĐT``; a trailing place
    name is left out: ``Ủy ban nhân dân tỉnh Khánh Hòa`` -> ``UBND``)."""
    letters = []
    words = re.findall(r"\w+", clean(body))
    for index, word in enumerate(words):
        pair = (word.lower(), words[index + 1].lower() if index + 1 < len(words) else "")
        if index >= 2 and (pair[0] in _LOCALITY_WORDS or pair in _LOCALITY_PAIRS):
            break
        if word.lower() == "và":
            continue
        first = word[0]
        letters.append("Đ" if first in "Đđ" else fold(first).upper())
    return "".join(letters)


def upper_lines(text: str) -> str:
    """Upper case line by line, keeping the line breaks (``KT. GIÁM ĐỐC\\nPHÓ GIÁM ĐỐC``)."""
    lines = (clean(line).upper() for line in nfc(text).splitlines())
    return "\n".join(line for line in lines if line)
