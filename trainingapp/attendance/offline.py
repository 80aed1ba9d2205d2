"""The offline check-in's endpoints: the course snapshot, the queue's sync, the web app manifest
and the service worker (the rules are in :mod:`.sync`; the page's side in
``static/js/checkin-offline.js`` and ``static/js/checkin-sw.js``).

The snapshot holds personal data: it needs a staff role on the course (the /manage guard), is
never cached (``no-store``), and the page deletes its copy on logout.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from flask import Blueprint
from flask import current_app
from flask import g
from flask import jsonify
from flask import request
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from ..auth.guard import guard_manage_blueprint
from ..extensions import db
from ..registration.labels import STATUS_LABELS
from . import services
from . import sync

offline_bp = Blueprint("attendance_offline", __name__, url_prefix="/manage")
guard_manage_blueprint(offline_bp)

#: below this the snapshot goes uncompressed (gzip would cost more than it saves)
_GZIP_FROM = 512


def _private_json(data: Any) -> Any:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    response = current_app.response_class(body, mimetype="application/json")
    if len(body) >= _GZIP_FROM and "gzip" in request.headers.get("Accept-Encoding", ""):
        response.set_data(gzip.compress(body, compresslevel=5))
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Cache-Control"] = "no-store, private"
    response.vary.add("Accept-Encoding")
    response.vary.add("Cookie")
    return response


def page_strings() -> dict[str, Any]:
    """What ``checkin-offline.js`` says, in the page's language (``%(name)s`` filled by it)."""
    return {
        "device_default": _("Device"),
        "online": _("Online"),
        "offline": _("Offline: check-ins are saved on this device"),
        "waiting_one": _("%(count)s check-in waiting to be sent"),
        "waiting_other": _("%(count)s check-ins waiting to be sent"),
        "nothing_waiting": _("Nothing waiting to be sent"),
        "snapshot_at": _("List of participants saved on this device at %(time)s"),
        "no_snapshot": _("No list of participants saved on this device yet"),
        "dismiss": _("Dismiss"),
        "conflict_already": _(
            "Also checked in by %(other)s: one check-in kept, at the earlier time %(time)s."
        ),
        "conflict_refused": _("Not checked in: the registration is now “%(status)s”."),
        "conflict_merged": _(
            "Walk-in: this phone or e-mail was already registered; that registration was "
            "checked in, no second one was made."
        ),
        "conflict_unknown": _("Not checked in: the code %(code)s is not registered."),
        "conflict_invalid": _("Not recorded:"),
        "statuses": {status.value: str(label) for status, label in STATUS_LABELS.items()},
        "not_today": _("This session is not today"),
        "not_today_detail": _("This session takes place on %(date)s. Check in anyway?"),
        "yes_check_in": _("Yes, check in"),
        "not_registered": _("Not registered for this course"),
        "not_registered_detail": _(
            "The code is unknown or belongs to another course. Check what was typed, search by "
            "name or phone, or register a walk-in."
        ),
        "code": _("Code"),
        "already": _("Already checked in earlier, at %(time)s"),
        "checked_in_offline": _("Checked in (offline)"),
        "will_send": _("Saved on this device; sent when the network returns."),
        "walk_in_queued": _("Walk-in saved (offline)"),
        "no_match": _("No registration of this course matches “%(q)s”."),
        "check_in": _("Check in"),
    }


@offline_bp.get("/events/<int:event_id>/checkin/snapshot.json")
def snapshot(event_id: int) -> Any:
    """The course's registrants for a device to check people in without the network, and a
    fresh CSRF token for its next sync (a page kept for hours has an expired one)."""
    data = sync.snapshot(event_id)
    data["csrf_token"] = generate_csrf()
    return _private_json(data)


@offline_bp.post("/events/<int:event_id>/checkin/sync")
def sync_queue(event_id: int) -> Any:
    """Apply a device's queue (JSON ``{"device": ..., "items": [...]}``); an answer per item.
    CSRF-protected like every POST (the page sends ``X-CSRFToken``)."""
    payload = request.get_json(silent=True)
    try:
        items, unreadable = sync.read_queue(payload)
    except sync.QueueError as error:
        return jsonify(error=str(error)), 400
    device = payload.get("device") if isinstance(payload, dict) else None
    answers = sync.apply_queue(
        event_id, device if isinstance(device, str) else "", items, current_user
    )
    db.session.commit()
    counts = {
        str(s.id): services.counters(event_id, s.id)["checked_in"]
        for s in services.course_sessions(event_id)
    }
    response = jsonify(answers=answers + unreadable, checked_in=counts)
    response.headers["Cache-Control"] = "no-store"
    return response


@offline_bp.get("/events/<int:event_id>/checkin/manifest.webmanifest")
def manifest(event_id: int) -> Any:
    """Makes the course's check-in page installable on a phone's home screen."""
    start = url_for("attendance_manage.checkin", event_id=event_id)
    data = {
        "name": _("Check-in · %(title)s", title=g.event.title),
        "short_name": _("Check-in"),
        "lang": str(get_locale()),
        "start_url": start,
        "scope": url_for("attendance_offline.service_worker").rsplit("/", 1)[0] + "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0d6efd",
        "icons": [
            {
                "src": url_for("static", filename=f"icons/checkin-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any maskable",
            }
            for size in (192, 512)
        ],
    }
    response = jsonify(data)
    response.mimetype = "application/manifest+json"
    return response


@offline_bp.get("/checkin-sw.js")
def service_worker() -> Any:
    """The service worker, served from /manage/ so that its scope covers every course's check-in
    page (a script under /static/ could only control /static/)."""
    # Read whole (a few kB): a streamed file would stay open until the client closes it.
    script = Path(current_app.static_folder or "static", "js", "checkin-sw.js").read_bytes()
    response = current_app.response_class(script, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/manage/"
    return response
