"""Staff pages at phone width: hints that fit and lists in straight columns (issue 17 item 3)."""

from __future__ import annotations

from tests.attendance.world import build_desk
from tests.browser.test_checkin import _login

PLACEHOLDER_FITS = """(input) => {
  const style = getComputedStyle(input, '::placeholder');
  const context = document.createElement('canvas').getContext('2d');
  context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const room = input.clientWidth - parseFloat(getComputedStyle(input).paddingLeft)
    - parseFloat(getComputedStyle(input).paddingRight);
  return [context.measureText(input.placeholder).width, room];
}"""


def test_registrant_search_hint_fits_on_a_phone(live_server, new_page):
    desk = build_desk(live_server.app)
    page = new_page(width=390, height=844)
    _login(page, desk.staff_email)
    page.goto(f"/manage/events/{desk.event_id}/registrations")
    text, room = page.locator("#q").evaluate(PLACEHOLDER_FITS)
    assert 0 < text <= room


def test_paper_list_rows_line_up(live_server, new_page):
    desk = build_desk(live_server.app)
    page = new_page(width=390, height=844)
    _login(page, desk.staff_email)
    page.goto(f"/manage/events/{desk.event_id}/sessions/{desk.morning_id}/paper")
    boxes = page.locator("#paper-rows input[type=checkbox]").evaluate_all(
        "(items) => items.map(i => Math.round(i.getBoundingClientRect().left))"
    )
    names = page.locator("#paper-rows .fw-semibold").evaluate_all(
        "(items) => items.map(i => Math.round(i.getBoundingClientRect().left))"
    )
    assert len(boxes) >= 2
    assert len(set(boxes)) == 1
    assert len(set(names)) == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
