"""The attendance report: figures per session, unit kind and unit; a fixed number of queries;
the page with its SVG charts; the XLSX."""

from __future__ import annotations

import io

import openpyxl
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.exports.conftest import Course
from tests.exports.conftest import add_confirmed
from tests.exports.conftest import vi
from trainingapp.attendance.marks import Mark
from trainingapp.attendance.marks import set_mark
from trainingapp.audit.models import AuditEntry
from trainingapp.events.models import Event
from trainingapp.exports.report import attendance_report
from trainingapp.extensions import db


def figures(line: object) -> tuple[int, int, int]:
    return (line.registered, line.confirmed, line.attended)  # type: ignore[attr-defined]


def test_figures(app: Flask, course: Course) -> None:
    with app.app_context():
        report = attendance_report(db.session.get(Event, course.event_id))
    # Registered: 7 (the cancelled one is left out); confirmed 5; attended: Hằng and An.
    assert figures(report.total) == (7, 5, 2)
    assert [(line.label, line.attended) for line in report.sessions] == [
        ("Sáng 16/08/2023", 2),
        ("Chiều 16/08/2023", 1),
    ]
    assert report.sessions[0].rate_text == "40%"
    units = {line.label: figures(line) for line in report.units}
    assert units["Đồn Biên phòng Cam Ranh"] == (3, 2, 1)
    assert units["Báo Khánh Hòa"] == (3, 2, 1)
    assert [line.label for line in report.units] == [
        "Báo Khánh Hòa",
        "Đồn Biên phòng Cam Ranh",
        report.units[-1].label,  # the walk-in without a unit
    ]
    assert sum(line.registered for line in report.kinds) == 7
    assert len(report.kinds) == 3


def test_query_count_does_not_grow(app: Flask, course: Course, sql_statements: list[str]) -> None:
    with app.app_context():
        event = db.session.get(Event, course.event_id)
        sql_statements.clear()
        attendance_report(event)
        few = len(sql_statements)
    add_confirmed(app, course.event_id, 300)
    with app.app_context():
        event = db.session.get(Event, course.event_id)
        sql_statements.clear()
        report = attendance_report(event)
        assert len(sql_statements) == few <= 6
        assert report.total.confirmed == 305


def test_report_page_has_tables_and_svg_charts(staff_client: FlaskClient, course: Course) -> None:
    response = staff_client.get(f"/manage/events/{course.event_id}/report")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<svg") == 3
    assert "Đồn Biên phòng Cam Ranh" in html
    assert "Sáng 16/08/2023" in html
    assert "40%" in html
    assert "<script>" not in html


def test_report_xlsx(app: Flask, staff_client: FlaskClient, course: Course) -> None:
    response = staff_client.get(f"/manage/events/{course.event_id}/report.xlsx")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    assert len(workbook.sheetnames) == 3
    sessions = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    assert sessions[0][0] == "Lớp tập huấn công tác thông tin đối ngoại năm 2023"
    assert sessions[1][0].startswith("Đăng ký: mọi đăng ký không bị hủy")  # the page's note
    assert sessions[4][:5] == ["Sáng 16/08/2023", "07:30–11:30", 7, 5, 2]
    assert sessions[4][5] == 0.4
    kinds = [list(row) for row in workbook.worksheets[1].iter_rows(values_only=True)]
    assert len(kinds[3]) == 5  # kind and four figures: no empty "Time" column
    assert kinds[3][0] == "Loại đơn vị"
    assert kinds[3][1] != "Thời gian"
    units = [list(row) for row in workbook.worksheets[2].iter_rows(values_only=True)]
    assert ["Đồn Biên phòng Cam Ranh", units[5][1], 3, 2, 1, 0.5] in units
    assert int(workbook.worksheets[2].page_setup.paperSize) == 9
    workbook.close()
    with app.app_context():
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "attendance_report.export")
        ).one()
        assert entry.details["format"] == "xlsx"


def test_sessions_count_late_arrivals_and_excused_absences(
    app: Flask, staff_client: FlaskClient, course: Course
) -> None:
    with app.app_context():
        set_mark(course.event_id, course.ids["an"], course.morning_id, Mark.LATE, None)
        set_mark(course.event_id, course.ids["an"], course.afternoon_id, Mark.EXCUSED, None)
        db.session.commit()
        event = db.session.get(Event, course.event_id)
        assert event is not None
        morning, afternoon = attendance_report(event).sessions
    # Hằng on time and An late in the morning; An excused in the afternoon, Hằng there.
    assert (morning.attended, morning.late, morning.excused) == (2, 1, 0)
    assert (afternoon.attended, afternoon.late, afternoon.excused) == (1, 0, 1)
    response = staff_client.get(f"/manage/events/{course.event_id}/report.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=4)]
    assert rows[0][-2:] == [vi("Late", "Đi muộn"), vi("Excused absence", "Vắng có phép")]
    assert rows[1][-2:] == [1, 0]
    assert rows[2][-2:] == [0, 1]
