"""Writing audit entries. Called by the service that changes state, in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING
from typing import Any

from sqlalchemy import insert

from ..common.dbtx import execute_write
from ..common.time import utcnow
from ..extensions import db
from .models import AuditEntry

if TYPE_CHECKING:
    from ..auth.models import User


_INSERT_ENTRY = insert(AuditEntry.__table__)  # type: ignore[arg-type]


def record(
    actor: User | None,
    action: str,
    obj: Any = None,
    *,
    object_type: str | None = None,
    object_id: int | None = None,
    event_id: int | None = None,
    details: dict[str, Any] | None = None,
    actor_label: str | None = None,
    ip_address: str | None = None,
) -> None:
    """Write an audit entry for ``action`` on ``obj`` (a model instance; flushed first if it has
    no id yet), or on ``object_type``/``object_id`` when the caller has no instance.

    One Core INSERT in the caller's transaction: entries are never read back in the request that
    writes them, so they skip the ORM's unit of work.
    """
    if obj is not None:
        if getattr(obj, "id", None) is None:
            db.session.flush()
        object_type = type(obj).__name__
        object_id = obj.id
    execute_write(
        db.session,
        _INSERT_ENTRY,
        _entry(actor, action, object_type, object_id, event_id, details, actor_label, ip_address),
    )


def record_many(
    actor: User | None,
    action: str,
    object_type: str,
    entries: Iterable[tuple[int | None, dict[str, Any] | None]],
    *,
    event_id: int | None = None,
    actor_label: str | None = None,
    ip_address: str | None = None,
) -> int:
    """:func:`record` for many objects of one type at once: one entry per ``(object_id,
    details)`` in ``entries``, with the columns and values :func:`record` would write for each,
    in one executemany INSERT (a batch of an import writes hundreds). Returns the number written.
    """
    rows = [
        _entry(actor, action, object_type, object_id, event_id, details, actor_label, ip_address)
        for object_id, details in entries
    ]
    if rows:
        db.session.execute(_INSERT_ENTRY, rows)
    return len(rows)


def _entry(
    actor: User | None,
    action: str,
    object_type: str | None,
    object_id: int | None,
    event_id: int | None,
    details: dict[str, Any] | None,
    actor_label: str | None,
    ip_address: str | None,
) -> dict[str, Any]:
    """An audit row's values: the one place both :func:`record` and :func:`record_many` take
    them from."""
    return {
        "created_at": utcnow(),
        "actor_id": actor.id if actor is not None else None,
        "actor_label": actor_label
        if actor_label is not None
        else (actor.email if actor else "system"),
        "action": action,
        "object_type": object_type or "",
        "object_id": object_id,
        "event_id": event_id,
        "details": details or {},
        "ip_address": ip_address,
    }


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
