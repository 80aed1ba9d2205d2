"""An organizer builds a course in the workspace and publishes it; the public site shows it.

The desktop test walks the whole path in English (switched with the navbar's language button, so
the role names below are stable): a lecturer added through the directory, the course form, two
sessions, three topics (one with two lecturers), publishing through the confirmation page, then
the home page and the course's public page. The phone test signs in, in Vietnamese, opens the
dashboard and the course forms and checks nothing is wider than the screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import timedelta

from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext
from playwright.sync_api import Locator
from playwright.sync_api import Page
from playwright.sync_api import expect
from sqlalchemy import select

from tests.conftest import PASSWORD
from trainingapp.auth.models import Role
from trainingapp.auth.services import create_user
from trainingapp.auth.services import find_user
from trainingapp.common.time import local_today
from trainingapp.events.services import EventData
from trainingapp.events.services import create_event
from trainingapp.extensions import db
from trainingapp.lecturers.services import create_lecturer
from trainingapp.organizations.models import Organization
from trainingapp.organizations.models import OrganizationKind
from trainingapp.organizations.services import create_organization

EMAIL = "to.chuc@example.vn"
HOST = "Sở Thông tin và Truyền thông"
BORDER_GUARD = "Bộ Chỉ huy Bộ đội Biên phòng tỉnh"
NEWSROOM = "Báo Khánh Hòa"

TITLE = "Lớp bồi dưỡng kỹ năng phát ngôn và cung cấp thông tin cho báo chí"
VENUE = "Hội trường Sở Thông tin và Truyền thông, 01 Trần Phú, Nha Trang"
MORNING = "Buổi sáng ngày đầu"
AFTERNOON = "Buổi chiều ngày thứ hai"


@dataclass(frozen=True)
class Person:
    rank: str
    full_name: str
    position: str
    organization: str

    @property
    def with_rank(self) -> str:
        return f"{self.rank} {self.full_name}"

    @property
    def choice(self) -> str:
        """The option text of the topic form's lecturer list."""
        return f"{self.with_rank} – {self.organization}"


#: added through the lecturer directory's form
HUNG = Person("Thượng tá", "Nguyễn Văn Hùng", "Phó Chủ nhiệm Chính trị", BORDER_GUARD)
#: already in the directory
LAN = Person("TS.", "Trần Thị Lan", "Phó Giám đốc Sở", HOST)
DUC = Person("ThS.", "Lê Minh Đức", "Phó Tổng Biên tập", NEWSROOM)

#: (session, title, lecturers)
TOPICS = [
    (MORNING, "Công tác thông tin đối ngoại khu vực biên giới", [HUNG]),
    (MORNING, "Phát ngôn và cung cấp thông tin cho báo chí: quy định và thực tiễn", [LAN, DUC]),
    (AFTERNOON, "Xử lý khủng hoảng truyền thông trên mạng xã hội", [DUC]),
]


def _seed(app: Flask) -> None:
    """An organizer account, three units and two lecturers, made by the app's own services."""
    with app.app_context():
        create_user(EMAIL, PASSWORD, Role.ORGANIZER, full_name="Phạm Thu Hà")
        units = {
            name: create_organization(None, name, kind)
            for name, kind in (
                (HOST, OrganizationKind.PROVINCIAL_AGENCY),
                (BORDER_GUARD, OrganizationKind.PROVINCIAL_AGENCY),
                (NEWSROOM, OrganizationKind.NEWSROOM),
            )
        }
        for person in (LAN, DUC):
            create_lecturer(
                None,
                person.full_name,
                rank=person.rank,
                position=person.position,
                organization_id=units[person.organization].id,
            )
        db.session.commit()


def _sign_in(page: Page) -> None:
    page.goto("/login")
    page.locator("input[name=email]").fill(EMAIL)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url("**/manage/")


def _field(page: Page, name: str) -> Locator:
    return page.locator(f"form [name={name}]")


def _save(page: Page) -> None:
    page.get_by_role("button", name="Save", exact=True).click()


