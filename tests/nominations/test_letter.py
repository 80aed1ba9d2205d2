"""The invitation letter module on its own (no app, no database): what the DOCX says, its QR
code, LibreOffice's reading of it, the checks on an office's template, the file names and the ZIP."""

from __future__ import annotations

import io
import shutil
import subprocess
import unicodedata
import zipfile
from dataclasses import replace
from datetime import date
from datetime import datetime
from datetime import time
from pathlib import Path

import pytest
import segno
import zxingcpp
from docx import Document
from docx.oxml.ns import qn
from PIL import Image

from trainingapp.common.time import local_today
from trainingapp.nominations import letter as letter_module
from trainingapp.nominations import letter_template
from trainingapp.nominations.letter import DEFAULT_TEMPLATE
from trainingapp.nominations.letter import VARIABLE_NAMES
from trainingapp.nominations.letter import Letter
from trainingapp.nominations.letter import LetterSession
from trainingapp.nominations.letter import LetterTemplateError
from trainingapp.nominations.letter import check_template
from trainingapp.nominations.letter import letter_filename
from trainingapp.nominations.letter import letters_zip
from trainingapp.nominations.letter import render_letter
from trainingapp.nominations.letter import template_variables

UNIT = "Đài Truyền thanh xã Tân Thanh"
URL = "https://taphuan.langson.gov.vn/n/Xk3v9QpLmN2aB7cD"


def qr_png(url: str) -> bytes:
    out = io.BytesIO()
    segno.make_qr(url, error="m").save(out, kind="png", scale=6)
    return out.getvalue()


@pytest.fixture
def letter() -> Letter:
    return Letter(
        parent_body="UBND tỉnh Lạng Sơn",
        issuing_body="Sở Văn hóa, Thể thao và Du lịch",
        place="Lạng Sơn",
        issued_on=date(2027, 8, 2),
        course_title="Bồi dưỡng nghiệp vụ thông tin cơ sở năm 2027",
        start_date=date(2027, 8, 16),
        end_date=date(2027, 8, 17),
        venue="Hội trường Trung tâm Văn hóa tỉnh, số 2 đường Hùng Vương, phường Chi Lăng",
        sessions=[
            LetterSession(
                "Sáng 16/08/2027",
                date(2027, 8, 16),
                time(7, 30),
                time(11, 0),
                [
                    "Chuyên đề 1: Công tác thông tin cơ sở trong tình hình mới — Thượng tá "
                    "Nguyễn Văn An, Phó Chỉ huy trưởng Bộ Chỉ huy Quân sự tỉnh",
                    "Chuyên đề 2: Kỹ năng biên tập tin, bài phát thanh — Bà Hoàng Thị Hạnh, "
                    "Trưởng phòng Thông tin cơ sở",
                ],
            ),
            LetterSession(
                "Chiều 17/08/2027",
                date(2027, 8, 17),
                time(13, 30),
                time(17, 0),
                [
                    "Chuyên đề 3: Ứng dụng công nghệ số trong truyền thanh cơ sở — Ông Lý Văn "
                    "Đức, Giám đốc Trung tâm Chuyển đổi số",
                    "Thảo luận, tổng kết lớp tập huấn",
                ],
            ),
        ],
        unit_name=UNIT,
        quota=3,
        deadline=datetime(2027, 8, 10, 17, 0),
        nomination_url=URL,
        qr_png=qr_png(URL),
        contact_name="Ông Vi Văn Tâm, Trưởng Đài",
        organizer_contact="Chị Lê Thị Bình, Phòng Quản lý văn hóa, 0912 345 678",
        recipients=[UNIT, "Giám đốc Sở (để b/c);", "UBND xã Tân Thanh"],
        signer_title="KT. Giám đốc\nPhó Giám đốc",
        signer_name="Hoàng Văn Thụ",
    )


def paragraphs(data: bytes) -> list[str]:
    """The text of every paragraph of the body, tables included; a line break as "\\n"."""
    body = Document(io.BytesIO(data)).element.body
    texts = []
    for p in body.iter(qn("w:p")):
        parts = []
        for node in p.iter(qn("w:t"), qn("w:br")):
            parts.append("\n" if node.tag == qn("w:br") else node.text or "")
        texts.append("".join(parts))
    return texts


def docx_with(*texts: str) -> bytes:
    document = Document()
    for text in texts:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- what the letter says ----------------------------------------------------------------------


