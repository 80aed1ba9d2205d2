"""What the registration rules refuse, as exceptions with a translatable message for the form."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from ..common.errors import DomainError


class RegistrationError(DomainError):
    """A registration rule refused the action."""

    default_message = _l("The registration could not be saved.")


class RegistrationClosed(RegistrationError):  # noqa: N818  (names from STYLE.md)
    default_message = _l("Registration for this course is closed.")


class EventFull(RegistrationError):  # noqa: N818  (names from STYLE.md)
    default_message = _l("Sorry, the course is full and has no waiting list.")


class AlreadyRegistered(RegistrationError):  # noqa: N818  (names from STYLE.md)
    """The phone or e-mail is already registered for this course."""

    def __init__(self, registration_id: int, manage_token: str, field: str) -> None:
        if field == "email":
            message = _l("This e-mail address is already registered for this course.")
        else:
            message = _l("This phone number is already registered for this course.")
        super().__init__(message, field)
        self.registration_id = registration_id
        self.manage_token = manage_token


class InvalidRegistration(RegistrationError):  # noqa: N818  (names from STYLE.md)
    """Input that fails normalisation; ``errors`` maps field names to messages."""

    summary = _l("Please correct the marked fields.")

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__(errors)
