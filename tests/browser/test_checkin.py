"""Check-in at the door on a phone: typed code (as a keyboard-wedge scanner does), the camera's
decoded QR payload through the same JS handler, live counters, and the registrant list.

``TRAININGAPP_SCREENSHOTS=1`` also writes docs/screenshots/checkin-phone.png and
registrants-phone.png from these pages.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import select

from tests.attendance.world import PASSWORD
from tests.attendance.world import build_desk
from trainingapp.attendance.models import Attendance
from trainingapp.attendance.models import CheckInMethod
from trainingapp.extensions import db

SHOTS = Path(__file__).resolve().parent.parent.parent / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}


def _login(page, email: str) -> None:
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url("**/manage/**")


def _shoot(page, name: str) -> None:
    if os.environ.get("TRAININGAPP_SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / name))


def test_check_in_on_a_phone(live_server, new_page):
    desk = build_desk(live_server.app)
    page = new_page(**PHONE)
    _login(page, desk.staff_email)
    page.goto(f"/manage/events/{desk.event_id}/checkin?session={desk.morning_id}")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.evaluate("window.__sameDocument = true")

    # big touch targets within thumb reach
    code = page.locator("#code")
    box = code.bounding_box()
    assert box is not None
    assert box["height"] >= 44
    check_in = page.locator("#code-form button[type=submit]")
    assert check_in.bounding_box()["height"] >= 44
    assert page.locator("#scan-button").is_visible()  # getUserMedia exists: camera offered

    # (a) a keyboard-wedge scanner types the code and presses Enter
    code.fill("aaa222")
    code.press("Enter")
    panel = page.locator("#checkin-result [data-outcome=checked_in]")
    panel.wait_for()
    assert "Nguyễn Văn An" in panel.inner_text()
    assert "Đồn Biên phòng Cam Ranh" in panel.inner_text()
    assert code.input_value() == ""  # ready for the next person
    page.locator("[data-counter=checked_in]").filter(has_text="1").wait_for()
    assert page.evaluate("window.__sameDocument") is True  # no page reload

    # the same code again: an unmistakable "already" panel
    code.fill("AAA222")
    code.press("Enter")
    page.locator("#checkin-result [data-outcome=already]").wait_for()

    # (b) the camera path: jsQR's decoded text goes through the same handler
    page.evaluate("window.checkinHandlePayload('BBB333', 'camera')")
    page.locator("#checkin-result [data-outcome=checked_in]").wait_for()
    assert "Trần Thị Bình" in page.locator("#checkin-result").inner_text()
    page.locator("[data-counter=checked_in]").filter(has_text="2").wait_for()

    # a cancelled registration is refused in red
    page.evaluate("window.checkinHandlePayload('CCC444', 'camera')")
    page.locator("#checkin-result [data-outcome=cancelled]").wait_for()
    assert page.evaluate("window.__sameDocument") is True

    # search then one tap
    page.fill("#q", "vo thi")
    page.locator("form[role=search] button[type=submit]").click()
    page.wait_for_load_state()
    page.locator("#search-results").wait_for()

    page.goto(f"/manage/events/{desk.event_id}/checkin?session={desk.morning_id}")
    page.evaluate("window.checkinHandlePayload('AAA222', 'camera')")
    page.locator("#checkin-result [data-outcome=already]").wait_for()
    _shoot(page, "checkin-phone.png")

    with live_server.app.app_context():
        rows = {
            a.registration_id: a.method
            for a in db.session.scalars(
                select(Attendance).where(Attendance.session_id == desk.morning_id)
            )
        }
    assert rows == {
        desk.people["Nguyễn Văn An"]: CheckInMethod.CODE,
        desk.people["Trần Thị Bình"]: CheckInMethod.QR,
    }


def test_check_in_without_javascript(live_server, new_page):
    desk = build_desk(live_server.app)
    page = new_page(java_script_enabled=False, **PHONE)
    _login(page, desk.staff_email)
    page.goto(f"/manage/events/{desk.event_id}/checkin?session={desk.afternoon_id}")
    page.fill("#code", "AAA222")
    page.press("#code", "Enter")
    page.wait_for_url(f"**/checkin?session={desk.afternoon_id}")
    page.locator("#checkin-result [data-outcome=checked_in]").wait_for()


def test_registrant_list_on_a_phone(live_server, new_page):
    desk = build_desk(live_server.app)
    page = new_page(**PHONE)
    _login(page, desk.organizer_email)
    page.goto(f"/manage/events/{desk.event_id}/registrations")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.fill("#q", "nguyen van an")
    page.press("#q", "Enter")
    page.wait_for_load_state()
    assert page.locator("#bulk-form a.fw-semibold").all_inner_texts() == ["Nguyễn Văn An"]
    page.goto(f"/manage/events/{desk.event_id}/registrations")
    page.check("#select-all")  # ticks every row of the page (static/js/checkin.js)
    assert page.locator("input[name=ids]:checked").count() == 6
    page.uncheck("#select-all")
    page.check(f"#r-{desk.people['Trần Thị Bình']}")
    apply = page.locator("#bulk-form button[type=submit]")
    assert apply.bounding_box()["height"] >= 44
    _shoot(page, "registrants-phone.png")
    apply.click()
    page.wait_for_load_state()
    assert "1" in page.locator(".alert-success").inner_text()
