"""The course report (báo cáo kết quả) as DOCX: its figures are the attendance report's, the
download is the organizer's and audited, the document reads as a Decree 30/2020 report with
editable tables and both annexes, the evaluation and certificates sections say "Chưa thực
hiện" until there is something to say, 2,000 participants render in reasonable time, and
LibreOffice turns it into a PDF with the same figures."""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.oxml.ns import qn
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.exports.conftest import Course
from tests.exports.conftest import add_confirmed
from tests.exports.conftest import login
from tests.factories import make_lecturer
from tests.factories import make_organization
from tests.factories import make_registration
from tests.factories import make_topic
from trainingapp.attendance.models import Attendance
from trainingapp.attendance.models import ExcusedAbsence
from trainingapp.audit.models import AuditEntry
from trainingapp.auth.models import Role
from trainingapp.auth.models import User
from trainingapp.common.vietnamese import initials
from trainingapp.common.vietnamese import issued_date
from trainingapp.common.vietnamese import number_words
from trainingapp.evaluation.models import Section
from trainingapp.evaluation.results import Comment
from trainingapp.evaluation.results import EvaluationSummary
from trainingapp.evaluation.results import LecturerAverage
from trainingapp.evaluation.results import SectionAverage
from trainingapp.events.models import Event
from trainingapp.events.models import EventStaff
from trainingapp.events.models import Quota
from trainingapp.events.models import StaffRole
from trainingapp.exports import report_template
from trainingapp.exports.course_report import COURSE_REPORT_EXPORT
from trainingapp.exports.course_report import QUOTED_COMMENTS
from trainingapp.exports.course_report import CertificateFigures
from trainingapp.exports.course_report import CourseReport
from trainingapp.exports.course_report import EvaluationFigures
from trainingapp.exports.course_report import course_report
from trainingapp.exports.course_report import evaluation_figures
from trainingapp.exports.report import attendance_report
from trainingapp.exports.report_docx import HIDDEN_AVERAGE
from trainingapp.exports.report_docx import render_report
from trainingapp.extensions import db
from trainingapp.organizations.models import Organization
from trainingapp.organizations.models import OrganizationKind

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture
def full_course(app: Flask, course: Course) -> Course:
    """The export tests' course with a parent body, a lecturer, quotas (one unit sent nobody,
    one sent a participant who did not come), a late check-in and an excused absence."""
    with app.app_context():
        event = db.session.get(Event, course.event_id)
        assert event is not None
        event.organizer.parent = make_organization(
            db.session, name="Ủy ban nhân dân tỉnh Khánh Hòa", kind=OrganizationKind.OTHER
        )
        partner = event.co_organizers[0]
        lecturer = make_lecturer(
            db.session,
            full_name="Nguyễn Văn Hùng",
            rank="Thượng tá",
            position="Phó Chủ nhiệm Chính trị",
            organization=partner,
        )
        make_topic(
            db.session,
            event,
            title="Công tác thông tin đối ngoại trong tình hình mới",
            session_id=course.morning_id,
            lecturers=[lecturer],
        )
        newsroom = db.session.scalar(
            select(Organization).where(Organization.name == "Báo Khánh Hòa")
        )
        radio = make_organization(
            db.session, name="Đài Truyền thanh xã Cam Lập", kind=OrganizationKind.COMMUNE_RADIO
        )
        office = make_organization(
            db.session,
            name="Phòng Văn hóa - Thông tin huyện Cam Lâm",
            kind=OrganizationKind.CULTURE_OFFICE,
        )
        make_registration(db.session, event, full_name="Lò Văn Vắng", organization=office)
        for unit_id, seats in [
            (course.border_post_id, 3),
            (newsroom.id, 2),
            (radio.id, 2),
            (office.id, 1),
        ]:
            db.session.add(Quota(event_id=event.id, organization_id=unit_id, seats=seats))
        # An came late to the morning; Ánh was excused from the afternoon.
        late = db.session.scalar(
            select(Attendance).where(
                Attendance.registration_id == course.ids["an"],
                Attendance.session_id == course.morning_id,
            )
        )
        late.late = True
        db.session.add(
            ExcusedAbsence(
                registration_id=course.ids["anh"],
                session_id=course.afternoon_id,
                reason="Đi công tác",
            )
        )
        db.session.commit()
    return course


