"""The one kind of refusal a service raises: :class:`DomainError`, carrying a translatable
message per form field, and :func:`show_on_form`, which puts those messages on a form.

Every package's refusals (``EventError``, ``RegistrationError``, ``AttendanceError``, …) are
subclasses, so a view can catch ``DomainError`` and never turn a refusal into a server error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import flash
from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A rule refused an action. ``errors`` maps form field names ("" for the whole form) to a
    translatable message; ``message`` is all of them in one line; ``field`` the one field the
    refusal is about, if it is about exactly one."""

    #: the message when none is given (subclasses name their refusal)
    default_message: Any = _l("The change could not be saved.")
    #: shown instead of the joined messages when there are several (e.g. "correct the marked fields")
    summary: Any = None

    def __init__(self, message: Mapping[str, Any] | Any = None, field: str | None = None) -> None:
        if isinstance(message, Mapping):
            self.errors: dict[str, Any] = dict(message)
        else:
            self.errors = {field or "": self.default_message if message is None else message}
        super().__init__(str(self.message))

    @property
    def message(self) -> Any:
        if self.summary is not None:
            return self.summary
        if len(self.errors) == 1:
            return next(iter(self.errors.values()))
        return "; ".join(str(message) for message in self.errors.values())

    @property
    def field(self) -> str | None:
        if len(self.errors) == 1:
            return next(iter(self.errors)) or None
        return None

    def __str__(self) -> str:
        return str(self.message)


def show_on_form(form: Any, error: DomainError, *, category: str = "danger") -> None:
    """Put each message next to its field; one about nothing on the form is flashed."""
    for name, message in error.errors.items():
        field = getattr(form, name, None) if name else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message]
        else:
            flash(str(message), category)
