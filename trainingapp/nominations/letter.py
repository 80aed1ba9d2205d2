"""The invitation letter (giấy mời cử cán bộ) as DOCX, from a template offices can edit in Word.

Pure: a :class:`Letter` in, DOCX bytes out; no database, no request. The template is a docxtpl
(Jinja) document: the default one is ``giay-moi.docx`` (built by
:mod:`trainingapp.nominations.letter_template`, Decree 30/2020/ND-CP layout); an office may upload
its own, which :func:`check_template` vets first. Templates are rendered in Jinja's sandbox with
autoescaping on: an uploaded file can neither reach Python internals nor break the XML with an
``&`` in a unit's name.

The context holds plain strings already formatted the Vietnamese way (``16/08/2027``,
``thứ Hai``, ``7 giờ 30``), all NFC; :func:`template_variables` lists them for the help page.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from pathlib import Path
from typing import Any

import segno
from docx import Document
from docx.shared import Mm
from docxtpl import DocxTemplate
from docxtpl import InlineImage
from flask_babel import lazy_gettext as _l
from jinja2 import TemplateError
from jinja2 import TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from slugify import slugify

from ..common.text import clean
from ..common.time import local_today
from ..common.vietnamese import DOTS
from ..common.vietnamese import course_dates
from ..common.vietnamese import format_date
from ..common.vietnamese import format_time
from ..common.vietnamese import initials
from ..common.vietnamese import issued_date
from ..common.vietnamese import number_words
from ..common.vietnamese import upper_lines
from ..common.vietnamese import weekday

DEFAULT_TEMPLATE = Path(__file__).with_name("giay-moi.docx")

QR_WIDTH_MM = 30
# An uploaded template larger than this once unzipped is refused (a letter is ~50 KB; a logo or
# two stays far below).
MAX_TEMPLATE_UNZIPPED = 20 * 1024 * 1024
FILENAME_SLUG_LENGTH = 60

_DOTS = DOTS  # the clerk's gap for a missing place name


@dataclass(frozen=True)
class LetterSession:
    label: str  # "Sáng 16/08/2027"
    day: date
    start: time
    end: time
    topics: list[str]  # "Chuyên đề 1: … — Thượng tá Nguyễn Văn A, Phó Chỉ huy trưởng …"


@dataclass(frozen=True)
class Letter:
    parent_body: str  # cơ quan chủ quản, e.g. "UBND TỈNH LẠNG SƠN" ("" when none)
    issuing_body: str  # e.g. "Sở Văn hóa, Thể thao và Du lịch" (the template upper-cases it)
    place: str  # địa danh, e.g. "Lạng Sơn" ("" -> dotted blank for the clerk)
    issued_on: date | None  # None -> "ngày     tháng     năm 2027" left blank (year of today)
    course_title: str
    start_date: date
    end_date: date
    venue: str
    sessions: list[LetterSession]
    unit_name: str  # the invited unit ("Kính gửi: …")
    quota: int
    deadline: datetime | None  # local wall-clock nomination deadline
    nomination_url: str
    qr_png: bytes  # PNG of the QR code of nomination_url
    contact_name: str  # the unit's contact ("" when none)
    organizer_contact: str  # who to call at the organizing office ("" when none)
    recipients: list[str]  # "Nơi nhận"; the invited unit first ("- Lưu: VT." is the template's)
    signer_title: str  # "GIÁM ĐỐC" or "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC" ("" -> blank)
    signer_name: str  # "" -> blank line for the signature


class LetterTemplateError(ValueError):
    """An uploaded template that cannot be used; ``message`` is a user-facing sentence."""

    def __init__(self, message: Any) -> None:
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.message)


# (name in the context, what the organizer types in Word, what it is): the one list of what a
# template may use. build_context() fills exactly these names (a test holds them equal).
_VARIABLES: tuple[tuple[str, str, Any], ...] = (
    ("parent_body", "{{ parent_body }}", _l("Parent body, in capitals (may be empty)")),
    ("issuing_body", "{{ issuing_body }}", _l("Issuing body, in capitals")),
    ("issuing_body_name", "{{ issuing_body_name }}", _l("Issuing body, as written in a sentence")),
    (
        "issuing_short",
        "{{ issuing_short }}",
        _l("Initials of the issuing body for the document symbol (e.g. SVHTTDL)"),
    ),
    ("place", "{{ place }}", _l("Place name of the date line (dots when not set)")),
    (
        "issued_date",
        "{{ issued_date }}",
        _l("Date of the letter: “ngày 05 tháng 8 năm 2027”, or blanks for the clerk"),
    ),
    ("year", "{{ year }}", _l("Year of the letter")),
    ("course_title", "{{ course_title }}", _l("Course title")),
    ("start_date", "{{ start_date }}", _l("First day of the course (16/08/2027)")),
    ("start_weekday", "{{ start_weekday }}", _l("Weekday of the first day (thứ Hai)")),
    ("end_date", "{{ end_date }}", _l("Last day of the course")),
    ("end_weekday", "{{ end_weekday }}", _l("Weekday of the last day")),
    (
        "course_dates",
        "{{ course_dates }}",
        _l("The course dates as a phrase: “từ ngày … (thứ Hai) đến ngày … (thứ Ba)”"),
    ),
    ("venue", "{{ venue }}", _l("Venue")),
    (
        "sessions",
        "{%p for s in sessions %} … {%p endfor %}",
        _l(
            "The sessions, each with s.label, s.date, s.weekday, s.start, s.end and s.topics "
            "(a list: {%p for t in s.topics %} … {{ t }} … {%p endfor %})"
        ),
    ),
    ("unit_name", "{{ unit_name }}", _l("The invited unit")),
    ("quota", "{{ quota }}", _l("Number of people the unit is asked to send")),
    ("quota_words", "{{ quota_words }}", _l("That number in Vietnamese words (ba)")),
    (
        "deadline",
        "{{ deadline }}",
        _l("Nomination deadline: “17 giờ 00 ngày 10/08/2027” (empty when none)"),
    ),
    ("deadline_weekday", "{{ deadline_weekday }}", _l("Weekday of the deadline")),
    ("nomination_url", "{{ nomination_url }}", _l("The unit's nomination link")),
    ("qr", "{{ qr }}", _l("QR code of the nomination link (an image, 30 mm wide)")),
    ("contact_name", "{{ contact_name }}", _l("The unit's contact person (may be empty)")),
    (
        "organizer_contact",
        "{{ organizer_contact }}",
        _l("Whom to call at the organizing office (may be empty)"),
    ),
    (
        "recipients",
        "{%p for r in recipients %} … {{ r }} … {%p endfor %}",
        _l("The “Nơi nhận” list, the invited unit first"),
    ),
    ("signer_title", "{{ signer_title }}", _l("Signer's title, in capitals (may be two lines)")),
    ("signer_name", "{{ signer_name }}", _l("Signer's name (may be empty)")),
)
VARIABLE_NAMES = frozenset(name for name, _, _ in _VARIABLES)


def template_variables() -> list[tuple[str, str]]:
    """``(placeholder, description)`` for every name a template may use, for the help list."""
    return [(placeholder, description) for _, placeholder, description in _VARIABLES]


# --- Vietnamese formatting (common.vietnamese, shared with the course report) -----------------

_upper = upper_lines


def _recipient(text: str) -> str:
    return clean(text).rstrip(";.,").strip()


# --- rendering -------------------------------------------------------------------------------


def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(autoescape=True)


def build_context(letter: Letter, tpl: DocxTemplate) -> dict[str, Any]:
    """The names :data:`_VARIABLES` describes, filled from ``letter`` (the QR needs ``tpl``)."""
    year = letter.issued_on.year if letter.issued_on else local_today().year
    deadline = letter.deadline
    return {
        "parent_body": _upper(letter.parent_body),
        "issuing_body": _upper(letter.issuing_body),
        "issuing_body_name": clean(letter.issuing_body),
        "issuing_short": initials(letter.issuing_body),
        "place": clean(letter.place) or _DOTS,
        "issued_date": issued_date(letter.issued_on, year),
        "year": str(year),
        "course_title": clean(letter.course_title),
        "start_date": format_date(letter.start_date),
        "start_weekday": weekday(letter.start_date),
        "end_date": format_date(letter.end_date),
        "end_weekday": weekday(letter.end_date),
        "course_dates": course_dates(letter.start_date, letter.end_date),
        "venue": clean(letter.venue),
        "sessions": [
            {
                "label": clean(session.label),
                "date": format_date(session.day),
                "weekday": weekday(session.day),
                "start": format_time(session.start),
                "end": format_time(session.end),
                "topics": [clean(topic) for topic in session.topics if clean(topic)],
            }
            for session in letter.sessions
        ],
        "unit_name": clean(letter.unit_name),
        "quota": letter.quota,
        "quota_words": number_words(letter.quota),
        "deadline": (
            f"{format_time(deadline.time())} ngày {format_date(deadline.date())}"
            if deadline
            else ""
        ),
        "deadline_weekday": weekday(deadline.date()) if deadline else "",
        "nomination_url": clean(letter.nomination_url),
        "qr": InlineImage(tpl, io.BytesIO(letter.qr_png), width=Mm(QR_WIDTH_MM)),
        "contact_name": clean(letter.contact_name),
        "organizer_contact": clean(letter.organizer_contact),
        "recipients": [r for r in map(_recipient, letter.recipients) if r],
        "signer_title": _upper(letter.signer_title),
        "signer_name": clean(letter.signer_name),
    }


def render_letter(letter: Letter, template: bytes | None = None) -> bytes:
    """The letter as DOCX bytes, from ``template`` (DOCX bytes) or the default template."""
    data = DEFAULT_TEMPLATE.read_bytes() if template is None else template
    tpl = DocxTemplate(io.BytesIO(data))
    tpl.render(build_context(letter, tpl), jinja_env=_environment(), autoescape=True)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def _sample_letter() -> Letter:
    """A letter with every field set, to try an uploaded template on."""
    url = "https://example.org/n/sample"
    qr = io.BytesIO()
    segno.make_qr(url, error="m").save(qr, kind="png", scale=4)
    day = date(2027, 8, 16)
    return Letter(
        parent_body="UBND tỉnh Lạng Sơn",
        issuing_body="Sở Văn hóa, Thể thao và Du lịch",
        place="Lạng Sơn",
        issued_on=date(2027, 8, 2),
        course_title="Bồi dưỡng nghiệp vụ",
        start_date=day,
        end_date=day,
        venue="Hội trường",
        sessions=[LetterSession("Sáng 16/08/2027", day, time(7, 30), time(11), ["Chuyên đề 1"])],
        unit_name="Đài Truyền thanh xã Tân Thanh",
        quota=3,
        deadline=datetime(2027, 8, 10, 17),
        nomination_url=url,
        qr_png=qr.getvalue(),
        contact_name="Nguyễn Văn A",
        organizer_contact="Chị Lê Thị B, 0912 345 678",
        recipients=["Đài Truyền thanh xã Tân Thanh"],
        signer_title="KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
        signer_name="Trần Văn C",
    )


def _open_docx(data: bytes) -> None:
    """Refuse what is not a reasonably sized DOCX (a ZIP with a Word document part)."""
    not_docx = LetterTemplateError(
        _l("The file is not a Word document (.docx). Save it in Word as “Word Document”.")
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            size = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise not_docx from exc
    if "[Content_Types].xml" not in names or "word/document.xml" not in names:
        raise not_docx
    if size > MAX_TEMPLATE_UNZIPPED:
        raise LetterTemplateError(
            _l("The template is too large; a letter template is a few pages.")
        )


def _syntax_error(tpl: DocxTemplate, data: bytes, exc: TemplateSyntaxError) -> LetterTemplateError:
    """The syntax error with the text of the paragraph it is in, found the way docxtpl renders:
    the body's XML, cleaned by docxtpl, one paragraph per line."""
    detail = (exc.message or "").rstrip(".")
    near = ""
    try:
        xml = tpl.patch_xml(tpl.xml_to_string(Document(io.BytesIO(data)).element.body))
        lines = re.sub(r"<w:p([ >])", r"\n<w:p\1", xml).splitlines()
        _environment().parse("\n".join(lines))
    except TemplateSyntaxError as located:
        if located.lineno and located.lineno <= len(lines):
            near = clean(re.sub(r"<[^>]+>", "", lines[located.lineno - 1]))[:80]
    if near:
        message = _l(
            "The template has a mistake in a {{ … }} or {%% … %%} placeholder, in the paragraph "
            "“%(near)s”: %(detail)s.",
            near=near,
            detail=detail,
        )
    else:
        message = _l(
            "The template has a mistake in a {{ … }} or {%% … %%} placeholder: %(detail)s.",
            detail=detail,
        )
    return LetterTemplateError(message)


