"""Cross-cutting web concerns: error pages, security headers, language switch, health check,
fingerprinted static URLs and their cache headers."""

from __future__ import annotations

import gzip
import hashlib
import os
from typing import Any

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import InternalServerError
from werkzeug.exceptions import SecurityError
from werkzeug.exceptions import ServiceUnavailable
from werkzeug.security import safe_join

from .common.urls import safe_next_url
from .events.labels import session_label
from .extensions import db
from .i18n import LANGUAGE_NAMES
from .i18n import register_formats

bp = Blueprint("web", __name__)

ERROR_MESSAGES = {
    400: (
        _l("Bad request"),
        _l("The request could not be understood. Please go back and try again."),
    ),
    403: (_l("Access denied"), _l("You do not have permission to see this page.")),
    404: (_l("Page not found"), _l("The page you asked for does not exist or has been moved.")),
    405: (_l("Method not allowed"), _l("This address does not accept that kind of request.")),
    413: (_l("File too large"), _l("The uploaded file is larger than allowed.")),
    429: (
        _l("Too many requests"),
        _l("Too many attempts in a short time. Please wait a minute and try again."),
    ),
    503: (
        _l("Service briefly unavailable"),
        _l("The connection to the database was interrupted. Please try again in a moment."),
    ),
    500: (
        _l("Something went wrong"),
        _l("An unexpected error occurred. It has been logged; please try again."),
    ),
}

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


@bp.get("/healthz")
def healthz() -> tuple[str, int, dict[str, str]]:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any database failure means "not healthy", never a 500 page
        current_app.logger.exception("health check failed")
        return "database unavailable", 503, {"Content-Type": "text/plain; charset=utf-8"}
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.post("/language/<code>")
def set_language(code: str) -> Any:
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(safe_next_url(request.form.get("next")) or url_for("events.index"), 303)


def _render_error(error: HTTPException) -> tuple[str, int]:
    code = error.code or 500
    title, message = ERROR_MESSAGES.get(
        code, ERROR_MESSAGES[500] if code >= 500 else ERROR_MESSAGES[400]
    )
    if isinstance(error, CSRFError):
        message = _l("Your form expired or was sent twice. Please reload the page and try again.")
    return render_template("errors/error.html", code=code, title=title, message=message), code


def _database_connection_lost(error: DBAPIError) -> tuple[str, int, dict[str, str]]:
    """A statement found its pooled connection dead (the database server restarted): SQLAlchemy
    has replaced the pool, so the next request works. This one gets a 503 asking to retry,
    not a server error page. Every other database error goes on to the 500 handler."""
    if not error.connection_invalidated:
        raise error
    current_app.logger.warning("database connection lost; the pool was replaced", exc_info=True)
    db.session.rollback()
    page, code = _render_error(ServiceUnavailable())
    return page, code, {"Retry-After": "1"}


def _untrusted_host(_error: SecurityError) -> tuple[str, int, dict[str, str]]:
    """A Host header outside ``TRUSTED_HOSTS``: no page can be built (no link can name a host
    it does not trust), so a plain answer in both languages."""
    text = "400 – Địa chỉ máy chủ không hợp lệ. / Bad Request: this host name is not served here.\n"
    return text, 400, {"Content-Type": "text/plain; charset=utf-8"}


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    # Manage links (/r/<token>) must not leak to other sites through the Referer header.
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault(
        "Permissions-Policy", "camera=(self), microphone=(), geolocation=()"
    )
    return response


# --- static files: fingerprinted URLs, long-lived when the fingerprint is current ---------------

#: ``Cache-Control`` of a static file asked for with its current fingerprint (``?v=``): its
#: content never changes at that address, a new version has another
STATIC_IMMUTABLE = "public, max-age=31536000, immutable"
#: without the current fingerprint (an old page, a hand-typed address): revalidated at once
STATIC_REVALIDATE = "public, max-age=0, must-revalidate"
_FINGERPRINTS = "trainingapp.static_fingerprints"
_COMPRESSED = "trainingapp.static_gzip"
#: static files worth compressing (text; images and fonts are compressed already)
COMPRESSIBLE = frozenset(
    ("text/css", "text/javascript", "application/javascript", "application/json", "image/svg+xml")
)
#: smaller files gain less than gzip's headers and the work cost
COMPRESS_MIN_BYTES = 1024


def _static_folder(app: Flask, endpoint: str) -> str | None:
    """The folder of a ``static`` endpoint (the app's, or a blueprint's such as Bootstrap's)."""
    if endpoint == "static":
        return app.static_folder
    name, _dot, view = endpoint.rpartition(".")
    blueprint = app.blueprints.get(name) if view == "static" else None
    return blueprint.static_folder if blueprint is not None else None


