"""The rule (who qualifies, late and excused), numbering without gaps across courses and years,
issuing, re-issuing after revocation, revoking with a reason, the counts for the report."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import select

from tests.certificates.conftest import Course
from tests.factories import make_event
from tests.factories import make_registration
from tests.factories import make_session
from trainingapp.attendance.models import Attendance
from trainingapp.attendance.models import CheckInMethod
from trainingapp.audit.models import AuditEntry
from trainingapp.certificates import rules
from trainingapp.certificates import services
from trainingapp.certificates.demo import issue_demo_certificates
from trainingapp.certificates.models import Certificate
from trainingapp.certificates.models import CertificateRule
from trainingapp.certificates.numbering import numbers_of_year
from trainingapp.events.models import Event
from trainingapp.extensions import db


def _values(**overrides: object) -> services.SettingsValues:
    values: dict[str, object] = {
        "rule": CertificateRule.ALL_SESSIONS,
        "min_sessions": 1,
        "count_excused": False,
        "title": "GIẤY CHỨNG NHẬN",
        "sentence": "Đã hoàn thành lớp tập huấn {course} {dates}.",
        "parent_body": "",
        "issuing_body": "",
        "place": "Khánh Hòa",
        "signer_title": "GIÁM ĐỐC",
        "signer_name": "Nguyễn Văn Hùng",
    }
    values.update(overrides)
    return services.SettingsValues(**values)  # type: ignore[arg-type]


def _qualifying(course: Course) -> set[str]:
    settings = services.settings_for(course.event_id)
    names = {v: k for k, v in course.ids.items()}
    return {
        names[c.registration.id] for c in rules.candidates(course.event_id, settings) if c.qualifies
    }


def _set(course: Course, **overrides: object) -> None:
    services.save_settings(None, course.event_id, _values(**overrides))
    db.session.commit()


def test_every_session_counts_a_late_arrival_and_not_an_excuse(app: Flask, course: Course) -> None:
    with app.app_context():
        assert _qualifying(course) == {"all", "late"}
        _set(course, count_excused=True)
        assert _qualifying(course) == {"all", "late", "excused"}


def test_at_least_n_sessions(app: Flask, course: Course) -> None:
    with app.app_context():
        _set(course, rule=CertificateRule.MIN_SESSIONS, min_sessions=2)
        assert _qualifying(course) == {"all", "late", "excused", "two"}
        _set(course, rule=CertificateRule.MIN_SESSIONS, min_sessions=3)
        assert _qualifying(course) == {"all", "late"}
        _set(course, rule=CertificateRule.MIN_SESSIONS, min_sessions=3, count_excused=True)
        assert _qualifying(course) == {"all", "late", "excused"}
        _set(course, rule=CertificateRule.MIN_SESSIONS, min_sessions=4)
        assert _qualifying(course) == set()


def test_cancelled_registrations_never_qualify(app: Flask, course: Course) -> None:
    with app.app_context():
        settings = services.settings_for(course.event_id)
        ids = {c.registration.id for c in rules.candidates(course.event_id, settings)}
        assert course.ids["cancelled"] not in ids


def test_issue_numbers_in_signin_order_from_one(app: Flask, course: Course) -> None:
    with app.app_context():
        _set(course, rule=CertificateRule.MIN_SESSIONS, min_sessions=2)
        issued = services.issue(None, course.event_id, issued_on=date(2026, 3, 2))
        db.session.commit()
        # Vietnamese order: given name first (An, Bình, Dung, Hằng).
        assert [c.full_name for c in issued.certificates] == [
            "Nguyễn Văn An",
            "Lê Văn Bình",
            "Phạm Thị Dung",
            "Trần Thị Hằng",
        ]
        assert [c.label for c in issued.certificates] == [
            "1/2026/GCN",
            "2/2026/GCN",
            "3/2026/GCN",
            "4/2026/GCN",
        ]
        hang = issued.certificates[3]
        assert hang.full_name == unicodedata.normalize("NFC", "Trần Thị Hằng")
        assert issued.certificates[0].organization_name == "Đồn Biên phòng Cam Ranh"
        assert hang.course_title == "Lớp tập huấn công tác thông tin đối ngoại năm 2023"
        assert (hang.start_date, hang.end_date) == (date(2023, 8, 16), date(2023, 8, 17))
        # 128 random bits, URL-safe, all different
        codes = {c.code for c in issued.certificates}
        assert len(codes) == 4
        assert all(len(code) == 22 for code in codes)
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == services.ISSUE_ACTION)
        ).one()
        assert entry.details["count"] == 4
        assert (entry.details["first"], entry.details["last"]) == ("1/2026/GCN", "4/2026/GCN")
        # Nobody is left: a second run refuses with a message, gives no number.
        with pytest.raises(services.CertificateError, match="Nobody"):
            services.issue(None, course.event_id, issued_on=date(2026, 3, 2))
        db.session.rollback()
        assert numbers_of_year(2026) == [1, 2, 3, 4]


def test_numbers_continue_across_courses_and_restart_each_year(app: Flask, course: Course) -> None:
    with app.app_context():
        first = services.issue(None, course.event_id, issued_on=date(2026, 12, 30))
        db.session.commit()
        other = db.session.get(Event, course.other_event_id)
        assert other is not None
        morning = make_session(db.session, other)
        people = [
            make_registration(db.session, other, full_name=f"Hoàng Văn Tư {n}") for n in range(3)
        ]
        for person in people:
            db.session.add(
                Attendance(registration=person, session=morning, method=CheckInMethod.QR)
            )
        db.session.commit()
        second = services.issue(None, other.id, [people[0].id], issued_on=date(2026, 12, 31))
        db.session.commit()
        third = services.issue(None, other.id, issued_on=date(2027, 1, 2))
        db.session.commit()
        assert [c.label for c in first.certificates] == ["1/2026/GCN", "2/2026/GCN"]
        assert [c.label for c in second.certificates] == ["3/2026/GCN"]
        assert [c.label for c in third.certificates] == ["1/2027/GCN", "2/2027/GCN"]
        assert numbers_of_year(2026) == [1, 2, 3]
        assert numbers_of_year(2027) == [1, 2]


def test_a_refused_issue_gives_back_its_numbers(app: Flask, course: Course) -> None:
    with app.app_context():
        services.issue(None, course.event_id, [course.ids["all"]], issued_on=date(2026, 1, 5))
        db.session.commit()
        with pytest.raises(services.CertificateError, match="Does not meet"):
            services.issue(None, course.event_id, [course.ids["none"]], issued_on=date(2026, 1, 5))
        db.session.rollback()
        with pytest.raises(services.CertificateError, match="Already holds"):
            services.issue(None, course.event_id, [course.ids["all"]], issued_on=date(2026, 1, 5))
        db.session.rollback()
        with pytest.raises(services.CertificateError, match="confirmed"):
            services.issue(None, course.event_id, [course.ids["cancelled"]])
        db.session.rollback()
        later = services.issue(None, course.event_id, issued_on=date(2026, 1, 6))
        db.session.commit()
        assert [c.number for c in later.certificates] == [2]


def test_manual_rule_issues_only_to_the_ticked(app: Flask, course: Course) -> None:
    with app.app_context():
        _set(course, rule=CertificateRule.MANUAL)
        assert _qualifying(course) == set()
        with pytest.raises(services.CertificateError, match="chosen by hand"):
            services.issue(None, course.event_id)
        db.session.rollback()
        issued = services.issue(None, course.event_id, [course.ids["none"], course.ids["two"]])
        db.session.commit()
        # sign-in order, not the order ticked: Dung before Em
        assert [c.full_name for c in issued.certificates] == ["Phạm Thị Dung", "Võ Văn Em"]


def test_revoke_needs_a_reason_keeps_the_number_and_allows_a_new_one(
    app: Flask, course: Course
) -> None:
    with app.app_context():
        services.issue(None, course.event_id, issued_on=date(2026, 5, 1))
        db.session.commit()
        with pytest.raises(services.CertificateError) as refused:
            services.revoke(None, course.event_id, course.ids["late"], "   ")
        assert refused.value.field == "reason"
        db.session.rollback()
        revoked = services.revoke(None, course.event_id, course.ids["late"], "Cấp  nhầm tên")
        db.session.commit()
        assert revoked.revoke_reason == "Cấp nhầm tên"
        assert revoked.revoked_at is not None
        assert services.issued_counts(course.event_id) == (1, 1)
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == services.REVOKE_ACTION)
        ).one()
        assert entry.details["reason"] == "Cấp nhầm tên"
        assert entry.details["number"] == revoked.label
        with pytest.raises(services.CertificateError, match="no valid certificate"):
            services.revoke(None, course.event_id, course.ids["late"], "lần nữa")
        db.session.rollback()
        again = services.issue(None, course.event_id, issued_on=date(2026, 5, 2))
        db.session.commit()
        assert [c.registration_id for c in again.certificates] == [course.ids["late"]]
        assert again.certificates[0].label == "3/2026/GCN"
        assert again.certificates[0].code != revoked.code
        assert services.issued_counts(course.event_id) == (2, 1)
        assert numbers_of_year(2026) == [1, 2, 3]


def test_unknown_placeholder_is_refused_on_its_field(app: Flask, course: Course) -> None:
    with app.app_context():
        with pytest.raises(services.CertificateError) as refused:
            services.save_settings(None, course.event_id, _values(sentence="Học viên {ten}"))
        assert refused.value.field == "sentence"
        assert "{ten}" in str(refused.value)
        db.session.rollback()


def test_settings_are_saved_once_and_audited(app: Flask, course: Course) -> None:
    with app.app_context():
        assert services.settings_for(course.event_id).id is None  # reading writes nothing
        _set(course, signer_name="Trần Văn Lâm")
        _set(course, signer_name="Trần Văn Lâm")  # no change: no second entry
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == services.SETTINGS_ACTION)
        ).all()
        assert len(entries) == 1
        assert services.settings_for(course.event_id).signer_name == "Trần Văn Lâm"


@pytest.mark.parametrize("code", ["", "x", "a" * 200, "../../etc", "\x00" * 20, "Ω" * 22, None])
def test_any_code_looks_up_safely(app: Flask, course: Course, code: object) -> None:
    with app.app_context():
        assert services.certificate_by_code(code) is None  # type: ignore[arg-type]


def test_demo_issues_by_the_rule(app: Flask, course: Course) -> None:
    with app.app_context():
        event = db.session.get(Event, course.event_id)
        assert event is not None
        assert issue_demo_certificates(event) == 2
        db.session.commit()
        certificates = db.session.scalars(select(Certificate)).all()
        assert {c.issued_on for c in certificates} == {date(2023, 8, 17)}
        assert issue_demo_certificates(event) == 0  # nobody left
        db.session.rollback()


def test_issued_counts_of_a_course_without_any(app: Flask) -> None:
    with app.app_context():
        event = make_event(db.session)
        db.session.commit()
        assert services.issued_counts(event.id) == (0, 0)
