"""Vietnamese text: NFC normalisation, accent-insensitive keys and official-list sort order."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")

#: characters that show nothing but change how text compares or which way it runs, pasted in
#: from web pages, chat apps and PDFs: zero-width space and (non-)joiners, direction marks,
#: embeddings, overrides and isolates, the word joiner and invisible operators, and a byte-order
#: mark inside the text. :func:`clean` deletes them, so a name with one matches the name without.
INVISIBLE = (
    "\u200b\u200c\u200d\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064"
    "\u2066\u2067\u2068\u2069"
    "\ufeff"
)
_DELETE_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE))

# Vietnamese alphabet order, with the Latin letters Vietnamese lacks (f j w z) at their Latin place.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_CODE = {letter: f"{i + 1:02d}" for i, letter in enumerate(_ALPHABET)}
_DIGIT_CODE = {str(d): f"{70 + d:02d}" for d in range(10)}
_OTHER_CODE = "99"
_SEPARATOR = "00"  # lower than every letter code: "An" sorts before "Anh"

# Combining tone marks in dictionary order: none, huyền, hỏi, ngã, sắc, nặng.
_TONES = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}
# Marks that make a distinct letter (ă â ê ô ơ ư), kept with the base letter.
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}


def clean(text: str | None) -> str:
    """NFC form without :data:`INVISIBLE` characters, runs of whitespace collapsed to one space
    and the ends stripped. Every name, unit, position, phone and e-mail typed or imported goes
    through here (the invisible characters go first: one between a letter and its tone mark
    would keep NFC from composing them)."""
    if not text:
        return ""
    visible = text.translate(_DELETE_INVISIBLE)
    return _SPACES.sub(" ", unicodedata.normalize("NFC", visible)).strip()


def capitalise_name(text: str | None) -> str:
    """A person's name cleaned and with each word capitalised: ``nguyễn VĂN an`` -> ``Nguyễn Văn An``."""
    # title(), not upper(): "ß".upper() is "SS", which a second pass would turn into "Ss".
    return " ".join(word[:1].title() + word[1:].lower() for word in clean(text).split(" ") if word)


def fold(text: str | None) -> str:
    """Accent- and case-insensitive key: ``Biên  Phòng`` -> ``bien phong``, ``Đồn`` -> ``don``."""
    decomposed = unicodedata.normalize("NFD", clean(text).lower())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.replace("đ", "d")


_WORD = re.compile(r"[^\W_]+")


def search_words(text: str | None) -> list[str]:
    """The words a search looks for, folded, punctuation dropped: "Văn hóa, Thể thao" ->
    ["van", "hoa", "the", "thao"] (each must occur in a match, in any order)."""
    return _WORD.findall(fold(text))


def _split_letter(ch: str) -> tuple[str, str]:
    """One lower-case character as (Vietnamese base letter, tone digit)."""
    if ch == "đ":
        return "đ", "0"
    decomposed = unicodedata.normalize("NFD", ch)
    base = decomposed[0]
    tone = "0"
    for mark in decomposed[1:]:
        if mark in _TONES:
            tone = _TONES[mark]
        elif mark in _LETTER_MARKS:
            base += mark
    return unicodedata.normalize("NFC", base), tone


def _word_codes(word: str) -> tuple[str, str]:
    """A word's letter codes, and its tone: one digit, since a Vietnamese syllable has one tone
    wherever it is written. So the old and the new placement ("Hoà" and "Hòa", "Thuỷ" and
    "Thủy") give the same key, as a dictionary treats them."""
    primary, tone = [], "0"
    for ch in word.lower():
        letter, mark = _split_letter(ch)
        primary.append(_LETTER_CODE.get(letter) or _DIGIT_CODE.get(letter) or _OTHER_CODE)
        if tone == "0":
            tone = mark
    return "".join(primary), tone


def text_sort_key(text: str | None) -> str:
    """Key for Vietnamese dictionary order of a text as written (unit names, kinds): word by
    word, letters first (d < đ), tone marks only between equal letters; "Dân tộc" < "Đài"."""
    words = clean(text).split(" ") if text else []
    return "".join(f"{primary}{_SEPARATOR}{tones}" for primary, tones in map(_word_codes, words))


def name_sort_key(full_name: str | None) -> str:
    """Key for official lists: given name (last word) first, then the rest, in Vietnamese order.

    Word by word, as a dictionary orders syllables: a word's letters first (a < ă < â < b ...
    d < đ ...), its tone marks only break ties between equal letters, then the next word. So the
    given name, tones included, decides before the rest: every "Anh" precedes every "Ánh". The key
    is made of digits only, so every database collation orders it the same way as Python does.
    """
    words = clean(full_name).split(" ") if full_name else []
    if not words or words == [""]:
        return ""
    ordered = [words[-1], *words[:-1]]
    # The separator after a word's letters sorts a shorter word first ("An" < "Anh"); its tone
    # digit follows, compared only when the letters were equal.
    return "".join(f"{primary}{_SEPARATOR}{tones}" for primary, tones in map(_word_codes, ordered))
