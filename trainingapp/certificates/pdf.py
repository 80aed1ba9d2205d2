"""The certificate as a PDF (fpdf2): A4 landscape, DejaVu Sans embedded, in Vietnamese.

Layout of an administrative certificate: the issuing body top left (its parent above it) with
the number "Số: 12/2026/GCN", the national name and motto top right, the title, the person's
name large, their unit, the sentence of the template (course and dates), the place and date and
the signature block (title, room to sign and seal, name) bottom right, and bottom left a QR
code of the verification page with its address printed beneath. Long names and titles wrap and,
when they would not fit, are set smaller: nothing runs off the page.

Speed (500 certificates in well under 20 s): fpdf2 parses a TrueType font on every
``add_font`` and subsets it on output, which for the full DejaVu fonts (6,000 glyphs) is most of
the time. The fonts are cut once per process to the Latin and Vietnamese glyphs
(``fontTools.subset``, cached in the temporary folder); a text with a character outside them
(another script) is set with the full fonts instead.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import threading
import zipfile
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import segno
from flask import current_app
from fpdf import FPDF
from fpdf.fonts import TTFFont

from ..common.text import fold
from ..common.time import local_today
from ..events.models import Event
from . import services
from .models import DEFAULT_SENTENCE
from .models import DEFAULT_TITLE
from .models import Certificate
from .models import CertificateSettings

FONT_FAMILY = "DejaVuSans"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
#: characters kept in the cut fonts: ASCII, the Vietnamese letters and the punctuation of
#: administrative texts (a name or title with any other character uses the full fonts)
_VIETNAMESE = (
    "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
    "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ"
    "\u00a0–—‘’“”…•№₫°×"
)
_KEPT_RANGES = ((0x20, 0x7E),)
KEPT = frozenset(
    [cp for low, high in _KEPT_RANGES for cp in range(low, high + 1)]
    + [ord(ch) for ch in _VIETNAMESE]
)

DEFAULT_SIGNER_TITLE = "GIÁM ĐỐC"
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
CERTIFIES = "Chứng nhận ông/bà:"
UNIT = "Đơn vị"
NUMBER = "Số"
SAMPLE = "BẢN MẪU"
TITLE_RED = (170, 20, 20)
INK = (20, 20, 20)

#: pixels per module: the image is printed 34 mm wide, drawn without smoothing
QR_SCALE = 3
PAGE_W, PAGE_H = 297.0, 210.0
MARGIN = 18.0


@dataclass(frozen=True)
class CertificateTexts:
    """The template's texts for one course, defaults resolved (see :func:`course_texts`)."""

    parent_body: str
    issuing_body: str
    title: str
    sentence: str
    place: str
    signer_title: str
    signer_name: str


@dataclass(frozen=True)
class CertificatePage:
    """What one certificate prints."""

    full_name: str
    organization: str
    course_title: str
    start_date: date
    end_date: date
    venue: str
    number: str
    issued_on: date
    verify_url: str
    sample: bool = False


# --- Texts ---------------------------------------------------------------------------------------

_COURSE_WORDS = ("lớp tập huấn ", "tập huấn ")


def course_subject(title: str) -> str:
    """The course's title as it follows "lớp tập huấn" in the sentence: "Tập huấn công tác
    thông tin đối ngoại" -> "công tác thông tin đối ngoại" (not "lớp tập huấn Tập huấn …")."""
    lowered = title.lower()
    for words in _COURSE_WORDS:
        if lowered.startswith(words) and len(title) > len(words):
            rest = title[len(words) :]
            return rest[:1].lower() + rest[1:]
    return title


