"""The permission matrix: every /manage route in the URL map × every kind of account.

ACCESS says who may use each endpoint. A route added later without an entry here fails
``test_every_manage_route_is_listed``, so nothing under /manage can be left unchecked.
"""

from __future__ import annotations

from datetime import date
from datetime import time
from typing import Any

import pytest
from flask import Flask
from werkzeug.routing import Rule

from tests.conftest import PASSWORD
from trainingapp import create_app
from trainingapp.attendance.models import Attendance
from trainingapp.attendance.models import CheckInMethod
from trainingapp.auth.models import Role
from trainingapp.auth.models import User
from trainingapp.events.models import Event
from trainingapp.events.models import EventSession
from trainingapp.events.models import EventStaff
from trainingapp.events.models import EventStatus
from trainingapp.events.models import Quota
from trainingapp.events.models import StaffRole
from trainingapp.events.models import Topic
from trainingapp.extensions import db
from trainingapp.lecturers.models import Lecturer
from trainingapp.nominations.models import Invitation
from trainingapp.organizations.models import Organization
from trainingapp.organizations.models import OrganizationKind
from trainingapp.registration.models import Registration
from trainingapp.registration.models import RegistrationStatus

ANY_ACCOUNT = "any signed-in account"
EVENT_STAFF = "an account with a role on this course"
EVENT_ORGANIZER = "an organizer of this course, or an admin"
DIRECTORY = "an organizer or admin account"
ADMIN = "an admin"

