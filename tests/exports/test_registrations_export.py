"""The registrations export (CSV and XLSX): content, language, order, formula safety, streaming,
filters, audit and access."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable
from datetime import time

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.exports.conftest import Course
from tests.exports.conftest import login
from tests.exports.conftest import vi
from trainingapp.attendance.marks import Mark
from trainingapp.attendance.marks import set_mark
from trainingapp.audit.models import AuditEntry
from trainingapp.auth.models import Role
from trainingapp.auth.models import User
from trainingapp.extensions import db

ORDER = [
    "Trần Văn An",
    "Lê Thị Ánh",
    "Phạm Bình",
    "Võ Thị Chờ",
    "Đặng Văn Đợi",
    "'+Cmd Hack",
    "Nguyễn Thị Hằng",
    "Hồ Văn Hủy",
]


def read_csv(client: FlaskClient, url: str) -> tuple[bytes, list[list[str]]]:
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    body = response.get_data()
    return body, list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def read_xlsx(client: FlaskClient, url: str) -> list[list[object]]:
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    rows = [list(row) for row in workbook.active.iter_rows(values_only=True)]
    workbook.close()
    return rows


def by_name(rows: list[list[object]], name: str) -> list[object]:
    return next(row for row in rows if row[1] == name)


def test_csv_is_utf8_with_bom_crlf_and_vietnamese_headers(
    staff_client: FlaskClient, course: Course
) -> None:
    body, rows = read_csv(staff_client, f"/manage/events/{course.event_id}/export.csv")
    assert body.startswith(b"\xef\xbb\xbf")
    assert body.count(b"\r\n") == len(rows)
    assert b"\n" not in body.replace(b"\r\n", b"")
    header = rows[0]
    assert header[:2] == [vi("No.", "STT"), "Họ và tên"]
    assert "Trạng thái" in header
    assert "Đơn vị" in header
    assert "Chức vụ" in header
    assert "Số điện thoại" in header
    assert "Mã điểm danh" in header
    assert header[-3:] == [
        "Sáng 16/08/2023",
        "Chiều 16/08/2023",
        vi("Attendance notes", "Ghi chú điểm danh"),
    ]


def test_csv_rows_in_official_order_with_status_words_and_attendance(
    staff_client: FlaskClient, course: Course
) -> None:
    _body, rows = read_csv(staff_client, f"/manage/events/{course.event_id}/export.csv")
    header, data = rows[0], rows[1:]
    assert [row[1] for row in data] == ORDER
    assert [row[0] for row in data] == [str(n) for n in range(1, 9)]
    status = header.index("Trạng thái")
    statuses = {row[1]: row[status] for row in data}
    assert statuses["Nguyễn Thị Hằng"] == "Đã xác nhận"
    assert statuses["Võ Thị Chờ"] == "Chờ duyệt"
    assert statuses["Đặng Văn Đợi"] == "Danh sách chờ"
    assert statuses["Hồ Văn Hủy"] == "Đã hủy"

    hang = by_name(data, "Nguyễn Thị Hằng")
    assert unicodedata.is_normalized("NFC", hang[1])
    assert hang[header.index("Đơn vị")] == "Đồn Biên phòng Cam Ranh"
    assert hang[header.index("Số điện thoại")] == "0905123456"
    assert hang[header.index("Giới tính")] == "Nữ"
    assert hang[3] == "1990"
    # Registered 01:30 UTC = 08:30 in Vietnam; checked in 07:31 and 13:40 local.
    assert "01/08/2023 08:30" in hang
    assert hang[-3:] == ["07:31", "13:40", ""]
    assert by_name(data, "Trần Văn An")[-3:] == ["08:05", "", ""]
    assert by_name(data, "Phạm Bình")[header.index("Đơn vị")] == ""


def test_formulas_are_neutralised_in_csv_and_xlsx(
    staff_client: FlaskClient, course: Course
) -> None:
    _body, rows = read_csv(staff_client, f"/manage/events/{course.event_id}/export.csv")
    header = rows[0]
    position = header.index("Chức vụ")
    hack = by_name(rows, "'+Cmd Hack")
    assert hack[position] == "'@SUM(A1)"
    assert "'-x@example.vn" in hack
    assert by_name(rows, "Lê Thị Ánh")[position] == '\'=HYPERLINK("http://x")'

    sheet = read_xlsx(staff_client, f"/manage/events/{course.event_id}/export.xlsx")
    hack_row = by_name(sheet, "'+Cmd Hack")
    assert hack_row[position] == "'@SUM(A1)"
    assert by_name(sheet, "Lê Thị Ánh")[position] == '\'=HYPERLINK("http://x")'
    for row in sheet:
        for value in row:
            assert not (isinstance(value, str) and value.startswith(("=", "+", "-", "@")))


def test_xlsx_has_the_same_content_as_csv(staff_client: FlaskClient, course: Course) -> None:
    _body, csv_rows = read_csv(staff_client, f"/manage/events/{course.event_id}/export.csv")
    sheet = read_xlsx(staff_client, f"/manage/events/{course.event_id}/export.xlsx")
    assert sheet[0] == csv_rows[0]
    assert [row[1] for row in sheet[1:]] == ORDER
    hang = by_name(sheet, "Nguyễn Thị Hằng")
    assert hang[0] == 7
    assert hang[3] == 1990
    assert hang[7] == "0905123456"  # text: the leading zero stays
    assert hang[11].strftime("%d/%m/%Y %H:%M") == "01/08/2023 08:30"
    # Check-in times are time values (sortable, summable), not text.
    assert hang[-3:-1] == [time(7, 31), time(13, 40)]


def test_english_headers_when_english_is_chosen(staff_client: FlaskClient, course: Course) -> None:
    staff_client.post("/language/en", data={"next": "/"})
    _body, rows = read_csv(staff_client, f"/manage/events/{course.event_id}/export.csv")
    assert rows[0][:2] == ["No.", "Full name"]
    assert "Status" in rows[0]
    assert by_name(rows, "Nguyễn Thị Hằng")[rows[0].index("Status")] == "Confirmed"


def test_csv_is_streamed(staff_client: FlaskClient, course: Course) -> None:
    response = staff_client.get(f"/manage/events/{course.event_id}/export.csv")
    assert response.is_streamed
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.get_data().startswith(b"\xef\xbb\xbf")


def test_filters_of_the_registrant_list_apply(staff_client: FlaskClient, course: Course) -> None:
    base = f"/manage/events/{course.event_id}/export.csv"
    _b, rows = read_csv(staff_client, f"{base}?status=confirmed")
    assert [row[1] for row in rows[1:]] == [
        "Trần Văn An",
        "Lê Thị Ánh",
        "Phạm Bình",
        "'+Cmd Hack",
        "Nguyễn Thị Hằng",
    ]
    _b, rows = read_csv(staff_client, f"{base}?q=HANG")
    assert [row[1] for row in rows[1:]] == ["Nguyễn Thị Hằng"]
    _b, rows = read_csv(staff_client, f"{base}?attended={course.morning_id}")
    assert [row[1] for row in rows[1:]] == ["Trần Văn An", "Nguyễn Thị Hằng"]
    _b, rows = read_csv(
        staff_client, f"{base}?status=confirmed&not_attended={course.afternoon_id}&kind=border_post"
    )
    assert [row[1] for row in rows[1:]] == ["Lê Thị Ánh"]
    _b, rows = read_csv(staff_client, f"{base}?organization={course.border_post_id}")
    assert [row[1] for row in rows[1:]] == [
        "Lê Thị Ánh",
        "Võ Thị Chờ",
        "Nguyễn Thị Hằng",
        "Hồ Văn Hủy",
    ]
    # The list's own form: session + attendance; and a unit searched by name.
    _b, rows = read_csv(
        staff_client, f"{base}?session={course.morning_id}&attendance=attended&sort=time"
    )
    assert sorted(row[1] for row in rows[1:]) == ["Nguyễn Thị Hằng", "Trần Văn An"]
    _b, rows = read_csv(staff_client, f"{base}?q=bao+khanh+hoa&status=confirmed")
    assert [row[1] for row in rows[1:]] == ["Trần Văn An", "'+Cmd Hack"]
    _b, rows = read_csv(staff_client, f"{base}?source=walk_in")
    assert [row[1] for row in rows[1:]] == ["Phạm Bình"]


@pytest.mark.parametrize(
    "query",
    [
        "status=nonsense",
        "attended=abc",
        "organization=99999999999999999999",
        "q=%25%27%22%3B--",
        "sort=drop%20table",
        "kind=<script>",
        "q=" + "x" * 5000,
    ],
)
def test_hostile_filters_never_fail(staff_client: FlaskClient, course: Course, query: str) -> None:
    for fmt in ("csv", "xlsx"):
        response = staff_client.get(f"/manage/events/{course.event_id}/export.{fmt}?{query}")
        assert response.status_code == 200
        response.close()


def test_each_export_is_audited(app: Flask, staff_client: FlaskClient, course: Course) -> None:
    staff_client.get(f"/manage/events/{course.event_id}/export.csv?status=confirmed").close()
    staff_client.get(f"/manage/events/{course.event_id}/export.xlsx").close()
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "registration.export")
            .order_by(AuditEntry.id)
        ).all()
        assert [(e.details["format"], e.details["rows"]) for e in entries] == [
            ("csv", 5),
            ("xlsx", 8),
        ]
        assert entries[0].details["filters"] == {"status": "confirmed"}
        assert all(e.event_id == course.event_id for e in entries)
        assert all(e.actor_label == "canbo@example.vn" for e in entries)


def test_staff_of_another_course_gets_403(
    app: Flask, client: FlaskClient, course: Course, make_user: Callable[..., User]
) -> None:
    make_user("other@example.vn", role=Role.STAFF)
    login(client, "other@example.vn")
    for path in ("export.csv", "export.xlsx", "signin-sheet", "signin-sheet.pdf", "report"):
        assert client.get(f"/manage/events/{course.event_id}/{path}").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(db.func.count(AuditEntry.id))) == 1  # the login only


def test_unknown_course_is_404(staff_client: FlaskClient) -> None:
    assert staff_client.get("/manage/events/999999/export.csv").status_code == 404


def test_late_arrivals_and_excused_absences_in_the_export(
    app: Flask, staff_client: FlaskClient, course: Course
) -> None:
    """A late check-in keeps its time (a time value in XLSX) and is named in the notes column;
    an excused absence fills its session's cell and gives its reason there."""
    with app.app_context():
        set_mark(course.event_id, course.ids["an"], course.morning_id, Mark.LATE, None)
        set_mark(
            course.event_id,
            course.ids["an"],
            course.afternoon_id,
            Mark.EXCUSED,
            None,
            reason="Họp  Ủy ban",
        )
        db.session.commit()
    _body, rows = read_csv(staff_client, f"/manage/events/{course.event_id}/export.csv")
    late, excused = vi("Late", "Đi muộn"), vi("Excused absence", "Vắng có phép")
    assert by_name(rows, "Trần Văn An")[-3:] == [
        "08:05",
        excused,
        f"Sáng 16/08/2023: {late}; Chiều 16/08/2023: {excused} (Họp Ủy ban)",
    ]
    assert by_name(rows, "Nguyễn Thị Hằng")[-3:] == ["07:31", "13:40", ""]
    sheet = read_xlsx(staff_client, f"/manage/events/{course.event_id}/export.xlsx")
    assert by_name(sheet, "Trần Văn An")[-3:-1] == [time(8, 5), excused]


def test_xlsx_prints_on_a4_landscape_one_page_wide_with_the_header_repeated(
    staff_client: FlaskClient, course: Course
) -> None:
    response = staff_client.get(f"/manage/events/{course.event_id}/export.xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    sheet = workbook.active
    assert sheet.page_setup.paperSize == 9
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToWidth in (None, 1)  # absent means 1 in OOXML
    assert sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.cell(2, 14).number_format == "hh:mm"


def test_csv_says_its_charset_once(staff_client: FlaskClient, course: Course) -> None:
    response = staff_client.get(f"/manage/events/{course.event_id}/export.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
