"""Links that packages above ``registration`` add to a participant's page ``/r/<token>``.

The page belongs to this package, but what follows a course (the evaluation form, the
certificate) belongs to packages that import this one. They register a provider at start-up,
as mail composers do (``mail.composers``); the page asks every provider for its link.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .models import Registration


@dataclass(frozen=True)
class PageLink:
    """A button on the participant's page: its words (already translated), where it leads,
    and an optional line beneath it."""

    label: str
    url: str
    note: str = ""
    primary: bool = False


LinkProvider = Callable[[Registration], PageLink | None]

_providers: list[LinkProvider] = []


def page_link(provider: LinkProvider) -> LinkProvider:
    """Decorator: ``provider(registration)`` returns a link for that registration, or None."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def links_for(registration: Registration) -> list[PageLink]:
    return [link for provider in _providers if (link := provider(registration)) is not None]
