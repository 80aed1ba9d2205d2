"""Units (đơn vị): the shared directory, suggestions, retirement, review and merging.

Callers commit. This module never imports the layers above it (courses, registrations): merging
finds every reference to a unit by walking the foreign keys in ``db.metadata``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column
from sqlalchemy import Select
from sqlalchemy import and_
from sqlalchemy import case
from sqlalchemy import delete
from sqlalchemy import exists
from sqlalchemy import false
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_dirty

from ..audit.services import changes
from ..audit.services import record
from ..common.errors import DomainError
from ..common.text import clean
from ..common.text import fold
from ..common.text import search_words
from ..common.time import local_today
from ..extensions import db
from .models import Organization
from .models import OrganizationKind

if TYPE_CHECKING:
    from sqlalchemy import Table

    from ..auth.models import User

KIND_LABELS: dict[OrganizationKind, Any] = {
    OrganizationKind.PROVINCIAL_AGENCY: _l("Provincial department or agency"),
    OrganizationKind.DISTRICT_OFFICE: _l("District or town People's Committee office"),
    OrganizationKind.CULTURE_OFFICE: _l("Culture and information office"),
    OrganizationKind.CULTURE_CENTRE: _l("Culture, information and sports centre"),
    OrganizationKind.COMMUNE_RADIO: _l("Commune radio station"),
    OrganizationKind.BORDER_POST: _l("Border guard post"),
    OrganizationKind.NEWSROOM: _l("Newsroom (press agency)"),
    OrganizationKind.OTHER: _l("Other"),
}

#: When a merge makes two rows of these tables collide on a unique key, the merged unit's row is
#: folded into the kept one by adding these columns (a quota for both units in one course keeps
#: one quota with the seats summed). Any other collision keeps the kept unit's row.
MERGE_SUM_COLUMNS: dict[str, tuple[str, ...]] = {"quotas": ("seats",)}

_EDIT_FIELDS = ["name", "short_name", "kind", "parent_id"]


class OrganizationError(DomainError):
    """A rule about units refused the change."""


def kind_label(kind: OrganizationKind | str) -> Any:
    return KIND_LABELS.get(OrganizationKind(kind), kind)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains_words(column: Any, term: str) -> list[Any]:
    """One ``LIKE '%word%'`` condition per word of ``term`` (``common.text.search_words``)."""
    return [column.like(f"%{_like_escape(word)}%", escape="\\") for word in search_words(term)]


def current_organizations() -> Select[Organization]:
    """Units offered to new registrations and new courses: every unit not retired, by name."""
    return (
        select(Organization)
        .where(Organization.retired_on.is_(None))
        .order_by(Organization.name_key, Organization.id)
    )


def suggest_organizations(term: str | None, limit: int = 10) -> list[Organization]:
    """Current units matching ``term`` accent- and case-insensitively, best matches first.

    Every word of the term must occur in the name; names that start with the term come first,
    then names with a word starting with it, then the rest, each group by name.
    """
    key = " ".join(search_words(term))
    conditions = _contains_words(Organization.name_key, key)
    if not conditions or limit <= 0:
        return []
    escaped = _like_escape(key)
    rank = case(
        (Organization.name_key.like(f"{escaped}%", escape="\\"), 0),
        (Organization.name_key.like(f"% {escaped}%", escape="\\"), 1),
        else_=2,
    )
    query = (
        current_organizations()
        .where(*conditions)
        .order_by(None)
        .order_by(rank, Organization.name_key, Organization.id)
        .limit(min(limit, 50))
    )
    return list(db.session.scalars(query))


def search_organizations(
    term: str | None = None, *, status: str = "current", kind: OrganizationKind | None = None
) -> Select[Organization]:
    """The directory list: ``status`` is ``current``, ``retired``, ``review`` or ``all``."""
    query = select(Organization).options(
        selectinload(Organization.parent), selectinload(Organization.successor)
    )
    if status == "current":
        query = query.where(Organization.retired_on.is_(None))
    elif status == "retired":
        query = query.where(Organization.retired_on.is_not(None))
    elif status == "review":
        query = query.where(Organization.needs_review.is_(True))
    if kind is not None:
        query = query.where(Organization.kind == kind)
    if conditions := _contains_words(Organization.name_key, term or ""):
        query = query.where(*conditions)
    elif (term or "").strip():
        query = query.where(false())  # only punctuation typed: it names no unit
    return query.order_by(Organization.name_key, Organization.id)


def review_queue() -> Select[Organization]:
    """Units typed in by participants, oldest first."""
    return (
        select(Organization)
        .options(selectinload(Organization.parent))
        .where(Organization.needs_review.is_(True))
        .order_by(Organization.created_at, Organization.id)
    )


def get_organization(organization_id: int | None) -> Organization | None:
    return db.session.get(Organization, organization_id) if organization_id else None


def _check_name(name: str, *, exclude_id: int | None = None) -> str:
    name = clean(name)
    if not name:
        raise OrganizationError(_l("Please enter the name of the organization."), "name")
    if len(name) > 255:
        raise OrganizationError(_l("The name is too long (at most 255 characters)."), "name")
    query = select(Organization).where(Organization.name_key == fold(name))
    if exclude_id is not None:
        query = query.where(Organization.id != exclude_id)
    existing = db.session.scalar(query)
    if existing is not None:
        raise OrganizationError(
            _l('An organization named "%(name)s" already exists.', name=existing.name), "name"
        )
    return name


def _check_parent(organization: Organization | None, parent_id: int | None) -> int | None:
    if not parent_id:
        return None
    parent = db.session.get(Organization, parent_id)
    if parent is None:
        raise OrganizationError(
            _l("Please choose a parent organization from the list."), "parent_id"
        )
    if organization is not None and organization.id is not None:
        # Walk up from the new parent: meeting the unit itself would make a loop.
        seen: set[int] = set()
        node: Organization | None = parent
        while node is not None and node.id not in seen:
            if node.id == organization.id:
                raise OrganizationError(
                    _l("An organization cannot be placed under itself or one of its own units."),
                    "parent_id",
                )
            seen.add(node.id)
            node = node.parent
    return parent.id


def create_organization(
    actor: User | None,
    name: str,
    kind: OrganizationKind | str = OrganizationKind.OTHER,
    *,
    short_name: str | None = None,
    parent_id: int | None = None,
    needs_review: bool = False,
) -> Organization:
    """Add a unit to the directory. Raises :class:`OrganizationError` for a name already taken."""
    name = _check_name(name)
    organization = Organization(
        name=name,
        kind=OrganizationKind(kind),
        short_name=clean(short_name) or None,
        parent_id=_check_parent(None, parent_id),
        needs_review=needs_review,
    )
    db.session.add(organization)
    db.session.flush()
    record(
        actor,
        "organization.create",
        organization,
        details={"name": organization.name, "kind": str(organization.kind)},
    )
    return organization


def update_organization(
    actor: User | None,
    organization: Organization,
    *,
    name: str,
    kind: OrganizationKind | str,
    short_name: str | None = None,
    parent_id: int | None = None,
) -> dict[str, list[Any]]:
    """Edit a unit. Returns the changed fields as ``{"field": [before, after]}``."""
    before = {field: getattr(organization, field) for field in _EDIT_FIELDS}
    name = _check_name(name, exclude_id=organization.id)
    new_parent_id = _check_parent(organization, parent_id)
    organization.name = name
    organization.kind = OrganizationKind(kind)
    organization.short_name = clean(short_name) or None
    organization.parent_id = new_parent_id
    diff = changes(organization, _EDIT_FIELDS, before)
    if diff:
        db.session.flush()
        record(actor, "organization.update", organization, details=diff)
    return diff


def accept_organization(
    actor: User | None,
    organization: Organization,
    *,
    name: str | None = None,
    kind: OrganizationKind | str | None = None,
) -> None:
    """Take a typed-in unit into the directory, optionally fixing its name and kind."""
    before = {field: getattr(organization, field) for field in ["name", "kind", "needs_review"]}
    if name is not None:
        organization.name = _check_name(name, exclude_id=organization.id)
    if kind is not None:
        organization.kind = OrganizationKind(kind)
    organization.needs_review = False
    db.session.flush()
    record(
        actor,
        "organization.accept",
        organization,
        details=changes(organization, ["name", "kind", "needs_review"], before),
    )


def retire_organization(
    actor: User | None,
    organization: Organization,
    *,
    successor: Organization | None = None,
    retired_on: date | None = None,
) -> None:
    """Stop offering a unit to new registrations; old courses keep showing its name."""
    if organization.retired_on is not None:
        raise OrganizationError(_l("This organization is already retired."))
    if successor is not None:
        if successor.id == organization.id:
            raise OrganizationError(
                _l("An organization cannot be its own successor."), "successor_id"
            )
        if successor.retired_on is not None:
            raise OrganizationError(
                _l("The successor must be a current organization."), "successor_id"
            )
    before = {"retired_on": organization.retired_on, "successor_id": organization.successor_id}
    organization.retired_on = retired_on or local_today()
    organization.successor_id = successor.id if successor is not None else None
    db.session.flush()
    record(
        actor,
        "organization.retire",
        organization,
        details=changes(organization, ["retired_on", "successor_id"], before),
    )


def reinstate_organization(actor: User | None, organization: Organization) -> None:
    """Offer a retired unit again (undo :func:`retire_organization`)."""
    if organization.retired_on is None:
        raise OrganizationError(_l("This organization is not retired."))
    before = {"retired_on": organization.retired_on, "successor_id": organization.successor_id}
    organization.retired_on = None
    organization.successor_id = None
    db.session.flush()
    record(
        actor,
        "organization.reinstate",
        organization,
        details=changes(organization, ["retired_on", "successor_id"], before),
    )


def _references() -> list[Column[Any]]:
    """Every column, in every table, that holds a foreign key to ``organizations.id``."""
    org_table = db.metadata.tables[Organization.__tablename__]
    target = org_table.c.id
    columns = []
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.references(org_table) and fk.column is target:
                columns.append(fk.parent)
    return columns


def _unique_groups(table: Table, column: Column[Any]) -> list[list[Column[Any]]]:
    """For each unique key of ``table`` that contains ``column``: its other columns."""
    groups: list[list[Column[Any]]] = []
    keys: list[list[Column[Any]]] = []
    for constraint in table.constraints:
        cols = list(getattr(constraint, "columns", []))
        if constraint.__class__.__name__ in ("UniqueConstraint", "PrimaryKeyConstraint"):
            keys.append(cols)
    keys.extend(list(index.columns) for index in table.indexes if index.unique)
    for cols in keys:
        if any(c is column for c in cols):
            groups.append([c for c in cols if c is not column])
    return groups


def merge_organizations(
    actor: User | None, merged: Organization, kept: Organization
) -> dict[str, Any]:
    """Move every reference from ``merged`` to ``kept``, then delete ``merged``.

    Registrations, quotas, lecturers, course organizers and co-organizers, child units and
    successor links all follow, found generically from the foreign keys. Rows that would collide
    on a unique key are combined: quota seats are summed, other duplicates (a unit listed twice as
    co-organizer) are dropped. Returns the counts written to the audit entry.
    """
    if merged.id == kept.id:
        raise OrganizationError(_l("Choose a different organization to merge into."), "target_id")
    db.session.flush()
    merged_id, kept_id = merged.id, kept.id
    moved: dict[str, int] = {}
    combined: dict[str, int] = {}
    org_table = db.metadata.tables[Organization.__tablename__]
    for column in _references():
        table = column.table
        label = f"{table.name}.{column.name}"
        if table is org_table:
            # The kept unit must not end up pointing at itself (merged was its parent/successor).
            db.session.execute(
                update(table)
                .where(table.c.id == kept_id, column == merged_id)
                .values({column.name: None})
            )
        for others in _unique_groups(table, column):
            twin = table.alias("twin")
            twin_col = twin.c[column.name]
            matches = [twin_col == kept_id] + [twin.c[c.name] == c for c in others]
            collides = and_(column == merged_id, exists().where(*matches))
            pk = list(table.primary_key.columns)
            colliding = db.session.execute(select(*pk, *others).where(collides)).all()
            for row in colliding:
                key_values = dict(zip([c.name for c in others], row[len(pk) :], strict=True))
                sums = MERGE_SUM_COLUMNS.get(table.name, ())
                if sums:
                    source = select(*(table.c[name] for name in sums)).where(
                        *(table.c[c.name] == row[i] for i, c in enumerate(pk))
                    )
                    values = db.session.execute(source).one()
                    db.session.execute(
                        update(table)
                        .where(column == kept_id, *(table.c[k] == v for k, v in key_values.items()))
                        .values({name: table.c[name] + values[i] for i, name in enumerate(sums)})
                    )
                db.session.execute(
                    delete(table).where(*(table.c[c.name] == row[i] for i, c in enumerate(pk)))
                )
                combined[label] = combined.get(label, 0) + 1
        condition = column == merged_id
        if table is org_table:
            condition = and_(condition, table.c.id != merged_id)
        result = db.session.connection().execute(
            update(table).where(condition).values({column.name: kept_id})
        )
        if result.rowcount:
            moved[label] = result.rowcount
    details: dict[str, Any] = {
        "merged": {"id": merged_id, "name": merged.name},
        "kept": {"id": kept_id, "name": kept.name},
        "moved": moved,
        "combined": combined,
    }
    db.session.execute(delete(org_table).where(org_table.c.id == merged_id))
    # The Core statements above bypassed the identity map: reload everything from the database.
    db.session.expunge(merged)
    db.session.expire_all()
    # The kept unit counts as changed: the courses that now show it get a new version of their
    # public pages (events.caching).
    flag_dirty(kept)
    record(actor, "organization.merge", kept, details=details)
    db.session.flush()
    return details


def organization_counts() -> dict[str, int]:
    """How many units are current, retired and waiting for review (one query)."""
    row = db.session.execute(
        select(
            func.count().filter(Organization.retired_on.is_(None)),
            func.count().filter(Organization.retired_on.is_not(None)),
            func.count().filter(Organization.needs_review.is_(True)),
        )
    ).one()
    return {"current": row[0], "retired": row[1], "review": row[2]}


def exclude_ids(query: Select[Organization], *ids: int) -> Select[Organization]:
    return query.where(Organization.id.not_in(ids)) if ids else query
