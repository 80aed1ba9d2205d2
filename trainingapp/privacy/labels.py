"""Words for this package's values, shared by the pages and the mail."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .models import RequestKind
from .models import RequestStatus

KIND_LABELS = {
    RequestKind.DELETION: _l("deletion of personal data"),
    RequestKind.CORRECTION: _l("correction"),
    RequestKind.ACCESS: _l("access to personal data"),
    RequestKind.OTHER: _l("other request"),
}

STATUS_LABELS = {
    RequestStatus.OPEN: _l("Open"),
    RequestStatus.ANSWERED: _l("Done"),
    RequestStatus.REFUSED: _l("Refused"),
}

#: who did something to a registration, as its participant reads it (staff are never named)
ACTOR_WORDS = {
    "staff": _l("course staff"),
    "participant": _l("you"),
    "unit contact": _l("your unit's contact"),
    "system": _l("the system"),
}

#: the participant's mail, by kind
MAIL_LABELS = {
    "registration.confirmed": _l("Registration confirmed"),
    "registration.pending": _l("Registration received, pending approval"),
    "registration.waitlisted": _l("On the waiting list"),
    "registration.promoted": _l("A seat became yours"),
    "registration.approved": _l("Registration approved"),
    "registration.rejected": _l("Registration not approved"),
    "registration.cancelled": _l("Registration cancelled"),
    "registration.link": _l("Your registration link"),
    "evaluation.reminder": _l("Evaluation reminder"),
    "privacy.answer": _l("Answer to your request"),
}

VOUCHED_WORDS = {
    "staff": _l("course staff, who informed you of this notice"),
    "unit": _l("your unit, which nominated you and informed you of this notice"),
}

MAIL_STATUS_LABELS = {
    "queued": _l("waiting to be sent"),
    "sent": _l("sent"),
    "failed": _l("could not be sent"),
    "dropped": _l("not sent (no longer needed)"),
}
