"""The public pages at the speed of a bare page: cached fragments and pages, ETags, and the
course's version that keys them.

What a course's public pages show (its fields, organizers, sessions, topics, their lecturers and
those lecturers' units) has a version, ``Event.content_version``. One listener here
(:func:`_bump_content_versions`) raises it in the same flush as any change of those rows, as an
``UPDATE ... SET content_version = content_version + 1`` in the database, so every worker and
host sees a new version with the commit, whatever path made the change. Every cache key and ETag
holds it, so nothing is invalidated by hand and an edit shows at once.

Two levels, both in the ``cache`` extension (Redis when configured, else in each process):

* :func:`fragment`: HTML that is the same for everybody, keyed by the course's version and the
  language (the agenda is the costly part of a course page).
* :func:`public_page`: a whole page for anonymous visitors, keyed by the version, the figures
  that change on their own (seats left, whether registration is open), the language and the
  address. The per-session CSRF token is cut out before storing and put back for each visitor,
  so the stored page holds nothing of anybody's; pages with flashed messages and every page of a
  signed-in account are rendered as usual and never stored. Anonymous pages carry an ETag and get
  a 304 when the browser has them already.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from collections.abc import Iterable
from importlib import metadata
from itertools import chain
from pathlib import Path
from typing import Any

from flask import Flask
from flask import Response
from flask import current_app
from flask import g
from flask import make_response
from flask import request
from flask import session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import event as sa_event
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from ..extensions import cache
from ..extensions import db
from ..lecturers.models import Lecturer
from ..lecturers.models import topic_lecturers
from ..organizations.models import Organization
from .models import Event
from .models import EventSession
from .models import Topic
from .models import event_co_organizers

#: stands for the visitor's CSRF token in a stored page (no token looks like it)
CSRF_PLACEHOLDER = "__trainingapp-csrf-token__"
#: a browser keeps a page with its CSRF token for at most this long on 304s (the token itself
#: lasts WTF_CSRF_TIME_LIMIT, an hour by default)
ETAG_PERIOD_SECONDS = 1800
_SITE_VERSION = "trainingapp.site_version"

# --- the course's version -----------------------------------------------------------------------


def course_version(event: Any) -> tuple[int, str, int]:
    """The parts of a cache key that name a course's content: its id, its creation (an id a
    deleted course had may come back on SQLite) and its version."""
    return (event.id, event.created_at.isoformat(), event.content_version)


@sa_event.listens_for(Session, "before_flush")
def _bump_content_versions(session: Session, _flush_context: Any, _instances: Any) -> None:
    """Raise ``content_version`` of every course whose public pages this flush changes."""
    event_ids: set[int] = set()
    lecturer_ids: set[int] = set()
    organization_ids: set[int] = set()
    # A unit flagged dirty without a change of its own is one that others were merged into.
    changed = chain(
        session.new,
        (o for o in session.dirty if isinstance(o, Organization) or session.is_modified(o)),
        session.deleted,
    )
    for obj in changed:
        if isinstance(obj, Event):
            if obj.id is not None and obj not in session.new:
                event_ids.add(obj.id)
        elif isinstance(obj, EventSession | Topic):
            event_id = obj.event_id if obj.event_id is not None else _parent_id(obj)
            if event_id is not None:
                event_ids.add(event_id)
        elif obj in session.new:
            continue  # a new lecturer or unit is on no course yet
        elif isinstance(obj, Lecturer):
            lecturer_ids.add(obj.id)
        elif isinstance(obj, Organization):
            organization_ids.add(obj.id)
    if organization_ids:
        lecturer_ids |= set(
            session.scalars(
                select(Lecturer.id).where(Lecturer.organization_id.in_(organization_ids))
            )
        )
        event_ids |= set(
            session.scalars(
                select(Event.id).where(
                    or_(
                        Event.organizer_id.in_(organization_ids),
                        Event.id.in_(
                            select(event_co_organizers.c.event_id).where(
                                event_co_organizers.c.organization_id.in_(organization_ids)
                            )
                        ),
                    )
                )
            )
        )
    if lecturer_ids:
        event_ids |= set(
            session.scalars(
                select(Topic.event_id)
                .join(topic_lecturers, topic_lecturers.c.topic_id == Topic.id)
                .where(topic_lecturers.c.lecturer_id.in_(lecturer_ids))
                .distinct()
            )
        )
    if not event_ids:
        return
    events = db.metadata.tables[Event.__tablename__]
    session.connection().execute(
        update(events)
        .where(events.c.id.in_(sorted(event_ids)))
        .values(content_version=events.c.content_version + 1)
    )
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Event) and obj.id in event_ids:
            session.expire(obj, ["content_version"])


def _parent_id(obj: EventSession | Topic) -> int | None:
    parent = obj.__dict__.get("event")  # set through the relationship, not yet flushed
    return parent.id if isinstance(parent, Event) else None


# --- keys -----------------------------------------------------------------------------------------


def site_version(app: Flask | None = None) -> str:
    """A digest of the templates, the static files and the installed packages that render
    pages, computed once per process: a deployment never serves pages cached by the one before."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    version = app.extensions.get(_SITE_VERSION)
    if version is None:
        digest = hashlib.blake2b(digest_size=8)
        for name in ("trainingapp", "flask", "bootstrap-flask", "flask-wtf", "wtforms"):
            try:
                digest.update(f"{name}={metadata.version(name)};".encode())
            except metadata.PackageNotFoundError:
                digest.update(f"{name}=-;".encode())
        for folder in (app.template_folder, app.static_folder):
            if folder:
                _digest_folder(digest, Path(app.root_path, folder))
        version = digest.hexdigest()
        app.extensions[_SITE_VERSION] = version
    return str(version)


