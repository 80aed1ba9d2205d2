"""Access logs carry no secret links (``/r/<token>``, ``/n/<token>``, ``/verify/<code>``) nor
what staff searched for: gunicorn's (``trainingapp.gunicorn_logging.AccessLogger``) and the
development server's (the ``werkzeug`` logger's filter)."""

from __future__ import annotations

import http.client
import logging
import threading
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from gunicorn.config import Config
from werkzeug.serving import make_server

from trainingapp import gunicorn_conf
from trainingapp.access_log import redact_request_line
from trainingapp.access_log import redact_url
from trainingapp.gunicorn_logging import AccessLogger

TOKEN = "Xk3vQ9mP2rT7wY1zA8bC4dE6fG0hJ5nL"


@pytest.mark.parametrize(
    ("url", "logged"),
    [
        (f"/r/{TOKEN}", "/r/Xk3v…"),
        (f"/r/{TOKEN}/qr.png", "/r/Xk3v…/qr.png"),
        (f"/r/{TOKEN}/cancel", "/r/Xk3v…/cancel"),
        (f"/n/{TOKEN}/people/12/withdraw", "/n/Xk3v…/people/12/withdraw"),
        ("/verify/ABCD-EFGH-1234", "/verify/ABCD…"),
        ("/manage/events/3/registrations?q=Nguy%E1%BB%85n&page=2", "/manage/events/3/registrations?q=…&page=2"),
        ("/manage/events/3/registrations?search=0905123456&status=confirmed&sort=name",
         "/manage/events/3/registrations?search=…&status=confirmed&sort=name"),
        ("/events/lop-a/organizations.json?q=s%E1%BB%9F", "/events/lop-a/organizations.json?q=…"),
        ("/login?next=/manage/events/3/registrations%3Fq%3Dhoa", "/login?next=…"),
        ("/manage/organizations?nguyen", "/manage/organizations?…"),
        ("/manage/events/3/export.csv?session=7&q=", "/manage/events/3/export.csv?session=7&q="),
        (f"https://taphuan.example.vn/r/{TOKEN}?x=1", "https://taphuan.example.vn/r/Xk3v…?x=…"),
        ("/events/lop-a/register", "/events/lop-a/register"),
        ("/static/css/app.css", "/static/css/app.css"),
        ("-", "-"),
        ("", ""),
    ],
)  # fmt: skip
def test_redact_url(url: str, logged: str) -> None:
    assert redact_url(url) == logged


def test_redact_request_line_keeps_method_protocol_and_colour_codes() -> None:
    line = f"\x1b[32mGET /r/{TOKEN}?q=hoa&page=1 HTTP/1.1\x1b[0m"
    assert redact_request_line(line) == "\x1b[32mGET /r/Xk3v…?q=…&page=1 HTTP/1.1\x1b[0m"


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def _access_line(access_log_format: str | None = None) -> str:
    cfg = Config()
    cfg.set("accesslog", "-")
    if access_log_format is not None:
        cfg.set("access_log_format", access_log_format)
    logger = AccessLogger(cfg)
    lines = _Lines()
    logger.access_log.addHandler(lines)
    try:
        raw_uri = f"/r/{TOKEN}/calendar.ics?q=Tr%E1%BA%A7n&page=3"
        environ: dict[str, Any] = {
            "REQUEST_METHOD": "GET",
            "RAW_URI": raw_uri,
            "PATH_INFO": f"/r/{TOKEN}/calendar.ics",
            "QUERY_STRING": "q=Tr%E1%BA%A7n&page=3",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "203.0.113.9",
            "HTTP_REFERER": f"https://taphuan.example.vn/r/{TOKEN}",
            "HTTP_USER_AGENT": "Mozilla/5.0",
            "HTTP_COOKIE": "session=s3cr3t",
        }
        request = SimpleNamespace(
            headers=[
                ("REFERER", environ["HTTP_REFERER"]),
                ("USER-AGENT", "Mozilla/5.0"),
                ("COOKIE", "session=s3cr3t"),
            ]
        )
        response = SimpleNamespace(
            status="200 OK", sent=512, headers=[("Content-Type", "text/calendar")]
        )
        logger.access(response, request, environ, timedelta(microseconds=1500))
    finally:
        logger.access_log.removeHandler(lines)
    assert len(lines.lines) == 1
    return lines.lines[0]


def test_gunicorn_access_line_is_redacted() -> None:
    line = _access_line()  # gunicorn's default (combined) format
    assert TOKEN not in line
    assert "Tr%E1%BA%A7n" not in line
    assert '"GET /r/Xk3v…/calendar.ics?q=…&page=3 HTTP/1.1" 200 512' in line
    assert '"https://taphuan.example.vn/r/Xk3v…"' in line  # the Referer
    assert line.startswith("203.0.113.9 - - [")
    assert line.endswith('"Mozilla/5.0"')


def test_gunicorn_atoms_of_any_format_are_redacted() -> None:
    line = _access_line(
        "%(U)s|%(q)s|%(f)s|%({raw_uri}e)s|%({query_string}e)s|%({referer}i)s|%({cookie}i)s|%(s)s"
    )
    assert TOKEN not in line
    assert "s3cr3t" not in line
    assert line == (
        "/r/Xk3v…/calendar.ics|q=…&page=3|https://taphuan.example.vn/r/Xk3v…"
        "|/r/Xk3v…/calendar.ics?q=…&page=3|q=…&page=3|https://taphuan.example.vn/r/Xk3v…|…|200"
    )


def test_gunicorn_conf_uses_the_redacting_logger() -> None:
    assert gunicorn_conf.logger_class == "trainingapp.gunicorn_logging.AccessLogger"
    cfg = Config()
    cfg.set("logger_class", gunicorn_conf.logger_class)
    assert cfg.logger_class is AccessLogger


def test_development_server_log_is_redacted(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    """``flask run``'s server (werkzeug) logs each request on the ``werkzeug`` logger."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            for path in (f"/r/{TOKEN}?q=hoa", "/manage/organizations?q=Ph%E1%BA%A1m&page=2"):
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
                try:
                    conn.request("GET", path)
                    conn.getresponse().read()
                finally:
                    conn.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    messages = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    logged = "\n".join(messages)
    assert len(messages) == 2, logged
    assert TOKEN not in logged
    assert "hoa" not in logged
    assert "Ph%E1%BA%A1m" not in logged
    assert "Phạm" not in logged
    assert "GET /r/Xk3v…?q=… HTTP/1.1" in messages[0]
    assert "GET /manage/organizations?q=…&page=2 HTTP/1.1" in messages[1]
