"""The import pages: upload, preview, mapping correction, confirm, cancel, templates."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select

from tests.imports.conftest import cp1258_bytes
from tests.imports.conftest import csv_text
from tests.imports.conftest import person
from tests.imports.conftest import xlsx_bytes
from trainingapp.audit.models import AuditEntry
from trainingapp.extensions import db
from trainingapp.registration.models import Registration


def url(event_id: int) -> str:
    return f"/manage/events/{event_id}/import"


def upload(client: FlaskClient, event_id: int, data: bytes, name: str = "danh-sach.csv") -> Any:
    return client.post(
        url(event_id),
        data={"step": "upload", "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def token_of(response: Any) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    location = response.headers["Location"]
    assert "token=" in location
    return location.split("token=")[1].split("&")[0]


def registrations(app: Flask) -> list[tuple[str, str]]:
    with app.app_context():
        return [
            (r.phone, r.status.value)
            for r in db.session.scalars(select(Registration).order_by(Registration.id))
        ]


def audit_count(app: Flask, action: str) -> int:
    with app.app_context():
        return (
            db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == action))
            or 0
        )


def test_upload_page(signed_in: FlaskClient, make_course: Callable[..., int]) -> None:
    event_id = make_course()
    page = signed_in.get(url(event_id)).get_data(as_text=True)
    assert "Import participants" in page
    assert f"/manage/events/{event_id}/import/template.xlsx" in page
    assert (
        "consent to the processing of personal data is recorded as given at the time of the import"
        in page
    )
    assert 'enctype="multipart/form-data"' in page


@pytest.mark.parametrize(
    ("data", "name", "shown"),
    [
        (csv_text([person(1), person(2)]).encode("utf-8"), "a.csv", "CSV file, encoding: UTF-8"),
        (
            csv_text([person(1), person(2)]).encode("utf-8-sig"),
            "a.csv",
            "encoding: UTF-8 (with BOM)",
        ),
        (cp1258_bytes(csv_text([person(1), person(2)])), "a.csv", "encoding: Windows-1258"),
        (xlsx_bytes([person(1), person(2)]), "a.xlsx", "Excel workbook (first sheet)"),
    ],
    ids=["utf-8", "utf-8-bom", "windows-1258", "xlsx"],
)
def test_upload_preview_confirm(
    app: Flask,
    signed_in: FlaskClient,
    make_course: Callable[..., int],
    import_folder: Path,
    data: bytes,
    name: str,
    shown: str,
) -> None:
    event_id = make_course()
    token = token_of(upload(signed_in, event_id, data, name))
    assert sorted(p.name for p in import_folder.iterdir()) == [f"{token}.json", f"{token}.upload"]
    page = signed_in.get(url(event_id) + f"?token={token}").get_data(as_text=True)
    assert shown in page
    assert "Nothing has been saved yet." in page
    assert "Nguyễn Văn An B" in page
    assert 'data-count="confirmed">2<' in page
    assert "Import 2 participants" in page
    assert registrations(app) == []

    response = signed_in.post(url(event_id), data={"step": "confirm", "token": token})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/manage/events/{event_id}")
    assert registrations(app) == [("0905000001", "confirmed"), ("0905000002", "confirmed")]
    assert list(import_folder.iterdir()) == []  # the upload is gone
    assert audit_count(app, "registration.import") == 1
    page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert (
        "2 participants imported: 2 confirmed, 0 pending approval, 0 waitlisted; 0 rows skipped."
        in page
    )
    # The token is spent: a second confirm imports nothing twice.
    again = signed_in.post(url(event_id), data={"step": "confirm", "token": token})
    assert again.status_code == 303
    assert len(registrations(app)) == 2


def test_english_headers(
    app: Flask, signed_in: FlaskClient, make_course: Callable[..., int]
) -> None:
    event_id = make_course()
    headers = ["Full name", "Gender", "Year of birth", "Organization", "Position", "Phone", "Email"]
    token = token_of(upload(signed_in, event_id, csv_text([person(1)], headers=headers).encode()))
    signed_in.post(url(event_id), data={"step": "confirm", "token": token})
    assert registrations(app) == [("0905000001", "confirmed")]


def test_mapping_correction(
    app: Flask, signed_in: FlaskClient, make_course: Callable[..., int]
) -> None:
    event_id = make_course()
    headers = ["Họ và tên", "Giới tính", "Năm sinh", "Đơn vị", "Chức vụ", "Liên hệ", "Email"]
    token = token_of(upload(signed_in, event_id, csv_text([person(1)], headers=headers).encode()))
    page = signed_in.get(url(event_id) + f"?token={token}").get_data(as_text=True)
    assert "No column holds the Phone number." in page
    assert "Import 1 participant" not in page  # no preview, no import button

    # An invalid choice is refused next to its select, nothing changes.
    bad = {
        "step": "mapping",
        "token": token,
        **{f"col_{i}": "" for i in range(7)},
        "col_5": "password",
    }
    page = signed_in.post(url(event_id), data=bad).get_data(as_text=True)
    assert "Not a valid choice." in page

    mapping = dict(
        zip(
            [f"col_{i}" for i in range(7)],
            ["full_name", "gender", "birth_year", "organization", "position", "phone", "email"],
            strict=True,
        )
    )
    response = signed_in.post(url(event_id), data={"step": "mapping", "token": token, **mapping})
    assert response.status_code == 303
    page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "No column holds" not in page
    assert "Import 1 participant" in page
    signed_in.post(url(event_id), data={"step": "confirm", "token": token})
    assert registrations(app) == [("0905000001", "confirmed")]


def test_missing_required_column_blocks_the_import(
    app: Flask, signed_in: FlaskClient, make_course: Callable[..., int]
) -> None:
    event_id = make_course()
    data = csv_text([["Nguyễn Văn An", "Sở Tư pháp"]], headers=["Họ và tên", "Đơn vị"]).encode()
    token = token_of(upload(signed_in, event_id, data))
    response = signed_in.post(url(event_id), data={"step": "confirm", "token": token})
    assert response.status_code == 303
    page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "No column holds the Phone number." in page
    assert registrations(app) == []


def test_one_bad_row_saves_nothing_and_is_named(
    app: Flask, signed_in: FlaskClient, make_course: Callable[..., int], import_folder: Path
) -> None:
    event_id = make_course()
    data = csv_text(
        [person(1), person(2, phone="0905 12"), person(3), person(4, phone="0905000001")]
    )
    token = token_of(upload(signed_in, event_id, data.encode()))
    page = signed_in.get(url(event_id) + f"?token={token}").get_data(as_text=True)
    assert "Rows with problems (2)" in page
    assert "Row 3" in page
    assert "Please enter a Vietnamese phone number" in page
    assert "Row 5" in page
    assert "Duplicate of row 2." in page
    assert "Row 4 ·" not in page  # only the problems are listed by default

    response = signed_in.post(url(event_id), data={"step": "confirm", "token": token})
    assert response.status_code == 303
    assert "show=problems" in response.headers["Location"]
    page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nothing was imported: 2 rows cannot be imported (rows 3, 5)." in page
    assert registrations(app) == []
    assert audit_count(app, "registration.import") == 0
    assert len(list(import_folder.iterdir())) == 2  # kept for another try

    response = signed_in.post(
        url(event_id), data={"step": "confirm", "token": token, "skip_invalid": "y"}
    )
    assert response.headers["Location"].endswith(f"/manage/events/{event_id}")
    assert registrations(app) == [("0905000001", "confirmed"), ("0905000003", "confirmed")]
    page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert (
        "2 participants imported: 2 confirmed, 0 pending approval, 0 waitlisted; 2 rows skipped."
        in page
    )


def test_preview_shows_waitlist_and_already_registered(
    app: Flask, signed_in: FlaskClient, make_course: Callable[..., int]
) -> None:
    event_id = make_course(capacity=2)
    token = token_of(upload(signed_in, event_id, csv_text([person(1)]).encode()))
    signed_in.post(url(event_id), data={"step": "confirm", "token": token})
    token = token_of(
        upload(signed_in, event_id, csv_text([person(1), person(2), person(3)]).encode())
    )
    page = signed_in.get(url(event_id) + f"?token={token}&show=all").get_data(as_text=True)
    assert "This phone number is already registered for this course." in page
    assert 'data-count="registered">1<' in page
    assert 'data-count="confirmed">1<' in page
    assert 'data-count="waitlisted">1<' in page
    assert "New: waitlisted" in page
    signed_in.post(url(event_id), data={"step": "confirm", "token": token, "skip_invalid": "y"})
    assert registrations(app) == [
        ("0905000001", "confirmed"),
        ("0905000002", "confirmed"),
        ("0905000003", "waitlisted"),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Choose a file to upload."),  # werkzeug drops an empty file part
        (b"\r\n \r\n", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This file is not a spreadsheet we can read."),
        (b"PK\x03\x04" + os.urandom(2000), "This file is not a readable Excel workbook (.xlsx)."),
        (csv_text([person(1, full_name="A" * 300_000)]).encode(), "a cell that is far too large"),
        (
            "Họ và tên,Đơn vị,Số điện thoại\r\n".encode(),
            "The file has no participant rows below the header.",
        ),
    ],
    ids=["no-file", "blank", "png", "garbage-xlsx", "huge-cell", "header-only"],
)
def test_hostile_uploads_get_a_message(
    signed_in: FlaskClient,
    make_course: Callable[..., int],
    import_folder: Path,
    data: bytes,
    message: str,
) -> None:
    event_id = make_course()
    if data:
        response = upload(signed_in, event_id, data)
    else:
        response = signed_in.post(url(event_id), data={"step": "upload"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert "invalid-feedback" in page
    assert not import_folder.exists() or list(import_folder.iterdir()) == []


def test_formula_cells_are_refused(
    app: Flask, signed_in: FlaskClient, make_course: Callable[..., int]
) -> None:
    event_id = make_course()
    data = csv_text([person(1, full_name='=HYPERLINK("http://evil.example","Bấm")'), person(2)])
    token = token_of(upload(signed_in, event_id, data.encode()))
    page = signed_in.get(url(event_id) + f"?token={token}").get_data(as_text=True)
    assert "This cell looks like a spreadsheet formula; write plain text." in page


@pytest.mark.parametrize("token", ["../../secret_key", "x" * 32, "", "a" * 500])
def test_unknown_or_forged_tokens(
    signed_in: FlaskClient, make_course: Callable[..., int], token: str
) -> None:
    event_id = make_course()
    for response in (
        signed_in.get(url(event_id) + f"?token={token}"),
        signed_in.post(url(event_id), data={"step": "confirm", "token": token}),
        signed_in.post(url(event_id), data={"step": "mapping", "token": token}),
    ):
        assert response.status_code in (200, 303)
        if response.status_code == 303:
            assert response.headers["Location"].endswith(url(event_id))


def test_another_accounts_or_courses_upload_is_not_reachable(
    app: Flask,
    signed_in: FlaskClient,
    make_course: Callable[..., int],
    make_user: Callable[..., Any],
) -> None:
    event_id, other_event = make_course(), make_course()
    token = token_of(upload(signed_in, event_id, csv_text([person(1)]).encode()))
    # Same account, another course: the token is tied to the course.
    response = signed_in.get(url(other_event) + f"?token={token}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(url(other_event))
    # An admin (allowed on the course) who did not upload it.
    from trainingapp.auth.models import Role

    admin = make_user("admin@example.vn", Role.ADMIN)
    other = app.test_client()
    other.post("/login", data={"email": admin.email, "password": "correct horse battery"})
    response = other.post(url(event_id), data={"step": "confirm", "token": token})
    assert response.status_code == 303
    assert registrations(app) == []


def test_cancel_deletes_the_upload(
    signed_in: FlaskClient, make_course: Callable[..., int], import_folder: Path
) -> None:
    event_id = make_course()
    token = token_of(upload(signed_in, event_id, csv_text([person(1)]).encode()))
    response = signed_in.post(url(event_id), data={"step": "cancel", "token": token})
    assert response.status_code == 303
    assert list(import_folder.iterdir()) == []
    page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "The upload was discarded; nothing was imported." in page


def test_uploads_older_than_a_day_are_swept(
    signed_in: FlaskClient, make_course: Callable[..., int], import_folder: Path
) -> None:
    event_id = make_course()
    old = token_of(upload(signed_in, event_id, csv_text([person(1)]).encode()))
    day_ago = time.time() - 25 * 3600
    for path in import_folder.iterdir():
        os.utime(path, (day_ago, day_ago))
    response = signed_in.get(url(event_id) + f"?token={old}")
    assert response.status_code == 303  # expired
    new = token_of(upload(signed_in, event_id, csv_text([person(2)]).encode()))
    assert sorted(p.name for p in import_folder.iterdir()) == [f"{new}.json", f"{new}.upload"]


def test_templates_download(signed_in: FlaskClient, make_course: Callable[..., int]) -> None:
    from openpyxl import load_workbook

    event_id = make_course()
    response = signed_in.get(url(event_id) + "/template.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    assert rows[0] == (
        "Họ và tên",
        "Giới tính",
        "Năm sinh",
        "Đơn vị",
        "Chức vụ",
        "Số điện thoại",
        "Email",
    )
    assert rows[1][0] == "Nguyễn Văn An"
    response = signed_in.get(url(event_id) + "/template.csv")
    assert response.data.decode("utf-8-sig").splitlines()[0] == (
        "Họ và tên,Giới tính,Năm sinh,Đơn vị,Chức vụ,Số điện thoại,Email"
    )
    # The template imports as it is.
    token = token_of(upload(signed_in, event_id, response.data))
    assert "Import 1 participant" in signed_in.get(url(event_id) + f"?token={token}").get_data(
        as_text=True
    )


def test_staff_cannot_import(
    app: Flask, make_course: Callable[..., int], make_user: Callable[..., Any], client: FlaskClient
) -> None:
    from trainingapp.auth.models import Role
    from trainingapp.events.models import EventStaff
    from trainingapp.events.models import StaffRole

    event_id = make_course()
    staff = make_user("staff@example.vn", Role.STAFF)
    with app.app_context():
        db.session.add(EventStaff(event_id=event_id, user_id=staff.id, role=StaffRole.STAFF))
        db.session.commit()
    client.post("/login", data={"email": staff.email, "password": "correct horse battery"})
    assert client.get(url(event_id)).status_code == 403
    assert upload(client, event_id, csv_text([person(1)]).encode()).status_code == 403


def test_ten_thousand_rows_through_the_pages_in_one_commit(
    app: Flask,
    signed_in: FlaskClient,
    make_course: Callable[..., int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    event_id = make_course(capacity=10_000)
    data = xlsx_bytes([person(n, organization=f"Đơn vị số {n % 50}") for n in range(10_000)])
    token = token_of(upload(signed_in, event_id, data, "10000.xlsx"))
    page = signed_in.get(url(event_id) + f"?token={token}").get_data(as_text=True)
    assert "Import 10,000 participants" in page or "Import 10000 participants" in page
    assert page.count('data-line="') == app.config["ITEMS_PER_PAGE"]  # paginated

    commits = []
    real_commit = db.session.commit
    monkeypatch.setattr(db.session, "commit", lambda: (commits.append(1), real_commit())[1])
    response = signed_in.post(url(event_id), data={"step": "confirm", "token": token})
    assert response.status_code == 303
    assert len(commits) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(Registration.id))) == 10_000
    assert audit_count(app, "registration.import") == 1