def day_text(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def dates_text(start: date, end: date) -> str:
    if start == end:
        return f"ngày {day_text(start)}"
    return f"từ ngày {day_text(start)} đến ngày {day_text(end)}"


def signing_date(place: str, day: date) -> str:
    """ "Khánh Hòa, ngày 16 tháng 8 năm 2023" (Decree 30/2020: a zero before days under 10 and
    the months 1 and 2)."""
    day_part = f"{day.day:02d}" if day.day < 10 else str(day.day)
    month_part = f"{day.month:02d}" if day.month < 3 else str(day.month)
    words = f"ngày {day_part} tháng {month_part} năm {day.year}"
    return f"{place}, {words}" if place else words[:1].upper() + words[1:]


_PLACEHOLDER = re.compile(r"\{(course|dates|start_date|end_date|venue)\}")


def fill_sentence(sentence: str, page: CertificatePage) -> str:
    values = {
        "course": course_subject(page.course_title),
        "dates": dates_text(page.start_date, page.end_date),
        "start_date": day_text(page.start_date),
        "end_date": day_text(page.end_date),
        "venue": page.venue,
    }
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], sentence)


def short_url(url: str) -> str:
    """The address without its scheme, as printed under the QR code."""
    return re.sub(r"^https?://", "", url)


def course_texts(settings: CertificateSettings, event: Event) -> CertificateTexts:
    """The template's texts with the defaults filled in: the issuing body is the course's
    organizing unit (its parent above it), the place and signer are the LETTER_* settings."""
    config = current_app.config
    organizer = event.organizer
    parent = organizer.parent.name if organizer.parent is not None else ""
    return CertificateTexts(
        parent_body=settings.parent_body or parent,
        issuing_body=settings.issuing_body or organizer.name,
        title=settings.title or DEFAULT_TITLE,
        sentence=settings.sentence or DEFAULT_SENTENCE,
        place=settings.place or str(config.get("LETTER_PLACE") or ""),
        signer_title=settings.signer_title
        or str(config.get("LETTER_SIGNER_TITLE") or DEFAULT_SIGNER_TITLE),
        signer_name=settings.signer_name or str(config.get("LETTER_SIGNER_NAME") or ""),
    )


def page_of(certificate: Certificate, venue: str, url: str) -> CertificatePage:
    """What ``certificate`` prints: its own snapshot of name, unit, course and dates."""
    return CertificatePage(
        full_name=certificate.full_name,
        organization=certificate.organization_name,
        course_title=certificate.course_title,
        start_date=certificate.start_date,
        end_date=certificate.end_date,
        venue=venue,
        number=certificate.label,
        issued_on=certificate.issued_on,
        verify_url=url,
    )


# --- Fonts ---------------------------------------------------------------------------------------

_cut_lock = threading.Lock()
_cut_fonts: dict[Path, dict[str, Path]] = {}


def font_dir() -> Path:
    """The app's own static/fonts (no font needs to be installed on the server)."""
    return Path(current_app.static_folder or "static") / "fonts"


def _cut(source: Path, target: Path) -> None:
    from fontTools import subset  # type: ignore[import-untyped]
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    font = TTFont(str(source))
    options = subset.Options()
    options.notdef_outline = True
    options.recommended_glyphs = True
    options.name_IDs = ["*"]
    # No hinting (screens' pixel grid; print needs none) and no layout tables: fpdf2 reads and
    # re-writes less for every certificate.
    options.hinting = False
    options.layout_features = []
    options.drop_tables = [*options.drop_tables, "FFTM", "GDEF", "GPOS", "GSUB", "hdmx", "kern"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(KEPT))
    subsetter.subset(font)
    partial = target.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    font.save(str(partial))
    os.replace(partial, target)  # atomic: another process may be cutting the same font


def cut_fonts(folder: Path | None = None) -> dict[str, Path]:
    """The Latin-and-Vietnamese cut of each font file, made once per process and folder."""
    folder = folder or font_dir()
    with _cut_lock:
        if folder in _cut_fonts:
            return _cut_fonts[folder]
        cache = Path(tempfile.gettempdir()) / "trainingapp-certificate-fonts"
        cache.mkdir(parents=True, exist_ok=True)
        files: dict[str, Path] = {}
        for style, name in FONT_FILES.items():
            source = folder / name
            stat = source.stat()
            key = hashlib.sha256(
                f"{source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()
            ).hexdigest()[:16]
            target = cache / f"{key}-{name}"
            if not target.exists():
                _cut(source, target)
            files[style] = target
        _cut_fonts[folder] = files
        return files