ACCESS: dict[str, str] = {
    "workspace.index": ANY_ACCOUNT,
    "events_manage.create": DIRECTORY,
    "workspace.dashboard": EVENT_STAFF,
    "events_manage.edit": EVENT_ORGANIZER,
    "events_manage.status": EVENT_ORGANIZER,
    "events_manage.clone": EVENT_ORGANIZER,
    "workspace.agenda": EVENT_STAFF,
    "workspace.session_new": EVENT_ORGANIZER,
    "workspace.session_edit": EVENT_ORGANIZER,
    "workspace.session_delete": EVENT_ORGANIZER,
    "workspace.topic_new": EVENT_ORGANIZER,
    "workspace.topic_edit": EVENT_ORGANIZER,
    "workspace.topic_delete": EVENT_ORGANIZER,
    "workspace.topic_up": EVENT_ORGANIZER,
    "workspace.topic_down": EVENT_ORGANIZER,
    "workspace.quotas": EVENT_STAFF,
    "workspace.quota_new": EVENT_ORGANIZER,
    "workspace.quota_edit": EVENT_ORGANIZER,
    "workspace.quota_delete": EVENT_ORGANIZER,
    "events_manage.staff": EVENT_ORGANIZER,
    "nominations_manage.tracker": EVENT_ORGANIZER,
    "nominations_manage.invite": EVENT_ORGANIZER,
    "nominations_manage.invite_kind": EVENT_ORGANIZER,
    "nominations_manage.deadline": EVENT_ORGANIZER,
    "nominations_manage.revoke": EVENT_ORGANIZER,
    "nominations_manage.renew": EVENT_ORGANIZER,
    "nominations_manage.remind": EVENT_ORGANIZER,
    "nominations_manage.letter": EVENT_ORGANIZER,
    "nominations_manage.letters": EVENT_ORGANIZER,
    "nominations_manage.template_download": EVENT_ORGANIZER,
    "nominations_manage.template_upload": EVENT_ORGANIZER,
    "nominations_manage.template_reset": EVENT_ORGANIZER,
    "events_manage.staff_delete": EVENT_ORGANIZER,
    "account_manage.password": ANY_ACCOUNT,
    "registrants_manage.pending": EVENT_STAFF,
    "imports_manage.upload": EVENT_ORGANIZER,
    "imports_manage.template_xlsx": EVENT_ORGANIZER,
    "imports_manage.template_csv": EVENT_ORGANIZER,
    "organizations_manage.organizations": DIRECTORY,
    "organizations_manage.create": DIRECTORY,
    "organizations_manage.edit": DIRECTORY,
    "organizations_manage.retire": DIRECTORY,
    "organizations_manage.reinstate": DIRECTORY,
    "organizations_manage.merge": DIRECTORY,
    "organizations_manage.review": DIRECTORY,
    "organizations_manage.review_item": DIRECTORY,
    "lecturers_manage.lecturers": DIRECTORY,
    "lecturers_manage.create": DIRECTORY,
    "lecturers_manage.edit": DIRECTORY,
    "lecturers_manage.delete": DIRECTORY,
    "admin_manage.accounts": ADMIN,
    "admin_manage.create_account": ADMIN,
    "admin_manage.account": ADMIN,
    "admin_manage.account_role": ADMIN,
    "admin_manage.account_password": ADMIN,
    "admin_manage.disable_account": ADMIN,
    "admin_manage.enable_account": ADMIN,
    "admin_manage.audit_log": ADMIN,
    "exports_manage.export_csv": EVENT_STAFF,
    "exports_manage.export_xlsx": EVENT_STAFF,
    "exports_manage.signin_sheet": EVENT_STAFF,
    "exports_manage.signin_sheet_pdf": EVENT_STAFF,
    "exports_manage.signin_sheet_xlsx": EVENT_STAFF,
    "exports_manage.report": EVENT_STAFF,
    "exports_manage.report_xlsx": EVENT_STAFF,
    # Registrant list and check-in desk: everyone with a role on the course may look people up,
    # check them in (code, QR, search, paper ticks, bulk "mark attended"), undo a check-in, add a
    # walk-in and fix a registration's details (all audited). Confirm / reject / cancel change who
    # holds a seat: the bulk endpoint refuses those actions (403) unless organizer or admin.
    "registrants_manage.registrations": EVENT_STAFF,
    "registrants_manage.bulk": EVENT_STAFF,
    "registrants_manage.registration": EVENT_STAFF,
    "registrants_manage.registration_edit": EVENT_STAFF,
    "registrants_manage.registration_mark": EVENT_STAFF,
    "attendance_manage.late": EVENT_STAFF,
    "exports_manage.report_docx": EVENT_ORGANIZER,
    "certificates_manage.page": EVENT_STAFF,
    "certificates_manage.save_settings": EVENT_ORGANIZER,
    "certificates_manage.issue": EVENT_ORGANIZER,
    "certificates_manage.revoke": EVENT_ORGANIZER,
    "certificates_manage.certificate_pdf": EVENT_STAFF,
    "certificates_manage.certificates_zip": EVENT_STAFF,
    "certificates_manage.preview": EVENT_STAFF,
    "jobs_manage.job_page": EVENT_STAFF,
    "jobs_manage.job_file": EVENT_STAFF,
    "evaluation_manage.overview": EVENT_ORGANIZER,
    "evaluation_manage.questions": EVENT_ORGANIZER,
    "evaluation_manage.settings": EVENT_ORGANIZER,
    "evaluation_manage.question_add": EVENT_ORGANIZER,
    "evaluation_manage.question_edit": EVENT_ORGANIZER,
    "evaluation_manage.question_delete": EVENT_ORGANIZER,
    "evaluation_manage.question_move": EVENT_ORGANIZER,
    "evaluation_manage.questions_reset": EVENT_ORGANIZER,
    "evaluation_manage.open_form": EVENT_ORGANIZER,
    "evaluation_manage.close_form": EVENT_ORGANIZER,
    "evaluation_manage.remind": EVENT_ORGANIZER,
    "evaluation_manage.comment": EVENT_ORGANIZER,
    "evaluation_manage.poster": EVENT_ORGANIZER,
    "evaluation_manage.results_xlsx": EVENT_ORGANIZER,
    "attendance_manage.checkin": EVENT_STAFF,
    "attendance_manage.checkin_code": EVENT_STAFF,
    "attendance_manage.checkin_one": EVENT_STAFF,
    "attendance_manage.undo": EVENT_STAFF,
    "attendance_manage.counts": EVENT_STAFF,
    "attendance_manage.walk_in": EVENT_STAFF,
    "attendance_manage.paper": EVENT_STAFF,
    "attendance_offline.snapshot": EVENT_STAFF,
    "attendance_offline.sync_queue": EVENT_STAFF,
    "attendance_offline.manifest": EVENT_STAFF,
    "attendance_offline.service_worker": ANY_ACCOUNT,
    # Participants' personal data requests: the queue lists the courses an organizer account
    # organizes (empty for organizer_other); one request is answered by the course's organizers.
    "privacy_manage.requests": DIRECTORY,
    "privacy_manage.request_page": EVENT_ORGANIZER,
}

