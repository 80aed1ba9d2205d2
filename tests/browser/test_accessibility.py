"""axe-core (vendored in tests/browser/vendor, no CDN) finds no WCAG 2.x A/AA violation on the
public pages, the registration form (also after a failed submit), the confirmation page and the
check-in page, at phone size."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.attendance.world import build_desk
from tests.browser.test_checkin import _login
from tests.browser.test_registration import _seed

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _violations(page: Any) -> list[str]:
    page.evaluate(AXE)
    found = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(r => r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))",
        TAGS,
    )
    return [f"{page.url}: {item}" for item in found]


def test_public_pages_form_and_confirmation(live_server, new_page):
    _seed(live_server.app)
    page = new_page(width=390, height=844)
    problems: list[str] = []
    for path in ("/", "/events/lop-doi-ngoai", "/events/lop-doi-ngoai/register", "/privacy"):
        page.goto(path)
        problems += _violations(page)
    # the form sent back with its messages
    page.goto("/events/lop-doi-ngoai/register")
    page.fill("input[name=phone]", "12")
    page.locator("form.registration-form button[type=submit]").click()
    page.wait_for_load_state()
    problems += _violations(page)
    # a real registration's page
    page.fill("input[name=phone]", "0905 123 456")
    page.fill("input[name=full_name]", "Nguyễn Thị Mai")
    page.fill("input[name=organization]", "Đồn Biên phòng Cửa khẩu Quốc tế")
    page.check("input[name=gender][value=female]")
    page.fill("input[name=position]", "Cán bộ")
    page.check("input[name=consent]")
    page.locator("form.registration-form button[type=submit]").click()
    page.wait_for_url("**/r/**")
    problems += _violations(page)
    assert problems == []
    # The check can fail: an image without a text alternative is reported.
    page.evaluate("document.querySelector('main').append(document.createElement('img'))")
    assert any("image-alt" in problem for problem in _violations(page))


def test_check_in_page(live_server, new_page):
    desk = build_desk(live_server.app)
    page = new_page(width=390, height=844)
    _login(page, desk.staff_email)
    page.goto(f"/manage/events/{desk.event_id}/checkin?session={desk.morning_id}")
    assert _violations(page) == []
