"""Certificate verbs: the course's settings, issuing (numbers without gaps), revoking, look-ups.

Every verb that writes starts with the course lock (``events.locking.lock_course``), writes its
audit entry and never commits. Re-issuing after a revocation makes a new certificate with a new
number and a new verification code; the revoked one keeps its number and stays revoked.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING
from typing import Any

from flask import current_app
from flask import has_request_context
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlalchemy import select

from ..audit.services import changes
from ..audit.services import record
from ..common.errors import DomainError
from ..common.time import local_today
from ..common.time import utcnow
from ..events.locking import lock_course
from ..events.models import Event
from ..extensions import db
from ..registration.models import Registration
from . import rules
from .models import DEFAULT_SENTENCE
from .models import DEFAULT_TITLE
from .models import Certificate
from .models import CertificateRule
from .models import CertificateSettings
from .numbering import take_numbers

if TYPE_CHECKING:
    from ..auth.models import User

REASON_MAX = 500
#: the placeholders the sentence of the template may hold
PLACEHOLDERS = ("course", "dates", "start_date", "end_date", "venue")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
#: the longest verification code looked up (ours are 22 characters)
CODE_MAX = 64
_CODE_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")

ISSUE_ACTION = "certificates.issue"
REVOKE_ACTION = "certificates.revoke"
SETTINGS_ACTION = "certificates.settings"
EXPORT_ACTION = "certificates.export"


class CertificateError(DomainError):
    default_message = _l("The certificates could not be changed.")


def new_code() -> str:
    """A verification code: 128 random bits, URL-safe (22 characters)."""
    return secrets.token_urlsafe(16)


def number_suffix() -> str:
    return str(current_app.config.get("CERTIFICATE_NUMBER_SUFFIX") or "GCN")


def verify_url(code: str) -> str:
    """The absolute address of the verification page (BASE_URL when set, as in mail)."""
    base = current_app.config.get("BASE_URL")
    if base:
        return f"{str(base).rstrip('/')}/verify/{code}"
    if has_request_context():
        return url_for("certificates.verify", code=code, _external=True)
    return f"http://localhost/verify/{code}"


# --- Settings ------------------------------------------------------------------------------------


def settings_for(event_id: int) -> CertificateSettings:
    """The course's settings; an unsaved default row when none were saved yet (a page that only
    reads writes nothing)."""
    settings = db.session.scalar(
        select(CertificateSettings).where(CertificateSettings.event_id == event_id)
    )
    if settings is None:
        settings = CertificateSettings(
            event_id=event_id,
            rule=CertificateRule.ALL_SESSIONS,
            min_sessions=1,
            count_excused=False,
            title=DEFAULT_TITLE,
            sentence=DEFAULT_SENTENCE,
            parent_body="",
            issuing_body="",
            place="",
            signer_title="",
            signer_name="",
        )
    return settings


@dataclass(frozen=True)
class SettingsValues:
    rule: CertificateRule
    min_sessions: int
    count_excused: bool
    title: str
    sentence: str
    parent_body: str
    issuing_body: str
    place: str
    signer_title: str
    signer_name: str


_SETTING_FIELDS = [
    "rule",
    "min_sessions",
    "count_excused",
    "title",
    "sentence",
    "parent_body",
    "issuing_body",
    "place",
    "signer_title",
    "signer_name",
]


def unknown_placeholders(sentence: str) -> list[str]:
    return [name for name in _PLACEHOLDER.findall(sentence) if name not in PLACEHOLDERS]


def save_settings(actor: User | None, event_id: int, values: SettingsValues) -> CertificateSettings:
    """Save the course's rule and template texts (audited with what changed)."""
    lock_course(event_id)
    unknown = unknown_placeholders(values.sentence)
    if unknown:
        raise CertificateError(
            {
                "sentence": _l(
                    "Unknown placeholder %(names)s. Use only: %(allowed)s.",
                    names=", ".join("{" + name + "}" for name in unknown),
                    allowed=", ".join("{" + name + "}" for name in PLACEHOLDERS),
                )
            }
        )
    if values.rule == CertificateRule.MIN_SESSIONS and values.min_sessions < 1:
        raise CertificateError({"min_sessions": _l("At least one session.")})
    settings = settings_for(event_id)
    if settings.id is None:
        db.session.add(settings)
    before = {field: getattr(settings, field) for field in _SETTING_FIELDS}
    for field in _SETTING_FIELDS:
        setattr(settings, field, getattr(values, field))
    settings.title = " ".join(values.title.split()) or DEFAULT_TITLE
    settings.sentence = " ".join(values.sentence.split()) or DEFAULT_SENTENCE
    settings.min_sessions = max(values.min_sessions, 1)
    settings.updated_by_id = actor.id if actor is not None else None
    db.session.flush()
    changed = changes(settings, _SETTING_FIELDS, before)
    if changed:
        record(actor, SETTINGS_ACTION, settings, event_id=event_id, details={"changes": changed})
    return settings


