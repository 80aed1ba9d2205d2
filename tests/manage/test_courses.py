"""The organizer's course workspace: list, course form, dashboard, status, clone, course staff."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.manage.courses_helpers import SOON
from tests.manage.courses_helpers import assign
from tests.manage.courses_helpers import audit
from tests.manage.courses_helpers import count
from tests.manage.courses_helpers import event_form
from tests.manage.courses_helpers import get
from tests.manage.courses_helpers import make_attendance
from tests.manage.courses_helpers import make_event
from tests.manage.courses_helpers import make_lecturer
from tests.manage.courses_helpers import make_org
from tests.manage.courses_helpers import make_quota
from tests.manage.courses_helpers import make_registration
from tests.manage.courses_helpers import make_session
from tests.manage.courses_helpers import make_topic
from trainingapp import create_app
from trainingapp.auth.models import Role
from trainingapp.events.models import Event
from trainingapp.events.models import EventSession
from trainingapp.events.models import EventStaff
from trainingapp.events.models import EventStatus
from trainingapp.events.models import Quota
from trainingapp.events.models import StaffRole
from trainingapp.events.models import Topic
from trainingapp.extensions import db
from trainingapp.registration.models import Registration
from trainingapp.registration.models import RegistrationStatus


@pytest.fixture(autouse=True)
def english(client):
    """Messages are asserted in English (the interface defaults to Vietnamese)."""
    client.post("/language/en")


@pytest.fixture
def org(app):
    return make_org(app)


@pytest.fixture
def organizer(make_user):
    return make_user("organizer@example.vn", Role.ORGANIZER)


@pytest.fixture
def as_organizer(auth, organizer):
    assert auth.login(organizer.email).status_code == 303
    return organizer


def html(response) -> str:
    return response.get_data(as_text=True)


def field_errors(response, field: str) -> str:
    """The text of the error messages shown right after the field ``field``."""
    page = html(response)
    start = page.index(f'id="{field}"')
    end = page.find('class="mb-3"', start)
    return page[start : end if end != -1 else None]


# --- Course list ------------------------------------------------------------------------------


def test_list_shows_own_and_assigned_courses_only(app, client, auth, make_user, org):
    me = make_user("me@example.vn", Role.ORGANIZER)
    other = make_user("other@example.vn", Role.ORGANIZER)
    make_event(app, org, title="Lớp của tôi", created_by_id=me.id)
    assigned = make_event(app, org, title="Lớp được giao", created_by_id=other.id)
    make_event(app, org, title="Lớp của người khác", created_by_id=other.id)
    assign(app, assigned, me.id, StaffRole.STAFF)
    auth.login(me.email)
    page = html(client.get("/manage/"))
    assert "Lớp của tôi" in page
    assert "Lớp được giao" in page
    assert "Lớp của người khác" not in page


def test_staff_sees_assigned_courses_only_and_admin_sees_all(app, client, auth, make_user, org):
    staff = make_user("staff@example.vn", Role.STAFF)
    admin = make_user("admin@example.vn", Role.ADMIN)
    one = make_event(app, org, title="Lớp một")
    make_event(app, org, title="Lớp hai")
    assign(app, one, staff.id, StaffRole.STAFF)
    auth.login(staff.email)
    page = html(client.get("/manage/"))
    assert "Lớp một" in page
    assert "Lớp hai" not in page
    assert "/manage/events/new" not in page  # staff cannot create courses
    assert client.get("/manage/events/new").status_code == 403
    auth.logout()
    auth.login(admin.email)
    page = html(client.get("/manage/"))
    assert "Lớp một" in page
    assert "Lớp hai" in page


def test_list_filters_by_status_and_year(app, client, as_organizer, org):
    make_event(
        app,
        org,
        title="Lớp 2023",
        start_date=date(2023, 8, 16),
        end_date=date(2023, 8, 16),
        status=EventStatus.ARCHIVED,
        created_by_id=as_organizer.id,
    )
    make_event(app, org, title="Lớp sắp tới", created_by_id=as_organizer.id)
    page = html(client.get("/manage/?status=archived"))
    assert "Lớp 2023" in page
    assert "Lớp sắp tới" not in page
    page = html(client.get("/manage/?year=2023"))
    assert "Lớp 2023" in page
    assert "Lớp sắp tới" not in page
    page = html(client.get(f"/manage/?year={SOON.year}&status=draft"))
    assert "Lớp 2023" not in page
    assert "Lớp sắp tới" in page
    # Nonsense filters are ignored, never an error.
    for query in ("status=%00", "year=abc", "year=99999999999999999999", "page=-1", "page=x"):
        response = client.get(f"/manage/?{query}")
        assert response.status_code == 200, query


def test_list_paginates(app, client, as_organizer, org):
    app.config["ITEMS_PER_PAGE"] = 2
    for n in range(5):
        make_event(
            app,
            org,
            title=f"Lớp số {n}",
            start_date=SOON + timedelta(days=n),
            end_date=SOON + timedelta(days=n),
            created_by_id=as_organizer.id,
        )
    first = html(client.get("/manage/"))
    assert "Lớp số 4" in first
    assert "Lớp số 3" in first
    assert "Lớp số 2" not in first
    third = html(client.get("/manage/?page=3"))
    assert "Lớp số 0" in third
    assert "Lớp số 4" not in third


# --- Creating and editing -------------------------------------------------------------------


def test_create_course(app, client, as_organizer, org):
    co = make_org(app, "Bộ Chỉ huy Bộ đội Biên phòng tỉnh")
    form = event_form(
        org,
        co_organizer_ids=str(co),
        registration_opens_at=(SOON - timedelta(days=30)).isoformat() + "T08:00",
        registration_closes_at=(SOON - timedelta(days=1)).isoformat() + "T17:00",
    )
    response = client.post("/manage/events/new", data=form)
    assert response.status_code == 303
    event = db_event(app, "tap-huan-thong-tin-doi-ngoai-2023")
    assert response.headers["Location"] == f"/manage/events/{event.id}"
    assert event.status == EventStatus.DRAFT
    assert event.created_by_id == as_organizer.id
    assert event.capacity == 250
    assert event.waitlist_enabled is True
    assert event.approval_required is False
    # Registration window typed in local time (UTC+7) is stored as UTC.
    assert event.registration_closes_at == datetime.combine(SOON - timedelta(days=1), time(10))
    entry = audit(app, "event.create")[0]
    assert entry.actor_id == as_organizer.id
    assert entry.object_id == event.id
    assert entry.details["title"] == [None, "Tập huấn thông tin đối ngoại 2023"]
    assert entry.details["co_organizer_ids"] == [None, [co]]
    # The creator now sees it, with its dashboard.
    assert "Tập huấn thông tin đối ngoại 2023" in html(client.get("/manage/"))
    assert client.get(f"/manage/events/{event.id}").status_code == 200


def test_unit_filters_sit_under_their_labels(client, as_organizer, org):
    page = html(client.get("/manage/events/new"))
    for field, box in (
        ("organizer_id", "organizer-filter"),
        ("co_organizer_ids", "co-organizer-filter"),
    ):
        label = page.index(f'for="{field}"')
        search = page.index(f'id="{box}" data-filter-select="{field}"')
        select_box = page.index(f'id="{field}"')
        assert label < search < select_box


def db_event(app, slug: str) -> Event:
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        assert event is not None, slug
        db.session.expunge(event)
        return event


def test_same_title_gets_a_numbered_slug(app, client, as_organizer, org):
    client.post("/manage/events/new", data=event_form(org))
    client.post("/manage/events/new", data=event_form(org))
    client.post("/manage/events/new", data=event_form(org))
    with app.app_context():
        slugs = set(db.session.scalars(select(Event.slug)))
    assert slugs == {
        "tap-huan-thong-tin-doi-ngoai-2023",
        "tap-huan-thong-tin-doi-ngoai-2023-2",
        "tap-huan-thong-tin-doi-ngoai-2023-3",
    }


def test_typed_slug_is_kept(app, client, as_organizer, org):
    response = client.post("/manage/events/new", data=event_form(org, slug="  TTDN-2023 "))
    assert response.status_code == 303
    assert db_event(app, "ttdn-2023").title == "Tập huấn thông tin đối ngoại 2023"


DAY = SOON.isoformat()
BEFORE = (SOON - timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "Enter the course title."),
        ({"title": "   "}, "title", "Enter the course title."),
        ({"end_date": BEFORE}, "end_date", "The course cannot end before it starts."),
        (
            {"registration_closes_at": f"{DAY}T08:00"},
            "registration_closes_at",
            "Registration must close before the course starts",
        ),
        (
            {
                "registration_opens_at": f"{BEFORE}T10:00",
                "registration_closes_at": f"{BEFORE}T09:00",
            },
            "registration_opens_at",
            "Registration must open before it closes.",
        ),
        ({"capacity": "0"}, "capacity", "The capacity must be between 1 and 100000."),
        ({"capacity": "-5"}, "capacity", "The capacity must be between 1 and 100000."),
        ({"capacity": "1e3"}, "capacity", "Enter a whole number."),
        ({"capacity": ""}, "capacity", "Enter the capacity."),
        ({"slug": "tập-huấn"}, "slug", "Use only lower-case letters without accents"),
        ({"slug": "a--b"}, "slug", "Use only lower-case letters without accents"),
        ({"slug": "../admin"}, "slug", "Use only lower-case letters without accents"),
        ({"start_date": "2031-02-31"}, "start_date", "Enter a valid date (dd/mm/yyyy)."),
        ({"start_date": ""}, "start_date", "Enter the start date."),
        ({"organizer_id": ""}, "organizer_id", "Choose the organizing unit."),
        ({"organizer_id": "999999"}, "organizer_id", "Choose from the list."),
        ({"organizer_id": "abc"}, "organizer_id", "Choose from the list."),
        ({"title": "x" * 301}, "title", "Field cannot be longer than 300 characters."),
    ],
)
def test_create_refusals(app, client, as_organizer, org, overrides, field, message):
    response = client.post("/manage/events/new", data=event_form(org, **overrides))
    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert count(app, Event) == 0
    assert audit(app, "event.create") == []


def test_form_keeps_what_was_typed(app, client, as_organizer, org):
    response = client.post(
        "/manage/events/new",
        data=event_form(org, end_date=BEFORE, venue="Hội trường <b>A</b>"),
    )
    page = html(response)
    assert 'value="Hội trường &lt;b&gt;A&lt;/b&gt;"' in page
    assert 'value="Tập huấn thông tin đối ngoại 2023"' in page


def test_slug_already_taken_is_refused(app, client, as_organizer, org):
    make_event(app, org, slug="ttdn-2023")
    response = client.post("/manage/events/new", data=event_form(org, slug="ttdn-2023"))
    assert "Another course already uses this address." in field_errors(response, "slug")
    assert count(app, Event) == 1


def test_retired_unit_cannot_organize_a_new_course(app, client, as_organizer):
    retired = make_org(app, "Phòng Văn hóa và Thông tin huyện", retired_on=date(2025, 7, 1))
    response = client.post("/manage/events/new", data=event_form(retired))
    assert "Choose from the list." in field_errors(response, "organizer_id")
    assert count(app, Event) == 0


def test_organizer_choices_sorted_accent_insensitively(app, client, as_organizer):
    for name in ("Đồn Biên phòng Cam Ranh", "Báo Khánh Hòa", "Đài Phát thanh xã", "Ủy ban"):
        make_org(app, name)
    page = html(client.get("/manage/events/new"))
    positions = [page.index(name) for name in ("Báo Khánh", "Đài Phát", "Đồn Biên", "Ủy ban")]
    assert positions == sorted(positions)


def test_edit_course_with_audit_before_after(app, client, as_organizer, org):
    event_id = make_event(app, org, slug="ttdn", capacity=100, created_by_id=as_organizer.id)
    page = html(client.get(f"/manage/events/{event_id}/edit"))
    assert 'value="ttdn"' in page
    response = client.post(
        f"/manage/events/{event_id}/edit",
        data=event_form(org, slug="ttdn", capacity="150", venue="Hội trường mới"),
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/manage/events/{event_id}"
    event = get(app, Event, event_id)
    assert event.capacity == 150
    assert event.venue == "Hội trường mới"
    entry = audit(app, "event.update")[-1]
    assert entry.details["capacity"] == [100, 150]
    assert entry.details["venue"] == ["", "Hội trường mới"]
    assert "slug" not in entry.details


def test_capacity_below_confirmed_is_refused(app, client, as_organizer, org):
    event_id = make_event(app, org, slug="ttdn", capacity=100, created_by_id=as_organizer.id)
    for n in range(3):
        make_registration(app, event_id, f"Người {n}")
    make_registration(app, event_id, "Chờ", status=RegistrationStatus.WAITLISTED)
    response = client.post(
        f"/manage/events/{event_id}/edit", data=event_form(org, slug="ttdn", capacity="2")
    )
    assert response.status_code == 200
    assert "3 participants are already confirmed" in field_errors(response, "capacity")
    assert get(app, Event, event_id).capacity == 100
    response = client.post(
        f"/manage/events/{event_id}/edit", data=event_form(org, slug="ttdn", capacity="3")
    )
    assert response.status_code == 303


def test_dates_cannot_leave_sessions_outside(app, client, as_organizer, org):
    event_id = make_event(app, org, slug="ttdn", created_by_id=as_organizer.id)
    make_session(app, event_id)
    later = (SOON + timedelta(days=3)).isoformat()
    response = client.post(
        f"/manage/events/{event_id}/edit",
        data=event_form(org, slug="ttdn", start_date=later, end_date=later),
    )
    assert "Sessions are planned on" in field_errors(response, "start_date")
    assert get(app, Event, event_id).start_date == SOON


def test_registration_may_close_until_the_first_session(app, client, as_organizer, org):
    event_id = make_event(app, org, slug="ttdn", created_by_id=as_organizer.id)
    make_session(app, event_id, start_time=time(7, 30))
    ok = client.post(
        f"/manage/events/{event_id}/edit",
        data=event_form(org, slug="ttdn", registration_closes_at=f"{DAY}T07:00"),
    )
    assert ok.status_code == 303
    late = client.post(
        f"/manage/events/{event_id}/edit",
        data=event_form(org, slug="ttdn", registration_closes_at=f"{DAY}T08:00"),
    )
    assert f"{SOON:%d/%m/%Y} 07:30" in field_errors(late, "registration_closes_at")


def test_staff_cannot_edit(app, client, auth, make_user, org):
    staff = make_user("staff@example.vn", Role.STAFF)
    event_id = make_event(app, org, slug="ttdn")
    assign(app, event_id, staff.id, StaffRole.ORGANIZER)  # even if assigned as organizer
    auth.login(staff.email)
    dashboard = client.get(f"/manage/events/{event_id}")
    assert dashboard.status_code == 200
    assert f"/manage/events/{event_id}/edit" not in html(dashboard)
    for url in ("edit", "status", "clone", "staff"):
        assert client.post(f"/manage/events/{event_id}/{url}", data={}).status_code == 403
    response = client.post(
        f"/manage/events/{event_id}/edit", data=event_form(org, slug="ttdn", title="Đổi")
    )
    assert response.status_code == 403
    assert get(app, Event, event_id).title == "Tập huấn thông tin đối ngoại"


def test_other_organizer_gets_403(app, client, auth, make_user, org):
    make_user("other@example.vn", Role.ORGANIZER)
    event_id = make_event(app, org)
    auth.login("other@example.vn")
    assert client.get(f"/manage/events/{event_id}").status_code == 403
    assert client.post(f"/manage/events/{event_id}/edit", data={}).status_code == 403


def test_hostile_urls_are_404_not_500(app, client, as_organizer, org):
    event_id = make_event(app, org, created_by_id=as_organizer.id)
    for url in (
        "/manage/events/abc",
        "/manage/events/-1",
        "/manage/events/99999999999999999999",
        "/manage/events/1.5/edit",
        f"/manage/events/{event_id}/sessions/abc/edit",
        f"/manage/events/{event_id}/sessions/99999999999999999999/edit",
        f"/manage/events/{event_id}/topics/0/edit",
        f"/manage/events/{event_id}/quotas/99999/edit",
        f"/manage/events/{event_id}/status?to=deleted",
        f"/manage/events/{event_id}/status?to=%00",
    ):
        assert client.get(url).status_code == 404, url


def test_hostile_form_input_never_500(app, client, as_organizer, org):
    hostile = {
        "title": "A\x00B" + "đ" * 50,
        "slug": "x" * 500,
        "description": "\x00" * 10 + "x" * 30000,
        "venue": "v" * 1000,
        "capacity": "99999999999999999999999",
        "start_date": "31/02/2031",
        "end_date": "2031-13-01",
        "registration_opens_at": "tomorrow",
        "registration_closes_at": "9999-99-99T99:99",
        "co_organizer_ids": ["1", "x", "-1"],
        "organizer_id": "99999999999999999999",
    }
    response = client.post("/manage/events/new", data=hostile)
    assert response.status_code == 200
    assert count(app, Event) == 0
    page = html(response)
    for message in (
        "Field cannot be longer than 120 characters.",
        "Enter a valid date (dd/mm/yyyy).",
        "Enter a valid date and time (dd/mm/yyyy hh:mm).",
        "The capacity must be between 1 and 100000.",
    ):
        assert message in page
    # NUL characters are dropped rather than sent to the database.
    ok = client.post("/manage/events/new", data=event_form(org, title="Lớp\x00 A"))
    assert ok.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Event.title)) == "Lớp A"


def test_dd_mm_yyyy_typed_dates_are_accepted(app, client, as_organizer, org):
    typed = SOON.strftime("%d/%m/%Y")
    response = client.post(
        "/manage/events/new", data=event_form(org, start_date=typed, end_date=typed)
    )
    assert response.status_code == 303


def test_csrf_token_required(app_config, organizer, org):
    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    client = app.test_client()
    try:
        page = html(client.get("/login"))
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post(
            "/login",
            data={
                "email": organizer.email,
                "password": "correct horse battery",
                "csrf_token": token,
            },
        )
        response = client.post("/manage/events/new", data=event_form(org))
        assert response.status_code == 400
        assert count(app, Event) == 0
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


# --- Dashboard --------------------------------------------------------------------------------


def test_dashboard_counts(app, client, as_organizer, org):
    unit = make_org(app, "Đồn Biên phòng Cam Ranh")
    event_id = make_event(app, org, capacity=10, created_by_id=as_organizer.id)
    morning = make_session(app, event_id, "Sáng 16/08")
    make_session(app, event_id, "Chiều 16/08", start_time=time(13, 30), end_time=time(17, 0))
    make_quota(app, event_id, unit, 5)
    statuses = [RegistrationStatus.CONFIRMED] * 3 + [
        RegistrationStatus.PENDING,
        RegistrationStatus.WAITLISTED,
        RegistrationStatus.WAITLISTED,
        RegistrationStatus.CANCELLED,
    ]
    ids = [
        make_registration(app, event_id, f"Người {n}", status, organization_id=unit)
        for n, status in enumerate(statuses)
    ]
    make_attendance(app, ids[0], morning)
    make_attendance(app, ids[1], morning)
    page = html(client.get(f"/manage/events/{event_id}"))
    assert 'data-count="confirmed">3<' in page
    assert 'data-count="pending">1<' in page
    assert 'data-count="waitlisted">2<' in page
    assert 'data-count="cancelled">1<' in page
    assert 'data-count="rejected">0<' in page
    assert "Pending approval" in page
    assert "Waitlisted" in page
    assert '<div class="fs-4 fw-semibold" id="seats-left">7 / 10</div>' in page
    assert "Đồn Biên phòng Cam Ranh" in page
    assert '<td class="text-end">3</td><td class="text-end">5</td>' in page
    assert "Sáng 16/08" in page
    assert "Chiều 16/08" in page
    assert '<span class="fw-semibold">2</span>' in page
    for action in ("edit", "clone", "sessions", "quotas", "staff", "status?to=published"):
        assert f"/manage/events/{event_id}/{action}" in page


def test_dashboard_links_only_to_pages_that_exist(app, client, as_organizer, org):
    event_id = make_event(app, org, created_by_id=as_organizer.id)
    page = html(client.get(f"/manage/events/{event_id}"))
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    for suffix in ("/registrations", "/checkin", "/export.csv", "/signin-sheet", "/import"):
        exists = f"/manage/events/<int:event_id>{suffix}" in rules
        assert (f'href="/manage/events/{event_id}{suffix}"' in page) == exists, suffix


def test_dashboard_runs_a_fixed_number_of_queries(app, client, as_organizer, org):
    from sqlalchemy import event as sa_event

    event_id = make_event(app, org, created_by_id=as_organizer.id)

    def queries_for_dashboard() -> int:
        statements: list[str] = []
        with app.app_context():
            engine = db.engine

        def _count(*_args):
            statements.append("q")

        sa_event.listen(engine, "before_cursor_execute", _count)
        try:
            assert client.get(f"/manage/events/{event_id}").status_code == 200
        finally:
            sa_event.remove(engine, "before_cursor_execute", _count)
        return len(statements)

    small = queries_for_dashboard()
    for n in range(4):
        unit = make_org(app, f"Đơn vị {n}")
        make_quota(app, event_id, unit, 3)
        session_id = make_session(app, event_id, f"Buổi {n}")
        make_attendance(app, make_registration(app, event_id, f"Người {n}"), session_id)
    assert queries_for_dashboard() == small


# --- Status -----------------------------------------------------------------------------------


def test_publish_with_confirmation(app, client, as_organizer, org):
    event_id = make_event(app, org, slug="ttdn", created_by_id=as_organizer.id)
    confirm = client.get(f"/manage/events/{event_id}/status?to=published")
    assert confirm.status_code == 200
    assert "The course will appear on the public site" in html(confirm)
    assert get(app, Event, event_id).status == EventStatus.DRAFT  # GET changes nothing
    assert client.get("/events/ttdn").status_code == 404  # drafts are not public
    response = client.post(f"/manage/events/{event_id}/status", data={"status": "published"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/manage/events/{event_id}"
    assert get(app, Event, event_id).status == EventStatus.PUBLISHED
    assert client.get("/events/ttdn").status_code == 200
    entry = audit(app, "event.status")[-1]
    assert entry.details == {"status": ["draft", "published"]}
    assert entry.actor_id == as_organizer.id


@pytest.mark.parametrize(
    ("start", "target", "allowed"),
    [
        (EventStatus.DRAFT, EventStatus.PUBLISHED, True),
        (EventStatus.DRAFT, EventStatus.CLOSED, False),
        (EventStatus.DRAFT, EventStatus.ARCHIVED, False),
        (EventStatus.PUBLISHED, EventStatus.CLOSED, True),
        (EventStatus.PUBLISHED, EventStatus.DRAFT, True),
        (EventStatus.PUBLISHED, EventStatus.ARCHIVED, False),
        (EventStatus.CLOSED, EventStatus.ARCHIVED, True),
        (EventStatus.CLOSED, EventStatus.PUBLISHED, True),
        (EventStatus.CLOSED, EventStatus.DRAFT, False),
        (EventStatus.ARCHIVED, EventStatus.PUBLISHED, False),
        (EventStatus.ARCHIVED, EventStatus.DRAFT, False),
    ],
)
def test_status_transitions(app, client, as_organizer, org, start, target, allowed):
    event_id = make_event(app, org, status=start, created_by_id=as_organizer.id)
    response = client.post(f"/manage/events/{event_id}/status", data={"status": target.value})
    assert response.status_code == 303
    after = get(app, Event, event_id).status
    assert after == (target if allowed else start)
    assert len(audit(app, "event.status")) == (1 if allowed else 0)
    if not allowed:
        page = html(client.get(response.headers["Location"]))
        assert "A course cannot move from this status to that one." in page
        assert client.get(f"/manage/events/{event_id}/status?to={target.value}").status_code == 303


def test_unpublish_refused_once_someone_registered(app, client, as_organizer, org):
    event_id = make_event(app, org, status=EventStatus.PUBLISHED, created_by_id=as_organizer.id)
    make_registration(app, event_id, status=RegistrationStatus.CANCELLED)
    response = client.post(f"/manage/events/{event_id}/status", data={"status": "draft"})
    page = html(client.get(response.headers["Location"]))
    assert "Participants have already registered" in page
    assert get(app, Event, event_id).status == EventStatus.PUBLISHED


def test_status_post_with_garbage(app, client, as_organizer, org):
    event_id = make_event(app, org, created_by_id=as_organizer.id)
    for value in ("", "deleted", "\x00", "x" * 5000):
        response = client.post(f"/manage/events/{event_id}/status", data={"status": value})
        assert response.status_code == 303
    assert get(app, Event, event_id).status == EventStatus.DRAFT


# --- Clone ------------------------------------------------------------------------------------


def test_clone_copies_agenda_and_quotas_not_registrations(app, client, as_organizer, org):
    unit = make_org(app, "Đồn Biên phòng Cam Ranh")
    source = make_event(
        app,
        org,
        title="Tập huấn thông tin đối ngoại 2023",
        slug="ttdn-2023",
        start_date=date(2023, 8, 16),
        end_date=date(2023, 8, 17),
        capacity=220,
        status=EventStatus.ARCHIVED,
        created_by_id=as_organizer.id,
    )
    morning = make_session(app, source, "Sáng 16/08", date=date(2023, 8, 16))
    make_session(app, source, "Sáng 17/08", date=date(2023, 8, 17))
    hung = make_lecturer(app, "Nguyễn Văn Hùng")
    lan = make_lecturer(app, "Trần Thị Lan", rank="Trung tá")
    make_topic(app, source, "Chuyên đề 1", morning, lecturer_ids=[hung, lan], position=1)
    make_topic(app, source, "Chuyên đề 2", None, position=2)
    make_quota(app, source, unit, 20)
    registration = make_registration(app, source, organization_id=unit)
    make_attendance(app, registration, morning)

    form = client.get(f"/manage/events/{source}/clone")
    assert 'value="Tập huấn thông tin đối ngoại 2023"' in html(form)
    response = client.post(
        f"/manage/events/{source}/clone",
        data={
            "title": "Tập huấn thông tin đối ngoại 2027",
            "slug": "",
            "start_date": "2027-08-10",
            "end_date": "2027-08-11",
        },
    )
    assert response.status_code == 303
    copy = db_event(app, "tap-huan-thong-tin-doi-ngoai-2027")
    assert response.headers["Location"] == f"/manage/events/{copy.id}"
    assert copy.status == EventStatus.DRAFT
    assert copy.cloned_from_id == source
    assert copy.capacity == 220
    assert copy.created_by_id == as_organizer.id
    with app.app_context():
        sessions = db.session.scalars(
            select(EventSession).where(EventSession.event_id == copy.id).order_by(EventSession.date)
        ).all()
        assert [(s.name, s.date) for s in sessions] == [  # labels follow their dates
            ("Sáng 10/08", date(2027, 8, 10)),
            ("Sáng 11/08", date(2027, 8, 11)),
        ]
        topics = db.session.scalars(
            select(Topic).where(Topic.event_id == copy.id).order_by(Topic.position)
        ).all()
        assert [t.title for t in topics] == ["Chuyên đề 1", "Chuyên đề 2"]
        assert topics[0].session_id == sessions[0].id
        assert [lecturer.id for lecturer in topics[0].lecturers] == [hung, lan]
        assert topics[1].session_id is None
        quotas = db.session.scalars(select(Quota).where(Quota.event_id == copy.id)).all()
        assert [(q.organization_id, q.seats) for q in quotas] == [(unit, 20)]
    assert count(app, Registration, Registration.event_id == copy.id) == 0
    assert count(app, Registration, Registration.event_id == source) == 1  # source untouched
    entry = audit(app, "event.clone")[0]
    assert entry.object_id == copy.id
    assert entry.details["cloned_from_id"] == [None, source]


def test_clone_refusals(app, client, as_organizer, org):
    source = make_event(
        app, org, start_date=SOON, end_date=SOON + timedelta(days=1), created_by_id=as_organizer.id
    )
    make_session(app, source, "Ngày 2", date=SOON + timedelta(days=1))
    make_event(app, org, slug="taken")
    start = (SOON + timedelta(days=10)).isoformat()
    cases = [
        ({"title": ""}, "title", "Enter the course title."),
        ({"slug": "taken"}, "slug", "Another course already uses this address."),
        ({"end_date": "2000-01-01"}, "end_date", "The course cannot end before it starts."),
        ({"end_date": start}, "end_date", "The agenda runs until"),
        ({"start_date": "2031-02-30"}, "start_date", "Enter a valid date (dd/mm/yyyy)."),
    ]
    for overrides, field, message in cases:
        data = {
            "title": "Bản sao",
            "slug": "",
            "start_date": start,
            "end_date": (SOON + timedelta(days=11)).isoformat(),
        } | overrides
        response = client.post(f"/manage/events/{source}/clone", data=data)
        assert response.status_code == 200, overrides
        assert message in field_errors(response, field), overrides
    assert count(app, Event) == 2


# --- Course staff -----------------------------------------------------------------------------


def test_assign_and_remove_course_staff(app, client, as_organizer, make_user, org):
    helper = make_user("helper@example.vn", Role.STAFF, full_name="Lê Văn Tâm")
    colleague = make_user("colleague@example.vn", Role.ORGANIZER)
    event_id = make_event(app, org, created_by_id=as_organizer.id)
    page = html(client.get(f"/manage/events/{event_id}/staff"))
    assert "helper@example.vn" in page
    assert "colleague@example.vn" in page

    refused = client.post(
        f"/manage/events/{event_id}/staff", data={"user_id": helper.id, "role": "organizer"}
    )
    assert refused.status_code == 200
    assert "A staff account can only be assigned as staff" in field_errors(refused, "role")
    assert count(app, EventStaff) == 0

    ok = client.post(
        f"/manage/events/{event_id}/staff", data={"user_id": helper.id, "role": "staff"}
    )
    assert ok.status_code == 303
    ok = client.post(
        f"/manage/events/{event_id}/staff", data={"user_id": colleague.id, "role": "organizer"}
    )
    assert ok.status_code == 303
    with app.app_context():
        roles = dict(db.session.execute(select(EventStaff.user_id, EventStaff.role)).all())
        assignment_id = db.session.scalar(
            select(EventStaff.id).where(EventStaff.user_id == helper.id)
        )
    assert roles == {helper.id: StaffRole.STAFF, colleague.id: StaffRole.ORGANIZER}
    created = audit(app, "event_staff.create")
    assert created[0].details == {"user": [None, "helper@example.vn"], "role": [None, "staff"]}

    response = client.post(f"/manage/events/{event_id}/staff/{assignment_id}/delete")
    assert response.status_code == 303
    assert count(app, EventStaff, EventStaff.user_id == helper.id) == 0
    assert audit(app, "event_staff.delete")[0].details["user"] == ["helper@example.vn", None]

    # The colleague, assigned as organizer, may now edit the course.
    client.post("/logout")
    client.post("/login", data={"email": colleague.email, "password": "correct horse battery"})
    assert client.get(f"/manage/events/{event_id}/edit").status_code == 200


def test_assign_refuses_disabled_and_unknown_accounts(app, client, as_organizer, make_user, org):
    disabled = make_user("gone@example.vn", Role.STAFF, active=False)
    event_id = make_event(app, org, created_by_id=as_organizer.id)
    for user_id in (disabled.id, 999999, "abc", ""):
        response = client.post(
            f"/manage/events/{event_id}/staff", data={"user_id": user_id, "role": "staff"}
        )
        assert response.status_code == 200
        assert "Choose" in field_errors(response, "user_id")
    assert count(app, EventStaff) == 0


def test_staff_of_another_course_cannot_be_removed_here(app, client, as_organizer, make_user, org):
    helper = make_user("helper@example.vn", Role.STAFF)
    mine = make_event(app, org, created_by_id=as_organizer.id)
    other = make_event(app, org)
    assignment = assign(app, other, helper.id, StaffRole.STAFF)
    response = client.post(f"/manage/events/{mine}/staff/{assignment}/delete")
    assert response.status_code == 404
    assert count(app, EventStaff) == 1
