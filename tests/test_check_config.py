"""``flask check-config`` (issue 16 item 5): the effective settings and the warnings that matter in
production; exit status 1 with warnings, 0 without. The login rate limit shared through Redis
(``FLASK_RATELIMIT_STORAGE_URI``) is tried on the local Redis server (skipped without one)."""

from __future__ import annotations

import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask

from tests.conftest import PASSWORD
from trainingapp import create_app
from trainingapp import gunicorn_conf
from trainingapp.check_config import DEFAULT_WORKERS
from trainingapp.check_config import configured_workers

REDIS_URL = "redis://127.0.0.1:6379/0"
STRONG_KEY = "f3c1e0b1d2a4c6e8f0a2b4c6d8e0f2a4b6c8d0e2f4a6b8c0"

#: a production set-up with nothing to warn about
CLEAN = {
    "SECRET_KEY": STRONG_KEY,
    "BASE_URL": "https://taphuan.example.gov.vn/",
    "SESSION_COOKIE_SECURE": True,
    "PROXY_FIX_X_FOR": 1,
    "MAIL_SERVER": "smtp.example.gov.vn",
    "RATELIMIT_ENABLED": True,
}


def _redis_up() -> bool:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


needs_redis = pytest.mark.skipif(not _redis_up(), reason="no Redis at 127.0.0.1:6379")


@pytest.fixture(autouse=True)
def _no_worker_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GUNICORN_CMD_ARGS", "GUNICORN_WORKERS", "WEB_CONCURRENCY", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)


def _check(app_config: dict[str, Any], **overrides: Any) -> tuple[int, str]:
    app = create_app({**app_config, **overrides})
    result = app.test_cli_runner().invoke(args=["check-config"])
    return result.exit_code, result.output


def _warnings(output: str) -> str:
    return output.partition("Warnings")[2]


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, (None, "")),
        ({"GUNICORN_WORKERS": "4"}, (4, "GUNICORN_WORKERS")),
        ({"WEB_CONCURRENCY": "1"}, (1, "WEB_CONCURRENCY")),
        ({"GUNICORN_CMD_ARGS": "--bind 0.0.0.0:80 -w 3"}, (3, "GUNICORN_CMD_ARGS")),
        ({"GUNICORN_CMD_ARGS": "--workers=6", "GUNICORN_WORKERS": "2"}, (6, "GUNICORN_CMD_ARGS")),
        ({"GUNICORN_WORKERS": "many"}, (None, "")),
    ],
)
def test_configured_workers(environ: dict[str, str], expected: tuple[int | None, str]) -> None:
    assert configured_workers(environ) == expected


