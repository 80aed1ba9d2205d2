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


def confirm(client: FlaskClient, event_id: int, token: str, **extra: str) -> Any:
    """Post the confirm step and follow it, as a browser would: to the import job's page (the
    tests' ``MAIL_SENDER = "sync"`` runs the job right after the confirm step's commit)."""
    response = client.post(url(event_id), data={"step": "confirm", "token": token, **extra})
    if response.status_code == 303 and "/jobs/" in response.headers["Location"]:
        return client.get(response.headers["Location"])
    return response


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

    response = confirm(signed_in, event_id, token)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Import of participants" in page
    assert 'http-equiv="refresh"' not in page  # finished: the page stops reloading
    assert (
        "2 participants imported. Confirmed: 2; pending approval: 0; waitlisted: 0; rows skipped: 0."
        in page
    )
    assert f'href="/manage/events/{event_id}/registrations"' in page
    assert f'href="/manage/events/{event_id}"' in page
    assert registrations(app) == [("0905000001", "confirmed"), ("0905000002", "confirmed")]
    assert list(import_folder.iterdir()) == []  # the upload is gone
    assert audit_count(app, "registration.import") == 1
    # The token is spent: a second confirm imports nothing twice.
    again = confirm(signed_in, event_id, token)
    assert again.status_code == 303
    assert len(registrations(app)) == 2


def test_english_headers(
    app: Flask, signed_in: FlaskClient, make_course: Callable[..., int]
) -> None:
    event_id = make_course()
    headers = ["Full name", "Gender", "Year of birth", "Organization", "Position", "Phone", "Email"]
    token = token_of(upload(signed_in, event_id, csv_text([person(1)], headers=headers).encode()))
    confirm(signed_in, event_id, token)
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
    confirm(signed_in, event_id, token)
    assert registrations(app) == [("0905000001", "confirmed")]


def test_missing_required_column_blocks_the_import(
    app: Flask, signed_in: FlaskClient, make_course: Callable[..., int]
) -> None:
    event_id = make_course()
    data = csv_text([["Nguyễn Văn An", "Sở Tư pháp"]], headers=["Họ và tên", "Đơn vị"]).encode()
    token = token_of(upload(signed_in, event_id, data))
    response = confirm(signed_in, event_id, token)
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

    response = confirm(signed_in, event_id, token)
    assert response.status_code == 303
    assert "show=problems" in response.headers["Location"]
    page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nothing was imported: 2 rows cannot be imported (rows 3, 5)." in page
    assert registrations(app) == []
    assert audit_count(app, "registration.import") == 0
    assert len(list(import_folder.iterdir())) == 2  # kept for another try

    response = confirm(signed_in, event_id, token, skip_invalid="y")
    assert response.status_code == 200
    assert registrations(app) == [("0905000001", "confirmed"), ("0905000003", "confirmed")]
    page = response.get_data(as_text=True)
    assert (
        "2 participants imported. Confirmed: 2; pending approval: 0; waitlisted: 0; rows skipped: 2."
        in page
    )


def test_preview_shows_waitlist_and_already_registered(
    app: Flask, signed_in: FlaskClient, make_course: Callable[..., int]
) -> None:
    event_id = make_course(capacity=2)
    token = token_of(upload(signed_in, event_id, csv_text([person(1)]).encode()))
    confirm(signed_in, event_id, token)
    token = token_of(
        upload(signed_in, event_id, csv_text([person(1), person(2), person(3)]).encode())
    )
    page = signed_in.get(url(event_id) + f"?token={token}&show=all").get_data(as_text=True)
    assert "This phone number is already registered for this course." in page
    assert 'data-count="registered">1<' in page
    assert 'data-count="confirmed">1<' in page
    assert 'data-count="waitlisted">1<' in page
    assert "New: waitlisted" in page
    confirm(signed_in, event_id, token, skip_invalid="y")
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
        confirm(signed_in, event_id, token),
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
    response = confirm(other, event_id, token)
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

    response = confirm(signed_in, event_id, token)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "10000 participants imported" in page or "10,000 participants imported" in page
    with app.app_context():
        assert db.session.scalar(select(func.count(Registration.id))) == 10_000
    assert audit_count(app, "registration.import") == 1


