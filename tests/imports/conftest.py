"""Fixtures for import tests: a course with its organizer signed in, and files built in memory."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests import factories
from tests.conftest import AuthActions
from trainingapp.auth.models import Role
from trainingapp.auth.models import User
from trainingapp.extensions import db

VI_HEADERS = ["Họ và tên", "Giới tính", "Năm sinh", "Đơn vị", "Chức vụ", "Số điện thoại", "Email"]
EN_HEADERS = ["Full name", "Gender", "Year of birth", "Organization", "Position", "Phone", "E-mail"]
TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def person(n: int, **overrides: Any) -> list[Any]:
    """One row in template order: a distinct phone and e-mail per ``n``."""
    values = {
        "full_name": f"Nguyễn Văn An {_letters(n)}",
        "gender": "Nam" if n % 2 else "Nữ",
        "birth_year": "1985",
        "organization": "Đồn Biên phòng Cam Ranh",
        "position": "Cán bộ",
        "phone": f"0905{n:06d}",
        "email": f"hv{n}@example.vn",
    }
    values.update(overrides)
    return list(values.values())


def _letters(n: int) -> str:
    # Names must be letters: 12 -> "Bc"
    text = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        text = chr(97 + rest) + text
    return text.capitalize()


def csv_text(rows: list[list[Any]], headers: list[str] | None = None, delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers or VI_HEADERS)
    writer.writerows(rows)
    return out.getvalue()


def cp1258_bytes(text: str) -> bytes:
    """Text as Windows-1258 writes it: from the NFD form, tone marks stay separate combining
    characters; the marks that make a letter (â ê ô ă ơ ư), which cp1258 has no combining form
    for, are composed with their base as the code page holds them."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        decomposed = unicodedata.normalize("NFD", ch)
        tones = "".join(mark for mark in decomposed if mark in TONE_MARKS)
        letter = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
        out += (letter + tones).encode("cp1258")
    return bytes(out)


def xlsx_bytes(
    rows: list[list[Any]], headers: list[str] | None = None, title: str | None = None
) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    if title:
        sheet.append([title])
    sheet.append(headers or VI_HEADERS)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def app_config(app_config: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """English pages (messages as written in the code) and uploads kept in tmp_path."""
    return {**app_config, "BABEL_DEFAULT_LOCALE": "en", "IMPORT_FOLDER": str(tmp_path / "imports")}


@pytest.fixture
def import_folder(app: Flask) -> Path:
    return Path(app.config["IMPORT_FOLDER"])


@pytest.fixture
def organizer(make_user: Callable[..., User]) -> User:
    return make_user("organizer@example.vn", Role.ORGANIZER)


@pytest.fixture
def make_course(app: Flask, organizer: User) -> Callable[..., int]:
    """A published course created by ``organizer``; returns its id."""

    def _make(**overrides: Any) -> int:
        with app.app_context():
            event = factories.make_event(db.session, created_by_id=organizer.id, **overrides)
            db.session.commit()
            return event.id

    return _make


@pytest.fixture
def signed_in(client: FlaskClient, auth: AuthActions, organizer: User) -> FlaskClient:
    response = auth.login(organizer.email)
    assert response.status_code == 303
    return client