def test_the_letter_says_who_is_invited_to_what_and_how_to_nominate(letter):
    texts = paragraphs(render_letter(letter))
    for expected in (
        "UBND TỈNH LẠNG SƠN",
        "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH",
        "Số:\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0/GM-SVHTTDL",
        "V/v cử cán bộ tham dự lớp tập huấn Bồi dưỡng nghiệp vụ thông tin cơ sở năm 2027",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Lạng Sơn, ngày 02 tháng 8 năm 2027",
        f"Kính gửi: {UNIT}.",
        "- Sáng 16/08/2027 (thứ Hai), từ 7 giờ 30 đến 11 giờ 00:",
        "- Chiều 17/08/2027 (thứ Ba), từ 13 giờ 30 đến 17 giờ 00:",
        "+ Thảo luận, tổng kết lớp tập huấn;",
        f"- Đường dẫn đăng ký: {URL}",
        "- Đầu mối của đơn vị: Ông Vi Văn Tâm, Trưởng Đài.",
        "- Thông tin chi tiết, xin liên hệ: Chị Lê Thị Bình, Phòng Quản lý văn hóa, 0912 345 678.",
        "Quét mã QR để cử người tham dự",
        "Nơi nhận:",
        f"- {UNIT};",
        "- Giám đốc Sở (để b/c);",
        "- Lưu: VT.",
        "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
        "Hoàng Văn Thụ",
    ):
        assert expected in texts, expected
    flat = " ".join(texts)
    assert "1. Thời gian: từ ngày 16/08/2027 (thứ Hai) đến ngày 17/08/2027 (thứ Ba)." in flat
    assert "2. Địa điểm: Hội trường Trung tâm Văn hóa tỉnh" in flat
    assert "Thượng tá Nguyễn Văn An, Phó Chỉ huy trưởng Bộ Chỉ huy Quân sự tỉnh;" in flat
    assert f"đề nghị {UNIT} cử 3 (ba) cán bộ tham dự" in flat
    assert "trước 17 giờ 00 ngày 10/08/2027 (thứ Ba)." in flat
    assert "./." in flat  # the closing sentence
    assert "{{" not in flat
    assert "{%" not in flat
    assert unicodedata.normalize("NFC", flat) == flat


def test_the_letter_has_the_decree_30_page(letter):
    document = Document(io.BytesIO(render_letter(letter)))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert 20 <= round(section.top_margin.mm) <= 25
    assert 20 <= round(section.bottom_margin.mm) <= 25
    assert 30 <= round(section.left_margin.mm) <= 35
    assert 15 <= round(section.right_margin.mm) <= 20
    assert document.styles["Normal"].font.name == "Times New Roman"
    assert document.styles["Normal"].font.size.pt in (13, 14)


def test_the_qr_code_in_the_letter_is_the_nomination_link(letter):
    with zipfile.ZipFile(io.BytesIO(render_letter(letter))) as docx:
        media = [name for name in docx.namelist() if name.startswith("word/media/")]
        assert len(media) == 1
        image = Image.open(io.BytesIO(docx.read(media[0])))
        found = zxingcpp.read_barcodes(image)
    assert [(code.text, code.format) for code in found] == [(URL, zxingcpp.BarcodeFormat.QRCode)]
    drawing = Document(io.BytesIO(render_letter(letter))).inline_shapes[0]
    assert 28 <= drawing.width.mm <= 32


def test_what_is_not_known_is_left_blank_for_the_clerk(letter):
    bare = replace(
        letter,
        parent_body="",
        place="",
        issued_on=None,
        deadline=None,
        contact_name="",
        organizer_contact="",
        signer_title="",
        signer_name="",
    )
    texts = paragraphs(render_letter(bare))
    blank = "\u00a0" * 6
    assert f"………, ngày{blank}tháng{blank}năm {local_today().year}" in texts
    flat = " ".join(texts)
    assert "UBND TỈNH" not in flat
    assert "trước" not in flat
    assert "dưới đây." in flat
    assert "Đầu mối" not in flat
    assert "liên hệ" not in flat
    assert texts.index("SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH") < texts.index("Nơi nhận:")


def test_text_that_looks_like_xml_is_printed_as_typed(letter):
    odd = replace(letter, unit_name="Hội Nông dân & Cựu chiến binh <xã> Tân Thanh")
    texts = paragraphs(render_letter(odd))
    assert "Kính gửi: Hội Nông dân & Cựu chiến binh <xã> Tân Thanh." in texts


