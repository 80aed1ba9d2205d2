"""The lecturer directory (báo cáo viên), shared across courses. Callers commit."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select
from sqlalchemy import false
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..audit.services import changes
from ..audit.services import record
from ..common.errors import DomainError
from ..common.text import capitalise_name
from ..common.text import clean
from ..common.text import search_words
from ..extensions import db
from ..organizations.models import Organization
from .models import Lecturer
from .models import topic_lecturers

if TYPE_CHECKING:
    from ..auth.models import User

_FIELDS = ["full_name", "rank", "position", "organization_id"]


class LecturerError(DomainError):
    """A rule about lecturers refused the change."""


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_lecturers(term: str | None = None) -> Select[Lecturer]:
    """Lecturers whose name contains every word of ``term``, accent- and case-insensitively."""
    query = select(Lecturer).options(selectinload(Lecturer.organization))
    words = search_words(term)
    if (term or "").strip() and not words:
        return query.where(false())  # only punctuation typed: it names nobody
    for word in words:
        query = query.where(Lecturer.search_name.like(f"%{_like_escape(word)}%", escape="\\"))
    return query.order_by(Lecturer.search_name, Lecturer.id)


def topic_counts(lecturer_ids: list[int]) -> dict[int, int]:
    """How many topics each lecturer presents (one grouped query)."""
    if not lecturer_ids:
        return {}
    rows = db.session.execute(
        select(topic_lecturers.c.lecturer_id, func.count())
        .where(topic_lecturers.c.lecturer_id.in_(lecturer_ids))
        .group_by(topic_lecturers.c.lecturer_id)
    ).all()
    return {lecturer_id: count for lecturer_id, count in rows}


def _clean_fields(
    full_name: str, rank: str | None, position: str | None, organization_id: int | None
) -> dict[str, Any]:
    name = capitalise_name(full_name)
    if not name:
        raise LecturerError(_l("Please enter the lecturer's full name."), "full_name")
    if len(name) > 200:
        raise LecturerError(_l("The name is too long (at most 200 characters)."), "full_name")
    if organization_id and db.session.get(Organization, organization_id) is None:
        raise LecturerError(_l("Please choose an organization from the list."), "organization_id")
    return {
        "full_name": name,
        "rank": clean(rank)[:100],
        "position": clean(position)[:200],
        "organization_id": organization_id or None,
    }


def create_lecturer(
    actor: User | None,
    full_name: str,
    *,
    rank: str | None = None,
    position: str | None = None,
    organization_id: int | None = None,
) -> Lecturer:
    """Add a lecturer to the shared directory."""
    lecturer = Lecturer(**_clean_fields(full_name, rank, position, organization_id))
    db.session.add(lecturer)
    db.session.flush()
    record(
        actor,
        "lecturer.create",
        lecturer,
        details={field: getattr(lecturer, field) for field in _FIELDS},
    )
    return lecturer


def update_lecturer(
    actor: User | None,
    lecturer: Lecturer,
    *,
    full_name: str,
    rank: str | None = None,
    position: str | None = None,
    organization_id: int | None = None,
) -> dict[str, list[Any]]:
    """Edit a lecturer; every course presenting their topics shows the new details."""
    before = {field: getattr(lecturer, field) for field in _FIELDS}
    for field, value in _clean_fields(full_name, rank, position, organization_id).items():
        setattr(lecturer, field, value)
    diff = changes(lecturer, _FIELDS, before)
    if diff:
        db.session.flush()
        record(actor, "lecturer.update", lecturer, details=diff)
    return diff


def delete_lecturer(actor: User | None, lecturer: Lecturer) -> None:
    """Remove a lecturer who presents no topic (those stay on their courses' agendas)."""
    if topic_counts([lecturer.id]).get(lecturer.id):
        raise LecturerError(_l("This lecturer presents topics of a course and cannot be deleted."))
    record(actor, "lecturer.delete", lecturer, details={"full_name": lecturer.full_name})
    db.session.delete(lecturer)
    db.session.flush()