@pytest.fixture
def organizer_client(
    app: Flask, full_course: Course, make_user: Callable[..., User]
) -> FlaskClient:
    user = make_user("bantochuc@example.vn", role=Role.ORGANIZER)
    with app.app_context():
        db.session.add(
            EventStaff(event_id=full_course.event_id, user_id=user.id, role=StaffRole.ORGANIZER)
        )
        db.session.commit()
    client = app.test_client()
    login(client, "bantochuc@example.vn")
    return client


def _report(app: Flask, event_id: int) -> CourseReport:
    with app.app_context():
        event = db.session.get(Event, event_id)
        assert event is not None
        return course_report(event)


def _text(data: bytes) -> str:
    """Every paragraph of the body and of its tables, one per line."""
    document = Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def _table_with(document: Any, heading: str) -> Any:
    return next(t for t in document.tables if t.rows[0].cells[0].text == heading)


# --- figures ------------------------------------------------------------------------------------


def test_figures_are_the_attendance_reports(app: Flask, full_course: Course) -> None:
    report = _report(app, full_course.event_id)
    with app.app_context():
        xlsx = attendance_report(db.session.get(Event, full_course.event_id))
    assert (report.registered, report.confirmed, report.attended) == (
        xlsx.total.registered,
        xlsx.total.confirmed,
        xlsx.total.attended,
    )
    assert (report.registered, report.confirmed, report.attended) == (8, 6, 2)
    assert [s.attended for s in report.sessions] == [line.attended for line in xlsx.sessions]
    morning, afternoon = report.sessions
    assert (morning.expected, morning.present, morning.late, morning.excused) == (6, 1, 1, 0)
    assert (afternoon.present, afternoon.late, afternoon.excused) == (1, 0, 1)
    # Everyone expected is accounted for exactly once per session.
    for s in report.sessions:
        assert s.present + s.late + s.excused + s.absent == s.expected
    assert (report.quota_units, report.quota_seats) == (4, 8)
    assert sum(k.registered for k in report.kinds) == xlsx.total.registered
    assert report.kinds_total.quota_seats == 8
    radio = next(k for k in report.kinds if k.quota_units and k.registered == 0)
    assert (radio.quota_units, radio.quota_seats, radio.attended) == (1, 2, 0)
    assert [(u.name, u.quota, u.registered) for u in report.absent_units] == [
        ("Đài Truyền thanh xã Cam Lập", 2, 0),
        ("Phòng Văn hóa - Thông tin huyện Cam Lâm", 1, 1),
    ]
    assert report.lecturers[0].text == "Thượng tá Nguyễn Văn Hùng, Phó Chủ nhiệm Chính trị"
    assert report.issuer.parent_body == "Ủy ban nhân dân tỉnh Khánh Hòa"
    assert report.evaluation is None
    assert report.certificates is None


def test_annex_rows_carry_each_sessions_mark(app: Flask, full_course: Course) -> None:
    report = _report(app, full_course.event_id)
    marks = {line.full_name: line.marks for line in report.signin}
    assert len(report.signin) == report.confirmed
    assert marks["Nguyễn Thị Hằng"] == ["x", "x"]
    assert marks["Trần Văn An"] == ["M", "V"]
    assert marks["Lê Thị Ánh"] == ["V", "P"]
    assert [line.number for line in report.signin] == list(range(1, len(report.signin) + 1))
    absentees = {line.full_name: line.missed for line in report.absentees}
    assert "Nguyễn Thị Hằng" not in absentees
    assert [(m.excused, m.reason) for m in absentees["Lê Thị Ánh"]] == [
        (False, ""),
        (True, "Đi công tác"),
    ]


