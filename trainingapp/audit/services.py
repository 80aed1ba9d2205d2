"""Writing audit entries. Called by the service that changes state, in the same transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from ..extensions import db
from .models import AuditEntry

if TYPE_CHECKING:
    from ..auth.models import User


def record(
    actor: User | None,
    action: str,
    obj: Any = None,
    *,
    event_id: int | None = None,
    details: dict[str, Any] | None = None,
    actor_label: str | None = None,
    ip_address: str | None = None,
) -> AuditEntry:
    """Add an audit entry for ``action`` on ``obj`` (a model instance, flushed so it has an id)."""
    if obj is not None and getattr(obj, "id", None) is None:
        db.session.flush()
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        actor_label=actor_label
        if actor_label is not None
        else (actor.email if actor else "system"),
        action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=getattr(obj, "id", None),
        event_id=event_id,
        details=details or {},
        ip_address=ip_address,
    )
    db.session.add(entry)
    return entry


def changes(obj: Any, fields: list[str], before: dict[str, Any]) -> dict[str, list[Any]]:
    """``{"field": [before, after]}`` for each of ``fields`` whose value changed."""
    result: dict[str, list[Any]] = {}
    for field in fields:
        after = getattr(obj, field)
        if before.get(field) != after:
            result[field] = [_jsonable(before.get(field)), _jsonable(after)]
    return result


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
