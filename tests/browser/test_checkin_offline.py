"""The check-in desk with the network gone, as staff at a border post would live it: the page
takes its snapshot, the network drops, the page still opens, three people and a walk-in are
checked in, and once the network is back all four reach the server with their original times; a
replay adds nothing; two phones offline checking in the same person make one attendance and one
conflict to review.
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

from tests.attendance.world import build_desk
from tests.browser.test_checkin import _login
from tests.factories import make_registration
from trainingapp.attendance.models import Attendance
from trainingapp.attendance.models import CheckInMethod
from trainingapp.audit.models import AuditEntry
from trainingapp.events.models import Event
from trainingapp.extensions import db
from trainingapp.organizations.models import Organization
from trainingapp.registration.models import Registration

PHONE = {"width": 390, "height": 844}
SHOTS = Path(__file__).resolve().parent.parent.parent / "docs" / "screenshots"

SNAPSHOT_STORED = """
async (eventId) => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open("trainingapp-checkin");
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  if (!db.objectStoreNames.contains("snapshots")) { db.close(); return 0; }
  const found = await new Promise((resolve) => {
    const get = db.transaction("snapshots").objectStore("snapshots").get(eventId);
    get.onsuccess = () => resolve(get.result);
  });
  db.close();
  return found ? found.registrants.id.length : 0;
}
"""

QUEUED = """
async () => {
  const db = await new Promise((resolve) => {
    const request = indexedDB.open("trainingapp-checkin");
    request.onsuccess = () => resolve(request.result);
  });
  const items = await new Promise((resolve) => {
    const all = db.transaction("queue").objectStore("queue").getAll();
    all.onsuccess = () => resolve(all.result);
  });
  db.close();
  return items;
}
"""

REPLAY = """
async ([url, device, items]) => {
  const token = document.querySelector("#code-form input[name=csrf_token]").value;
  const response = await fetch(url, {
    method: "POST",
    headers: {"Content-Type": "application/json", "X-CSRFToken": token},
    body: JSON.stringify({device, items}),
  });
  return {status: response.status, body: await response.json()};
}
"""


def _shoot(page, name: str) -> None:
    if os.environ.get("TRAININGAPP_SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / name), full_page=True)


def _add_people(app, event_id: int) -> dict[str, str]:
    """Two more confirmed participants (name -> check-in code)."""
    with app.app_context():
        event = db.session.get(Event, event_id)
        unit = db.session.scalar(
            select(Organization).where(Organization.name == "Đài Truyền thanh xã Ninh Hải")
        )
        people = {"Đặng Thị Thu": "TTT888", "Ngô Văn Phúc": "PPP999"}
        for name, code in people.items():
            make_registration(
                db.session, event, full_name=name, organization=unit, checkin_code=code
            )
        db.session.commit()
        return people


def _open_desk(page, desk) -> None:
    """The check-in page, controlled by its service worker, with the snapshot stored."""
    page.goto(f"/manage/events/{desk.event_id}/checkin?session={desk.morning_id}")
    _until(lambda: page.evaluate("() => navigator.serviceWorker.controller !== null"))
    _until(lambda: page.evaluate(SNAPSHOT_STORED, desk.event_id) > 0)
    # the page itself is in the worker's cache (it is asked once the page is controlled)
    _until(
        lambda: page.evaluate(
            "async () => Boolean(await caches.match(location.pathname + location.search))"
        )
    )


def _until(condition, seconds: float = 15) -> None:
    """Poll ``condition`` (a page.evaluate: wait_for_function would need eval, which the CSP
    forbids for async predicates) until it holds."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def _attendance(app, registration_id: int, session_id: int) -> list[Attendance]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Attendance).where(
                    Attendance.registration_id == registration_id,
                    Attendance.session_id == session_id,
                )
            )
        )


def _registration_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Registration.id).where(Registration.full_name == name))