# --- Issuing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Issued:
    certificates: list[Certificate]

    @property
    def count(self) -> int:
        return len(self.certificates)

    @property
    def first(self) -> str:
        return self.certificates[0].label if self.certificates else ""

    @property
    def last(self) -> str:
        return self.certificates[-1].label if self.certificates else ""


def issue(
    actor: User | None,
    event_id: int,
    registration_ids: Iterable[int] | None = None,
    *,
    issued_on: date | None = None,
) -> Issued:
    """Issue certificates, numbered in sign-in order (Vietnamese name order).

    Without ``registration_ids``: everyone who qualifies under the course's rule and has no valid
    certificate. With them: those people (each must be confirmed, have no valid certificate
    and, unless the rule is "chosen by hand", qualify). ``issued_on`` is the date printed (today
    by default); its year is the numbers' year. Audited with the count and the number range.
    """
    lock_course(event_id)
    event = db.session.get(Event, event_id)
    if event is None:  # pragma: no cover - the lock found it a moment ago
        raise CertificateError(_l("This course no longer exists."))
    settings = settings_for(event_id)
    candidates = rules.candidates(event_id, settings)
    if registration_ids is None:
        if settings.rule == CertificateRule.MANUAL:
            raise CertificateError(
                _l("The rule of this course is “chosen by hand”: tick the people first.")
            )
        chosen = [c for c in candidates if c.qualifies and not c.has_valid]
    else:
        wanted = set(registration_ids)
        by_id = {c.registration.id: c for c in candidates}
        missing = wanted - set(by_id)
        if missing:
            raise CertificateError(
                _l("Only confirmed participants of this course can get a certificate.")
            )
        chosen = [c for c in candidates if c.registration.id in wanted]
        already = [c.registration.full_name for c in chosen if c.has_valid]
        if already:
            raise CertificateError(
                _l("Already holds a valid certificate: %(names)s.", names=", ".join(already))
            )
        if settings.rule != CertificateRule.MANUAL:
            short = [c.registration.full_name for c in chosen if not c.qualifies]
            if short:
                raise CertificateError(
                    _l("Does not meet the course's rule: %(names)s.", names=", ".join(short))
                )
    if not chosen:
        raise CertificateError(_l("Nobody is waiting for a certificate."))

    on = issued_on or local_today()
    suffix = number_suffix()
    numbers = take_numbers(on.year, len(chosen))
    now = utcnow()
    made = []
    for candidate, number in zip(chosen, numbers, strict=True):
        registration = candidate.registration
        made.append(
            Certificate(
                event_id=event_id,
                registration_id=registration.id,
                number=number,
                year=on.year,
                suffix=suffix,
                code=new_code(),
                issued_on=on,
                issued_at=now,
                issued_by_id=actor.id if actor is not None else None,
                revoke_reason="",
                full_name=unicodedata.normalize("NFC", registration.full_name),
                organization_name=(
                    registration.organization.name if registration.organization else ""
                ),
                course_title=event.title,
                start_date=event.start_date,
                end_date=event.end_date,
            )
        )
    db.session.add_all(made)
    db.session.flush()
    record(
        actor,
        ISSUE_ACTION,
        event,
        event_id=event_id,
        details={
            "count": len(made),
            "first": made[0].label,
            "last": made[-1].label,
            "rule": settings.rule.value,
        },
    )
    return Issued(made)


