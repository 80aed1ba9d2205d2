"""What every official document about a course takes from the course and the settings: the
issuing body and its parent body, the place name, the signer, the course's subject as it follows
"lớp tập huấn", and how a lecturer is named. Shared by the invitation letters (nominations) and
the course report (exports)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from ..common.text import fold
from ..lecturers.models import Lecturer
from .models import Event

_COURSE_WORDS = ("lop tap huan ", "tap huan ")


def course_subject(title: str) -> str:
    """The course's title as it follows "lớp tập huấn" in a letter: "Tập huấn công tác thông tin
    đối ngoại năm 2027" -> "công tác thông tin đối ngoại năm 2027" (not "lớp tập huấn Tập huấn…")."""
    folded = fold(title)
    for words in _COURSE_WORDS:
        if folded.startswith(words) and len(title) > len(words):
            rest = title[len(words) :]
            return rest[:1].lower() + rest[1:]
    return title


@dataclass(frozen=True)
class Issuer:
    """Who issues a course's documents and who signs them (``LETTER_*`` settings)."""

    parent_body: str  # cơ quan chủ quản, e.g. "Ủy ban nhân dân tỉnh Khánh Hòa" ("" when none)
    issuing_body: str  # the course's organizing unit
    place: str  # địa danh ("" -> the clerk fills it in)
    signer_title: str
    signer_name: str


def issuer_of(event: Event) -> Issuer:
    organizer = event.organizer
    config = current_app.config
    return Issuer(
        parent_body=organizer.parent.name if organizer.parent is not None else "",
        issuing_body=organizer.name,
        place=str(config.get("LETTER_PLACE") or ""),
        # Decree 30/2020's own placeholders (its Appendix I) until the office sets its signer.
        signer_title=str(config.get("LETTER_SIGNER_TITLE") or "QUYỀN HẠN, CHỨC VỤ CỦA NGƯỜI KÝ"),
        signer_name=str(config.get("LETTER_SIGNER_NAME") or "Họ và tên"),
    )


def lecturer_text(lecturer: Lecturer) -> str:
    """``Thượng tá Nguyễn Văn A, Phó Chỉ huy trưởng``: rank, name and position."""
    name = " ".join(part for part in (lecturer.rank, lecturer.full_name) if part)
    return f"{name}, {lecturer.position}" if lecturer.position else name