def check_template(data: bytes) -> None:
    """Raise :class:`LetterTemplateError` unless ``data`` is a DOCX template that renders: a
    Word file, with valid ``{{ }}`` / ``{% %}`` syntax, using only the names of
    :func:`template_variables`. It is tried on a sample letter, so a template that passes renders."""
    _open_docx(data)
    try:
        tpl = DocxTemplate(io.BytesIO(data))
        sample = build_context(_sample_letter(), tpl)
        unknown = tpl.get_undeclared_template_variables(jinja_env=_environment(), context=sample)
    except TemplateSyntaxError as exc:
        raise _syntax_error(tpl, data, exc) from exc
    except Exception as exc:  # python-docx refuses a broken package in many ways
        raise LetterTemplateError(
            _l("The file is not a Word document (.docx). Save it in Word as “Word Document”.")
        ) from exc
    if unknown:
        names = ", ".join(f"{{{{ {name} }}}}" for name in sorted(unknown))
        raise LetterTemplateError(
            _l(
                "The template uses unknown placeholders: %(names)s. "
                "Check their spelling against the list of placeholders.",
                names=names,
            )
        )
    try:
        render_letter(_sample_letter(), data)
    except TemplateError as exc:
        raise LetterTemplateError(
            _l(
                "The template could not be filled in: %(detail)s.",
                detail=(exc.message or "").rstrip("."),
            )
        ) from exc
    except Exception as exc:  # a tag that breaks the XML (e.g. {%p %} split across paragraphs)
        raise LetterTemplateError(
            _l(
                "The template could not be filled in. Check that each {%p … %} and {%tr … %} "
                "tag stands alone in its paragraph or table row."
            )
        ) from exc


