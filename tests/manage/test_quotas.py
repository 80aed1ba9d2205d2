"""Quotas (chỉ tiêu): seats reserved per unit for a course, shown against their use."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.manage.courses_helpers import assign
from tests.manage.courses_helpers import audit
from tests.manage.courses_helpers import count
from tests.manage.courses_helpers import get
from tests.manage.courses_helpers import make_event
from tests.manage.courses_helpers import make_org
from tests.manage.courses_helpers import make_quota
from tests.manage.courses_helpers import make_registration
from trainingapp.auth.models import Role
from trainingapp.events.models import Quota
from trainingapp.events.models import StaffRole
from trainingapp.extensions import db
from trainingapp.registration.models import RegistrationStatus


@pytest.fixture(autouse=True)
def english(client):
    client.post("/language/en")


@pytest.fixture
def organizer(make_user, auth):
    user = make_user("organizer@example.vn", Role.ORGANIZER)
    auth.login(user.email)
    return user


@pytest.fixture
def event_id(app, organizer):
    return make_event(app, make_org(app), capacity=10, created_by_id=organizer.id)


@pytest.fixture
def unit(app):
    return make_org(app, "Đồn Biên phòng Cam Ranh")


def html(response) -> str:
    return response.get_data(as_text=True)


def field_errors(response, field: str) -> str:
    page = html(response)
    start = page.index(f'id="{field}"')
    end = page.find('class="mb-3"', start)
    return page[start : end if end != -1 else None]


def test_add_quota_and_see_its_use(app, client, event_id, unit):
    make_registration(app, event_id, "A", organization_id=unit)
    make_registration(app, event_id, "B", RegistrationStatus.WAITLISTED, organization_id=unit)
    response = client.post(
        f"/manage/events/{event_id}/quotas/new", data={"organization_id": unit, "seats": "4"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/manage/events/{event_id}/quotas"
    with app.app_context():
        quota = db.session.scalars(select(Quota)).one()
        assert (quota.organization_id, quota.seats) == (unit, 4)
    assert audit(app, "quota.create")[0].details == {
        "organization_id": [None, unit],
        "seats": [None, 4],
    }
    page = html(client.get(f"/manage/events/{event_id}/quotas"))
    assert "Đồn Biên phòng Cam Ranh" in page
    # 1 confirmed (the waitlisted one does not count) of 4 seats.
    assert '<td class="text-end">1</td>\n    <td class="text-end">4</td>' in page


def test_adding_again_changes_the_existing_quota(app, client, event_id, unit):
    make_quota(app, event_id, unit, 4)
    client.post(
        f"/manage/events/{event_id}/quotas/new", data={"organization_id": unit, "seats": "6"}
    )
    with app.app_context():
        assert db.session.scalars(select(Quota.seats)).all() == [6]
    assert audit(app, "quota.update")[0].details["seats"] == [4, 6]


def test_edit_and_remove_quota(app, client, event_id, unit):
    quota_id = make_quota(app, event_id, unit, 4)
    assert client.get(f"/manage/events/{event_id}/quotas/{quota_id}/edit").status_code == 200
    response = client.post(f"/manage/events/{event_id}/quotas/{quota_id}/edit", data={"seats": "2"})
    assert response.status_code == 303
    assert get(app, Quota, quota_id).seats == 2
    response = client.post(f"/manage/events/{event_id}/quotas/{quota_id}/delete")
    assert response.status_code == 303
    assert count(app, Quota) == 0
    assert audit(app, "quota.delete")[0].details == {
        "organization_id": [unit, None],
        "seats": [2, None],
    }


def test_total_above_capacity_warns_but_saves(app, client, event_id, unit):
    other = make_org(app, "Báo Khánh Hòa")
    make_quota(app, event_id, other, 8)
    response = client.post(
        f"/manage/events/{event_id}/quotas/new",
        data={"organization_id": unit, "seats": "5"},
        follow_redirects=True,
    )
    page = html(response)
    assert "The quotas add up to 13 seats, more than the capacity (10)." in page
    assert count(app, Quota) == 2
    assert 'id="quota-warning"' in page
    dashboard = html(client.get(f"/manage/events/{event_id}"))
    assert "The quotas add up to more than the capacity." in dashboard


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"seats": "-1"}, "seats", "The number of seats must be between 0 and 100000."),
        ({"seats": "abc"}, "seats", "Enter a whole number."),
        ({"seats": ""}, "seats", "Enter the number of seats."),
        ({"seats": "9" * 30}, "seats", "The number of seats must be between 0 and 100000."),
        ({"organization_id": "", "seats": "3"}, "organization_id", "Choose the unit."),
        ({"organization_id": "999999", "seats": "3"}, "organization_id", "Choose from the list."),
    ],
)
def test_quota_refusals(app, client, event_id, unit, data, field, message):
    response = client.post(
        f"/manage/events/{event_id}/quotas/new", data={"organization_id": unit} | data
    )
    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert count(app, Quota) == 0


def test_quota_below_confirmed_is_refused(app, client, event_id, unit):
    quota_id = make_quota(app, event_id, unit, 5)
    for name in ("A", "B", "C"):
        make_registration(app, event_id, name, organization_id=unit)
    response = client.post(f"/manage/events/{event_id}/quotas/{quota_id}/edit", data={"seats": "2"})
    assert response.status_code == 200
    assert "3 participants of this unit are already confirmed" in field_errors(response, "seats")
    assert get(app, Quota, quota_id).seats == 5


def test_retired_unit_cannot_get_a_new_quota(app, client, event_id):
    retired = make_org(app, "Phòng Văn hóa huyện", retired_on=date(2025, 7, 1))
    response = client.post(
        f"/manage/events/{event_id}/quotas/new", data={"organization_id": retired, "seats": "3"}
    )
    assert "Choose from the list." in field_errors(response, "organization_id")
    assert count(app, Quota) == 0


def test_staff_sees_quotas_but_cannot_change_them(app, client, auth, make_user, event_id, unit):
    staff = make_user("staff@example.vn", Role.STAFF)
    assign(app, event_id, staff.id, StaffRole.STAFF)
    quota_id = make_quota(app, event_id, unit, 4)
    auth.logout()
    auth.login(staff.email)
    page = client.get(f"/manage/events/{event_id}/quotas")
    assert page.status_code == 200
    assert "Đồn Biên phòng Cam Ranh" in html(page)
    assert "/quotas/new" not in html(page)
    for url, data in [
        (f"/manage/events/{event_id}/quotas/new", {"organization_id": unit, "seats": "9"}),
        (f"/manage/events/{event_id}/quotas/{quota_id}/edit", {"seats": "9"}),
        (f"/manage/events/{event_id}/quotas/{quota_id}/delete", {}),
    ]:
        assert client.post(url, data=data).status_code == 403, url
    assert get(app, Quota, quota_id).seats == 4


def test_quota_of_another_course_is_404(app, client, event_id, organizer, unit):
    other = make_event(app, make_org(app, "Khác"), created_by_id=organizer.id)
    foreign = make_quota(app, other, unit, 3)
    assert client.get(f"/manage/events/{event_id}/quotas/{foreign}/edit").status_code == 404
    assert client.post(f"/manage/events/{event_id}/quotas/{foreign}/delete").status_code == 404
    assert count(app, Quota) == 1
