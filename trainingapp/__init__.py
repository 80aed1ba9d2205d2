"""TrainingApp: training courses for a Vietnamese provincial office."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import DefaultConfig

PACKAGE_ROOT = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_ROOT.parent


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application.

    Settings are read in this order, each overriding the one before: :class:`DefaultConfig`,
    ``instance/config.py``, ``FLASK_*`` environment variables, ``DATABASE_URL`` and ``SECRET_KEY``,
    then ``test_config``.
    """
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
    )
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env()
    if database_url := os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_database_url(database_url)
    if secret_key := os.environ.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key
    if test_config is not None:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _load_secret_key(Path(app.instance_path))
    app.config["TRUSTED_HOSTS"] = _trusted_hosts(app.config)
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config.get("SESSION_COOKIE_SECURE", False))

    if proxies := int(app.config.get("PROXY_FIX_X_FOR", 0)):
        # Behind a reverse proxy: trust its X-Forwarded-For/-Proto so rate limits see clients.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    _register_extensions(app)
    _register_blueprints(app)
    _register_cli(app)

    from .access_log import install_werkzeug_filter
    from .request_guards import register_request_guards
    from .web import register_web

    register_web(app)
    register_request_guards(app)
    install_werkzeug_filter()  # ``flask run`` logs no secret links nor searched names
    return app


def _trusted_hosts(config: Mapping[str, Any]) -> list[str] | None:
    """The host names requests may carry (Flask answers 400 to any other): ``TRUSTED_HOSTS`` as
    a list or a comma-separated string, else ``BASE_URL``'s host and this machine's own names.
    Without either, any host is served: a laptop's ``flask run`` needs no set-up, and links in
    mail then come from the request, so production sets ``BASE_URL`` (README)."""
    hosts = config.get("TRUSTED_HOSTS")
    if isinstance(hosts, str):
        hosts = [host.strip() for host in hosts.split(",") if host.strip()]
    if hosts:
        return list(hosts)
    base = urlsplit(str(config.get("BASE_URL") or "")).hostname
    return [base, "localhost", "127.0.0.1"] if base else None


def _normalise_database_url(url: str) -> str:
    """Accept the common ``postgres://`` / ``postgresql://`` forms and use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _load_secret_key(instance_path: Path) -> str:
    """Return the key kept in ``instance/secret_key``, generating it on first use."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: when several workers start at once, the first one's key wins.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


def _register_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (every model must be mapped before the first query)
    from .common import dbtx
    from .extensions import babel
    from .extensions import bootstrap
    from .extensions import csrf
    from .extensions import db
    from .extensions import init_cache
    from .extensions import limiter
    from .extensions import login_manager
    from .extensions import migrate
    from .i18n import select_locale
    from .i18n import select_timezone

    db.init_app(app)
    with app.app_context():
        dbtx.configure_engine(db.engine, app.config["SQLITE_BUSY_TIMEOUT"])
        dbtx.ping_when_idle(db.engine, app.config["DATABASE_PING_AFTER_IDLE"])
    migrate.init_app(app, db, directory=str(PACKAGE_ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    bootstrap.init_app(app)
    limiter.init_app(app)
    init_cache(app)

    from .mail import sender as mail_sender

    mail_sender.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from .auth.views import bp as auth_bp
    from .events.manage import manage_bp as events_manage_bp
    from .events.views import bp as events_bp
    from .registration.views import bp as registration_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(events_bp)
    app.register_blueprint(events_manage_bp)
    app.register_blueprint(registration_bp)

    from .imports.manage import imports_bp

    app.register_blueprint(imports_bp)
    from .jobs.manage import jobs_bp

    app.register_blueprint(jobs_bp)

    from .admin.account import account_bp
    from .admin.manage import admin_bp
    from .exports.manage import exports_bp
    from .lecturers.manage import lecturers_bp
    from .organizations.manage import manage_bp as organizations_manage_bp

    app.register_blueprint(organizations_manage_bp)
    app.register_blueprint(lecturers_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(account_bp)

    from .attendance.manage import attendance_bp
    from .attendance.offline import offline_bp
    from .registrants.manage import registrants_bp

    app.register_blueprint(registrants_bp)

    from .workspace import agenda as _agenda  # noqa: F401  (adds its routes)
    from .workspace import manage as _home  # noqa: F401
    from .workspace import quotas as _quotas  # noqa: F401
    from .workspace.blueprint import workspace_bp

    app.register_blueprint(workspace_bp)
    app.register_blueprint(attendance_bp)
    app.register_blueprint(offline_bp)
    app.register_blueprint(exports_bp)

    from .nominations.manage import nominations_bp
    from .nominations.views import bp as nominations_public_bp

    app.register_blueprint(nominations_bp)
    app.register_blueprint(nominations_public_bp)

    # Registers the composer of the "registration.*" mail kinds, in every process that may send.
    # The evaluation: public form (and the link on /r/<token>), organizers' pages, reminder mail.
    from .evaluation import messages as _evaluation_messages  # noqa: F401  ("evaluation.*")
    from .evaluation.manage import evaluation_bp
    from .evaluation.views import bp as evaluation_public_bp
    from .nominations import messages  # noqa: F401  (the "nominations.*" composer)
    from .registration import notifications  # noqa: F401

    app.register_blueprint(evaluation_bp)
    app.register_blueprint(evaluation_public_bp)

    # Certificates: /verify/<code>, /r/<token>/certificate.pdf (and its link on /r/<token>),
    # the organizers' page.
    from .certificates.manage import certificates_bp
    from .certificates.views import bp as certificates_public_bp

    app.register_blueprint(certificates_bp)
    app.register_blueprint(certificates_public_bp)

    # The participant's rights (/r/<token>/data, ...), the organizers' request queue, the
    # "privacy.*" composer and the reminder of due requests.
    from .privacy import messages as _privacy_messages  # noqa: F401  ("privacy.*")
    from .privacy.manage import privacy_bp
    from .privacy.views import bp as privacy_public_bp

    app.register_blueprint(privacy_bp)
    app.register_blueprint(privacy_public_bp)


def _register_cli(app: Flask) -> None:
    from .auth.cli import create_user_command
    from .check_config import check_config_command
    from .demo.cli import seed_demo_command
    from .i18n_cli import translate_cli
    from .jobs.cli import worker_cli
    from .mail.cli import mail_cli
    from .maintenance.cli import anonymise_event_command
    from .maintenance.cli import backup_db_command
    from .maintenance.cli import retention_cli
    from .nominations.cli import nominations_cli

    app.cli.add_command(create_user_command)
    app.cli.add_command(check_config_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(mail_cli)
    app.cli.add_command(worker_cli)
    app.cli.add_command(nominations_cli)
    app.cli.add_command(anonymise_event_command)
    app.cli.add_command(backup_db_command)
    app.cli.add_command(retention_cli)
    app.cli.add_command(translate_cli)