ACTORS = ("anonymous", "staff_other", "organizer_other", "staff", "organizer", "admin")

ALLOWED: dict[str, set[str]] = {
    ANY_ACCOUNT: {"staff_other", "organizer_other", "staff", "organizer", "admin"},
    EVENT_STAFF: {"staff", "organizer", "admin"},
    EVENT_ORGANIZER: {"organizer", "admin"},
    DIRECTORY: {"organizer_other", "organizer", "admin"},
    ADMIN: {"admin"},
}


def _manage_rules() -> list[Rule]:
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/manage")),
        key=lambda rule: rule.endpoint,
    )


MANAGE_RULES = _manage_rules()


def test_every_manage_route_is_listed() -> None:
    missing = sorted({rule.endpoint for rule in MANAGE_RULES} - set(ACCESS))
    assert not missing, f"add these endpoints to ACCESS in {__file__}: {missing}"
    stale = sorted(set(ACCESS) - {rule.endpoint for rule in MANAGE_RULES})
    assert not stale, f"ACCESS lists endpoints that no longer exist: {stale}"


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    """One course with one of everything, plus an unrelated course, and one account per actor."""
    with app.app_context():
        unit = Organization(name="Đồn Biên phòng Cam Ranh", kind=OrganizationKind.BORDER_POST)
        host = Organization(
            name="Sở Thông tin và Truyền thông", kind=OrganizationKind.PROVINCIAL_AGENCY
        )
        users = {
            name: User(email=f"{name}@example.vn", role=role)
            for name, role in [
                ("staff_other", Role.STAFF),
                ("organizer_other", Role.ORGANIZER),
                ("staff", Role.STAFF),
                ("organizer", Role.ORGANIZER),
                ("admin", Role.ADMIN),
            ]
        }
        for user in users.values():
            user.set_password(PASSWORD)
        db.session.add_all([unit, host, *users.values()])
        db.session.flush()

        def course(slug: str, creator: User) -> Event:
            return Event(
                title=f"Lớp {slug}",
                slug=slug,
                organizer=host,
                start_date=date(2030, 5, 20),
                end_date=date(2030, 5, 20),
                capacity=100,
                status=EventStatus.PUBLISHED,
                created_by_id=creator.id,
            )

        event = course("lop-chinh", users["organizer"])
        other = course("lop-khac", users["organizer_other"])
        db.session.add_all([event, other])
        db.session.flush()
        db.session.add_all(
            [
                EventStaff(event_id=event.id, user_id=users["staff"].id, role=StaffRole.STAFF),
                EventStaff(
                    event_id=other.id, user_id=users["staff_other"].id, role=StaffRole.STAFF
                ),
            ]
        )
        event_session = EventSession(
            event=event,
            name="Sáng",
            date=event.start_date,
            start_time=time(7, 30),
            end_time=time(11, 30),
        )
        lecturer = Lecturer(full_name="Nguyễn Văn Hùng", rank="Thượng tá", organization=unit)
        topic = Topic(event=event, session=event_session, title="Chuyên đề 1", lecturers=[lecturer])
        quota = Quota(event=event, organization=unit, seats=5)
        registration = Registration(
            event=event,
            full_name="Trần Thị Mai",
            sort_key="x",
            search_name="tran thi mai",
            organization=unit,
            phone="0905123456",
            status=RegistrationStatus.CONFIRMED,
            manage_token="token-of-the-world-registration",
            checkin_code="ABC234",
        )
        db.session.add_all([event_session, lecturer, topic, quota, registration])
        db.session.flush()
        staff_assignment = db.session.scalars(
            db.select(EventStaff).where(EventStaff.event_id == event.id)
        ).one()
        attendance = Attendance(
            registration=registration, session=event_session, method=CheckInMethod.CODE
        )
        invitation = Invitation(
            event=event, organization=unit, token="token-of-the-world-invitation"
        )
        db.session.add_all([attendance, invitation])
        db.session.commit()
        return {
            "emails": {name: user.email for name, user in users.items()},
            "url_args": {
                "event_id": event.id,
                "session_id": event_session.id,
                "topic_id": topic.id,
                "lecturer_id": lecturer.id,
                "quota_id": quota.id,
                "organization_id": unit.id,
                "registration_id": registration.id,
                "attendance_id": attendance.id,
                "invitation_id": invitation.id,
                "user_id": users["staff_other"].id,
                "staff_id": staff_assignment.id,
                "assignment_id": staff_assignment.id,
                "job_id": 1,  # none yet: the allowed get a 404, the others a 403
                "request_id": 1,  # likewise: no personal data request yet
            },
        }