def test_a_clean_production_set_up_exits_0(
    app_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUNICORN_WORKERS", "1")
    code, output = _check(app_config, **CLEAN)
    assert code == 0, output
    assert output.rstrip().endswith("No warnings.")
    assert "Warnings" not in output
    assert "base URL          https://taphuan.example.gov.vn/" in output
    assert "worker processes  1 (GUNICORN_WORKERS)" in output
    assert "trusted hosts     taphuan.example.gov.vn, localhost, 127.0.0.1" in output
    assert "cookies Secure    session: yes, remember: yes" in output
    assert "SMTP smtp.example.gov.vn:25" in output
    assert STRONG_KEY not in output


def test_the_defaults_warn_about_everything_that_matters(
    app_config: dict[str, Any], tmp_path: Path
) -> None:
    sqlite = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    code, output = _check(app_config, RATELIMIT_ENABLED=True, SQLALCHEMY_DATABASE_URI=sqlite)
    assert code == 1
    warnings = _warnings(output)
    assert "BASE_URL is not set" in warnings
    assert "Requests for any Host are served" in warnings
    assert "SECRET_KEY is weak" in warnings  # the tests' "test"
    assert "MAIL_SERVER is not set" in warnings
    assert "an unknown number of worker processes" in warnings
    assert "FLASK_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0" in warnings
    assert f"not known (gunicorn_conf.py starts {DEFAULT_WORKERS})" in output
    assert "SQLite serves several worker processes of one host" in output  # a note, not a warning
    assert "SQLite" not in warnings
    assert f"database          {sqlite}" in output


def test_postgresql_shows_no_password_and_no_sqlite_note(
    app_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    url = "postgresql+psycopg://trainingapp:s3cret@db.example.vn:5432/taphuan"
    code, output = _check(
        app_config,
        **CLEAN,
        SQLALCHEMY_DATABASE_URI=url,
        RATELIMIT_STORAGE_URI="memory://",
    )
    assert "s3cret" not in output
    assert "postgresql+psycopg://trainingapp:***@db.example.vn:5432/taphuan" in output
    assert "SQLite" not in output
    assert code == 1  # three workers counting the rate limit in memory


def test_in_memory_rate_limit_with_several_workers_warns(
    app_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    code, output = _check(app_config, **CLEAN)
    assert code == 1
    assert "Rate limits are counted in memory by each of 4 worker processes" in _warnings(output)
    monkeypatch.setenv("WEB_CONCURRENCY", "1")
    assert _check(app_config, **CLEAN)[0] == 0


def test_cookies_without_secure_behind_https_warn(
    app_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUNICORN_WORKERS", "1")
    code, output = _check(app_config, **{**CLEAN, "SESSION_COOKIE_SECURE": False})
    assert code == 1
    assert "SESSION_COOKIE_SECURE is off" in _warnings(output)
    code, output = _check(app_config, **{**CLEAN, "REMEMBER_COOKIE_SECURE": False})
    assert code == 1
    assert "REMEMBER_COOKIE_SECURE is off" in _warnings(output)
    # plain http (an intranet address): nothing to say about cookies
    code, output = _check(
        app_config, **{**CLEAN, "BASE_URL": "http://10.0.0.5/", "SESSION_COOKIE_SECURE": False}
    )
    assert code == 0, output


def test_rate_limits_off_warn(app_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUNICORN_WORKERS", "1")
    code, output = _check(app_config, **{**CLEAN, "RATELIMIT_ENABLED": False})
    assert code == 1
    assert "Rate limits are off" in _warnings(output)


def test_a_generated_secret_key_is_a_note(
    app_config: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUNICORN_WORKERS", "1")
    key_file = tmp_path / "instance" / "secret_key"
    key_file.parent.mkdir()
    key_file.write_text(STRONG_KEY + "\n")
    app = create_app({**app_config, **CLEAN})
    app.instance_path = str(key_file.parent)
    result = app.test_cli_runner().invoke(args=["check-config"])
    assert result.exit_code == 0, result.output
    assert f"generated, kept in {key_file}" in result.output
    assert "SECRET_KEY was generated" in result.output


def test_unreachable_redis_warns(
    app_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUNICORN_WORKERS", "4")
    code, output = _check(
        app_config, **{**CLEAN, "RATELIMIT_STORAGE_URI": "redis://:pw@127.0.0.1:1/0"}
    )
    assert code == 1
    assert "Rate limit storage redis://:***@127.0.0.1:1/0 does not answer" in _warnings(output)
    assert ":pw@" not in output


@needs_redis
def test_redis_storage_from_the_environment_satisfies_check_config(
    app_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUNICORN_WORKERS", "4")
    monkeypatch.setenv("FLASK_RATELIMIT_STORAGE_URI", REDIS_URL)
    code, output = _check(app_config, **CLEAN)
    assert code == 0, output
    assert f"storage {REDIS_URL}" in output


def _logins_over_two_workers(config: dict[str, Any], email: str) -> list[int]:
    """Three wrong-password logins from one address served by one worker process, then three
    by a second one. Each ``create_app`` sets the rate limiter up afresh, as a new process does:
    in memory the second one starts counting from nothing."""
    statuses = []
    for _worker in range(2):
        client = create_app(config).test_client()
        for _n in range(3):
            response = client.post("/login", data={"email": email, "password": PASSWORD + "x"})
            statuses.append(response.status_code)
    return statuses


@needs_redis
def test_login_limit_in_redis_is_shared_by_every_worker(
    app: Flask,
    app_config: dict[str, Any],
    make_user: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In memory each worker counts on its own and lets twice the limit through; with
    ``FLASK_RATELIMIT_STORAGE_URI`` pointing at Redis they share one count."""
    user = make_user("canbo@example.vn")
    limited = {**app_config, "RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute"}
    assert _logins_over_two_workers(limited, user.email) == [200] * 6

    monkeypatch.setenv("FLASK_RATELIMIT_STORAGE_URI", REDIS_URL)
    prefix = f"trainingapp-test-{uuid.uuid4().hex}"
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        statuses = _logins_over_two_workers({**limited, "RATELIMIT_KEY_PREFIX": prefix}, user.email)
        assert statuses == [200, 200, 200, 429, 429, 429]
        keys = list(client.scan_iter(f"*{prefix}*"))
        assert keys  # the count lives in Redis, where every process and host sees it
        client.delete(*keys)
    finally:
        client.close()


def test_gunicorn_logs_the_warnings_once_when_ready(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("FLASK_MAIL_OUTBOX", str(tmp_path / "outbox"))
    logged: list[str] = []
    server = SimpleNamespace(
        cfg=SimpleNamespace(workers=3),
        log=SimpleNamespace(warning=lambda message, *args: logged.append(message % args)),
    )
    gunicorn_conf.when_ready(server)
    assert any("counted in memory by each of 3 worker processes" in line for line in logged), logged
    assert any("BASE_URL is not set" in line for line in logged)
    assert all(line.startswith("check-config: ") for line in logged)
    assert not any("SECRET_KEY" in line for line in logged)
