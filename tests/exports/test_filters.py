"""Reading the registrant list's filters from an export's query string: lenient, never an error."""

from __future__ import annotations

from trainingapp.exports.filters import ListFilters
from trainingapp.exports.filters import filters_from_args
from trainingapp.exports.rows import neutralise
from trainingapp.organizations.models import OrganizationKind
from trainingapp.registration.models import RegistrationSource
from trainingapp.registration.models import RegistrationStatus


def test_the_lists_parameters_are_read() -> None:
    filters = filters_from_args(
        {
            "q": "  Nguyễn  HẰNG ",
            "status": "confirmed",
            "kind": "border_post",
            "organization": "12",
            "source": "walk_in",
            "session": "3",
            "attendance": "not_attended",
            "sort": "time",
        }
    )
    assert filters == ListFilters(
        q="Nguyễn  HẰNG",
        status=RegistrationStatus.CONFIRMED,
        kind=OrganizationKind.BORDER_POST,
        organization_id=12,
        source=RegistrationSource.WALK_IN,
        session_id=3,
        attendance="not_attended",
        sort="time",
    )


def test_attended_shorthands() -> None:
    assert filters_from_args({"attended": "7"}) == ListFilters(session_id=7, attendance="attended")
    assert filters_from_args({"not_attended": "8"}) == ListFilters(
        session_id=8, attendance="not_attended"
    )
    # A session without attended/not attended narrows nothing.
    assert filters_from_args({"session": "8"}) == ListFilters()


def test_unknown_values_are_ignored() -> None:
    filters = filters_from_args(
        {
            "status": "deleted",
            "kind": "x",
            "organization": "-1",
            "attended": "1e9",
            "not_attended": "9" * 30,
            "attendance": "maybe",
            "sort": "id; drop table",
        }
    )
    assert filters == ListFilters()


def test_neutralise() -> None:
    for dangerous in ("=1+1", "+84905", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(dangerous) == "'" + dangerous
    for harmless in ("", "0905123456", "Nguyễn Thị Hằng", "a=b"):
        assert neutralise(harmless) == harmless