# --- the download -------------------------------------------------------------------------------


def test_only_the_organizer_downloads_it_and_it_is_audited(
    app: Flask, organizer_client: FlaskClient, staff_client: FlaskClient, full_course: Course
) -> None:
    url = f"/manage/events/{full_course.event_id}/report.docx"
    assert staff_client.get(url).status_code == 403
    response = organizer_client.get(url)
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    assert "bao-cao-thong-tin-doi-ngoai-2023.docx" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    with zipfile.ZipFile(io.BytesIO(response.data)) as docx:
        assert "word/document.xml" in docx.namelist()
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == COURSE_REPORT_EXPORT)
        )
        assert entry is not None
        assert entry.event_id == full_course.event_id
        assert entry.details == {"format": "docx", "rows": 6}


def test_the_report_page_offers_the_word_report_to_the_organizer_only(
    organizer_client: FlaskClient, staff_client: FlaskClient, full_course: Course
) -> None:
    url = f"/manage/events/{full_course.event_id}/report"
    link = f"/manage/events/{full_course.event_id}/report.docx"
    assert link in organizer_client.get(url).get_data(as_text=True)
    assert link not in staff_client.get(url).get_data(as_text=True)


def test_the_document_reads_as_a_decree_30_report(
    organizer_client: FlaskClient, full_course: Course
) -> None:
    data = organizer_client.get(f"/manage/events/{full_course.event_id}/report.docx").data
    text = _text(data)
    for line in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "UBND TỈNH KHÁNH HÒA",
        "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        "/BC-STTTT",
        "BÁO CÁO",
        "Kết quả tổ chức lớp tập huấn công tác thông tin đối ngoại năm 2023",
        "I. MỤC ĐÍCH, YÊU CẦU",
        "II. THỜI GIAN, ĐỊA ĐIỂM",
        "thứ Tư, ngày 16/08/2023, gồm 2 buổi",
        "III. THÀNH PHẦN",
        "Đơn vị phối hợp: Bộ Chỉ huy Bộ đội Biên phòng tỉnh.",
        "- Thượng tá Nguyễn Văn Hùng, Phó Chủ nhiệm Chính trị, Bộ Chỉ huy Bộ đội Biên phòng tỉnh.",
        "IV. NỘI DUNG",
        "Chuyên đề 1: Công tác thông tin đối ngoại trong tình hình mới. Báo cáo viên: Thượng tá",
        "V. KẾT QUẢ",
        "Đơn vị được giao chỉ tiêu: 4 đơn vị, với 8 chỉ tiêu",
        "Học viên tham dự (có mặt ít nhất một buổi): 2, đạt 33% số học viên đã xác nhận.",
        "- Đài Truyền thanh xã Cam Lập (Đài truyền thanh cấp xã; chỉ tiêu 2; không cử học viên);",
        "1 học viên đăng ký nhưng không tham dự).",
        "VI. ĐỀ XUẤT, KIẾN NGHỊ",
        "Nơi nhận:",
        "UBND tỉnh Khánh Hòa (để báo cáo);",
        "- Lưu: VT.",
        "Phụ lục 1",
        "Phụ lục 2",
        "DANH SÁCH HỌC VIÊN VẮNG MẶT",
    ):
        assert line in text, line
    assert "lớp tập huấn Lớp tập huấn" not in text
    assert "{{" not in text
    assert "{%" not in text
    # Not started yet: evaluation and certificates.
    assert text.count("Chưa thực hiện.") == 2


