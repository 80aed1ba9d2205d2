"""Access logs without secrets: the path and query string of each logged request are redacted.

A participant's link ``/r/<token>``, a unit's link ``/n/<token>`` and a certificate's verification
code ``/verify/<code>`` open personal data to whoever holds them, and the query strings of staff
pages carry what staff searched for (names, phones). Access logs are kept longer and read by more
people than the data, so they keep the first four characters of a secret (enough to tell two
requests apart) and the values of the few query parameters that say nothing about anybody.

gunicorn logs through ``trainingapp.gunicorn_logging.AccessLogger`` (``logger_class`` in
``gunicorn_conf.py``), which applies :func:`redact_atoms`; the development server (``flask run``)
through the ``werkzeug`` logger, which :func:`install_werkzeug_filter` filters (``create_app``
installs it). This module does not import gunicorn, which does not run on Windows.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

#: the shown part of a secret path segment
SHOWN = 4
MASK = "…"
#: path segments that follow one of these are secrets (links that open personal data)
_SECRET_SEGMENT = re.compile(r"(?<=/)(r|n|verify)/([^/?#\s]+)")
_SCHEME_AND_HOST = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#\s]*")
#: query parameters whose values are logged as sent: paging, sorting, filters by a fixed choice
ALLOWED_QUERY = frozenset(
    {"page", "per_page", "sort", "order", "status", "source", "session", "session_id",
     "format", "show", "year", "sent", "lang", "view", "tab", "kind", "role", "action"}
)  # fmt: skip


def _redact_segment(match: re.Match[str]) -> str:
    return f"{match.group(1)}/{match.group(2)[:SHOWN]}{MASK}"


def _redact_query(query: str) -> str:
    parts = []
    for part in query.split("&"):
        name, sep, value = part.partition("=")
        if sep and value and name.lower() not in ALLOWED_QUERY:
            value = MASK
        elif not sep and name and name.lower() not in ALLOWED_QUERY:
            name = MASK  # a bare value (``?nguyen``) is as telling as ``q=nguyen``
        parts.append(f"{name}{sep}{value}")
    return "&".join(parts)


def redact_url(url: str | None) -> str:
    """``url`` (a request's path with its query string, or a whole URL such as a Referer) with
    the secret path segments cut to their first characters (``/r/AbC1…``) and the values of
    query parameters outside :data:`ALLOWED_QUERY` replaced by ``…``."""
    if not url:
        return url or ""
    prefix = ""
    match = _SCHEME_AND_HOST.match(url)
    if match:
        prefix, url = match.group(0), url[match.end() :]
    path, sep, query = url.partition("?")
    path = _SECRET_SEGMENT.sub(_redact_segment, path)
    return prefix + path + (sep + _redact_query(query) if sep else "")


def redact_request_line(line: str) -> str:
    """A request line (``GET /r/<token> HTTP/1.1``) with its target redacted by
    :func:`redact_url`; anything around it (the development server's colour codes) is kept."""
    return " ".join(
        redact_url(word) if "/" in word and not word.upper().startswith("HTTP/") else word
        for word in line.split(" ")
    )


#: gunicorn atoms holding the request target or a URL, redacted; and request headers dropped
_URL_ATOMS = ("U", "f", "{referer}i", "{raw_uri}e", "{path_info}e", "{http_referer}e")
_QUERY_ATOMS = ("q", "{query_string}e")
_HIDDEN_ATOMS = ("{cookie}i", "{authorization}i", "{http_cookie}e", "{http_authorization}e")


def redact_atoms(atoms: dict[str, Any], environ: Mapping[str, Any]) -> dict[str, Any]:
    """gunicorn's access log atoms (``Logger.atoms``) with the request line, path, query string,
    Referer and their copies from the environ redacted, and cookies hidden, whatever
    ``access_log_format`` asks for."""
    atoms["r"] = "{} {} {}".format(
        environ.get("REQUEST_METHOD", "-"),
        redact_url(environ.get("RAW_URI", "")),
        environ.get("SERVER_PROTOCOL", "-"),
    )
    for key in _URL_ATOMS:
        if isinstance(atoms.get(key), str):
            atoms[key] = redact_url(atoms[key])
    for key in _QUERY_ATOMS:
        if isinstance(atoms.get(key), str) and atoms[key]:
            atoms[key] = _redact_query(atoms[key])
    for key in _HIDDEN_ATOMS:
        if key in atoms:
            atoms[key] = MASK
    return atoms


class RedactingFilter(logging.Filter):
    """Redacts the request line of the development server's (werkzeug's) request log records:
    ``'"%s" %s %s' % (request line, status, size)``."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if (
            isinstance(args, tuple)
            and len(args) == 3
            and isinstance(args[0], str)
            and '"%s" %s %s' in str(record.msg)
        ):
            record.args = (redact_request_line(args[0]), *args[1:])
        return True


def install_werkzeug_filter() -> None:
    """Filter the ``werkzeug`` logger (the development server's request log), once."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())