def _fonts_for(texts: Iterable[str]) -> dict[str, Path]:
    if all(ord(ch) in KEPT for text in texts for ch in text if ch not in "\n\t"):
        return cut_fonts()
    return {style: font_dir() / name for style, name in FONT_FILES.items()}


# --- Drawing -------------------------------------------------------------------------------------


def qr_png(url: str) -> bytes:
    """A standard QR code (never Micro QR) of ``url``, error correction M, as a PNG."""
    out = io.BytesIO()
    segno.make_qr(url, error="m").save(
        out, kind="png", scale=QR_SCALE, border=4, dark="#000", light="#fff"
    )
    return out.getvalue()


def _height(pdf: FPDF, width: float, line: float, text: str) -> float:
    if "\n" not in text and pdf.get_string_width(text) < width - 1:
        return line  # one line: no need to break it (the dry run costs as much as printing)
    lines = pdf.multi_cell(width, line, text, align="C", dry_run=True, output="LINES")
    assert isinstance(lines, list)
    return float(len(lines) * line)


def _fit(
    pdf: FPDF, text: str, width: float, style: str, sizes: tuple[float, ...], room: float
) -> tuple[float, float]:
    """The largest of ``sizes`` (pt) at which ``text`` fits in ``room`` mm; its line height."""
    for size in sizes:
        pdf.set_font(FONT_FAMILY, style, size)
        line = size * 0.3528 * 1.35
        if _height(pdf, width, line, text) <= room:
            return size, line
    size = sizes[-1]
    return size, size * 0.3528 * 1.25


def _centred(pdf: FPDF, x: float, width: float, line: float, text: str) -> None:
    pdf.set_x(x)
    if "\n" not in text and pdf.get_string_width(text) < width - 1:
        pdf.cell(width, line, text, align="C", new_x="LEFT", new_y="NEXT")  # cheaper: no breaking
    else:
        pdf.multi_cell(width, line, text, align="C", new_x="LEFT", new_y="NEXT")


def _rule(pdf: FPDF, centre: float, y: float, half: float) -> None:
    pdf.set_line_width(0.3)
    pdf.line(centre - half, y, centre + half, y)