def test_the_import_job_reports_each_batch(
    app: Flask,
    signed_in: FlaskClient,
    make_course: Callable[..., int],
    import_folder: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from trainingapp.jobs import runner

    event_id = make_course(capacity=2_000)
    data = csv_text([person(n) for n in range(1_200)]).encode()
    token = token_of(upload(signed_in, event_id, data))
    reported: list[tuple[int, int]] = []
    real_report = runner._Reporter.__call__

    def report(self: Any, done: int, total: int) -> None:
        reported.append((done, total))
        real_report(self, done, total)

    monkeypatch.setattr(runner._Reporter, "__call__", report)
    response = signed_in.post(url(event_id), data={"step": "confirm", "token": token})
    assert response.status_code == 303
    page = signed_in.get(response.headers["Location"])
    assert page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    assert "1200 participants imported" in text or "1,200 participants imported" in text
    assert reported == [(0, 1_200), (500, 1_200), (1_000, 1_200), (1_200, 1_200)]
    with app.app_context():
        assert db.session.scalar(select(func.count(Registration.id))) == 1_200
    assert audit_count(app, "registration.create") == 1_200
    assert audit_count(app, "registration.import") == 1
    assert list(import_folder.iterdir()) == []


def test_failure_mid_import_saves_nothing_and_says_so(
    app: Flask,
    signed_in: FlaskClient,
    make_course: Callable[..., int],
    import_folder: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from trainingapp.jobs import runner

    event_id = make_course(capacity=2_000)
    data = csv_text([person(n) for n in range(1_200)]).encode()
    token = token_of(upload(signed_in, event_id, data))
    real_report = runner._Reporter.__call__

    def failing(self: Any, done: int, total: int) -> None:
        if 500 <= done < total:  # after the first batch was written (not committed)
            raise RuntimeError("disk on fire")
        real_report(self, done, total)

    monkeypatch.setattr(runner._Reporter, "__call__", failing)
    response = confirm(signed_in, event_id, token)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "The job failed because of an unexpected error." in page
    assert "Nothing was saved: the course is as it was before the import." in page
    assert "participants imported" not in page
    assert f'href="/manage/events/{event_id}/import?token={token}"' in page
    assert registrations(app) == []
    assert audit_count(app, "registration.create") == 0
    assert audit_count(app, "registration.import") == 0
    assert len(list(import_folder.iterdir())) == 2  # kept for another try

    monkeypatch.setattr(runner._Reporter, "__call__", real_report)
    page = confirm(signed_in, event_id, token).get_data(as_text=True)
    assert "1200 participants imported" in page or "1,200 participants imported" in page
    assert len(registrations(app)) == 1_200


def test_rows_refused_after_the_check_save_nothing_and_say_so(
    app: Flask,
    signed_in: FlaskClient,
    make_course: Callable[..., int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A row registered between the confirm's check and the locked import: nothing is saved."""
    from trainingapp.imports import services as imports

    event_id = make_course()
    first = token_of(upload(signed_in, event_id, csv_text([person(1)]).encode()))
    token = token_of(upload(signed_in, event_id, csv_text([person(1), person(2)]).encode()))
    confirm(signed_in, event_id, first)
    # The confirm step's check saw the course as it was before the first import.
    monkeypatch.setattr(
        imports, "preview", lambda event, inputs: imports.Plan(imports.normalise_rows(inputs))
    )
    response = confirm(signed_in, event_id, token)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Nothing was imported: 1 row cannot be imported (row 2)." in page
    assert "Nothing was saved: the course is as it was before the import." in page
    assert registrations(app) == [("0905000001", "confirmed")]
    assert audit_count(app, "registration.import") == 1


def test_an_import_whose_process_died_is_taken_up_again(
    app: Flask, signed_in: FlaskClient, make_course: Callable[..., int], import_folder: Path
) -> None:
    """Queued for the workers; one claims it and dies mid-way (a restart): once its claim has
    run out, the next worker imports the rows, all of them, once."""
    from datetime import timedelta

    from trainingapp.common.time import utcnow
    from trainingapp.jobs import runner
    from trainingapp.jobs.models import Job
    from trainingapp.jobs.models import JobStatus
    from trainingapp.jobs.runner import run_until_idle

    app.config["MAIL_SENDER"] = "worker"  # nothing runs in the web process
    event_id = make_course(capacity=2_000)
    token = token_of(
        upload(signed_in, event_id, csv_text([person(n) for n in range(700)]).encode())
    )
    response = signed_in.post(url(event_id), data={"step": "confirm", "token": token})
    job_page = response.headers["Location"]
    page = signed_in.get(job_page).get_data(as_text=True)
    assert "Waiting to start…" in page
    assert '<meta http-equiv="refresh" content="2">' in page
    with app.app_context():
        job = db.session.scalars(select(Job)).one()
        job.status, job.attempts = JobStatus.RUNNING, 1
        job.lease_until = utcnow() + timedelta(minutes=1)  # its worker is still believed alive
        db.session.commit()
        job_id = job.id
    with app.app_context():  # what the worker reported before it died
        runner._Reporter(job_id, timedelta(minutes=1))(500, 700)
    assert "500 of 700 done" in signed_in.get(job_page).get_data(as_text=True)
    assert run_until_idle(app) == 0  # claimed by a live worker: left alone
    with app.app_context():
        job = db.session.get(Job, job_id)
        job.lease_until = utcnow() - timedelta(seconds=1)  # the worker died
        db.session.commit()
    assert run_until_idle(app) == 1
    assert len(registrations(app)) == 700
    page = signed_in.get(job_page).get_data(as_text=True)
    assert "700 participants imported" in page
    assert 'http-equiv="refresh"' not in page
    with app.app_context():
        assert db.session.get(Job, job_id).attempts == 2
