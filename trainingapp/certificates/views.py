"""Public certificate pages: ``/verify/<code>`` for anyone and the participant's own
``/r/<token>/certificate.pdf``; and the link to it on the participant's page.

The verification page says whether the certificate is valid and shows its number, the name, the
course and the dates, nothing else (no unit, no contact, no reason for a revocation: only that
and when it was revoked). It is rate-limited (codes carry 128 random bits, the limit keeps
anyone from trying many), never indexed and never cached.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import render_template
from flask import url_for
from flask_babel import gettext as _

from ..extensions import limiter
from ..registration.extras import PageLink
from ..registration.extras import page_link
from ..registration.models import Registration
from ..registration.services import registration_by_token
from . import services
from .pdf import filename_for
from .pdf import render_certificate

bp = Blueprint("certificates", __name__)

PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}


def _verify_limit() -> str:
    return str(current_app.config["VERIFY_RATE_LIMIT"])


@bp.get("/verify/<path:code>")
@limiter.limit(_verify_limit)
def verify(code: str) -> Any:
    certificate = services.certificate_by_code(code)
    if certificate is None:
        return render_template("certificates/verify_unknown.html"), 404, PRIVATE
    return render_template("certificates/verify.html", certificate=certificate), 200, PRIVATE


@bp.get("/r/<token>/certificate.pdf")
def participant_pdf(token: str) -> Any:
    """The participant's valid certificate; 404 before it is issued and once it is revoked."""
    registration = registration_by_token(token)
    if registration is None:
        abort(404)
    certificate = services.valid_certificate_for(registration.id)
    if certificate is None:
        abort(404)
    response = Response(render_certificate(certificate), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename_for(certificate)}"'
    response.headers.update(PRIVATE)
    return response


@page_link
def certificate_link(registration: Registration) -> PageLink | None:
    certificate = services.valid_certificate_for(registration.id)
    if certificate is None:
        return None
    return PageLink(
        label=_("Download your certificate (PDF)"),
        url=url_for("certificates.participant_pdf", token=registration.manage_token),
        note=_("Certificate No. %(number)s", number=certificate.label),
        primary=True,
    )
