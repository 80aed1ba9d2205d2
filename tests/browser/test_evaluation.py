"""The evaluation on a 390×844 phone: from the confirmation page, follow the link, answer, see
the thank-you page; from the course QR code on the organizer's printable page (read by zxing-cpp
as a phone camera would), enter the check-in code and answer. The organizer's results page
refuses to show averages until five people have answered."""

from __future__ import annotations

import io
import os
from datetime import timedelta
from pathlib import Path

import zxingcpp
from PIL import Image
from sqlalchemy import func
from sqlalchemy import select

from tests.browser.test_checkin import _login as sign_in
from tests.conftest import PASSWORD
from tests.factories import make_event
from tests.factories import make_lecturer
from tests.factories import make_registration
from tests.factories import make_session
from tests.factories import make_topic
from trainingapp.auth.models import Role
from trainingapp.auth.services import create_user
from trainingapp.common.time import local_today
from trainingapp.common.time import utcnow
from trainingapp.evaluation import results
from trainingapp.evaluation import services
from trainingapp.evaluation.models import EvaluationResponse
from trainingapp.evaluation.models import QuestionKind
from trainingapp.events.models import Event
from trainingapp.events.models import EventStaff
from trainingapp.events.models import StaffRole
from trainingapp.extensions import db

PHONE = {"width": 390, "height": 844}
EMAIL = "danh.gia@example.vn"
SHOTS = os.environ.get("TRAININGAPP_EVALUATION_SHOTS")


def _shoot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name), full_page=True)


def _seed(app) -> dict:
    with app.app_context():
        user = create_user(EMAIL, PASSWORD, Role.ORGANIZER)
        event = make_event(
            db.session,
            title="Lớp tập huấn công tác thông tin đối ngoại năm 2026",
            slug="ttdn-2026",
            start_date=local_today(),
        )
        db.session.add(EventStaff(event=event, user_id=user.id, role=StaffRole.ORGANIZER))
        morning = make_session(db.session, event, name="Sáng")
        hung = make_lecturer(db.session, full_name="Nguyễn Văn Hùng", rank="Thượng tá")
        make_topic(
            db.session, event, session=morning, title="Thông tin đối ngoại", lecturers=[hung]
        )
        people = [
            make_registration(db.session, event, full_name=name)
            for name in (
                "Trần Thị Mai",
                "Lê Văn Nam",
                "Phạm Thị Oanh",
                "Võ Văn Phúc",
                "Đỗ Thị Quyên",
                "Ngô Văn Sơn",
            )
        ]
        db.session.commit()
        form = services.ensure_form(None, event)
        form.opens_at = utcnow() - timedelta(hours=1)
        form.closes_at = utcnow() + timedelta(days=2)
        form.is_opened = True
        db.session.commit()
        return {
            "event_id": event.id,
            "slug": event.slug,
            "tokens": [p.manage_token for p in people],
            "codes": [p.checkin_code for p in people],
            "ids": [p.id for p in people],
        }


def _answer_on_the_page(page) -> None:
    fieldsets = page.locator("#evaluation-form fieldset")
    assert fieldsets.count() >= 10
    for index in range(fieldsets.count()):
        if index == 2:
            continue  # one question left out: allowed
        label = fieldsets.nth(index).locator("label").nth(4 if index % 2 else 3)
        box = label.bounding_box()
        assert box is not None
        assert box["height"] >= 44
        label.click()
    page.locator("#evaluation-form textarea").first.fill("Nhiều ví dụ thực tế, rất bổ ích.")
    page.locator("#send-evaluation").click()
    page.locator("#evaluation-done").wait_for()


def _responses(app) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(EvaluationResponse)))