def test_decomposed_input_comes_out_nfc(letter):
    nfd = replace(letter, unit_name=unicodedata.normalize("NFD", UNIT))
    assert f"Kính gửi: {UNIT}." in paragraphs(render_letter(nfd))


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_prints_it_in_vietnamese_on_one_or_two_pages(letter, tmp_path: Path):
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) not installed")
    docx = tmp_path / "giay-moi.docx"
    docx.write_bytes(render_letter(letter))
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "giay-moi.pdf"), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    lines = [" ".join(line.split()) for line in text.splitlines()]
    for line in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "UBND TỈNH LẠNG SƠN",
        f"Kính gửi: {UNIT}.",
        "Lạng Sơn, ngày 02 tháng 8 năm 2027",
        "Nơi nhận:",
        "- Lưu: VT.",
        "Hoàng Văn Thụ",
    ):
        assert line in lines, line
    flat = " ".join(text.split())
    assert "Quét mã QR để cử người tham dự" in flat
    assert "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH" in flat
    assert URL in flat
    assert unicodedata.normalize("NFC", flat) == flat
    pages = text.rstrip("\f").count("\f") + 1
    assert pages in (1, 2)


# --- an office's own template ------------------------------------------------------------------


def test_the_default_template_passes_the_check():
    check_template(DEFAULT_TEMPLATE.read_bytes())


def test_the_committed_template_is_what_the_builder_writes():
    """Run ``python -m trainingapp.nominations.letter_template`` after changing the builder."""
    assert DEFAULT_TEMPLATE.read_bytes() == letter_template.build()


@pytest.mark.parametrize(
    "data", [b"", b"not a word file", b"PK\x03\x04broken", docx_with("x")[:200]]
)
def test_what_is_not_a_docx_is_refused(data):
    with pytest.raises(LetterTemplateError, match=r"not a Word document"):
        check_template(data)


def test_a_zip_that_is_not_a_word_document_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<x/>")
    with pytest.raises(LetterTemplateError, match=r"not a Word document"):
        check_template(out.getvalue())


def test_an_unknown_placeholder_is_named():
    with pytest.raises(LetterTemplateError) as refused:
        check_template(docx_with("Kính gửi: {{ unit_name }}.", "{{ unknown_name }}"))
    assert "{{ unknown_name }}" in str(refused.value)
    assert "unit_name" not in str(refused.value)


def test_broken_jinja_syntax_is_refused_with_its_paragraph():
    with pytest.raises(LetterTemplateError) as refused:
        check_template(docx_with("Kính gửi: {{ unit_name }}.", "Số lượng: {{ quota cán bộ"))
    message = str(refused.value)
    assert "mistake in a {{ … }} or {% … %} placeholder" in message
    assert "Số lượng: {{ quota cán bộ" in message


def test_an_unclosed_loop_is_refused():
    with pytest.raises(LetterTemplateError, match=r"endfor"):
        check_template(docx_with("{%p for s in sessions %}", "{{ s.label }}"))


def test_a_template_cannot_reach_python_internals():
    with pytest.raises(LetterTemplateError, match=r"could not be filled in.*unsafe"):
        check_template(docx_with("{{ unit_name.__class__.__mro__[1].__subclasses__() }}"))


def test_a_template_edited_in_word_renders_with_the_office_text(letter):
    edited = Document(io.BytesIO(DEFAULT_TEMPLATE.read_bytes()))
    for paragraph in edited.paragraphs:
        if paragraph.text.startswith("Kính gửi:"):
            paragraph.runs[0].text = "Kính gửi đồng chí Thủ trưởng "
            paragraph.add_run(" (qua {{ contact_name }})")
    edited.add_paragraph("Ghi chú: mỗi cán bộ của {{ unit_name }} mang theo giấy giới thiệu.")
    out = io.BytesIO()
    edited.save(out)
    check_template(out.getvalue())
    texts = paragraphs(render_letter(letter, out.getvalue()))
    assert f"Kính gửi đồng chí Thủ trưởng {UNIT}. (qua Ông Vi Văn Tâm, Trưởng Đài)" in texts
    assert f"Ghi chú: mỗi cán bộ của {UNIT} mang theo giấy giới thiệu." in texts
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in texts


