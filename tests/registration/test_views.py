"""The public registration pages: form, participant page, calendar, cancel, suggestions, mail."""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func
from sqlalchemy import select

from trainingapp import create_app
from trainingapp.audit.models import AuditEntry
from trainingapp.common.time import utcnow
from trainingapp.events.models import Event
from trainingapp.events.models import EventStatus
from trainingapp.extensions import db
from trainingapp.organizations.models import Organization
from trainingapp.registration.models import Registration
from trainingapp.registration.models import RegistrationStatus

from .conftest import form_data
from .conftest import read_mail


def post(client, slug: str = "lop-1", **overrides: Any):
    return client.post(f"/events/{slug}/register", data=form_data(**overrides))


def registrations(app: Flask) -> list[Registration]:
    with app.app_context():
        rows = db.session.scalars(select(Registration).order_by(Registration.id)).all()
        for row in rows:
            db.session.expunge(row)
        return list(rows)


def test_form_fields_and_mobile_attributes(client, make_event):
    make_event()
    response = client.get("/events/lop-1/register")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for name in (
        "full_name",
        "gender",
        "birth_year",
        "organization",
        "position",
        "phone",
        "email",
        "consent",
    ):
        assert f'name="{name}"' in html
    assert 'inputmode="tel"' in html
    assert 'inputmode="email"' in html
    assert 'autocomplete="tel"' in html
    assert 'list="organization-suggestions"' in html
    assert "/privacy" in html
    assert "<script>" not in html  # CSP: only files from static/
    # Required fields carry the asterisk class on their label; optional ones say so instead.
    required = set(re.findall(r'<label class="form-label required" for="(\w+)"', html))
    assert required == {"full_name", "organization", "phone"}
    # The gender radios are a group whose legend is the question.
    assert '<fieldset class="mb-3" id="gender-group">' in html
    assert '<legend class="form-label fs-6 required">' in html


def test_detail_page_links_to_form(client, make_event):
    make_event()
    html = client.get("/events/lop-1").get_data(as_text=True)
    assert 'href="/events/lop-1/register"' in html