def _digest_folder(digest: Any, folder: Path) -> None:
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            path = Path(root, name)
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())


def cache_key(kind: str, parts: Iterable[object]) -> str:
    """The key of a stored fragment or page: its kind, its parts, the language and
    :func:`site_version`."""
    raw = repr((site_version(), str(get_locale()), *parts)).encode()
    return f"{kind}:{hashlib.blake2b(raw, digest_size=16).hexdigest()}"


def _stored(key: str) -> Any:
    """The cache's value of ``key``; None when the cache (Redis) does not answer: the page is
    then rendered as if nothing were stored, never a 500."""
    try:
        return cache.get(key)
    except Exception:  # any failure of the cache server
        current_app.logger.warning("cache unavailable", exc_info=True)
        return None


def _store(key: str, value: Any) -> None:
    try:
        cache.set(key, value)
    except Exception:  # any failure of the cache server
        current_app.logger.warning("cache unavailable", exc_info=True)


# --- fragments --------------------------------------------------------------------------------


def fragment(parts: Iterable[object], render: Callable[[], dict[str, str]]) -> dict[str, Markup]:
    """HTML pieces that are the same for every visitor (never personal data, never a CSRF
    token), rendered once per ``parts`` (which must hold the course's :func:`course_version`)
    and language."""
    key = cache_key("fragment", parts)
    pieces = _stored(key)
    if not isinstance(pieces, dict):
        pieces = render()
        _store(key, pieces)
    return {name: Markup(html) for name, html in pieces.items()}  # noqa: S704  (our templates' output)


# --- whole pages for anonymous visitors -------------------------------------------------------


def _shared_page() -> bool:
    """The page may come from the store: an anonymous GET with no message waiting for it."""
    return (
        request.method in ("GET", "HEAD")
        and not current_user.is_authenticated
        and not session.get("_flashes")
    )


def _session_token() -> str | None:
    token = session.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    return token if isinstance(token, str) else None


def _etag(key: str) -> str | None:
    """Per browser: the page's key, the session's CSRF secret (a page kept by a browser holds
    a token of it) and the half-hour (so that token is never kept past its lifetime)."""
    token = _session_token()
    if token is None:
        return None
    period = int(time.time() // ETAG_PERIOD_SECONDS)
    raw = f"{key}|{token}|{period}".encode()
    return hashlib.blake2b(raw, digest_size=12).hexdigest()


def _rendered_token() -> str | None:
    """The CSRF token this request put into the page, if it rendered one."""
    token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    return token if isinstance(token, str) and token else None


def public_page(parts: Iterable[object], render: Callable[[], str]) -> Response:
    """The page of ``render`` for this request: for an anonymous visitor from the store when
    ``parts`` (every value the page shows that is not the course's content: seats left, whether
    registration is open, ...) and the address are the same, with an ETag and a 304 when the
    browser has it; for a signed-in account rendered afresh and kept by nobody."""
    if not _shared_page():
        response = make_response(render())
        response.vary.add("Cookie")
        if current_user.is_authenticated:
            response.headers["Cache-Control"] = "private, no-store"
        else:
            response.headers["Cache-Control"] = "private, no-cache"
        return response
    key = cache_key("page", (*parts, request.full_path))
    etag = _etag(key)
    if etag is not None and request.if_none_match.contains_weak(etag):
        response = current_app.response_class(status=304)
    else:
        html = _stored(key)
        if not isinstance(html, str):
            html = render()
            token = _rendered_token()
            _store(key, html.replace(token, CSRF_PLACEHOLDER) if token else html)
        elif CSRF_PLACEHOLDER in html:
            html = html.replace(CSRF_PLACEHOLDER, generate_csrf())
        response = make_response(html)
        etag = _etag(key)  # the page may have given the session its CSRF secret
    if etag is not None:
        response.set_etag(etag)
    # The page holds the visitor's CSRF token: browsers may keep it, shared caches may not.
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Cookie")
    return response