def test_check_in_keeps_working_offline_and_syncs_with_the_original_times(live_server, new_page):
    app = live_server.app
    desk = build_desk(app)
    _add_people(app, desk.event_id)
    page = new_page(**PHONE)
    _login(page, desk.staff_email)
    _open_desk(page, desk)
    assert page.locator("#offline-banner").is_hidden()  # online, nothing waiting

    context = page.context
    context.set_offline(True)
    document = page.reload()
    assert document is not None
    assert document.from_service_worker  # the page came from the worker's cache
    banner = page.locator("#offline-banner[data-state=offline]")
    banner.wait_for()
    assert "Ngoại tuyến" in banner.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # 1. a typed code
    page.fill("#code", "aaa 222")
    page.press("#code", "Enter")
    page.locator("#checkin-result [data-outcome=queued]").wait_for()
    assert "Nguyễn Văn An" in page.locator("#checkin-result").inner_text()
    assert page.input_value("#code") == ""
    # the same code again: already, from the queue, nothing queued twice
    page.fill("#code", "AAA222")
    page.press("#code", "Enter")
    page.locator("#checkin-result [data-outcome=already]").wait_for()
    # an unknown code stays typed
    page.fill("#code", "XYZ123")
    page.press("#code", "Enter")
    page.locator("#checkin-result [data-feedback=error]").wait_for()
    assert page.input_value("#code") == "XYZ123"

    # 2. a search without accents, then a tap on the result
    page.fill("#q", "tran thi binh")
    page.press("#q", "Enter")
    result = page.locator("#search-results[data-offline] [data-registration]")
    assert result.count() == 1
    assert "Trần Thị Bình" in result.inner_text()
    result.locator("button").click()
    page.locator("#checkin-result [data-outcome=queued]").wait_for()

    # 3. a tap in a list searched by unit, words in any order
    page.fill("#q", "ninh hai truyen thanh")
    page.press("#q", "Enter")
    thu = page.locator("#search-results [data-registration]", has_text="Đặng Thị Thu")
    thu.locator("button").click()
    page.locator("#checkin-result [data-outcome=queued]", has_text="Đặng Thị Thu").wait_for()
    # the cancelled one is found, marked, and refused like online
    page.fill("#q", "le van cuong")
    page.press("#q", "Enter")
    cuong = page.locator("#search-results [data-registration]", has_text="Lê Văn Cường")
    assert cuong.locator(".badge").inner_text() == "Đã hủy"
    cuong.locator("button").click()
    page.locator("#checkin-result [data-feedback=error]", has_text="Lê Văn Cường").wait_for()

    # 4. a walk-in
    page.click("#walk-in-link")
    walk_in = page.locator("#offline-walk-in")
    walk_in.wait_for()
    walk_in.locator("button[type=submit]").click()
    # name, unit, phone and consent are required
    assert walk_in.locator("[aria-invalid=true]").count() == 4
    page.fill("#ow-full-name", "Đinh Thị Hoa")
    page.fill("#ow-organization", "Đồn Biên phòng Cam Ranh")
    page.fill("#ow-phone", "0977 000 111")
    page.fill("#ow-position", "Cán bộ")
    walk_in.locator("button[type=submit]").click()  # consent not ticked yet
    assert walk_in.is_visible()
    page.check("#ow-consent")
    walk_in.locator("button[type=submit]").click()
    page.locator("#checkin-result [data-outcome=queued]", has_text="Đinh Thị Hoa").wait_for()

    # The banner's count follows the queue's write, a moment after the result shows.
    expect(page.locator("#offline-banner [data-count]")).to_have_text("4")
    _shoot(page, "checkin-offline-phone.png")
    queued = page.evaluate(QUEUED)
    assert sorted(item["method"] for item in queued) == ["code", "search", "search", "walk_in"]
    assert len({item["id"] for item in queued}) == 4
    assert len({item["device"] for item in queued}) == 1
    # nothing reached the server while offline
    assert _attendance(app, desk.people["Nguyễn Văn An"], desk.morning_id) == []

    # the network is back
    time.sleep(1.2)  # so that the server's clock would show if it replaced the queued times
    context.set_offline(False)
    page.locator("#offline-banner").wait_for(state="hidden", timeout=20_000)

    times = {item["at"] for item in queued}
    names = ["Nguyễn Văn An", "Trần Thị Bình", "Đặng Thị Thu", "Đinh Thị Hoa"]
    for name in names:
        (row,) = _attendance(app, _registration_id(app, name), desk.morning_id)
        at = int(row.checked_in_at.replace(tzinfo=UTC).timestamp() * 1000)
        assert any(abs(at - queued_at) < 1000 for queued_at in times), name
    (hoa_row,) = _attendance(app, _registration_id(app, "Đinh Thị Hoa"), desk.morning_id)
    assert hoa_row.method == CheckInMethod.WALK_IN

    # a replay of the same queue adds nothing
    device = queued[0]["device"]
    items = [{k: v for k, v in item.items() if k not in ("event_id", "device")} for item in queued]
    replay = page.evaluate(REPLAY, [f"/manage/events/{desk.event_id}/checkin/sync", device, items])
    assert replay["status"] == 200
    assert all(answer.get("replay") for answer in replay["body"]["answers"])
    for name in names:
        assert len(_attendance(app, _registration_id(app, name), desk.morning_id)) == 1
    with app.app_context():
        assert db.session.scalar(select(Registration.id).where(Registration.phone == "0977000111"))
        assert (
            len(
                db.session.scalars(
                    select(Registration).where(Registration.phone == "0977000111")
                ).all()
            )
            == 1
        )


def test_two_phones_offline_make_one_attendance_and_one_conflict(live_server, new_page):
    app = live_server.app
    desk = build_desk(app)
    _add_people(app, desk.event_id)
    first, second = new_page(**PHONE), new_page(**PHONE)
    _login(first, desk.staff_email)
    _login(second, desk.organizer_email)
    for page in (first, second):
        _open_desk(page, desk)
        page.context.set_offline(True)
        page.reload()
        page.locator("#offline-banner[data-state=offline]").wait_for()
    for page in (first, second):
        page.fill("#code", "PPP999")
        page.press("#code", "Enter")
        page.locator("#checkin-result [data-outcome=queued]").wait_for()
        time.sleep(0.3)  # the second phone's time is later

    first.context.set_offline(False)
    first.locator("#offline-banner").wait_for(state="hidden", timeout=20_000)
    second.context.set_offline(False)
    conflict = second.locator("#sync-review [data-review=already]")
    conflict.wait_for(timeout=20_000)
    assert "Ngô Văn Phúc" in conflict.inner_text()
    _shoot(second, "checkin-sync-conflict-phone.png")

    phuc = _registration_id(app, "Ngô Văn Phúc")
    rows = _attendance(app, phuc, desk.morning_id)
    assert len(rows) == 1
    with app.app_context():
        (entry,) = db.session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "attendance.sync_conflict", AuditEntry.object_id == phuc
            )
        ).all()
        devices = entry.details["devices"]
        assert len(devices) == 2
        assert devices[0] != devices[1]
        assert all(devices)
        assert entry.details["kept"] == rows[0].checked_in_at.isoformat(timespec="seconds")
    # the review entry can be dismissed and stays dismissed
    conflict.locator("button").click()
    assert second.locator("#sync-review").is_hidden()
    assert json.dumps(second.evaluate(QUEUED)) == "[]"
