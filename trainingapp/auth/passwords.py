"""Which new passwords are refused: common ones and the account's own e-mail address.

"Common" is judged by zxcvbn (Dropbox's estimator, kept on PyPI as ``zxcvbn``), not by a list
written here: it knows the 30,000 most used passwords of real leaks, English words, names and
keyboard walks, and sees through the usual disguises (``Password123``, ``p@ssw0rd``, ``qwerty``,
``88888888``). A passphrase of a few words (``correct horse battery``) passes easily.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn  # type: ignore[import-untyped]

#: zxcvbn's score from 0 to 4; 2 means at least a million guesses ("somewhat guessable")
MIN_SCORE = 2
#: zxcvbn refuses longer input (its matching is quadratic); the rest adds strength anyway
CHECKED_LENGTH = 72
#: the part before the @ is looked for inside the password (less its spaces and punctuation)
#: when it has this many letters or digits: a shorter one ("an", "hoa") is part of many words
MIN_LOCAL_PART = 4

_NOT_ALNUM = re.compile(r"[\W_]+")


def password_problem(password: str, email: str) -> Any | None:
    """The reason to refuse ``password`` for the account ``email`` (a lazy message), or None."""
    address = email.strip().casefold()
    local = address.partition("@")[0]
    local_letters = _NOT_ALNUM.sub("", local)
    typed = password.casefold()
    if (address and address in typed) or (
        len(local_letters) >= MIN_LOCAL_PART and local_letters in _NOT_ALNUM.sub("", typed)
    ):
        return _l("The password must not contain your e-mail address or its name part.")
    result = zxcvbn(password[:CHECKED_LENGTH], user_inputs=[address, local])
    if result["score"] >= MIN_SCORE:
        return None
    dictionaries = {match.get("dictionary_name") for match in result["sequence"]}
    if "passwords" in dictionaries:
        return _l("This password is one of the most common passwords. Choose another one.")
    return _l(
        "This password is too easy to guess. Use a few unrelated words, or a longer password."
    )
