"""The public pages as a participant sees them, on a phone and on a desktop."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from datetime import timedelta

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from trainingapp.common.time import local_today
from trainingapp.events.models import Event
from trainingapp.events.models import EventSession
from trainingapp.events.models import EventStatus
from trainingapp.events.models import Topic
from trainingapp.extensions import db
from trainingapp.lecturers.models import Lecturer
from trainingapp.organizations.models import Organization
from trainingapp.organizations.models import OrganizationKind

TITLE = "Lớp tập huấn công tác thông tin đối ngoại năm 2026"
SLUG = "tap-huan-thong-tin-doi-ngoai-2026"
TOPICS = [
    ("Sáng", "Công tác thông tin đối ngoại khu vực biên giới"),
    ("Sáng", "Đấu tranh với thông tin, quan điểm sai trái, thù địch"),
    ("Chiều", "Tình hình đấu tranh bảo vệ chủ quyền biển đảo và biên giới lãnh thổ quốc gia"),
    ("Chiều", "Quan hệ giữa Việt Nam với các nước có chung đường biên giới"),
]
VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 800)}


@pytest.fixture
def course(live_server) -> str:
    """An upcoming published one-day course with a morning and an afternoon session."""
    with live_server.app.app_context():
        department = Organization(
            name="Sở Thông tin và Truyền thông", kind=OrganizationKind.PROVINCIAL_AGENCY
        )
        border_guard = Organization(
            name="Bộ Chỉ huy Bộ đội Biên phòng tỉnh", kind=OrganizationKind.PROVINCIAL_AGENCY
        )
        lecturer = Lecturer(
            full_name="Nguyễn Văn Hùng",
            rank="Thượng tá",
            position="Phó Chủ nhiệm Chính trị",
            organization=border_guard,
        )
        day = local_today() + timedelta(days=30)
        event = Event(
            title=TITLE,
            slug=SLUG,
            description="Dành cho cán bộ phụ trách công tác thông tin đối ngoại các sở, ban, ngành, "
            "địa phương; đài truyền thanh cơ sở; đồn biên phòng; phóng viên, biên tập viên.",
            organizer=department,
            co_organizers=[border_guard],
            venue="Hội trường Sở Thông tin và Truyền thông, 01 Trần Phú, Nha Trang",
            start_date=day,
            end_date=day,
            capacity=250,
            status=EventStatus.PUBLISHED,
        )
        sessions = {
            "Sáng": EventSession(
                name="Sáng", date=day, start_time=time(7, 30), end_time=time(11, 30), position=0
            ),
            "Chiều": EventSession(
                name="Chiều", date=day, start_time=time(13, 30), end_time=time(17, 0), position=1
            ),
        }
        event.sessions = list(sessions.values())
        event.topics = [
            Topic(title=title, session=sessions[part], position=number, lecturers=[lecturer])
            for number, (part, title) in enumerate(TOPICS)
        ]
        db.session.add(event)
        db.session.commit()
    return SLUG


def assert_fits_width(page: Page, width: int) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"page is {scroll_width}px wide in a {width}px viewport"


# Assertions use the course's own data, not interface strings, so they hold in either language.


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=list(VIEWPORTS))
def test_home_lists_the_upcoming_course(
    new_page: Callable[..., Page], course: str, viewport: tuple[int, int]
) -> None:
    width, height = viewport
    page = new_page(width=width, height=height)
    page.goto("/")

    expect(page.locator("html")).to_have_attribute("lang", "vi")
    link = page.get_by_role("link", name=TITLE)
    expect(link).to_be_visible()
    expect(page.get_by_text("Sở Thông tin và Truyền thông", exact=True)).to_be_visible()
    assert_fits_width(page, width)

    link.click()
    expect(page).to_have_url(f"/events/{course}")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=list(VIEWPORTS))
def test_course_page_shows_the_agenda(
    new_page: Callable[..., Page], course: str, viewport: tuple[int, int]
) -> None:
    width, height = viewport
    page = new_page(width=width, height=height)
    response = page.goto(f"/events/{course}")
    assert response is not None
    assert response.status == 200

    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page).to_have_title(f"{TITLE} · TrainingApp")
    day = (local_today() + timedelta(days=30)).strftime("%d/%m/%Y")
    expect(page.get_by_text(f"{day}, 07:30–11:30")).to_be_visible()
    expect(page.get_by_text(f"{day}, 13:30–17:00")).to_be_visible()
    for _part, topic in TOPICS:
        expect(page.get_by_text(topic, exact=True)).to_be_visible()
    expect(page.get_by_text("Thượng tá Nguyễn Văn Hùng")).to_have_count(len(TOPICS))
    expect(page.get_by_text("Hội trường Sở Thông tin và Truyền thông, 01 Trần Phú")).to_be_visible()
    expect(page.get_by_text("250 / 250")).to_be_visible()
    assert_fits_width(page, width)
    if width < 992:  # Bootstrap's lg breakpoint: the key facts come before the agenda on a phone
        facts = page.get_by_text("250 / 250").bounding_box()
        first_topic = page.get_by_text(TOPICS[0][1], exact=True).bounding_box()
        assert facts is not None
        assert first_topic is not None
        assert facts["y"] < first_topic["y"]


def test_phone_menu_opens(new_page: Callable[..., Page], course: str) -> None:
    """Bootstrap's JavaScript runs under the Content-Security-Policy: the collapsed menu opens."""
    page = new_page(width=390, height=844)
    page.goto(f"/events/{course}")
    sign_in = page.locator('a[href="/login"]')
    expect(sign_in).to_be_hidden()

    page.locator(".navbar-toggler").click()

    expect(sign_in).to_be_visible()


def test_switch_to_english(page: Page, course: str) -> None:
    """The language buttons post a CSRF-protected form and come back to the same page."""
    page.goto(f"/events/{course}")

    page.get_by_role("button", name="English").click()

    expect(page).to_have_url(f"/events/{course}")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Agenda")).to_be_visible()
    expect(page.get_by_role("button", name="Tiếng Việt")).to_be_attached()


def test_unknown_course_is_a_404_page(page: Page) -> None:
    response = page.goto("/events/khong-co-lop-nay")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_be_visible()
