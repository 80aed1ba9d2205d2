"""Regenerate the phone screenshots (390×844, Vietnamese) of the pages a first-time user meets:

    public-home-phone.png            the home page's course cards
    public-course-phone.png          the upcoming course's page
    public-register-errors-phone.png the registration form sent back with its messages
    public-confirmation-phone.png    the participant's page after registering
    public-cancelled-phone.png       the same page once cancelled (no calendar file)
    staff-registrants-phone.png      the registrant list with its search box
    staff-paper-phone.png            the paper sign-in list of the reference course's morning
    staff-audit-phone.png            the audit log, in words
    staff-certificates-phone.png     the reference course's certificates
    staff-evaluation-phone.png       its evaluation results

    python docs/screenshots/take_pages.py

Like take_manage.py (whose helpers it uses): the demo in a temporary SQLite database, gunicorn on
a free port, headless Chromium signed in as an admin for the staff pages.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import Page
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))

from take_manage import CHROMIUM_ARGS  # noqa: E402
from take_manage import OUTPUT  # noqa: E402
from take_manage import serve_demo  # noqa: E402
from take_manage import sign_in  # noqa: E402

WIDTH, HEIGHT = 390, 844
UPCOMING = "tap-huan-thong-tin-doi-ngoai-2027"
REFERENCE = "tap-huan-thong-tin-doi-ngoai-2023"


def main() -> None:
    serve_demo(photograph)


def _shoot(page: Page, name: str, written: list[Path], *, full_page: bool = True) -> None:
    """Long lists are photographed one screen high: what a phone shows first."""
    overflow = page.evaluate("document.documentElement.scrollWidth") - WIDTH
    if overflow > 0:
        print(f"warning: {name} is {overflow}px wider than the phone")
    target = OUTPUT / f"{name}-phone.png"
    page.screenshot(path=target, full_page=full_page)
    written.append(target)


def _public(page: Page, written: list[Path]) -> None:
    page.goto("/")
    _shoot(page, "public-home", written)
    page.goto(f"/events/{UPCOMING}")
    _shoot(page, "public-course", written)
    page.goto(f"/events/{UPCOMING}/register")
    page.fill("input[name=phone]", "12")
    page.locator("form.registration-form button[type=submit]").click()
    page.wait_for_load_state()
    _shoot(page, "public-register-errors", written)
    page.fill("input[name=phone]", "0905 246 810")
    page.fill("input[name=full_name]", "Nguyễn Thị Hoà")
    page.check("input[name=gender][value=female]")
    page.fill("input[name=organization]", "Báo và Phát thanh, Truyền hình Khánh Hòa")
    page.fill("input[name=position]", "Phóng viên")
    page.check("input[name=consent]")
    page.locator("form.registration-form button[type=submit]").click()
    page.wait_for_url("**/r/**")
    _shoot(page, "public-confirmation", written)
    page.goto(page.url + "/cancel")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    _shoot(page, "public-cancelled", written)


def _staff(page: Page, password: str, written: list[Path]) -> None:
    sign_in(page, password)
    page.goto("/manage/")
    reference = page.locator("a[href^='/manage/events/']:has-text('2023')").first
    dashboard = reference.get_attribute("href") or ""
    page.goto(f"{dashboard}/registrations")
    _shoot(page, "staff-registrants", written, full_page=False)
    page.goto(f"{dashboard}/checkin")
    session_id = page.locator("select[name=session] option").first.get_attribute("value")
    page.goto(f"{dashboard}/sessions/{session_id}/paper")
    _shoot(page, "staff-paper", written, full_page=False)
    page.goto("/manage/audit")
    _shoot(page, "staff-audit", written, full_page=False)
    page.goto(f"{dashboard}/certificates")
    _shoot(page, "staff-certificates", written, full_page=False)
    page.goto(f"{dashboard}/evaluation")
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT * 3})
    _shoot(page, "staff-evaluation", written, full_page=False)


def photograph(base_url: str, password: str) -> list[Path]:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[*CHROMIUM_ARGS, "--lang=vi"],
            env={**os.environ, "LANGUAGE": "vi"},
        )
        context = browser.new_context(
            base_url=base_url,
            viewport={"width": WIDTH, "height": HEIGHT},
            locale="vi-VN",
            timezone_id="Asia/Ho_Chi_Minh",
        )
        page = context.new_page()
        _public(page, written)
        _staff(page, password, written)
        context.close()
        browser.close()
    return written


if __name__ == "__main__":
    main()
