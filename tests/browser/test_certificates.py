"""Certificates on a phone (390×844): the organizer issues them, the PDF's QR code is decoded
and opened like a phone camera would, the page says valid; after a revocation it says revoked.

``TRAININGAPP_SCREENSHOTS=1`` also writes the pages to docs/screenshots/ (certificates-*.png).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from tests.browser.test_checkin import _login
from tests.certificates.conftest import ORGANIZER
from tests.certificates.conftest import build_course

SHOTS = Path(__file__).resolve().parent.parent.parent / "docs" / "screenshots"

pytestmark = pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="needs pdftoppm (poppler-utils) to read the QR code"
)


def _shoot(page, name: str) -> None:
    if os.environ.get("TRAININGAPP_SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / name), full_page=True)


def _english(page) -> None:
    """Switch to English with the navbar's language button (folded away on a phone)."""
    page.goto("/login")
    page.locator(".navbar-toggler").click()
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def _qr_of(pdf: bytes, tmp_path: Path) -> str:
    (tmp_path / "certificate.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "120", str(tmp_path / "certificate.pdf"), str(tmp_path / "p")],
        check=True,
        timeout=60,
    )
    found = zxingcpp.read_barcodes(Image.open(next(tmp_path.glob("p*.png"))))
    assert [b.format for b in found] == [zxingcpp.BarcodeFormat.QRCode]
    return found[0].text


def test_issue_scan_verify_and_revoke_on_a_phone(live_server, new_page, tmp_path):
    course = build_course(live_server.app)
    page = new_page(width=390, height=844)
    # English, so that the names used below do not depend on the Vietnamese catalogue
    _english(page)
    _login(page, ORGANIZER)
    page.goto(f"/manage/events/{course.event_id}/certificates")
    page.get_by_role("button", name="Issue to everyone who qualifies (2)").click()
    page.wait_for_selector(".alert-success")
    assert "2 certificates issued" in page.inner_text(".alert-success")
    _shoot(page, "certificates-manage-phone.png")
    # no part of the page is wider than the phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    pdf = page.request.get(f"/manage/events/{course.event_id}/certificates/{course.ids['all']}.pdf")
    assert pdf.ok
    assert pdf.headers["content-type"] == "application/pdf"
    url = _qr_of(pdf.body(), tmp_path)
    assert urlsplit(url).path.startswith("/verify/")
    assert urlsplit(url).netloc == urlsplit(live_server.url("/")).netloc

    phone = new_page(width=390, height=844)  # someone else's phone: not signed in
    _english(phone)
    phone.goto(url)
    assert "This certificate is valid." in phone.inner_text("#verdict")
    details = phone.inner_text("#certificate")
    assert "Nguyễn Văn An" in details
    assert "/GCN" in details
    assert "Đồn Biên phòng Cam Ranh" not in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    _shoot(phone, "certificates-verify-phone.png")

    row = page.locator(f"#candidate-{course.ids['all']}")
    row.locator("summary").click()
    row.get_by_role("button", name="Revoke the certificate").click()
    page.wait_for_selector(".invalid-feedback")  # no reason: refused, nothing revoked
    row = page.locator(f"#candidate-{course.ids['all']}")
    row.get_by_label("Reason (kept in the audit log)").fill("Cấp nhầm người")
    row.get_by_role("button", name="Revoke the certificate").click()
    page.wait_for_selector(".alert-success")
    assert "is revoked" in page.inner_text(".alert-success")

    phone.goto(url)
    verdict = phone.inner_text("#verdict")
    assert "revoked" in verdict
    assert "no longer valid" in verdict
    assert "Cấp nhầm người" not in phone.content()
    _shoot(phone, "certificates-revoked-phone.png")
