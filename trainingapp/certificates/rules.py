"""Who qualifies for a certificate under the course's rule.

* every session: attended all of the course's sessions (a course without sessions qualifies
  nobody);
* at least N sessions: attended N or more;
* chosen by hand: nobody automatically, the organizer ticks people.

Attended means checked in, on time or late (``attendance.marks``); an excused absence counts as
attended only when the course's settings say so. Only confirmed registrations are considered.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy import select

from ..attendance.marks import attended_counts
from ..events.models import EventSession
from ..extensions import db
from ..registration.listing import signin_sheet_query
from ..registration.models import Registration
from .models import Certificate
from .models import CertificateRule
from .models import CertificateSettings


@dataclass(frozen=True)
class Candidate:
    """A confirmed registration on the certificates page."""

    registration: Registration
    attended: int
    qualifies: bool
    #: the valid certificate, else the latest revoked one, else None
    certificate: Certificate | None

    @property
    def has_valid(self) -> bool:
        return self.certificate is not None and self.certificate.is_valid


def session_count(event_id: int) -> int:
    return int(
        db.session.scalar(
            select(func.count(EventSession.id)).where(EventSession.event_id == event_id)
        )
        or 0
    )


def required_sessions(settings: CertificateSettings, sessions: int) -> int | None:
    """Sessions a person must have attended, or None when the rule is "chosen by hand"."""
    if settings.rule == CertificateRule.MANUAL:
        return None
    if settings.rule == CertificateRule.MIN_SESSIONS:
        return max(settings.min_sessions, 1)
    return sessions


def qualifies(settings: CertificateSettings, attended: int, sessions: int) -> bool:
    needed = required_sessions(settings, sessions)
    return needed is not None and sessions > 0 and attended >= needed


def latest_certificates(event_id: int) -> dict[int, Certificate]:
    """``{registration_id: certificate}``: the valid one, else the most recent revoked one."""
    result: dict[int, Certificate] = {}
    rows = db.session.scalars(
        select(Certificate)
        .where(Certificate.event_id == event_id, Certificate.registration_id.is_not(None))
        .order_by(Certificate.id)
    )
    for certificate in rows:
        assert certificate.registration_id is not None
        held = result.get(certificate.registration_id)
        if held is None or not held.is_valid or certificate.is_valid:
            result[certificate.registration_id] = certificate
    return result


def candidates(event_id: int, settings: CertificateSettings) -> list[Candidate]:
    """Every confirmed registration of the course in sign-in order (Vietnamese name order),
    with its attended sessions, whether it qualifies and its certificate (four queries)."""
    sessions = session_count(event_id)
    counts = attended_counts(event_id, count_excused=settings.count_excused)
    held = latest_certificates(event_id)
    return [
        Candidate(
            registration=registration,
            attended=counts.get(registration.id, 0),
            qualifies=qualifies(settings, counts.get(registration.id, 0), sessions),
            certificate=held.get(registration.id),
        )
        for registration in db.session.scalars(signin_sheet_query(event_id))
    ]
