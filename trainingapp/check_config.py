"""``flask check-config``: the settings that matter in production, and what is wrong with them.

It prints the effective settings (after ``instance/config.py``, ``FLASK_*`` and the environment),
notes, and warnings: an in-memory rate limit while several worker processes (or an unknown number)
serve requests, each counting on its own; no ``BASE_URL``; cookies without Secure while
``BASE_URL`` is https; a weak ``SECRET_KEY``; mail without an SMTP server; any ``Host`` served.
It exits with status 0 when there is no warning and 1 when there is one. gunicorn's
``when_ready`` (``gunicorn_conf.py``) logs the same warnings once at start-up.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
from flask import Flask
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import make_url

#: what ``gunicorn_conf.py`` starts when ``GUNICORN_WORKERS`` is not set
DEFAULT_WORKERS = min(2 * multiprocessing.cpu_count() + 1, 8)
#: SECRET_KEY values found in tutorials and examples
_KNOWN_KEYS = frozenset(
    {"dev", "secret", "secret-key", "secret_key", "changeme", "change-me", "test", "password"}
)
_MIN_KEY_LENGTH = 24


@dataclass
class Report:
    settings: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def configured_workers(environ: Mapping[str, str]) -> tuple[int | None, str]:
    """The number of worker processes the environment asks gunicorn for, and where it is said:
    ``GUNICORN_CMD_ARGS`` (``-w``/``--workers``), ``GUNICORN_WORKERS`` (``gunicorn_conf.py``) or
    ``WEB_CONCURRENCY`` (gunicorn's own default); ``(None, "")`` when none says."""
    try:
        args = shlex.split(environ.get("GUNICORN_CMD_ARGS", ""))
    except ValueError:
        args = []
    for i, arg in enumerate(args):
        match = re.fullmatch(r"(?:-w|--workers)(?:=?(\d+))?", arg)
        if match:
            value = match.group(1) or (args[i + 1] if i + 1 < len(args) else "")
            if value.isdigit():
                return int(value), "GUNICORN_CMD_ARGS"
    for name in ("GUNICORN_WORKERS", "WEB_CONCURRENCY"):
        value = environ.get(name, "").strip()
        if value.isdigit():
            return int(value), name
    return None, ""


def _hide_password(uri: str) -> str:
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def _database(config: Mapping[str, Any], instance_path: Path) -> tuple[str, str]:
    url = make_url(str(config["SQLALCHEMY_DATABASE_URI"]))
    backend = url.get_backend_name()
    if backend == "sqlite" and url.database and url.database != ":memory:":
        # Flask-SQLAlchemy opens a relative SQLite path inside the instance folder
        url = url.set(database=str(instance_path / url.database))
    return url.render_as_string(hide_password=True), backend


def _secret_key_source(config: Mapping[str, Any], instance_path: Path) -> str:
    key_file = instance_path / "secret_key"
    try:
        generated = key_file.read_text().strip()
    except OSError:
        generated = None
    if generated is not None and config.get("SECRET_KEY") == generated:
        return "generated"
    return "environment" if os.environ.get("SECRET_KEY") else "configured"


def _redis_answers(uri: str) -> bool:
    import redis

    try:
        client = redis.Redis.from_url(uri, socket_timeout=1, socket_connect_timeout=1)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except (redis.RedisError, OSError, ValueError):
        return False


def inspect_config(
    config: Mapping[str, Any],
    *,
    instance_path: Path,
    workers: int | None,
    workers_source: str,
) -> Report:
    """What :func:`check_config_command` prints, for ``config`` served by ``workers`` processes
    (``None``: not known; ``workers_source`` says who set the number)."""
    report = Report()
    add = report.settings.append

    database, backend = _database(config, instance_path)
    add(("database", database))
    if workers is None:
        add(("worker processes", f"not known (gunicorn_conf.py starts {DEFAULT_WORKERS})"))
    else:
        add(("worker processes", f"{workers} ({workers_source})"))
    several = workers is None or workers > 1
    if backend == "sqlite":
        report.notes.append(
            "SQLite serves several worker processes of one host: writers queue for its write "
            f"lock (up to SQLITE_BUSY_TIMEOUT={config.get('SQLITE_BUSY_TIMEOUT')} s). Several "
            "hosts need PostgreSQL (DATABASE_URL)."
        )

    base_url = str(config.get("BASE_URL") or "")
    https = urlsplit(base_url).scheme == "https"
    add(("base URL", base_url or "not set"))
    if not base_url:
        report.warnings.append(
            "BASE_URL is not set: links in mail, letters and certificates are built from each "
            "request's Host header. Set FLASK_BASE_URL=https://your.host/."
        )
    hosts = config.get("TRUSTED_HOSTS")
    add(("trusted hosts", ", ".join(hosts) if hosts else "any"))
    if not hosts:
        report.warnings.append(
            "Requests for any Host are served: set BASE_URL (its host is trusted) or "
            "FLASK_TRUSTED_HOSTS=host1,host2."
        )

    session_secure = bool(config.get("SESSION_COOKIE_SECURE"))
    remember_secure = bool(config.get("REMEMBER_COOKIE_SECURE", session_secure))
    add(("cookies Secure", f"session: {_yes(session_secure)}, remember: {_yes(remember_secure)}"))
    if https and not session_secure:
        report.warnings.append(
            "BASE_URL is https but SESSION_COOKIE_SECURE is off: the session cookie is also "
            "sent over plain HTTP. Set FLASK_SESSION_COOKIE_SECURE=true."
        )
    if https and session_secure and not remember_secure:
        report.warnings.append(
            "BASE_URL is https but REMEMBER_COOKIE_SECURE is off: set it true or leave it unset."
        )
    if https and not int(config.get("PROXY_FIX_X_FOR") or 0):
        report.notes.append(
            "PROXY_FIX_X_FOR is 0: behind a reverse proxy (nginx) every request seems to come "
            "from the proxy, so rate limits count everybody together. Set FLASK_PROXY_FIX_X_FOR=1."
        )

    _rate_limits(config, report, several=several, workers=workers)

    source = _secret_key_source(config, instance_path)
    key = str(config.get("SECRET_KEY") or "")
    add(("secret key", {"generated": f"generated, kept in {instance_path / 'secret_key'}",
                        "environment": "from SECRET_KEY", "configured": "from the configuration"}
         [source]))  # fmt: skip
    if source != "generated" and (len(key) < _MIN_KEY_LENGTH or key.lower() in _KNOWN_KEYS):
        report.warnings.append(
            f"SECRET_KEY is weak (shorter than {_MIN_KEY_LENGTH} characters or a well-known "
            "value): anyone who guesses it can forge sessions. Use python -c "
            "'import secrets; print(secrets.token_hex(32))'."
        )
    elif source == "generated":
        report.notes.append(
            "SECRET_KEY was generated and is kept in the instance folder: every worker of this "
            "host shares it; several hosts need the same SECRET_KEY in their environment."
        )

    server = config.get("MAIL_SERVER")
    if server:
        add(
            ("mail", f"SMTP {server}:{config.get('MAIL_PORT')}, sender {config.get('MAIL_SENDER')}")
        )
    else:
        outbox = config.get("MAIL_OUTBOX") or str(instance_path / "outbox")
        add(("mail", f"no SMTP server: .eml files in {outbox}"))
        report.warnings.append(
            "MAIL_SERVER is not set: mail (confirmations, links, reminders) is written as .eml "
            "files and reaches nobody. Set FLASK_MAIL_SERVER (and MAIL_PORT, MAIL_USE_TLS, ...)."
        )
    return report


def _rate_limits(
    config: Mapping[str, Any], report: Report, *, several: bool, workers: int | None
) -> None:
    storage = str(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    enabled = bool(config.get("RATELIMIT_ENABLED", True))
    report.settings.append(
        (
            "rate limits",
            f"{'on' if enabled else 'off'}, storage {_hide_password(storage)}, "
            f"login {config.get('LOGIN_RATE_LIMIT')}",
        )
    )
    if not enabled:
        report.warnings.append(
            "Rate limits are off (RATELIMIT_ENABLED): passwords can be guessed at full speed."
        )
        return
    if storage.startswith("memory://") and several:
        processes = "an unknown number of" if workers is None else str(workers)
        report.warnings.append(
            f"Rate limits are counted in memory by each of {processes} worker processes: "
            "together they let through that many times the limit. Point them at Redis: "
            "FLASK_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0"
            + (" (or set GUNICORN_WORKERS=1)." if workers is None else ".")
        )
    if storage.startswith(("redis://", "rediss://")) and not _redis_answers(storage):
        report.warnings.append(
            f"Rate limit storage {_hide_password(storage)} does not answer: logins and "
            "registrations will fail until it does."
        )


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def app_report(app: Flask, workers: int | None = None) -> Report:
    """:func:`inspect_config` for ``app``; ``workers`` when the caller knows it (gunicorn's
    master does), else from the environment."""
    source = "gunicorn"
    if workers is None:
        workers, source = configured_workers(os.environ)
    return inspect_config(
        app.config, instance_path=Path(app.instance_path), workers=workers, workers_source=source
    )


@click.command("check-config")
@with_appcontext
def check_config_command() -> None:
    """Print the effective production settings and warnings; exit 1 when there are warnings."""
    report = app_report(current_app)
    click.echo("Settings:")
    width = max(len(name) for name, _value in report.settings)
    for name, value in report.settings:
        click.echo(f"  {name.ljust(width)}  {value}")
    if report.notes:
        click.echo("Notes:")
        for note in report.notes:
            click.echo(f"  - {note}")
    if report.warnings:
        click.echo(f"Warnings ({len(report.warnings)}):")
        for warning in report.warnings:
            click.echo(f"  - {warning}")
        raise SystemExit(1)
    click.echo("No warnings.")