def _url(rule: Rule, url_args: dict[str, Any]) -> str:
    unknown = sorted(set(rule.arguments) - set(url_args))
    assert not unknown, f"{rule.endpoint}: add a value for {unknown} to the world fixture"
    path = rule.rule
    for name in rule.arguments:
        path = path.replace(f"<int:{name}>", str(url_args[name])).replace(
            f"<{name}>", str(url_args[name])
        )
        path = path.replace(f"<string:{name}>", str(url_args[name]))
    return path


@pytest.mark.parametrize("rule", MANAGE_RULES, ids=lambda rule: f"{rule.endpoint}")
def test_access(app: Flask, world: dict[str, Any], rule: Rule) -> None:
    level = ACCESS.get(rule.endpoint)
    if level is None:
        pytest.fail(f"{rule.endpoint} is not in ACCESS")
    url = _url(rule, world["url_args"])
    methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    # Refused actors first: a refused request must change nothing for the allowed ones after it.
    ordered = sorted(ACTORS, key=lambda actor: actor in ALLOWED[level])
    for actor in ordered:
        client = app.test_client()
        if actor != "anonymous":
            response = client.post(
                "/login", data={"email": world["emails"][actor], "password": PASSWORD}
            )
            assert response.status_code == 303, f"login as {actor} failed"
        for method in methods:
            response = client.open(url, method=method, data={})
            where = f"{method} {url} as {actor}"
            assert response.status_code != 500, f"{where}: server error"
            if actor == "anonymous":
                assert response.status_code == 302, where
                assert "/login" in response.headers["Location"], where
            elif actor in ALLOWED[level]:
                assert response.status_code not in (302, 401, 403), (
                    f"{where}: refused ({response.status_code})"
                )
            else:
                assert response.status_code == 403, (
                    f"{where}: expected 403, got {response.status_code}"
                )


@pytest.mark.parametrize(
    "rule",
    [rule for rule in MANAGE_RULES if "POST" in (rule.methods or ())],
    ids=lambda r: r.endpoint,
)
def test_post_without_csrf_token_is_refused(app: Flask, world: dict[str, Any], rule: Rule) -> None:
    # Sign in as admin with CSRF off, then post without a token to an app on the same database
    # with CSRF on: the request must be refused before the view runs.
    login_client = app.test_client()
    login_client.post("/login", data={"email": world["emails"]["admin"], "password": PASSWORD})
    cookie = login_client.get_cookie("session")
    assert cookie is not None
    client = create_app({**app.config, "WTF_CSRF_ENABLED": True}).test_client()
    client.set_cookie("session", cookie.value)
    response = client.post(_url(rule, world["url_args"]), data={})
    assert response.status_code == 400, (
        f"POST {rule.rule} without a CSRF token gave {response.status_code}"
    )