def static_fingerprint(app: Flask, folder: str, filename: str) -> str | None:
    """A digest of the file's content (None for no such file), read once per process."""
    fingerprints: dict[tuple[str, str], str | None] = app.extensions.setdefault(_FINGERPRINTS, {})
    key = (folder, filename)
    if key not in fingerprints:
        path = safe_join(folder, filename)
        if path is None or not os.path.isfile(path):
            fingerprints[key] = None
        else:
            with open(path, "rb") as file:
                fingerprints[key] = hashlib.blake2b(file.read(), digest_size=6).hexdigest()
    return fingerprints[key]


def _fingerprint_static_urls(endpoint: str, values: dict[str, Any]) -> None:
    """``url_for("static", filename=...)`` adds ``v=<digest of the file>``: a changed file
    has a new address, so browsers fetch it at once and may keep each version for a year."""
    filename = values.get("filename")
    if not filename or "v" in values:
        return
    folder = _static_folder(current_app, endpoint)
    if folder is not None and (fingerprint := static_fingerprint(current_app, folder, filename)):
        values["v"] = fingerprint


def _static_cache_headers(response: Response) -> Response:
    endpoint = request.endpoint
    folder = _static_folder(current_app, endpoint) if endpoint else None
    if folder is None or response.status_code not in (200, 206, 304):
        return response
    filename = (request.view_args or {}).get("filename", "")
    current = static_fingerprint(current_app, folder, filename)
    fresh = current is not None and request.args.get("v") == current
    response.headers["Cache-Control"] = STATIC_IMMUTABLE if fresh else STATIC_REVALIDATE
    response.headers.pop("Expires", None)
    if current is not None and response.mimetype in COMPRESSIBLE:
        response.vary.add("Accept-Encoding")
        if response.status_code == 200 and request.accept_encodings.quality("gzip") > 0:
            _gzip(response, folder, filename, current)
    return response


def _gzip(response: Response, folder: str, filename: str, fingerprint: str) -> None:
    """Send a text file gzipped (Bootstrap's CSS: 230 KB, 31 KB gzipped), compressed once
    per process and version. The proxy in front, when there is one, may do this itself."""
    compressed: dict[tuple[str, str, str], bytes] = current_app.extensions.setdefault(
        _COMPRESSED, {}
    )
    key = (folder, filename, fingerprint)
    if key not in compressed:
        path = safe_join(folder, filename)
        if path is None:
            return
        with open(path, "rb") as file:
            content = file.read()
        if len(content) < COMPRESS_MIN_BYTES:
            return
        compressed[key] = gzip.compress(content, compresslevel=9, mtime=0)
    etag, weak = response.get_etag()
    response.close()  # the file werkzeug opened to send
    response.direct_passthrough = False
    response.headers["Content-Encoding"] = "gzip"
    if etag:  # another representation: another tag
        response.set_etag(f"{etag}-gzip", weak=bool(weak))
        if request.if_none_match.contains(f"{etag}-gzip"):  # werkzeug compared the plain tag
            response.status_code = 304
            response.set_data(b"")
            response.headers.pop("Content-Length", None)
            return
    response.set_data(compressed[key])


def register_web(app: Flask) -> None:
    app.register_blueprint(bp)
    app.url_defaults(_fingerprint_static_urls)
    app.after_request(_static_cache_headers)
    register_formats(app)
    for code in (400, 403, 404, 405, 413, 429):
        app.register_error_handler(code, _render_error)
    app.register_error_handler(CSRFError, _render_error)
    app.register_error_handler(SecurityError, _untrusted_host)
    app.register_error_handler(DBAPIError, _database_connection_lost)

    @app.errorhandler(500)
    def _internal_error(_error: Exception) -> tuple[str, int]:
        db.session.rollback()
        return _render_error(InternalServerError())

    app.after_request(_security_headers)
    _register_audit_filters(app)
    app.add_template_filter(session_label, "session_label")

    @app.context_processor
    def _inject_languages() -> dict[str, Any]:
        return {"language_names": LANGUAGE_NAMES, "get_locale": get_locale}


def _register_audit_filters(app: Flask) -> None:
    """Audit entries read as words on every page that shows them (the audit log, a
    registration's history), not as codes: ``registration.create`` is "Đăng ký mới"."""
    from .admin import audit

    app.add_template_filter(audit.action_label, "audit_action")
    app.add_template_filter(audit.object_label, "audit_object")
    app.add_template_filter(audit.actor_text, "audit_actor")
    app.add_template_filter(audit.describe, "audit_lines")