def test_register_redirects_to_manage_page(app, client, make_event, outbox):
    make_event()
    response = post(client)
    assert response.status_code == 303
    (registration,) = registrations(app)
    assert response.headers["Location"].endswith(f"/r/{registration.manage_token}")
    assert registration.status == RegistrationStatus.CONFIRMED
    page = client.get(f"/r/{registration.manage_token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<meta name="robots" content="noindex' in html
    assert "<svg" in html
    assert "qr-code" in html
    assert registration.checkin_code in html
    assert page.headers["Cache-Control"] == "no-store"
    # confirmation mail, Vietnamese by default, with the link and the calendar attached
    (mail,) = read_mail(outbox)
    assert mail["To"] == "an@example.vn"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert registration.manage_token in body
    assert mail.get_body(preferencelist=("html",)) is not None
    attachments = [part.get_filename() for part in mail.iter_attachments()]
    assert attachments == ["course.ics"]


def test_mail_in_the_language_of_registration(app, client, make_event, outbox):
    make_event()
    assert post(app.test_client()).status_code == 303
    client.post("/language/vi", data={"next": "/"})
    assert post(client, phone="0912345678", email="vi@example.vn").status_code == 303
    english, vietnamese = (
        read_mail(outbox)
        if read_mail(outbox)[0]["To"] == "an@example.vn"
        else reversed(read_mail(outbox))
    )
    assert english["Subject"].startswith("Registration confirmed")
    assert english["Content-Language"] == "en"
    assert vietnamese["Content-Language"] == "vi"
    assert not vietnamese["Subject"].startswith("Registration confirmed")
    # The plain-text part is in the participant's language too (its strings were once missed).
    vietnamese_text = vietnamese.get_body(preferencelist=("plain",)).get_content()
    english_text = english.get_body(preferencelist=("plain",)).get_content()
    for sentence in ("Your registration (status, QR code, cancel):", "Keep this link private"):
        assert sentence in english_text
        assert sentence not in vietnamese_text
    assert "Trang đăng ký của bạn" in vietnamese_text


def test_nfd_name_saved_nfc(app, client, make_event):
    make_event()
    post(client, full_name=unicodedata.normalize("NFD", "trần   thị  ngọc ánh"))
    (registration,) = registrations(app)
    assert registration.full_name == unicodedata.normalize("NFC", "Trần Thị Ngọc Ánh")


def test_invalid_input_messages_and_kept_values(app, client, make_event):
    make_event()
    response = post(
        client, phone="0905 12", email="an@", birth_year="85", consent=None, full_name="Lê Văn Bình"
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Please enter a Vietnamese phone number" in html
    assert "Please enter a valid e-mail address" in html
    assert "year of birth with four digits" in html
    assert "Please agree to the processing of your personal data" in html
    assert 'value="0905 12"' in html
    assert 'value="an@"' in html
    assert 'value="Lê Văn Bình"' in html
    assert html.count("invalid-feedback") >= 4
    assert registrations(app) == []


def test_missing_required_fields(app, client, make_event):
    make_event()
    response = client.post("/events/lop-1/register", data={})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Please enter your full name." in html
    assert "Please enter your phone number." in html
    assert "Please enter your organization." in html
    assert "Please choose one of the options." in html
    assert registrations(app) == []


def test_duplicate_other_format_offers_resend_never_shows_link(app, client, make_event, outbox):
    make_event()
    post(client)
    (first,) = registrations(app)
    other_browser = app.test_client()
    response = post(other_browser, phone="+84905123456", full_name="Người Khác", email=None)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This phone number is already registered for this course." in html
    assert first.manage_token not in html
    assert "Send me my registration link" in html
    assert len(registrations(app)) == 1
    before = len(read_mail(outbox))
    resend = other_browser.post(
        "/events/lop-1/register/resend", data={"phone": "+84905123456", "email": ""}
    )
    assert resend.status_code == 303
    assert first.manage_token not in other_browser.get(resend.headers["Location"]).get_data(
        as_text=True
    )
    mails = read_mail(outbox)
    assert len(mails) == before + 1
    assert mails[-1]["To"] == "an@example.vn"
    assert first.manage_token in mails[-1].get_body(preferencelist=("plain",)).get_content()


def test_resend_unknown_phone_gives_same_answer(app, client, make_event, outbox):
    make_event()
    response = client.post(
        "/events/lop-1/register/resend", data={"phone": "0987654321"}, follow_redirects=True
    )
    assert "If that registration has an e-mail address" in response.get_data(as_text=True)
    assert read_mail(outbox) == []


def test_double_submit_same_browser_lands_on_same_page(app, client, make_event):
    make_event()
    client.get("/events/lop-1/register")
    first = post(client)
    second = post(client)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert len(registrations(app)) == 1


def test_submission_without_the_form_page_session_never_gets_an_existing_link(app, make_event):
    """A POST that did not come from a form page this browser was shown has no session nonce:
    its token is random, so a second such POST is told "already registered", not sent to the
    first one's page (someone else typing the same phone must never see it)."""
    make_event()
    first = post(app.test_client())
    assert first.status_code == 303
    assert "Set-Cookie" not in first.headers  # nothing to remember: no form page was shown
    second = post(app.test_client())
    assert second.status_code == 200
    html = second.get_data(as_text=True)
    assert "This phone number is already registered for this course." in html
    assert first.headers["Location"].rsplit("/", 1)[-1] not in html
    assert len(registrations(app)) == 1


def test_closed_course_shows_message_and_no_form(app, client, make_event):
    make_event(status=EventStatus.CLOSED)
    for response in (client.get("/events/lop-1/register"), post(client)):
        html = response.get_data(as_text=True)
        assert "Registration for this course is closed." in html
        assert 'name="full_name"' not in html
    assert registrations(app) == []


def test_window_not_yet_open(app, client, make_event):
    make_event(registration_opens_at=utcnow() + timedelta(days=1))
    html = client.get("/events/lop-1/register").get_data(as_text=True)
    assert "Registration opens on" in html
    assert 'name="full_name"' not in html


def test_draft_course_is_404(client, make_event):
    make_event(status=EventStatus.DRAFT)
    assert client.get("/events/lop-1/register").status_code == 404
    assert post(client).status_code == 404
    assert client.get("/events/nope/register").status_code == 404


def test_full_without_waitlist_message(app, client, make_event):
    make_event(capacity=1, waitlist_enabled=False)
    post(client)
    response = post(app.test_client(), phone="0912345678", email="b@example.vn")
    assert response.status_code == 200
    assert "the course is full" in response.get_data(as_text=True)
    assert len(registrations(app)) == 1


def test_waitlisted_page_has_no_qr(app, client, make_event):
    make_event(capacity=1)
    post(client)
    response = post(app.test_client(), phone="0912345678", email="b@example.vn")
    html = app.test_client().get(response.headers["Location"]).get_data(as_text=True)
    assert "waitlisted" in html
    assert "qr-code" not in html


def test_unknown_token_404(client):
    assert client.get("/r/not-a-token").status_code == 404
    assert client.get("/r/" + "x" * 300).status_code == 404
    assert client.get("/r/nope/calendar.ics").status_code == 404
    assert client.post("/r/nope/cancel").status_code == 404


def test_calendar_file(app, client, make_event):
    make_event()
    post(client)
    (registration,) = registrations(app)
    response = client.get(f"/r/{registration.manage_token}/calendar.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    text = response.get_data(as_text=True)
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert "BEGIN:VEVENT" in text
    assert "DTSTART;VALUE=DATE:" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_cancel_needs_confirmation_and_promotes(app, client, make_event, outbox):
    make_event(capacity=1)
    post(client)
    waiting_client = app.test_client()
    post(waiting_client, phone="0912345678", email="b@example.vn", full_name="Trần Bình")
    first, waiting = registrations(app)
    assert waiting.status == RegistrationStatus.WAITLISTED
    confirm_page = client.get(f"/r/{first.manage_token}/cancel")
    assert confirm_page.status_code == 200
    assert "Yes, cancel my registration" in confirm_page.get_data(as_text=True)
    assert registrations(app)[0].status == RegistrationStatus.CONFIRMED  # GET changed nothing
    response = client.post(f"/r/{first.manage_token}/cancel")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/r/{first.manage_token}")
    first, waiting = registrations(app)
    assert first.status == RegistrationStatus.CANCELLED
    assert waiting.status == RegistrationStatus.CONFIRMED
    subjects = [mail["Subject"] for mail in read_mail(outbox)]
    assert any("hủy" in s or "cancelled" in s.lower() for s in subjects)
    promoted = [m for m in read_mail(outbox) if m["To"] == "b@example.vn"]
    assert len(promoted) == 2  # waitlisted, then promoted
    # cancelled: no cancel button any more, and POST again is harmless
    assert "Cancel my registration" not in client.get(f"/r/{first.manage_token}").get_data(
        as_text=True
    )
    assert client.post(f"/r/{first.manage_token}/cancel").status_code == 303


def test_register_again_after_cancelling(app, client, make_event, outbox):
    make_event(capacity=1)
    post(client, email="an@example.vn")
    (first,) = registrations(app)
    assert "Register again" not in client.get(f"/r/{first.manage_token}").get_data(as_text=True)
    client.post(f"/r/{first.manage_token}/cancel")
    page = client.get(f"/r/{first.manage_token}").get_data(as_text=True)
    assert "Register again" in page
    # Someone else takes the only seat meanwhile: coming back means the waiting list.
    post(app.test_client(), phone="0912345678", email="binh@example.vn", full_name="Trần Bình")
    response = client.post(f"/r/{first.manage_token}/register-again")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/r/{first.manage_token}")
    first, other = registrations(app)
    assert (first.status, other.status) == (
        RegistrationStatus.WAITLISTED,
        RegistrationStatus.CONFIRMED,
    )
    assert (
        "waiting list" in read_mail(outbox)[-1]["Subject"].lower()
        or "chờ" in (read_mail(outbox)[-1]["Subject"])
    )
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.object_id == first.id)
        ).all()
    assert actions[-1] == "registration.register_again"
    # Active again: no second "register again", and a repeated POST changes nothing.
    assert client.post(f"/r/{first.manage_token}/register-again").status_code == 303
    assert registrations(app)[0].status == RegistrationStatus.WAITLISTED
    assert len(registrations(app)) == 2


def test_register_again_refused_when_full_without_waitlist_or_closed(app, client, make_event):
    event_id = make_event(capacity=1, waitlist_enabled=False)
    post(client)
    (first,) = registrations(app)
    client.post(f"/r/{first.manage_token}/cancel")
    post(app.test_client(), phone="0912345678", email="binh@example.vn", full_name="Trần Bình")
    page = client.post(f"/r/{first.manage_token}/register-again", follow_redirects=True)
    assert "the course is full" in page.get_data(as_text=True)
    assert registrations(app)[0].status == RegistrationStatus.CANCELLED
    with app.app_context():
        db.session.get(Event, event_id).status = EventStatus.CLOSED
        db.session.commit()
    assert "Register again" not in client.get(f"/r/{first.manage_token}").get_data(as_text=True)
    page = client.post(f"/r/{first.manage_token}/register-again", follow_redirects=True)
    assert "Registration for this course is closed." in page.get_data(as_text=True)
    assert registrations(app)[0].status == RegistrationStatus.CANCELLED


def test_rejected_registration_cannot_come_back(app, client, make_event):
    make_event(approval_required=True)
    post(client)
    (first,) = registrations(app)
    with app.app_context():
        db.session.get(Registration, first.id).status = RegistrationStatus.REJECTED
        db.session.commit()
    assert "Register again" not in client.get(f"/r/{first.manage_token}").get_data(as_text=True)
    page = client.post(f"/r/{first.manage_token}/register-again", follow_redirects=True)
    assert "cannot be taken up again" in page.get_data(as_text=True)
    assert registrations(app)[0].status == RegistrationStatus.REJECTED


def test_organizations_json(app, client, make_event, make_org):
    make_event()
    make_org("Đồn Biên phòng Cửa khẩu Quốc tế")
    make_org("Báo Khánh Hòa")
    retired = make_org("Phòng Văn hóa huyện Cũ")
    with app.app_context():
        db.session.get(Organization, retired).retired_on = utcnow().date()
        db.session.commit()
    assert client.get("/events/lop-1/organizations.json?q=KH%C3%81NH").get_json() == [
        "Báo Khánh Hòa"
    ]
    assert client.get("/events/lop-1/organizations.json?q=van%20hoa%20huyen").get_json() == []
    response = client.get("/events/lop-1/organizations.json?q=bien%20phong")
    assert response.status_code == 200
    assert response.get_json() == ["Đồn Biên phòng Cửa khẩu Quốc tế"]
    assert client.get("/events/lop-1/organizations.json").get_json() == []
    assert client.get("/events/lop-1/organizations.json?q=" + "%" * 500).status_code == 200


def test_privacy_notice(client):
    # Law 91/2025/QH15 and Decree 356/2025/ND-CP replaced Decree 13/2023 (issue 16).
    html = client.get("/privacy").get_data(as_text=True)
    assert "91/2025/QH15" in html
    assert "356/2025/ND-CP" in html
    assert "13/2023" not in html


def test_csrf_enforced(app_config, make_event):
    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    make_event()
    client = app.test_client()
    response = client.post("/events/lop-1/register", data=form_data())
    assert response.status_code == 400
    page = client.get("/events/lop-1/register").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert (
        client.post("/events/lop-1/register", data={**form_data(), "csrf_token": token}).status_code
        == 303
    )
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_rate_limit_on_post_only(app_config, make_event):
    app = create_app(
        {**app_config, "RATELIMIT_ENABLED": True, "REGISTRATION_RATE_LIMIT": "2 per minute"}
    )
    make_event()
    client = app.test_client()
    codes = [
        client.post(
            "/events/lop-1/register", data=form_data(phone=f"090500000{n}", email=None)
        ).status_code
        for n in range(3)
    ]
    assert codes == [303, 303, 429]
    assert client.get("/events/lop-1/register").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count(Registration.id))) == 2
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize(
    "value",
    [
        "\x00",
        "A\x00B",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢" * 50,
        "\u202e",
        "x" * 5000,
    ],
)
def test_hostile_input_never_500(app, client, make_event, value):
    make_event()
    for field in (
        "full_name",
        "organization",
        "position",
        "phone",
        "email",
        "birth_year",
        "gender",
    ):
        response = post(client, **{field: value})
        assert response.status_code in (200, 303), field