def test_organizer_creates_and_publishes_a_course(live_server, page):
    _seed(live_server.app)
    start = local_today() + timedelta(days=21)
    second_day = start + timedelta(days=1)

    # English, so that the role names used below do not depend on the Vietnamese catalogue
    page.goto("/login")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Staff sign in")).to_be_visible()
    _sign_in(page)
    expect(page.get_by_role("heading", name="My courses")).to_be_visible()

    # --- a lecturer through the directory ---
    page.wait_for_load_state()  # the navbar's dropdown needs Bootstrap's script
    page.get_by_role("button", name="Manage").click()
    page.get_by_role("link", name="Lecturers").click()
    page.get_by_role("link", name="Add lecturer").click()
    _field(page, "full_name").fill("nguyễn văn  hùng")  # the directory capitalises names
    _field(page, "rank").fill(HUNG.rank)
    _field(page, "position").fill(HUNG.position)
    _field(page, "organization_id").select_option(label=BORDER_GUARD)
    _save(page)
    expect(page.get_by_role("alert")).to_contain_text(f"Lecturer {HUNG.full_name} added.")
    expect(page.get_by_role("link", name=HUNG.with_rank)).to_be_visible()

    # --- the course form ---
    page.wait_for_load_state()
    page.get_by_role("button", name="Manage").click()
    page.get_by_role("link", name="Courses").last.click()
    page.get_by_role("link", name="New course").click()
    expect(page.get_by_role("heading", name="New course")).to_be_visible()
    _field(page, "title").fill(TITLE)
    _field(page, "description").fill(
        "Dành cho người phát ngôn và cán bộ đầu mối cung cấp thông tin của các sở, ban, ngành."
    )
    _field(page, "organizer_id").select_option(label=HOST)
    _field(page, "co_organizer_ids").select_option(label=[BORDER_GUARD, NEWSROOM])
    _field(page, "venue").fill(VENUE)
    _field(page, "start_date").fill(start.isoformat())
    _field(page, "end_date").fill(second_day.isoformat())
    _field(page, "capacity").fill("80")
    _save(page)
    page.wait_for_url("**/manage/events/*")
    expect(page.get_by_role("alert")).to_contain_text("created as a draft")
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(page.locator("#event-status")).to_have_text("Draft")
    expect(page.locator("#seats-left")).to_have_text("80 / 80")

    # --- two sessions ---
    page.get_by_role("link", name="Sessions and topics").first.click()
    for name, day, begins, ends in (
        (MORNING, start, "07:30", "11:30"),
        (AFTERNOON, second_day, "13:30", "17:00"),
    ):
        page.get_by_role("link", name="Add session").click()
        _field(page, "name").fill(name)
        _field(page, "date").fill(day.isoformat())
        _field(page, "start_time").fill(begins)
        _field(page, "end_time").fill(ends)
        _save(page)
        expect(page.get_by_role("alert")).to_contain_text("The session has been added.")
        expect(_session_card(page, name)).to_contain_text(f"{_ddmmyyyy(day)}, {begins}–{ends}")

    # --- three topics, one of them presented by two lecturers ---
    for session_name, title, lecturers in TOPICS:
        # the session's own "Add topic" button preselects the session
        _session_card(page, session_name).get_by_role("link", name="Add topic").click()
        page.wait_for_load_state()  # select-filter.js runs at the end of the page
        expect(_field(page, "session_id").locator("option:checked")).to_contain_text(session_name)
        _field(page, "title").fill(title)
        # the accent-insensitive filter (static/js/select-filter.js) narrows the list
        page.locator("#lecturer-filter").fill("hung")
        expect(_field(page, "lecturer_ids").locator("option:not([hidden])")).to_have_count(1)
        page.locator("#lecturer-filter").fill("")
        _field(page, "lecturer_ids").select_option(label=[p.choice for p in lecturers])
        _save(page)
        expect(page.get_by_role("alert")).to_contain_text("The topic has been added.")
        card = _session_card(page, session_name)
        expect(card).to_contain_text(title)
        for person in lecturers:
            expect(card).to_contain_text(f"Lecturer: {person.with_rank}")

    # --- publish, through the confirmation page ---
    page.get_by_role("link", name="Overview").click()
    expect(page.locator("#event-status")).to_have_text("Draft")
    page.get_by_role("link", name="Publish", exact=True).click()
    expect(page.get_by_role("heading", name=f"Publish: {TITLE}")).to_be_visible()
    expect(page.get_by_text("The course will appear on the public site")).to_be_visible()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("The course is now: Published.")
    expect(page.locator("#event-status")).to_have_text("Published")

    # --- the public site ---
    page.goto("/")
    listed = page.get_by_role("link", name=TITLE)
    expect(listed).to_be_visible()
    listed.click()
    page.wait_for_url("**/events/lop-boi-duong-ky-nang-phat-ngon-**")
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(page.get_by_text(VENUE)).to_be_visible()
    expect(page.get_by_role("link", name="Register")).to_be_visible()
    cards = page.locator("section.card")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_contain_text(MORNING)
    expect(cards.nth(0)).to_contain_text(f"{_ddmmyyyy(start)}, 07:30–11:30")
    expect(cards.nth(1)).to_contain_text(AFTERNOON)
    expect(cards.nth(1)).to_contain_text(f"{_ddmmyyyy(second_day)}, 13:30–17:00")
    for session_name, title, lecturers in TOPICS:
        card = cards.filter(has_text=session_name)
        topic = card.get_by_role("listitem").filter(has_text=title)
        expect(topic).to_have_count(1)
        for person in lecturers:
            expect(topic).to_contain_text(f"Lecturer: {person.with_rank}, {person.position}")
    two = cards.get_by_role("listitem").filter(has_text=TOPICS[1][1])
    expect(two.get_by_text("Lecturer:")).to_have_count(2)


def _session_card(page: Page, name: str) -> Locator:
    return page.locator("section.card").filter(has_text=name)


def _ddmmyyyy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _vi(app: Flask, text: str) -> str:
    """The Vietnamese the interface shows for an English message."""
    with app.test_request_context(), force_locale("vi"):
        return gettext(text)


def test_dashboard_and_course_form_fit_a_phone(live_server, new_page):
    app = live_server.app
    _seed(app)
    with app.app_context():
        organizer = find_user(EMAIL)
        host = db.session.scalar(select(Organization).where(Organization.name == HOST))
        assert organizer is not None
        assert host is not None
        start = local_today() + timedelta(days=10)
        create_event(
            organizer,
            EventData(
                title=TITLE,
                start_date=start,
                end_date=start + timedelta(days=1),
                capacity=80,
                organizer_id=host.id,
                venue=VENUE,
            ),
        )
        db.session.commit()

    width = 390
    page = new_page(width=width, height=844)  # Vietnamese, the default
    _sign_in(page)

    def fits() -> None:
        assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url

    fits()
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    fits()

    page.get_by_role("link", name=_vi(app, "Edit course")).click()
    expect(_field(page, "title")).to_have_value(TITLE)
    fits()
    save = page.get_by_role("button", name=_vi(app, "Save"), exact=True)
    assert save.bounding_box()["height"] >= 44  # a comfortable touch target

    page.goto("/manage/")
    page.get_by_role("link", name=_vi(app, "New course")).click()
    expect(_field(page, "organizer_id")).to_be_visible()
    fits()
