"""``bench/pages.py`` measures what it says: the bare page renders its 50 rows, wrk's report is
read right (and refused when pages failed), and the pages it loads exist in the seeded demo."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.pages import PAGES
from bench.pages import bare_app
from bench.pages import parse_wrk
from bench.pages import seed
from trainingapp import create_app
from trainingapp.extensions import db

REPORT = """Running 10s test @ http://127.0.0.1:8765/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.23ms    2.94ms  24.61ms   89.42%
    Req/Sec   500.60     92.78   686.00     80.00%
  Latency Distribution
     50%  812.00us
     75%    4.41ms
     90%    7.53ms
     99%   18.64ms
  5030 requests in 10.01s, 35.8MB read
Requests/sec:    502.64
Transfer/sec:      3.55MB
"""


def test_wrk_reports_are_read() -> None:
    measure = parse_wrk(REPORT)
    assert measure.rate == pytest.approx(502.64)
    assert measure.p50_ms == pytest.approx(0.812)
    assert measure.p99_ms == pytest.approx(18.64)


def test_a_report_with_failed_requests_is_refused() -> None:
    failed = REPORT.replace("Requests/sec", "  Non-2xx or 3xx responses: 1428\nRequests/sec")
    with pytest.raises(SystemExit, match="1428 responses were not 2xx"):
        parse_wrk(failed)
    broken = REPORT.replace(
        "Requests/sec", "  Socket errors: connect 0, read 3, write 0, timeout 0\nRequests/sec"
    )
    with pytest.raises(SystemExit, match="socket errors"):
        parse_wrk(broken)


def test_the_bare_page_renders_50_rows() -> None:
    response = bare_app().test_client().get("/")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("<tr>") == 50


def test_the_pages_it_loads_exist_in_the_demo(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seed(
        {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "bench-test",
            "FLASK_MAIL_OUTBOX": str(tmp_path / "outbox"),
        }
    )
    monkeypatch.setenv("DATABASE_URL", database_url)
    app = create_app({"SECRET_KEY": "bench-test", "MAIL_SENDER": "sync"})
    client = app.test_client()
    for kind, path in PAGES.items():
        if kind == "bare":
            continue
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.get_data(as_text=True).startswith("<!doctype html>")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