def test_tables_are_word_tables_with_repeated_headers_and_unsplit_rows(
    organizer_client: FlaskClient, full_course: Course
) -> None:
    data = organizer_client.get(f"/manage/events/{full_course.event_id}/report.docx").data
    document = Document(io.BytesIO(data))
    sessions = _table_with(document, "Buổi")
    assert [c.text for c in sessions.rows[1].cells] == [
        "Sáng 16/08/2023", "07:30–11:30", "6", "1", "1", "0", "4",
    ]  # fmt: skip
    assert [c.text for c in sessions.rows[2].cells][2:] == ["6", "1", "0", "1", "4"]
    kinds = _table_with(document, "Loại đơn vị")
    assert kinds.rows[-1].cells[0].text == "Tổng cộng"
    assert [c.text for c in kinds.rows[-1].cells][1:] == ["4", "8", "8", "6", "2", "33%"]
    signin = _table_with(document, "STT")
    assert [c.text for c in signin.rows[0].cells] == [
        "STT", "Họ và tên", "Đơn vị", "Chức vụ", "Sáng 16/08", "Chiều 16/08",
    ]  # fmt: skip
    assert len(signin.rows) == 1 + 6
    hang = next(row for row in signin.rows if row.cells[1].text == "Nguyễn Thị Hằng")
    assert [c.text for c in hang.cells][2:] == [
        "Đồn Biên phòng Cam Ranh",
        "Chính trị viên",
        "x",
        "x",
    ]
    absentees = [t for t in document.tables if t.rows[0].cells[0].text == "STT"][1]
    anh = next(row for row in absentees.rows if row.cells[1].text == "Lê Thị Ánh")
    assert anh.cells[3].text == "Sáng 16/08; Chiều 16/08 (có phép)"
    assert anh.cells[4].text == "Có phép 1 buổi, không phép 1 buổi"
    binh = next(row for row in absentees.rows if row.cells[1].text == "Phạm Bình")
    assert [binh.cells[3].text, binh.cells[4].text] == ["Cả 2 buổi", "Không phép"]
    assert anh.cells[5].text == "Đi công tác"
    for table in (sessions, kinds, signin, absentees):
        header = table.rows[0]._tr.trPr
        assert header.find(qn("w:tblHeader")) is not None
        for row in table.rows:
            assert row._tr.trPr.find(qn("w:cantSplit")) is not None
    # The annex's grid fits the text width (165 mm) with a column per session.
    grid = signin._tbl.find(qn("w:tblGrid"))
    widths = [int(c.get(qn("w:w"))) for c in grid]
    assert len(widths) == 6
    assert abs(sum(widths) - round(165 * 1440 / 25.4)) < 10
    styles = document.styles["Normal"]
    assert styles.font.name == "Times New Roman"
    assert styles.font.size.pt == 13
    # Page numbers from the second page on.
    section = document.sections[0]
    assert section.different_first_page_header_footer
    assert "PAGE" in section.header._element.xml


def test_evaluation_and_certificates_when_there_are_some(app: Flask, full_course: Course) -> None:
    report = _report(app, full_course.event_id)
    filled = dataclasses.replace(
        report,
        evaluation=EvaluationFigures(
            responses=5,
            eligible=6,
            rate=5 / 6,
            overall=4.351,
            sections=[("Nội dung chương trình", 4.5), ("Công tác tổ chức", 4.2)],
            lecturers=[("Thượng tá Nguyễn Văn Hùng", 4.8)],
            comments=["Nội dung thiết thực, & dễ áp dụng <thực tế>."],
        ),
        certificates=CertificateFigures(issued=5, revoked=1),
    )
    text = _text(render_report(filled))
    for line in (
        "Số phiếu thu về: 5/6 học viên (83%);",
        "Điểm trung bình chung: 4,35/5;",
        "- Nội dung chương trình: 4,50/5;",
        "+ Thượng tá Nguyễn Văn Hùng: 4,80/5;",
        "“Nội dung thiết thực, & dễ áp dụng <thực tế>.”",
        "Đã cấp 5 giấy chứng nhận hoàn thành lớp tập huấn (đã thu hồi 1 giấy).",
    ):
        assert line in text, line
    assert "Chưa thực hiện." not in text

    # Fewer than 5 answers: the averages stay hidden, the count is still given.
    few = dataclasses.replace(
        report,
        evaluation=EvaluationFigures(
            responses=3,
            eligible=6,
            rate=0.5,
            overall=None,
            sections=[("Nội dung", None)],
            lecturers=[],
            comments=[],
        ),
    )
    text = _text(render_report(few))
    assert "Số phiếu thu về: 3/6 học viên (50%);" in text
    assert f"Điểm trung bình chung: {HIDDEN_AVERAGE};" in text
    assert "Nội dung: 5,00/5" not in text
    assert text.count("Chưa thực hiện.") == 1  # certificates