def test_answer_the_evaluation_on_a_phone(live_server, new_page):
    world = _seed(live_server.app)
    phone = new_page(**PHONE)
    phone.goto(f"/r/{world['tokens'][0]}")
    link = phone.locator(f"a[href='/r/{world['tokens'][0]}/evaluation']")
    assert link.is_visible()
    _shoot(phone, "evaluation-confirmation-phone.png")
    link.click()
    phone.wait_for_url(f"**/r/{world['tokens'][0]}/evaluation")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert "Thượng tá Nguyễn Văn Hùng" in phone.inner_text("#evaluation-form")
    _shoot(phone, "evaluation-form-phone.png")
    _answer_on_the_page(phone)
    assert "?sent=1" in phone.url
    _shoot(phone, "evaluation-thanks-phone.png")
    assert _responses(live_server.app) == 1

    # Back on the confirmation page: no evaluation button any more.
    phone.goto(f"/r/{world['tokens'][0]}")
    assert phone.locator(f"a[href='/r/{world['tokens'][0]}/evaluation']").count() == 0
    phone.goto(f"/r/{world['tokens'][0]}/evaluation")
    assert phone.locator("#evaluation-done").is_visible()

    # The organizer's results: four answers are not enough to show averages.
    with live_server.app.app_context():
        form = services.form_of(world["event_id"])
        scores = [q.id for q in form.questions if q.kind == QuestionKind.SCORE]
        for registration_id in world["ids"][1:4]:
            services.submit(world["event_id"], registration_id, {q: 4 for q in scores})
            db.session.commit()
    desk = new_page(**PHONE)
    sign_in(desk, EMAIL)
    desk.goto(f"/manage/events/{world['event_id']}/evaluation")
    assert desk.locator("#averages-hidden").is_visible()
    assert desk.inner_text("#overall-average") == "–"
    assert desk.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shoot(desk, "evaluation-results-hidden-phone.png")

    # The fifth answers from the course QR code shown at the closing session.
    desk.goto(f"/manage/events/{world['event_id']}/evaluation/poster")
    png = desk.locator("#poster svg").screenshot()
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert decoded
    assert decoded[0].format == zxingcpp.BarcodeFormat.QRCode
    url = decoded[0].text
    assert url.endswith(f"/events/{world['slug']}/evaluation")
    _shoot(desk, "evaluation-poster-phone.png")

    stranger = new_page(**PHONE)
    stranger.goto(url)
    stranger.fill("input[name=code]", "ZZZ999")
    stranger.press("input[name=code]", "Enter")
    stranger.locator(".invalid-feedback").wait_for()
    _shoot(stranger, "evaluation-lookup-phone.png")
    stranger.fill("input[name=code]", world["codes"][4].lower())
    stranger.press("input[name=code]", "Enter")
    stranger.locator("#evaluation-form").wait_for()
    assert world["tokens"][4] not in stranger.content()
    _shoot(stranger, "evaluation-qr-form-phone.png")
    _answer_on_the_page(stranger)
    assert world["tokens"][4] not in stranger.content()
    assert _responses(live_server.app) == 5

    desk.goto(f"/manage/events/{world['event_id']}/evaluation")
    assert desk.locator("#averages-hidden").count() == 0
    assert desk.inner_text("#overall-average") != "–"
    assert desk.locator("#result-" + str(scores[0]) + " svg").count() == 1
    assert desk.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shoot(desk, "evaluation-results-phone.png")
    # Approve the first comment (a CSRF-protected form on the organizer's page).
    first = desk.locator("#comments [data-comment-status=pending]").first
    first.locator("button.btn-outline-success").click()
    desk.locator("#comments [data-comment-status=approved]").first.wait_for()
    with live_server.app.app_context():
        event = db.session.get(Event, world["event_id"])
        assert [c.text for c in results.summary(event).comments] == [
            "Nhiều ví dụ thực tế, rất bổ ích."
        ]
    desk.goto(f"/manage/events/{world['event_id']}/evaluation/questions")
    assert desk.locator("#questions-frozen").is_visible()
    assert desk.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shoot(desk, "evaluation-questions-phone.png")
