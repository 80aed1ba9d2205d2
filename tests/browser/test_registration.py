"""A participant registers on a phone-sized screen and sees the QR code."""

from __future__ import annotations

from datetime import timedelta

from trainingapp.common.time import local_today
from trainingapp.events.models import Event
from trainingapp.events.models import EventStatus
from trainingapp.extensions import db
from trainingapp.organizations.models import Organization
from trainingapp.organizations.models import OrganizationKind


def _seed(app) -> None:
    with app.app_context():
        host = Organization(
            name="Sở Thông tin và Truyền thông", kind=OrganizationKind.PROVINCIAL_AGENCY
        )
        post = Organization(
            name="Đồn Biên phòng Cửa khẩu Quốc tế", kind=OrganizationKind.BORDER_POST
        )
        db.session.add_all([host, post])
        db.session.flush()
        start = local_today() + timedelta(days=5)
        db.session.add(
            Event(
                title="Lớp tập huấn thông tin đối ngoại",
                slug="lop-doi-ngoai",
                organizer_id=host.id,
                venue="Hội trường Sở",
                start_date=start,
                end_date=start,
                capacity=100,
                status=EventStatus.PUBLISHED,
            )
        )
        db.session.commit()


def test_register_on_phone_and_see_qr(live_server, new_page):
    _seed(live_server.app)
    page = new_page(width=390, height=844)
    page.goto("/events/lop-doi-ngoai")
    page.locator("a[href$='/register']").first.click()
    page.wait_for_url("**/events/lop-doi-ngoai/register")

    # no horizontal scrolling on a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.fill("input[name=phone]", "0905 123 456")
    page.fill("input[name=full_name]", "nguyễn thị  mai")
    page.check("input[name=gender][value=female]")
    page.fill("input[name=organization]", "bien phong")
    # suggestions come from the accent-insensitive endpoint through static/js/registration.js
    page.locator("#organization-suggestions option").first.wait_for(state="attached")
    assert page.locator("#organization-suggestions option").first.get_attribute("value") == (
        "Đồn Biên phòng Cửa khẩu Quốc tế"
    )
    page.fill("input[name=organization]", "Đồn Biên phòng Cửa khẩu Quốc tế")
    page.fill("input[name=position]", "Cán bộ")
    page.check("input[name=consent]")
    submit = page.locator("form.registration-form button[type=submit]")
    box = submit.bounding_box()
    assert box is not None
    assert box["height"] >= 44  # a comfortable touch target
    submit.click()

    page.wait_for_url("**/r/**")
    qr = page.locator("#qr svg")
    qr.wait_for()
    assert qr.is_visible()
    size = qr.bounding_box()
    assert size is not None
    assert size["width"] >= 150
    assert page.locator("meta[name=robots]").get_attribute("content").startswith("noindex")
    code = page.locator("#checkin-code").inner_text().strip()
    assert len(code) == 6
    assert "Nguyễn Thị Mai" in page.content()


def test_a_failed_submit_focuses_the_first_invalid_field_and_reads_its_message(
    live_server, new_page
):
    """What a screen reader announces: the field is invalid and its description is the message."""
    from playwright.sync_api import expect

    _seed(live_server.app)
    page = new_page(width=390, height=844)
    page.goto("/events/lop-doi-ngoai/register")
    page.fill("input[name=phone]", "12")
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.wait_for_load_state()
    phone = page.get_by_role("textbox", name="Số điện thoại")
    expect(phone).to_be_focused()
    expect(phone).to_have_attribute("aria-invalid", "true")
    message = page.locator("#phone-error").inner_text()
    assert message
    expect(phone).to_have_accessible_description(message)
    name = page.get_by_role("textbox", name="Họ và tên")
    expect(name).to_have_accessible_description(page.locator("#full_name-error").inner_text())
    gender = page.get_by_role("group", name="Giới tính")
    expect(gender).to_be_visible()
