"""A unit is invited, and its contact nominates people from the letter's QR code on a phone.

The organizer invites a commune radio station on the tracker page and downloads its letter; the
QR code inside the DOCX is read by zxing-cpp, as a phone camera would; the contact opens that
link at 390×844, pastes three people copied from a spreadsheet (one phone wrong), sees the row
named and nothing saved, fixes it and sees the quota used."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import zxingcpp
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import func
from sqlalchemy import select

from tests.browser.test_checkin import _login as sign_in
from tests.conftest import PASSWORD
from tests.factories import make_event
from tests.factories import make_organization
from tests.factories import make_session
from trainingapp.auth.models import Role
from trainingapp.auth.services import create_user
from trainingapp.common.time import utcnow
from trainingapp.extensions import db
from trainingapp.organizations.models import OrganizationKind
from trainingapp.registration.models import Registration
from trainingapp.registration.models import RegistrationSource

EMAIL = "to.chuc@example.vn"
UNIT = "Đài Truyền thanh xã Tân Thanh"
ROWS = (
    "Nguyễn Văn An\tNam\t1985\tPhát thanh viên\t0905123456\n"
    "Lê Thị Bình\tNữ\t1990\tBiên tập viên\t912345678\n"
    "Trần Văn Cường\tNam\t1979\tCán bộ văn hóa\t0905 12\n"
)


def _seed(app) -> tuple[int, int]:
    with app.app_context():
        user = create_user(EMAIL, PASSWORD, Role.ORGANIZER)
        event = make_event(
            db.session,
            created_by_id=user.id,
            capacity=50,
            nominations_close_at=utcnow() + timedelta(days=5),
        )
        make_session(db.session, event)
        unit = make_organization(db.session, name=UNIT, kind=OrganizationKind.COMMUNE_RADIO)
        db.session.commit()
        return event.id, unit.id


def test_contact_nominates_from_the_letters_qr_code_on_a_phone(live_server, new_page):
    event_id, unit_id = _seed(live_server.app)
    desk = new_page()
    sign_in(desk, EMAIL)

    desk.goto(f"/manage/events/{event_id}/nominations")
    # The unit filter matches words in any order, without accents or punctuation.
    option = desk.locator(f"select[name=organization_id] option[value='{unit_id}']")
    desk.locator("#unit-filter").fill("thanh, tan truyen")
    assert option.evaluate("o => o.hidden") is False
    desk.locator("#unit-filter").fill("bien phong")
    assert option.evaluate("o => o.hidden") is True
    desk.locator("#unit-filter").fill("")
    desk.locator("select[name=organization_id]").select_option(str(unit_id))
    desk.locator("form [name=seats]").first.fill("3")
    desk.locator("input[name=contact_name]").fill("Hoàng Văn Em")
    desk.locator("input[name=contact_phone]").fill("0912 345 678")
    desk.locator("form:has(select[name=organization_id]) [type=submit]").click()
    expect(desk.locator("#invitations")).to_contain_text(UNIT)

    letter = desk.request.get(
        desk.locator("#invitations a[href$='letter.docx']").get_attribute("href")
    )
    assert letter.ok
    with zipfile.ZipFile(io.BytesIO(letter.body())) as docx:
        images = [name for name in docx.namelist() if name.startswith("word/media/")]
        assert images
        picture = Image.open(io.BytesIO(docx.read(images[0])))
    found = [b.text for b in zxingcpp.read_barcodes(picture)]
    assert len(found) == 1
    link = found[0]
    assert "/n/" in link

    phone = new_page(width=390, height=844)
    phone.goto(link)
    expect(phone.locator("#quota")).to_contain_text("0")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.locator("textarea[name=rows]").fill(ROWS)
    phone.locator("#paste form").first.locator("[type=submit]").click()
    expect(phone.locator("#row-problems")).to_contain_text("3")
    with live_server.app.app_context():
        assert db.session.scalar(select(func.count(Registration.id))) == 0

    phone.locator("textarea[name=rows]").fill(ROWS.replace("0905 12\n", "0905 120 120\n"))
    phone.locator("#paste form").first.locator("[type=submit]").click()
    expect(phone.locator("#nominees li")).to_have_count(3)
    expect(phone.locator("#quota")).to_contain_text("3")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    with live_server.app.app_context():
        sources = db.session.scalars(select(Registration.source)).all()
    assert sources == [RegistrationSource.NOMINATION] * 3

    # the contact opens a nominee's message for Zalo and sees the personal link in it
    phone.locator("#nominees details summary").first.click()
    message = phone.locator("#nominees textarea").first.input_value()
    assert "/r/" in message
