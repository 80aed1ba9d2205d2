"""LibreOffice opens the CSV and XLSX exports and converts them back to CSV with the Vietnamese
text intact. Skipped when LibreOffice is not installed."""

from __future__ import annotations

import csv
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.exports.conftest import Course

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")

# Comma, double quote, UTF-8 (76), first line 1.
CSV_FILTER = "44,34,76,1"


def convert_to_csv(source: Path, out_dir: Path, *, infilter: str | None = None) -> list[list[str]]:
    profile = Path(tempfile.gettempdir()) / f"lo-{uuid.uuid4().hex}"
    command = [
        str(SOFFICE),
        f"-env:UserInstallation=file://{profile}",
        "--headless",
        "--norestore",
        "--convert-to",
        f"csv:Text - txt - csv (StarCalc):{CSV_FILTER}",
        "--outdir",
        str(out_dir),
    ]
    if infilter:
        command.append(f"--infilter={infilter}")
    try:
        subprocess.run([*command, str(source)], check=True, capture_output=True, timeout=180)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    converted = out_dir / (source.stem + ".csv")
    with converted.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.reader(file))


def test_libreoffice_reads_the_xlsx_export(
    staff_client: FlaskClient, course: Course, tmp_path: Path
) -> None:
    source = tmp_path / "export.xlsx"
    source.write_bytes(staff_client.get(f"/manage/events/{course.event_id}/export.xlsx").get_data())
    out = tmp_path / "out"
    out.mkdir()
    rows = convert_to_csv(source, out)
    assert rows[0][1] == "Họ và tên"
    hang = next(row for row in rows if row[1] == "Nguyễn Thị Hằng")
    assert "Đồn Biên phòng Cam Ranh" in hang
    assert "0905123456" in hang
    assert "Đã xác nhận" in hang
    assert "'+Cmd Hack" in [row[1] for row in rows]  # shown as text, never run


def test_libreoffice_reads_the_csv_export(
    staff_client: FlaskClient, course: Course, tmp_path: Path
) -> None:
    source = tmp_path / "export.csv"
    source.write_bytes(staff_client.get(f"/manage/events/{course.event_id}/export.csv").get_data())
    out = tmp_path / "out"
    out.mkdir()
    # Convert CSV -> CSV: LibreOffice must parse the UTF-8 input and write the same text back.
    rows = convert_to_csv(source, out, infilter=f"CSV:{CSV_FILTER}")
    assert rows[0][1] == "Họ và tên"
    names = [row[1] for row in rows[1:]]
    assert "Nguyễn Thị Hằng" in names
    assert "Đặng Văn Đợi" in names
    assert any("Đồn Biên phòng Cam Ranh" in row for row in rows)


def test_libreoffice_reads_the_signin_sheet_xlsx(
    staff_client: FlaskClient, course: Course, tmp_path: Path
) -> None:
    source = tmp_path / "sheet.xlsx"
    url = f"/manage/events/{course.event_id}/signin-sheet.xlsx"
    source.write_bytes(staff_client.get(url).get_data())
    out = tmp_path / "out"
    out.mkdir()
    rows = convert_to_csv(source, out)
    assert rows[0][0] == "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"
    assert any(row[1] == "Nguyễn Thị Hằng" for row in rows)
