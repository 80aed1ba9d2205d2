"""Registrant lists: the search and the orders behind the staff list (``registrants.listing``),
check-in search and the sign-in sheet. Pure query builders: they return ``select()``
statements, callers execute them.

Every builder runs a fixed number of SQL statements whatever the size of the course: the search is
one ``WHERE`` (name and unit compared on their folded keys, the phone on its digits, the check-in
code exactly), filters are ``EXISTS`` sub-queries, units are loaded with ``selectinload``.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy import Select
from sqlalchemy import case
from sqlalchemy import false
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..common.phones import phone_digits
from ..common.text import fold
from ..organizations.models import Organization
from .models import Registration
from .models import RegistrationStatus
from .tokens import parse_checkin_payload

#: longest search term taken into account (a pasted paragraph is cut, never an error)
MAX_TERM = 100
#: fewer digits than this match too many phones to be meant as one
MIN_PHONE_DIGITS = 3

SORT_NAME = "name"
SORT_TIME = "time"
SORTS = (SORT_NAME, SORT_TIME)
ATTENDED = "attended"
NOT_ATTENDED = "not_attended"


def signin_sheet_order() -> tuple[Any, ...]:
    """ORDER BY of every official list: Vietnamese name order (given name first), then id.

    ``sort_key`` is made of digits only (``common.text.name_sort_key``), so PostgreSQL and SQLite
    order it the same in any collation. The printed sign-in sheet, the paper-tick page and the
    default registrant list all use this, so row numbers agree between paper and screen.
    """
    return (Registration.sort_key, Registration.id)


def signin_sheet_query(event_id: int) -> Select[Registration]:
    """The rows of the sign-in sheet: confirmed registrations in :func:`signin_sheet_order`."""
    return (
        select(Registration)
        .where(
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .options(selectinload(Registration.organization))
        .order_by(*signin_sheet_order())
    )


def search_condition(term: str | None) -> ColumnElement[bool] | None:
    """WHERE clause matching ``term`` against name, unit, phone digits and check-in code.

    Name and unit ignore case and accents (``fold``: "nguyen van an" finds "Nguyễn Văn An",
    "bien phong" finds "Đồn Biên phòng"); a term with enough digits matches phones written in any
    form ("0905 123", "+84 905-123-456"); a term that is a check-in code (or a scanned QR payload)
    matches it exactly. None when the term is empty.
    """
    # Control characters (NUL is refused by PostgreSQL) and surrogates can never match.
    term = "".join(ch for ch in (term or "")[:MAX_TERM] if unicodedata.category(ch)[0] != "C")
    folded = fold(term)
    if not folded:
        return None
    conditions: list[ColumnElement[bool]] = [
        Registration.search_name.contains(folded, autoescape=True),
        Registration.organization_id.in_(
            select(Organization.id).where(Organization.name_key.contains(folded, autoescape=True))
        ),
    ]
    digits = phone_digits(term)
    # Only digits and phone punctuation: "Đồn 5" is a unit, not a phone number.
    if len(digits) >= MIN_PHONE_DIGITS and not any(ch.isalpha() for ch in term):
        conditions.append(Registration.phone.contains(digits, autoescape=True))
    code = parse_checkin_payload(term)
    if code and len(code) <= 12:
        conditions.append(Registration.checkin_code == code)
    return or_(*conditions)


def checkin_search_query(event_id: int, term: str, limit: int = 20) -> Select[Registration]:
    """Registrations of the course matching ``term`` for the check-in page, every status (the
    page tells why a cancelled or waitlisted one cannot be checked in), confirmed first."""
    condition = search_condition(term)
    query = select(Registration).where(Registration.event_id == event_id)
    query = query.where(condition if condition is not None else false())
    confirmed_first = case((Registration.status == RegistrationStatus.CONFIRMED, 0), else_=1)
    return (
        query.options(selectinload(Registration.organization))
        .order_by(confirmed_first, *signin_sheet_order())
        .limit(limit)
    )