def test_a_course_with_nothing_yet_still_renders(app: Flask) -> None:
    with app.app_context():
        from tests.factories import make_event

        event = make_event(db.session, title="Bồi dưỡng kỹ năng phát ngôn", description="")
        db.session.commit()
        event_id = event.id
    data = render_report(_report(app, event_id))
    text = _text(data)
    assert "Lớp tập huấn chưa có buổi học." in text
    assert "- Không giao chỉ tiêu cho đơn vị;" in text
    assert "Không có học viên đã xác nhận." in text
    assert "Không có học viên vắng mặt." in text
    assert "Kết quả tổ chức lớp tập huấn Bồi dưỡng kỹ năng phát ngôn" in text
    # The purpose is left for the organizer to write on dotted lines (a tab with a dot leader).
    # 2 lines for the purpose, 4 for the proposals (section VI, always).
    assert Document(io.BytesIO(data)).element.body.xml.count('w:leader="dot"') == 2 + 4


def test_names_with_xml_characters_are_kept_as_text(app: Flask, full_course: Course) -> None:
    with app.app_context():
        event = db.session.get(Event, full_course.event_id)
        unit = make_organization(db.session, name="Công ty A & B <Khánh Hòa>")
        make_registration(db.session, event, full_name="Đỗ Văn <b>Đậm</b>", organization=unit)
        db.session.commit()
    text = _text(render_report(_report(app, full_course.event_id)))
    assert "Đỗ Văn <b>Đậm</b> | Công ty A & B <Khánh Hòa>" in text


def test_the_committed_template_is_the_builders(app: Flask) -> None:
    assert report_template.TEMPLATE_PATH.read_bytes() == report_template.build(), (
        "run python -m trainingapp.exports.report_template"
    )


def test_vietnamese_wording_helpers() -> None:
    assert number_words(21) == "hai mươi mốt"
    assert number_words(105) == "một trăm linh năm"
    assert issued_date(None, 2027).startswith("ngày\u00a0")
    from datetime import date

    assert issued_date(date(2027, 2, 5), 2027) == "ngày 05 tháng 02 năm 2027"
    assert issued_date(date(2027, 8, 16), 2027) == "ngày 16 tháng 8 năm 2027"
    assert initials("Sở Giáo dục và Đào tạo") == "SGDĐT"
    assert initials("Sở Thông tin và Truyền thông tỉnh Khánh Hòa") == "STTTT"
    assert initials("Ủy ban nhân dân tỉnh Khánh Hòa") == "UBND"
    assert initials("Phòng Văn hóa - Thông tin huyện Cam Lâm") == "PVHTT"
    assert initials("Sở Xây dựng và Quy hoạch đô thị") == "SXDQHĐT"
    assert initials("Ủy ban nhân dân thành phố Nha Trang") == "UBND"


