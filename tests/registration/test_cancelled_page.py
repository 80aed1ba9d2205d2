"""A cancelled registration's page offers nothing for a course the person no longer attends."""

from __future__ import annotations

from tests.registration.test_views import post
from tests.registration.test_views import registrations


def test_a_cancelled_registration_offers_no_calendar_file(app, client, make_event):
    make_event()
    post(client)
    (registration,) = registrations(app)
    page = f"/r/{registration.manage_token}"
    calendar = f"{page}/calendar.ics"
    assert calendar in client.get(page).get_data(as_text=True)
    assert client.post(f"{page}/cancel").status_code == 303
    html = client.get(page).get_data(as_text=True)
    assert calendar not in html
    assert "Add to calendar" not in html