def test_a_placeholder_word_split_across_runs_still_renders(letter):
    document = Document()
    paragraph = document.add_paragraph()
    for piece in ("Đơn vị: {{ unit", "_name }}", ", số người: {{ quo", "ta }}"):
        paragraph.add_run(piece).bold = "unit" in piece
    out = io.BytesIO()
    document.save(out)
    check_template(out.getvalue())
    assert f"Đơn vị: {UNIT}, số người: 3" in paragraphs(render_letter(letter, out.getvalue()))


def test_the_help_list_names_every_placeholder_the_letter_fills(letter):
    tpl = letter_module.DocxTemplate(io.BytesIO(DEFAULT_TEMPLATE.read_bytes()))
    assert set(letter_module.build_context(letter, tpl)) == VARIABLE_NAMES
    listed = template_variables()
    assert len(listed) == len(VARIABLE_NAMES)
    for name in VARIABLE_NAMES:
        assert any(name in placeholder for placeholder, _ in listed), name
    assert all(str(description) for _, description in listed)
    used = tpl.get_undeclared_template_variables()
    assert used <= VARIABLE_NAMES


# --- formatting ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "words"),
    [(0, "không"), (3, "ba"), (10, "mười"), (15, "mười lăm"), (21, "hai mươi mốt"),
     (24, "hai mươi tư"), (105, "một trăm linh năm"), (250, "hai trăm năm mươi"), (1200, "1200")],
)  # fmt: skip
def test_number_words(n, words):
    assert letter_module.number_words(n) == words


def test_issued_date_pads_days_under_10_and_months_1_and_2():
    assert letter_module.issued_date(date(2027, 2, 5), 2027) == "ngày 05 tháng 02 năm 2027"
    assert letter_module.issued_date(date(2027, 11, 16), 2027) == "ngày 16 tháng 11 năm 2027"


def test_initials_of_the_issuing_body():
    assert letter_module.initials("Sở Văn hóa, Thể thao và Du lịch") == "SVHTTDL"
    assert letter_module.initials("Sở Giáo dục và Đào tạo") == "SGDĐT"


# --- files --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "name"),
    [
        (UNIT, "giay-moi-dai-truyen-thanh-xa-tan-thanh.docx"),
        ("Đồn Biên phòng Cửa khẩu Quốc tế Hữu Nghị", "giay-moi-don-bien-phong-cua-khau-quoc-te-huu-nghi.docx"),
        ("../../Ban Chỉ huy Quân sự/xã Yên Trạch\\", "giay-moi-ban-chi-huy-quan-su-xa-yen-trach.docx"),
        ("", "giay-moi.docx"),
        ("???", "giay-moi.docx"),
    ],
)  # fmt: skip
def test_letter_filename_is_an_ascii_slug(unit, name):
    assert letter_filename(unit) == name
    assert name.isascii()


def test_a_long_unit_name_gives_a_bounded_filename():
    name = letter_filename("Trung tâm Văn hóa, Thông tin và Thể thao " * 10)
    assert name.isascii()
    assert len(name) <= len("giay-moi-.docx") + 60


def test_letters_zip_numbers_repeated_names():
    data = letters_zip(
        [
            ("giay-moi-a.docx", b"1"),
            ("giay-moi-b.docx", b"2"),
            ("giay-moi-a.docx", b"3"),
            ("GIAY-MOI-A.docx", b"4"),
            ("giay-moi-a-2.docx", b"5"),
            ("../../etc/giay-moi-c.docx", b"6"),
        ]
    )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    assert members == {
        "giay-moi-a.docx": b"1",
        "giay-moi-b.docx": b"2",
        "giay-moi-a-2.docx": b"3",
        "GIAY-MOI-A-3.docx": b"4",
        "giay-moi-a-2-2.docx": b"5",
        "giay-moi-c.docx": b"6",
    }


def test_letters_zip_of_rendered_letters_opens_in_word(letter):
    other = replace(letter, unit_name="Đài Truyền thanh xã Hoàng Đồng")
    data = letters_zip(
        (letter_filename(item.unit_name), render_letter(item)) for item in (letter, other, letter)
    )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert names == [
            "giay-moi-dai-truyen-thanh-xa-tan-thanh.docx",
            "giay-moi-dai-truyen-thanh-xa-hoang-dong.docx",
            "giay-moi-dai-truyen-thanh-xa-tan-thanh-2.docx",
        ]
        second = archive.read(names[1])
    assert "Kính gửi: Đài Truyền thanh xã Hoàng Đồng." in paragraphs(second)