# --- files ------------------------------------------------------------------------------------


def letter_filename(unit_name: str) -> str:
    """``giay-moi-<ascii slug of the unit>.docx``: safe as a ZIP member and a download name."""
    slug = slugify(clean(unit_name), max_length=FILENAME_SLUG_LENGTH, word_boundary=True)
    return f"giay-moi-{slug}.docx" if slug else "giay-moi.docx"


def _member_name(name: str) -> str:
    """A flat, relative member name (no directories, no ``..``)."""
    base = posixpath.basename(name.replace("\\", "/")).strip()
    return "giay-moi.docx" if base in ("", ".", "..") else base


def letters_zip(letters: Iterable[tuple[str, bytes]]) -> bytes:
    """A ZIP of ``(filename, docx)``; a repeated name gets ``-2``, ``-3`` before its extension
    (compared case-insensitively, as Windows and macOS extract them)."""
    used: set[str] = set()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in letters:
            name = _member_name(name)
            stem, dot, ext = name.rpartition(".")
            if not dot:
                stem, ext = name, ""
            candidate, n = name, 1
            while candidate.lower() in used:
                n += 1
                candidate = f"{stem}-{n}.{ext}" if dot else f"{stem}-{n}"
            used.add(candidate.lower())
            archive.writestr(candidate, data)
    return buffer.getvalue()
