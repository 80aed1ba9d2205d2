"""An invitation letter as a clerk gets it: the DOCX the tracker downloads, opened by LibreOffice
and converted to PDF, reads as a Decree 30/2020 letter in Vietnamese; its QR code decodes to the
unit's link; an office's own template, edited in Word and uploaded back, is used."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from datetime import date
from datetime import time
from datetime import timedelta
from pathlib import Path

import pytest
import zxingcpp
from docx import Document
from PIL import Image

from tests.manage.courses_helpers import make_event
from tests.manage.courses_helpers import make_lecturer
from tests.manage.courses_helpers import make_org
from tests.manage.courses_helpers import make_session
from tests.manage.courses_helpers import make_topic
from trainingapp.auth.models import Role
from trainingapp.common.time import utcnow
from trainingapp.events.models import Event
from trainingapp.events.models import EventStatus
from trainingapp.extensions import db
from trainingapp.nominations import services
from trainingapp.nominations.documents import course_subject
from trainingapp.organizations.models import OrganizationKind

UNIT = "Đài Truyền thanh xã Tân Thanh"


@pytest.fixture
def organizer(make_user, auth):
    user = make_user("organizer@example.vn", Role.ORGANIZER)
    auth.login(user.email)
    return user


@pytest.fixture
def invitation_id(app, organizer) -> int:
    day = date.today() + timedelta(days=20)
    parent = make_org(app, "Ủy ban nhân dân tỉnh Khánh Hòa")
    host = make_org(app, "Sở Văn hóa, Thể thao và Du lịch", parent_id=parent)
    event_id = make_event(
        app,
        host,
        title="Tập huấn công tác thông tin đối ngoại năm 2027",
        venue="Hội trường Bộ Chỉ huy Bộ đội Biên phòng tỉnh",
        capacity=250,
        status=EventStatus.PUBLISHED,
        start_date=day,
        end_date=day,
        created_by_id=organizer.id,
        nominations_close_at=utcnow() + timedelta(days=7),
    )
    morning = make_session(app, event_id, f"Sáng {day:%d/%m/%Y}", date=day)
    make_session(
        app, event_id, f"Chiều {day:%d/%m/%Y}", date=day, start_time=time(13, 30),
        end_time=time(17, 0),
    )  # fmt: skip
    lecturer = make_lecturer(app, "Lê Quang Vinh", position="Phó Chủ nhiệm Chính trị")
    make_topic(app, event_id, "Công tác thông tin đối ngoại trong tình hình mới",
               session_id=morning, lecturer_ids=[lecturer])  # fmt: skip
    unit = make_org(app, UNIT, OrganizationKind.COMMUNE_RADIO)
    with app.test_request_context():
        invitation = services.invite(
            None, db.session.get(Event, event_id), unit, 3, services.Contact("Hoàng Văn Em")
        )
        db.session.commit()
        return invitation.id


def _letter(client, app, invitation_id) -> bytes:
    with app.app_context():
        event_id = db.session.get(services.Invitation, invitation_id).event_id
    response = client.get(f"/manage/events/{event_id}/nominations/{invitation_id}/letter.docx")
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    return response.data


def test_the_letters_qr_code_is_the_units_link(app, client, invitation_id):
    data = _letter(client, app, invitation_id)
    with app.app_context():
        token = db.session.get(services.Invitation, invitation_id).token
    with zipfile.ZipFile(io.BytesIO(data)) as docx:
        media = [n for n in docx.namelist() if n.startswith("word/media/")]
        assert len(media) == 1
        image = Image.open(io.BytesIO(docx.read(media[0])))
    found = [(b.text, b.format) for b in zxingcpp.read_barcodes(image)]
    assert len(found) == 1
    assert found[0][0].endswith(f"/n/{token}")
    assert found[0][1] == zxingcpp.BarcodeFormat.QRCode


def test_the_course_title_is_not_repeated_after_lop_tap_huan():
    assert course_subject("Tập huấn công tác thông tin đối ngoại năm 2027") == (
        "công tác thông tin đối ngoại năm 2027"
    )
    assert course_subject("Lớp tập huấn nghiệp vụ") == "nghiệp vụ"
    assert course_subject("Bồi dưỡng kỹ năng phát ngôn") == "Bồi dưỡng kỹ năng phát ngôn"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_opens_the_letter_and_it_reads_as_decree_30(
    app, client, invitation_id, tmp_path: Path
):
    docx = tmp_path / "giay-moi.docx"
    docx.write_bytes(_letter(client, app, invitation_id))
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    pdf = tmp_path / "giay-moi.pdf"
    assert pdf.exists()
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) not installed")
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = " ".join(text.split())
    for line in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "ỦY BAN NHÂN DÂN TỈNH KHÁNH HÒA",
        "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH",
        "V/v cử cán bộ tham dự lớp tập huấn công tác thông tin đối ngoại năm 2027",
        f"Kính gửi: {UNIT}",
        "Lê Quang Vinh",
        "Nơi nhận",
        "Lưu: VT",
    ):
        assert line in flat, line
    assert "3 (ba)" in flat
    assert "lớp tập huấn Tập huấn" not in flat
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert any(line.split()[-1] in ("1", "2") for line in pages.splitlines() if "Pages" in line)


def _upload_edited_template(client, app, invitation_id, paragraph: str, filename: str):
    """The template in use, downloaded, a paragraph added as in Word, and uploaded back."""
    with app.app_context():
        event_id = db.session.get(services.Invitation, invitation_id).event_id
    default = client.get(f"/manage/events/{event_id}/nominations/template.docx").data
    edited = Document(io.BytesIO(default))
    edited.add_paragraph(paragraph)
    out = io.BytesIO()
    edited.save(out)
    return client.post(
        f"/manage/events/{event_id}/nominations/template",
        data={"file": (io.BytesIO(out.getvalue()), filename)},
        content_type="multipart/form-data",
    )


def test_an_office_template_edited_in_word_is_used(app, client, invitation_id):
    response = _upload_edited_template(
        client,
        app,
        invitation_id,
        "Ghi chú của văn phòng: mang theo {{ unit_name }} giấy giới thiệu.",
        "mau-van-phong.docx",
    )
    assert response.status_code == 303
    letter = Document(io.BytesIO(_letter(client, app, invitation_id)))
    text = "\n".join(p.text for p in letter.paragraphs)
    assert f"Ghi chú của văn phòng: mang theo {UNIT} giấy giới thiệu." in text


def test_a_template_with_an_unknown_placeholder_is_refused_by_name(app, client, invitation_id):
    client.post("/language/en")
    response = _upload_edited_template(
        client, app, invitation_id, "{{ ten_don_vi_sai }}", "mau.docx"
    )
    assert response.status_code == 422
    assert "ten_don_vi_sai" in response.get_data(as_text=True)
