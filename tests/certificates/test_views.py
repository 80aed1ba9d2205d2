"""The public pages (verification, the participant's PDF and its link) and the staff page
(issue, revoke, downloads, settings, permissions)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import unicodedata
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from tests.certificates.conftest import OTHER_STAFF
from tests.certificates.conftest import STAFF
from tests.certificates.conftest import Course
from tests.certificates.conftest import login
from trainingapp import create_app
from trainingapp.audit.models import AuditEntry
from trainingapp.certificates import services
from trainingapp.certificates.models import Certificate
from trainingapp.certificates.models import CertificateRule
from trainingapp.extensions import db


def _issue(app: Flask, course: Course, **kwargs: Any) -> dict[str, Certificate]:
    with app.app_context():
        issued = services.issue(None, course.event_id, issued_on=date(2026, 8, 20), **kwargs)
        db.session.commit()
        by_person = {
            key: c
            for c in issued.certificates
            for key, rid in course.ids.items()
            if rid == c.registration_id
        }
        for certificate in by_person.values():
            db.session.refresh(certificate)
            db.session.expunge(certificate)
        return by_person


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _page_url(course: Course) -> str:
    return f"/manage/events/{course.event_id}/certificates"


# --- /verify/<code> ----------------------------------------------------------------------------


def test_verify_shows_the_number_name_course_and_dates_only(
    app: Flask, client: FlaskClient, course: Course
) -> None:
    certificate = _issue(app, course)["all"]
    response = client.get(f"/verify/{certificate.code}")
    assert response.status_code == 200
    assert "noindex" in response.headers["X-Robots-Tag"]
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert "1/2026/GCN" in page
    assert "Nguyễn Văn An" in page
    assert "Lớp tập huấn công tác thông tin đối ngoại năm 2023" in page
    assert "16/08/2023" in page
    assert "17/08/2023" in page
    main = page.split("<main", 1)[-1]
    for private in ("Đồn Biên phòng Cam Ranh", "09", "Sở Thông tin", "@"):
        assert private not in re.sub(r"<[^>]+>", " ", main).replace("2026/GCN", ""), private


def test_verify_a_revoked_certificate_says_so_without_the_reason(
    app: Flask, client: FlaskClient, course: Course
) -> None:
    certificate = _issue(app, course)["late"]
    with app.app_context():
        services.revoke(None, course.event_id, course.ids["late"], "Cấp nhầm người")
        db.session.commit()
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "revoked" in page or "thu hồi" in page
    assert "no longer valid" in page or "không còn giá trị" in page
    assert "Cấp nhầm người" not in page
    assert "Lê Văn Bình" in page


@pytest.mark.parametrize(
    "code",
    ["nope", "A" * 22, "A" * 500, "a/b/c", "%00" * 8, "%E2%82%AC" * 10, "..%2F..%2Fetc%2Fpasswd"],
)
def test_verify_an_unknown_code_is_a_clear_404(
    app: Flask, client: FlaskClient, course: Course, code: str
) -> None:
    response = client.get(f"/verify/{code}")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    if "%00" in code:  # refused before any view (request_guards): the site's own 404 page
        assert "Page not found" in page or "Không tìm thấy trang" in page
        return
    assert "No such certificate" in page or "Không có giấy chứng nhận" in page


def test_verify_is_rate_limited(app_config: dict[str, Any], course: Course) -> None:
    limited = create_app(
        {**app_config, "RATELIMIT_ENABLED": True, "VERIFY_RATE_LIMIT": "3 per minute"}
    )
    client = limited.test_client()
    codes = [client.get(f"/verify/unknown-code-{n:08d}").status_code for n in range(4)]
    assert codes == [404, 404, 404, 429]
    with limited.app_context():
        db.session.remove()
        db.engine.dispose()


# --- /r/<token>/certificate.pdf ----------------------------------------------------------------


def test_participant_download_only_while_valid(
    app: Flask, client: FlaskClient, course: Course
) -> None:
    url = f"/r/{course.tokens['all']}/certificate.pdf"
    assert client.get(url).status_code == 404
    page = client.get(f"/r/{course.tokens['all']}").get_data(as_text=True)
    assert "certificate.pdf" not in page
    _issue(app, course)
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="gcn-1-2026-nguyen-van-an.pdf"'
    )
    page = client.get(f"/r/{course.tokens['all']}").get_data(as_text=True)
    assert url in page
    assert "1/2026/GCN" in page
    assert client.get(f"/r/{course.tokens['none']}/certificate.pdf").status_code == 404
    assert client.get("/r/no-such-token/certificate.pdf").status_code == 404
    with app.app_context():
        services.revoke(None, course.event_id, course.ids["all"], "Sai thông tin")
        db.session.commit()
    assert client.get(url).status_code == 404
    assert url not in client.get(f"/r/{course.tokens['all']}").get_data(as_text=True)


def test_the_pdf_holds_the_nfc_name_number_and_texts(
    app: Flask, client: FlaskClient, course: Course
) -> None:
    _issue(app, course, registration_ids=None)
    with app.app_context():
        services.save_settings(
            None,
            course.event_id,
            services.SettingsValues(
                rule=CertificateRule.MIN_SESSIONS,
                min_sessions=2,
                count_excused=False,
                title="Giấy chứng nhận",
                sentence="Đã hoàn thành lớp tập huấn {course} {dates}.",
                parent_body="",
                issuing_body="",
                place="Khánh Hòa",
                signer_title="KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
                signer_name="Nguyễn Văn Hùng",
            ),
        )
        issued = services.issue(
            None, course.event_id, [course.ids["excused"]], issued_on=date(2026, 8, 20)
        )
        db.session.commit()
        assert issued.first == "3/2026/GCN"
    response = client.get(f"/r/{course.tokens['excused']}/certificate.pdf")
    # lines wrap where the page is full: compare the words
    text = " ".join(unicodedata.normalize("NFC", _text(response.data)).split())
    reader = PdfReader(io.BytesIO(response.data))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert all("DejaVu" in name for name in fonts)
    assert fonts
    for expected in (
        "Trần Thị Hằng",
        "Số: 3/2026/GCN",
        "GIẤY CHỨNG NHẬN",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "ỦY BAN NHÂN DÂN TỈNH KHÁNH HÒA",
        "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        "công tác thông tin đối ngoại năm 2023",
        "từ ngày 16/08/2023 đến ngày 17/08/2023",
        "Khánh Hòa, ngày 20 tháng 8 năm 2026",
        "PHÓ GIÁM ĐỐC",
        "Nguyễn Văn Hùng",
    ):
        assert expected in text, expected


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs pdftoppm (poppler-utils)")
def test_the_qr_code_in_the_pdf_leads_to_the_verify_page(
    app: Flask, client: FlaskClient, course: Course, tmp_path: Path
) -> None:
    certificate = _issue(app, course)["all"]
    pdf = client.get(f"/r/{course.tokens['all']}/certificate.pdf").data
    (tmp_path / "c.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", str(tmp_path / "c.pdf"), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    image = Image.open(next(tmp_path.glob("page*.png")))
    found = [(b.text, b.format) for b in zxingcpp.read_barcodes(image)]
    url = f"http://localhost/verify/{certificate.code}"
    assert found == [(url, zxingcpp.BarcodeFormat.QRCode)]
    assert client.get(url.removeprefix("http://localhost")).status_code == 200
    assert f"localhost/verify/{certificate.code}" in _text(pdf).replace("\n", "")


# --- The staff page ----------------------------------------------------------------------------


def test_organizer_issues_to_everyone_who_qualifies(
    app: Flask, organizer: FlaskClient, course: Course
) -> None:
    page = organizer.get(_page_url(course)).get_data(as_text=True)
    assert "Issue to everyone who qualifies (2)" in page
    response = organizer.post(f"{_page_url(course)}/issue")
    assert response.status_code == 303
    page = organizer.get(_page_url(course)).get_data(as_text=True)
    assert "2 certificates issued" in page
    assert "1/2026/GCN" in page or f"1/{date.today().year}/GCN" in page
    again = organizer.post(f"{_page_url(course)}/issue", follow_redirects=True)
    assert "Nobody is waiting for a certificate." in again.get_data(as_text=True)


def test_manual_rule_from_the_page(app: Flask, organizer: FlaskClient, course: Course) -> None:
    response = organizer.post(
        f"{_page_url(course)}/settings",
        data={
            "rule": "manual",
            "min_sessions": "1",
            "title": "GIẤY CHỨNG NHẬN",
            "sentence": "Đã hoàn thành lớp tập huấn {course} {dates}.",
        },
    )
    assert response.status_code == 303
    page = organizer.get(_page_url(course)).get_data(as_text=True)
    assert f'name="person" value="{course.ids["none"]}"' in page
    response = organizer.post(
        f"{_page_url(course)}/issue",
        data={"person": [str(course.ids["none"])]},
        follow_redirects=True,
    )
    assert "One certificate issued" in response.get_data(as_text=True)
    junk = organizer.post(
        f"{_page_url(course)}/issue", data={"person": ["x1"]}, follow_redirects=True
    )
    assert "The list of people was not understood." in junk.get_data(as_text=True)
    huge = organizer.post(
        f"{_page_url(course)}/issue", data={"person": [str(2**70)]}, follow_redirects=True
    )
    assert huge.status_code == 200


def test_settings_errors_are_shown_on_their_fields(organizer: FlaskClient, course: Course) -> None:
    response = organizer.post(
        f"{_page_url(course)}/settings",
        data={"rule": "min_sessions", "min_sessions": "0", "title": "", "sentence": "{ten}"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Between 1 and 100." in page
    assert "Enter the title." in page
    bad_rule = organizer.post(
        f"{_page_url(course)}/settings",
        data={"rule": "bogus", "min_sessions": "1", "title": "T", "sentence": "S"},
    )
    assert bad_rule.status_code == 422
    unknown = organizer.post(
        f"{_page_url(course)}/settings",
        data={"rule": "all_sessions", "min_sessions": "1", "title": "T", "sentence": "Học {ten}"},
    )
    assert unknown.status_code == 422
    assert "Unknown placeholder {ten}" in unknown.get_data(as_text=True)


def test_revoke_from_the_page_needs_a_reason(
    app: Flask, organizer: FlaskClient, course: Course
) -> None:
    _issue(app, course)
    url = f"{_page_url(course)}/{course.ids['late']}/revoke"
    refused = organizer.post(url, data={"reason": "  "})
    assert refused.status_code == 422
    assert "Give the reason for revoking the certificate." in refused.get_data(as_text=True)
    with app.app_context():
        assert services.issued_counts(course.event_id) == (2, 0)
    done = organizer.post(url, data={"reason": "Cấp nhầm"}, follow_redirects=True)
    page = done.get_data(as_text=True)
    assert "is revoked" in page
    assert "Cấp nhầm" in page
    with app.app_context():
        assert services.issued_counts(course.event_id) == (1, 1)
    nothing = organizer.post(
        f"{_page_url(course)}/{course.ids['none']}/revoke",
        data={"reason": "x"},
        follow_redirects=True,
    )
    assert "no valid certificate" in nothing.get_data(as_text=True)


def test_downloads_are_audited_zip_holds_every_valid_one(
    app: Flask, organizer: FlaskClient, course: Course
) -> None:
    zip_url = f"/manage/events/{course.event_id}/certificates.zip"
    empty = organizer.post(zip_url)
    assert empty.status_code == 303
    assert "/jobs/" not in empty.headers["Location"]  # nothing to make: back to the page
    _issue(app, course)
    with app.app_context():
        services.revoke(None, course.event_id, course.ids["late"], "Sai")
        db.session.commit()
    queued = organizer.post(zip_url)  # made by a job (run at the commit in the tests)
    assert queued.status_code == 303
    job_page = organizer.get(queued.headers["Location"]).get_data(as_text=True)
    assert "1 certificate is ready in one ZIP file." in job_page
    download = re.search(r'id="job-download" href="([^"]+)"', job_page)
    assert download is not None
    response = organizer.get(download.group(1))
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "thong-tin-doi-ngoai-2023-certificates.zip" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    response.close()
    assert archive.namelist() == ["gcn-1-2026-nguyen-van-an.pdf"]
    assert "Nguyễn Văn An" in _text(archive.read(archive.namelist()[0]))
    one = organizer.get(f"{_page_url(course)}/{course.ids['late']}.pdf")
    assert one.status_code == 200  # staff may still open a revoked one
    assert organizer.get(f"{_page_url(course)}/{course.ids['none']}.pdf").status_code == 404
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == services.EXPORT_ACTION)
        ).all()
        assert sorted((e.details["format"], e.details["rows"]) for e in entries) == [
            ("pdf", 1),
            ("zip", 1),
        ]


def test_preview_is_a_marked_sample(organizer: FlaskClient, course: Course) -> None:
    response = organizer.get(f"{_page_url(course)}/preview.pdf")
    assert response.status_code == 200
    text = _text(response.data)
    assert "BẢN MẪU" in text
    assert "Nguyễn Thị Minh Khai" in text


def test_course_staff_view_and_download_but_cannot_change(app: Flask, course: Course) -> None:
    _issue(app, course)
    staff = login(app.test_client(), STAFF)
    page = staff.get(_page_url(course))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Revoke the certificate" not in html
    assert "Issue to everyone" not in html
    assert staff.post(f"/manage/events/{course.event_id}/certificates.zip").status_code == 303
    assert staff.post(f"{_page_url(course)}/issue").status_code == 403
    assert (
        staff.post(
            f"{_page_url(course)}/{course.ids['all']}/revoke", data={"reason": "x"}
        ).status_code
        == 403
    )
    assert staff.post(f"{_page_url(course)}/settings", data={}).status_code == 403


def test_another_courses_staff_is_refused(app: Flask, course: Course) -> None:
    _issue(app, course)
    other = login(app.test_client(), OTHER_STAFF)
    for url in (
        _page_url(course),
        f"{_page_url(course)}/{course.ids['all']}.pdf",
        f"{_page_url(course)}/preview.pdf",
    ):
        assert other.get(url).status_code == 403, url
    assert other.post(f"{_page_url(course)}/issue").status_code == 403
    assert other.post(f"/manage/events/{course.event_id}/certificates.zip").status_code == 403
    # and the other course's page does not list this course's people
    page = other.get(f"/manage/events/{course.other_event_id}/certificates").get_data(as_text=True)
    assert "Nguyễn Văn An" not in page


def test_anonymous_is_sent_to_login(client: FlaskClient, course: Course) -> None:
    response = client.get(_page_url(course))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_list_filters_and_pages(app: Flask, organizer: FlaskClient, course: Course) -> None:
    """A course of hundreds: the list shows one page at a time and can show only who waits,
    who holds a certificate or who does not qualify; the counts stay the course's."""
    app.config["ITEMS_PER_PAGE"] = 2
    organizer.post(f"{_page_url(course)}/issue")
    everyone = organizer.get(_page_url(course)).get_data(as_text=True)
    assert everyone.count('id="candidate-') == 2
    assert "page=2" in everyone
    second = organizer.get(f"{_page_url(course)}?page=2").get_data(as_text=True)
    assert second.count('id="candidate-') == 2
    beyond = organizer.get(f"{_page_url(course)}?page=99").get_data(as_text=True)
    assert beyond.count('id="candidate-') >= 1  # the last page, not an empty one
    issued = organizer.get(f"{_page_url(course)}?show=issued").get_data(as_text=True)
    assert issued.count('id="candidate-') == 2
    assert issued.count("/GCN") >= 2
    waiting = organizer.get(f"{_page_url(course)}?show=waiting").get_data(as_text=True)
    assert 'id="candidate-' not in waiting
    assert "Valid certificates: <strong>2</strong>" in waiting
    unknown = organizer.get(f"{_page_url(course)}?show=<x>&page=x")
    assert unknown.status_code == 200
