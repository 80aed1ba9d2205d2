"""Composers: the packages that send mail register here how to build each kind of it.

Mail knows no domain. A package registers one function for a prefix of kinds::

    @composer("registration")
    def compose(message: OutboxMessage) -> Message | None: ...

and it is then called, at sending time, for every queued message whose kind starts with
``"registration."``, inside a request context on the message's ``base_url`` and in its locale.
It returns the message to send, or None when there is nothing to send any more (the row is then
marked dropped). An exception counts as a failed attempt and is retried later.
"""

from __future__ import annotations

from collections.abc import Callable
from email.message import Message

from .models import OutboxMessage

Composer = Callable[[OutboxMessage], Message | None]

_composers: dict[str, Composer] = {}


class NoComposerError(LookupError):
    """No composer is registered for a message's kind (its package is not imported here)."""


def composer(prefix: str) -> Callable[[Composer], Composer]:
    """Register the decorated function for kinds ``<prefix>.*``; the last registration wins
    (a module imported twice, e.g. in tests, replaces its own entry)."""
    if not prefix or "." in prefix:
        raise ValueError(f"a composer prefix is one word, not {prefix!r}")

    def decorate(fn: Composer) -> Composer:
        _composers[prefix] = fn
        return fn

    return decorate


def composer_for(kind: str) -> Composer:
    prefix, dot, _rest = kind.partition(".")
    fn = _composers.get(prefix) if dot else None
    if fn is None:
        raise NoComposerError(f"no composer registered for mail kind {kind!r}")
    return fn


def registered_prefixes() -> list[str]:
    return sorted(_composers)