# --- Revoking ------------------------------------------------------------------------------------


def revoke(actor: User | None, event_id: int, registration_id: int, reason: str) -> Certificate:
    """Revoke the registration's valid certificate; ``reason`` is required (audited with it)."""
    reason = " ".join((reason or "").split())[:REASON_MAX]
    if not reason:
        raise CertificateError({"reason": _l("Give the reason for revoking the certificate.")})
    lock_course(event_id)
    certificate = db.session.scalar(
        select(Certificate).where(
            Certificate.event_id == event_id,
            Certificate.registration_id == registration_id,
            Certificate.revoked_at.is_(None),
        )
    )
    if certificate is None:
        raise CertificateError(_l("This person has no valid certificate to revoke."))
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = actor.id if actor is not None else None
    certificate.revoke_reason = reason
    db.session.flush()
    record(
        actor,
        REVOKE_ACTION,
        certificate,
        event_id=event_id,
        details={"number": certificate.label, "name": certificate.full_name, "reason": reason},
    )
    return certificate


# --- Reading -------------------------------------------------------------------------------------


def issued_counts(event_id: int) -> tuple[int, int]:
    """``(valid, revoked)`` certificates of the course (for the course report)."""
    valid = revoked = 0
    for is_revoked, count in db.session.execute(
        select(Certificate.revoked_at.is_not(None), func.count(Certificate.id))
        .where(Certificate.event_id == event_id)
        .group_by(Certificate.revoked_at.is_not(None))
    ):
        if is_revoked:
            revoked += int(count)
        else:
            valid += int(count)
    return valid, revoked


def anonymise_certificates(event_id: int) -> int:
    """Give the course's certificates the anonymised names of their registrations (after
    ``registration.privacy.anonymise_event``), so ``/verify/<code>`` no longer names anyone;
    numbers, course and dates stay, and so does whether each is valid."""
    rows = db.session.execute(
        select(Certificate, Registration.full_name)
        .join(Registration, Registration.id == Certificate.registration_id)
        .where(Certificate.event_id == event_id, Registration.anonymised_at.is_not(None))
    ).all()
    changed = 0
    for certificate, label in rows:
        if certificate.full_name != label:
            certificate.full_name = label
            changed += 1
    return changed


def certificate_by_code(code: str) -> Certificate | None:
    """The certificate of a verification code; None for anything that is not one (any input)."""
    if not isinstance(code, str) or not _CODE_SHAPE.fullmatch(code):
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def valid_certificate_for(registration_id: int) -> Certificate | None:
    return db.session.scalar(
        select(Certificate).where(
            Certificate.registration_id == registration_id, Certificate.revoked_at.is_(None)
        )
    )


def certificate_of(event_id: int, registration_id: int) -> Certificate | None:
    """The registration's valid certificate, else its latest revoked one (staff download)."""
    return db.session.scalar(
        select(Certificate)
        .where(Certificate.event_id == event_id, Certificate.registration_id == registration_id)
        .order_by(Certificate.revoked_at.is_not(None), Certificate.id.desc())
        .limit(1)
    )


def valid_certificates(event_id: int) -> list[Certificate]:
    """The course's valid certificates in number order."""
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.event_id == event_id, Certificate.revoked_at.is_(None))
            .order_by(Certificate.year, Certificate.number)
        )
    )


def record_download(actor: User | None, event: Event, *, file_format: str, rows: int) -> None:
    """Audit a download of certificates (personal data, SPEC rule 4)."""
    details: dict[str, Any] = {"format": file_format, "rows": rows}
    record(actor, EXPORT_ACTION, event, event_id=event.id, details=details)