def certificate_pdf(page: CertificatePage, texts: CertificateTexts) -> bytes:
    """One certificate as PDF bytes."""
    sentence = fill_sentence(texts.sentence, page)
    words = [
        page.full_name,
        page.organization,
        sentence,
        texts.parent_body,
        texts.issuing_body,
        texts.title,
        texts.place,
        texts.signer_title,
        texts.signer_name,
        page.verify_url,
        NATION,
        MOTTO,
    ]
    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_title(f"{texts.title} {page.number}")
    pdf.set_author(texts.issuing_body)
    pdf.set_creator("TrainingApp")
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.c_margin = 0
    cut = True
    for style, path in _fonts_for(words).items():
        pdf.add_font(FONT_FAMILY, style, str(path))
        cut = cut and path.parent != font_dir()
    if cut:
        # The cut fonts' bounding boxes are right already; recomputing them on output would
        # decode every glyph again (a fifth of the time of a certificate).
        for font in pdf.fonts.values():
            if isinstance(font, TTFFont):
                font.ttfont.recalcBBoxes = False
    pdf.add_page()
    if page.sample:  # under everything else
        pdf.set_font(FONT_FAMILY, "B", 72)
        pdf.set_text_color(245, 215, 215)
        with pdf.rotation(18, x=PAGE_W / 2, y=PAGE_H / 2):
            pdf.set_xy(0, PAGE_H / 2 - 14)
            pdf.cell(PAGE_W, 28, SAMPLE, align="C")
    pdf.set_text_color(*INK)

    # Frame: a thick and a thin line, as printed certificate forms have.
    pdf.set_draw_color(*TITLE_RED)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, PAGE_W - 16, PAGE_H - 16)
    pdf.set_line_width(0.3)
    pdf.rect(10.5, 10.5, PAGE_W - 21, PAGE_H - 21)
    pdf.set_draw_color(*INK)

    # Header: issuing body (left), national name and motto (right).
    left_x, left_w = MARGIN, 125.0
    right_x, right_w = PAGE_W - MARGIN - 135.0, 135.0
    pdf.set_y(MARGIN)
    if texts.parent_body:
        pdf.set_font(FONT_FAMILY, "", 11)
        _centred(pdf, left_x, left_w, 5.2, texts.parent_body.upper())
    pdf.set_font(FONT_FAMILY, "B", 11)
    _centred(pdf, left_x, left_w, 5.2, texts.issuing_body.upper())
    _rule(pdf, left_x + left_w / 2, pdf.get_y() + 0.8, 14)
    pdf.set_y(pdf.get_y() + 3)
    pdf.set_font(FONT_FAMILY, "", 11)
    _centred(pdf, left_x, left_w, 5.5, f"{NUMBER}: {page.number}")
    header_bottom = pdf.get_y()

    pdf.set_y(MARGIN)
    pdf.set_font(FONT_FAMILY, "B", 11)
    _centred(pdf, right_x, right_w, 5.2, NATION)
    pdf.set_font(FONT_FAMILY, "B", 12)
    _centred(pdf, right_x, right_w, 5.6, MOTTO)
    _rule(pdf, right_x + right_w / 2, pdf.get_y() + 0.8, 27)
    header_bottom = max(header_bottom, pdf.get_y())

    # Title.
    pdf.set_y(max(header_bottom + 8, 52.0))
    pdf.set_text_color(*TITLE_RED)
    size, line = _fit(pdf, texts.title.upper(), 240, "B", (30, 26, 22, 18), 26)
    _centred(pdf, (PAGE_W - 240) / 2, 240, line, texts.title.upper())
    pdf.set_text_color(*INK)

    # Middle: who, from where, for what; set smaller when long, never into the bottom block,
    # and centred in the room left between the title and the bottom block.
    body_w = 235.0
    body_x = (PAGE_W - body_w) / 2
    bottom_top = 142.0
    gap = 2.5
    top = pdf.get_y() + 2
    room = bottom_top - top - 4
    intro_line = 7.0
    name_size, name_line = _fit(
        pdf, page.full_name, body_w, "B", (26, 22, 19, 16), (room - intro_line) * 0.4
    )
    name_h = _height(pdf, body_w, name_line, page.full_name)
    unit_text = f"{UNIT}: {page.organization}" if page.organization else ""
    unit_size, unit_line, unit_h = 14.0, 0.0, 0.0
    if unit_text:
        # on one line if it can be, smaller; a very long unit wraps at the smallest size
        unit_size, unit_line = _fit(pdf, unit_text, body_w, "", (14, 12.5, 11, 10), 7.5)
        unit_h = _height(pdf, body_w, unit_line, unit_text) + gap
    sentence_room = room - intro_line - name_h - unit_h - 2 * gap
    sentence_size, sentence_line = _fit(
        pdf, sentence, body_w, "", (14, 13, 12, 11, 10, 9), max(sentence_room, 10)
    )
    sentence_h = _height(pdf, body_w, sentence_line, sentence)
    used = intro_line + name_h + unit_h + sentence_h + 2 * gap
    pdf.set_y(top + max(room - used, 0) / 2)
    pdf.set_font(FONT_FAMILY, "", 14)
    _centred(pdf, body_x, body_w, intro_line, CERTIFIES)
    pdf.set_y(pdf.get_y() + gap / 2)
    pdf.set_font(FONT_FAMILY, "B", name_size)
    _centred(pdf, body_x, body_w, name_line, page.full_name)
    pdf.set_y(pdf.get_y() + gap)
    if unit_text:
        pdf.set_font(FONT_FAMILY, "", unit_size)
        _centred(pdf, body_x, body_w, unit_line, unit_text)
        pdf.set_y(pdf.get_y() + gap)
    pdf.set_font(FONT_FAMILY, "", sentence_size)
    _centred(pdf, body_x, body_w, sentence_line, sentence)

    # Bottom left: the QR code of the verification page and its address.
    qr_size = 34.0
    qr_x, qr_y = MARGIN + 14, bottom_top + 2
    pdf.image(io.BytesIO(qr_png(page.verify_url)), x=qr_x, y=qr_y, w=qr_size, h=qr_size)
    pdf.set_font(FONT_FAMILY, "", 7)
    pdf.set_xy(MARGIN, qr_y + qr_size + 0.5)
    pdf.multi_cell(
        qr_size + 28, 3, short_url(page.verify_url), align="C", new_x="LEFT", new_y="NEXT"
    )

    # Bottom right: place and date, signer's title, room to sign and seal, signer's name.
    sign_x, sign_w = right_x, right_w
    pdf.set_y(bottom_top)
    pdf.set_font(FONT_FAMILY, "", 12)
    _centred(pdf, sign_x, sign_w, 6, signing_date(texts.place, page.issued_on))
    pdf.set_font(FONT_FAMILY, "B", 12)
    for title_line in texts.signer_title.upper().splitlines() or [""]:
        _centred(pdf, sign_x, sign_w, 6, title_line)
    pdf.set_y(min(pdf.get_y() + 22, PAGE_H - MARGIN - 7))
    pdf.set_font(FONT_FAMILY, "B", 13)
    _centred(pdf, sign_x, sign_w, 6.5, texts.signer_name)

    return bytes(pdf.output())