def test_two_thousand_participants_render_in_reasonable_time(
    app: Flask, full_course: Course, capsys: pytest.CaptureFixture[str]
) -> None:
    add_confirmed(app, full_course.event_id, 2000, unit_id=full_course.border_post_id)
    started = time.perf_counter()
    report = _report(app, full_course.event_id)
    gathered = time.perf_counter()
    data = render_report(report)
    rendered = time.perf_counter()
    with capsys.disabled():
        print(  # noqa: T201
            f"\n2,006 participants: figures {gathered - started:.2f} s, "
            f"DOCX {rendered - gathered:.2f} s, {len(data) // 1024} KB"
        )
    assert len(report.signin) == 2006
    assert rendered - started < 60
    signin = _table_with(Document(io.BytesIO(data)), "STT")
    assert len(signin.rows) == 1 + 2006


# --- LibreOffice --------------------------------------------------------------------------------


def _writer_available() -> bool:
    """soffice can open Word documents only with LibreOffice Writer installed (CI may have Calc
    alone)."""
    if SOFFICE is None:
        return False
    program = Path(SOFFICE).resolve().parent
    return any(program.glob("libswlo.so")) or any(program.glob("*swlo*"))


@pytest.mark.skipif(not _writer_available(), reason="LibreOffice Writer is not installed")
def test_libreoffice_converts_it_to_pdf_with_the_same_figures(
    organizer_client: FlaskClient, full_course: Course, tmp_path: Path
) -> None:
    docx = tmp_path / "bao-cao.docx"
    docx.write_bytes(
        organizer_client.get(f"/manage/events/{full_course.event_id}/report.docx").data
    )
    subprocess.run(
        [str(SOFFICE), f"-env:UserInstallation=file://{tmp_path}/lo", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    pdf = tmp_path / "bao-cao.pdf"
    assert pdf.exists()
    assert pdf.stat().st_size > 5000
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) not installed")
    flat = " ".join(
        subprocess.run(
            ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout.split()
    )
    for line in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "BÁO CÁO",
        "Kết quả tổ chức lớp tập huấn công tác thông tin đối ngoại năm 2023",
        "Đơn vị được giao chỉ tiêu: 4 đơn vị, với 8 chỉ tiêu",
        "Học viên đã xác nhận: 6",
        "Phụ lục 1",
        "Nguyễn Thị Hằng",
        "Đi công tác",
    ):
        assert line in flat, line
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(next(x.split()[-1] for x in info.splitlines() if x.startswith("Pages")))
    assert 3 <= pages <= 6


def test_the_evaluation_summary_becomes_the_reports_figures() -> None:
    summary = EvaluationSummary(
        responses=180,
        eligible=221,
        rate=180 / 221,
        overall_average=4.6,
        section_averages=[SectionAverage(Section.CONTENT, "Nội dung", 4.5, 9)],
        lecturer_averages=[LecturerAverage(1, "Lê Quang Vinh", "", 4.7, 9)],
        comments=[Comment("Góp ý", "Rất bổ ích"), Comment("Góp ý", "  ")],
        averages_hidden=False,
    )
    figures = evaluation_figures(summary)
    assert (figures.responses, figures.eligible, figures.overall) == (180, 221, 4.6)
    assert figures.sections == [("Nội dung", 4.5)]
    assert figures.lecturers == [("Lê Quang Vinh", 4.7)]
    assert figures.comments == ["Rất bổ ích"]


def test_the_report_quotes_a_few_distinct_comments(app: Flask, full_course: Course) -> None:
    comments = [Comment("Góp ý", f"Ý kiến số {n}") for n in range(12)]
    summary = EvaluationSummary(
        12, 20, 0.6, 4.5, [], [], [*comments, Comment("Góp ý", "Ý kiến số 0")], False
    )
    figures = evaluation_figures(summary)
    assert figures.comments == [f"Ý kiến số {n}" for n in range(QUOTED_COMMENTS)]
    assert figures.comments_more == 12 - QUOTED_COMMENTS
    text = _text(
        render_report(dataclasses.replace(_report(app, full_course.event_id), evaluation=figures))
    )
    assert "“Ý kiến số 7”" in text
    assert "Ý kiến số 8" not in text
    assert "(Và 4 ý kiến khác trong kết quả đánh giá kèm theo.)" in text
