"""Manage tokens and check-in QR payloads.

A manage token is the participant's only key to their registration (``/r/<token>``): 43
URL-safe characters carrying 256 bits, either random (``secrets.token_urlsafe(32)``) or, for the
public form, :func:`derived_manage_token`.

Why derived: a double-clicked submit sends two requests with the same session cookie, and the
browser shows only the second response. The first request registers; the second finds the phone
already registered. If the second request can prove it comes from the same browser session, it
may show the same registration page instead of a "duplicate" message. The proof is the token
itself: ``HMAC(SECRET_KEY, session nonce | course slug | phone)``. Only a request that carries
that browser's signed session (holding the random nonce, given with the form page) can produce
the token of an existing registration, so someone else typing the same phone never sees the link.
A submission without the nonce gets a random token (:func:`manage_token_for`).

QR payload: the check-in code itself (6 characters from ``CHECKIN_ALPHABET``, unique within the
course), no URL. The check-in page of a course reads it as typed text: upper-case it, drop spaces
and dashes, and look it up in that course.

QR symbol: always a standard QR code (SPEC rule 5), never Micro QR: for a 6-character code
``segno.make`` would pick a Micro QR symbol (M3), which jsQR (the check-in page's scanner) and
most phone camera apps cannot read. Error correction at least M (segno raises it to the highest
level the same version holds, H for a 6-character code), with the standard quiet zone of
4 modules.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import secrets
from collections.abc import MutableMapping
from typing import Any

import segno
from markupsafe import Markup

SESSION_KEY = "registration_nonce"

#: the quiet zone around the QR symbol, in modules (4 is the standard's minimum)
QR_BORDER = 4
#: pixels per module of the PNG: a 6-character code is a version 1 symbol, 21 modules plus the
#: quiet zone make 29, so 232 px: sharp for a phone camera from a screen or a print-out
QR_PNG_SCALE = 8


def existing_nonce(session: MutableMapping[str, Any]) -> str | None:
    """The random nonce this browser's (signed) session got with the form page, if any."""
    nonce = session.get(SESSION_KEY)
    return nonce if isinstance(nonce, str) and len(nonce) >= 16 else None


def session_nonce(session: MutableMapping[str, Any]) -> str:
    """The nonce of :func:`existing_nonce`, created when the session has none (call it when the
    form is shown: a double click comes from a page that was shown)."""
    nonce = existing_nonce(session)
    if nonce is None:
        nonce = secrets.token_urlsafe(16)
        session[SESSION_KEY] = nonce
    return nonce


def manage_token_for(
    secret_key: str | bytes, nonce: str | None, course: int | str, phone: str
) -> str:
    """The token of a new registration from the public form: derived when the browser brought
    the nonce of the form page it was shown, else random (a submission without the session
    cannot be told apart from someone else's, so it never matches an existing registration)."""
    if nonce is None:
        return secrets.token_urlsafe(32)
    return derived_manage_token(secret_key, nonce, course, phone)


def derived_manage_token(secret_key: str | bytes, nonce: str, course: int | str, phone: str) -> str:
    key = secret_key.encode() if isinstance(secret_key, str) else secret_key
    digest = hmac.new(
        key, f"manage-token|{nonce}|{course}|{phone}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def same_token(a: str | None, b: str | None) -> bool:
    return bool(a and b) and hmac.compare_digest(str(a), str(b))


def checkin_payload(checkin_code: str) -> str:
    """What the QR code holds: the bare check-in code (see the module docstring)."""
    return checkin_code


def parse_checkin_payload(text: str) -> str:
    """The check-in code from a scanned or typed payload."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def checkin_qr(checkin_code: str) -> segno.QRCode:
    """The standard (never Micro) QR symbol of the check-in code, error correction M or better."""
    return segno.make_qr(checkin_payload(checkin_code), error="m")


def qr_svg(checkin_code: str, title: str = "") -> Markup:
    """The QR code of the check-in code as inline SVG (scales with its container), black on an
    explicit white background so the quiet zone stays light on any page colour."""
    svg = checkin_qr(checkin_code).svg_inline(
        scale=1,
        border=QR_BORDER,
        omitsize=True,
        dark="#000",
        light="#fff",
        svgclass="qr-code",
        title=title or checkin_code,
    )
    return Markup(svg)  # noqa: S704  (segno's own output, no user input but the code)


def qr_png(checkin_code: str, scale: int = QR_PNG_SCALE) -> bytes:
    """The QR code of the check-in code as a PNG of ``scale`` pixels per module (for mail, where
    clients show no inline SVG, and for saving to a phone's gallery)."""
    return _png(checkin_qr(checkin_code), scale)


def link_qr_png(url: str, scale: int = QR_PNG_SCALE) -> bytes:
    """The QR code of a link (a unit's nomination link in its invitation letter), as a PNG."""
    return _png(segno.make_qr(url, error="m"), scale)


def _png(symbol: segno.QRCode, scale: int) -> bytes:
    out = io.BytesIO()
    symbol.save(out, kind="png", scale=scale, border=QR_BORDER, dark="#000", light="#fff")
    return out.getvalue()