# --- Files ---------------------------------------------------------------------------------------


def filename_for(certificate: Certificate) -> str:
    """``gcn-12-2026-nguyen-van-an.pdf``: ASCII only, safe in any header or ZIP."""
    name = "-".join(re.findall(r"[a-z0-9]+", fold(certificate.full_name)))[:60] or "hoc-vien"
    return f"gcn-{certificate.number}-{certificate.year}-{name}.pdf"


def render_certificate(certificate: Certificate, texts: CertificateTexts | None = None) -> bytes:
    """The PDF of one certificate (texts: the course's, read when not given)."""
    event = certificate.event
    if texts is None:
        texts = course_texts(services.settings_for(event.id), event)
    page = page_of(certificate, event.venue, services.verify_url(certificate.code))
    return certificate_pdf(page, texts)


def write_zip(
    certificates: list[Certificate],
    texts: CertificateTexts,
    target: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Every certificate's PDF in a ZIP written to ``target`` (default: a temporary file the
    caller streams and deletes); ``progress(done, total)`` after each one. PDFs are stored as
    they are: they are compressed already."""
    if target is None:
        handle, name = tempfile.mkstemp(prefix="certificates-", suffix=".zip")
        os.close(handle)
        target = Path(name)
    path = target
    try:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
            for done, certificate in enumerate(certificates, 1):
                archive.writestr(filename_for(certificate), render_certificate(certificate, texts))
                if progress is not None:
                    progress(done, len(certificates))
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


SAMPLE_NAME = "Nguyễn Thị Minh Khai"
SAMPLE_UNIT = "Đồn Biên phòng Cửa khẩu Quốc tế Cầu Treo"


def sample_pdf(event: Event, settings: CertificateSettings) -> bytes:
    """The template filled with a sample person, marked "BẢN MẪU", for the organizer to check."""
    today = local_today()
    page = CertificatePage(
        full_name=SAMPLE_NAME,
        organization=SAMPLE_UNIT,
        course_title=event.title,
        start_date=event.start_date,
        end_date=event.end_date,
        venue=event.venue,
        number=f"…/{today.year}/{services.number_suffix()}",
        issued_on=today,
        verify_url=services.verify_url("BAN-MAU-KHONG-CO-GIA-TRI"),
        sample=True,
    )
    return certificate_pdf(page, course_texts(settings, event))
