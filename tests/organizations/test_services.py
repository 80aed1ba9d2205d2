"""Organization directory services: suggestions, retirement, review and merging."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from tests.factories import make_event
from tests.factories import make_lecturer
from tests.factories import make_organization
from tests.factories import make_registration
from trainingapp.audit.models import AuditEntry
from trainingapp.events.models import Event
from trainingapp.events.models import Quota
from trainingapp.events.models import event_co_organizers
from trainingapp.extensions import db
from trainingapp.lecturers.models import Lecturer
from trainingapp.organizations.lookup import current_unit_id
from trainingapp.organizations.lookup import current_unit_ids
from trainingapp.organizations.lookup import resolve_unit
from trainingapp.organizations.models import Organization
from trainingapp.organizations.models import OrganizationKind
from trainingapp.organizations.services import OrganizationError
from trainingapp.organizations.services import accept_organization
from trainingapp.organizations.services import create_organization
from trainingapp.organizations.services import current_organizations
from trainingapp.organizations.services import merge_organizations
from trainingapp.organizations.services import reinstate_organization
from trainingapp.organizations.services import retire_organization
from trainingapp.organizations.services import search_organizations
from trainingapp.organizations.services import suggest_organizations
from trainingapp.organizations.services import update_organization
from trainingapp.registration.models import Registration

pytestmark = pytest.mark.usefixtures("app_ctx")


@pytest.fixture(autouse=True)
def english(app_ctx: None) -> Iterator[None]:
    """Messages in English, whatever the translation catalogue holds today."""
    with force_locale("en"):
        yield


def org(name: str, **kwargs: object) -> Organization:
    return make_organization(db.session, name=name, **kwargs)


def names(organizations: list[Organization]) -> list[str]:
    return [o.name for o in organizations]


def last_entry(action: str) -> AuditEntry:
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id.desc())
    ).first()
    assert entry is not None, f"no {action} audit entry"
    return entry


# --- suggestions and the current list -------------------------------------------------------


def test_suggestions_are_accent_and_case_insensitive_prefix_first() -> None:
    org("Đồn Biên phòng Cam Ranh")
    org("Bộ Chỉ huy Bộ đội Biên phòng tỉnh", kind=OrganizationKind.PROVINCIAL_AGENCY)
    org("Biên phòng cửa khẩu cảng Nha Trang")
    org("Sở Thông tin và Truyền thông", kind=OrganizationKind.PROVINCIAL_AGENCY)

    result = names(suggest_organizations("BIEN PHONG"))

    assert result == [
        "Biên phòng cửa khẩu cảng Nha Trang",  # starts with the term
        "Bộ Chỉ huy Bộ đội Biên phòng tỉnh",  # a word starts with it; then by name
        "Đồn Biên phòng Cam Ranh",
    ]


def test_words_match_in_any_order_and_punctuation_is_ignored() -> None:
    org("Phòng Văn hóa, Thể thao và Du lịch", kind=OrganizationKind.CULTURE_OFFICE)
    org("Trung tâm Văn hóa - Thông tin", kind=OrganizationKind.CULTURE_CENTRE)
    wanted = ["Phòng Văn hóa, Thể thao và Du lịch"]
    assert names(suggest_organizations("van hoa the thao")) == wanted
    assert names(suggest_organizations("thể thao, văn hóa")) == wanted
    assert names(suggest_organizations("van-hoa (the thao)")) == wanted
    assert names(db.session.scalars(search_organizations("hoa, the thao"))) == wanted
    assert suggest_organizations(",,, --") == []
    assert list(db.session.scalars(search_organizations(",,, --"))) == []


def test_suggestions_match_every_word_anywhere_and_respect_the_limit() -> None:
    org("Đồn Biên phòng Cam Ranh")
    org("Đồn Biên phòng Ninh Vân")
    assert names(suggest_organizations("cam bien")) == ["Đồn Biên phòng Cam Ranh"]
    assert len(suggest_organizations("don", limit=1)) == 1
    assert suggest_organizations("") == []
    assert suggest_organizations("   ") == []
    assert suggest_organizations(None) == []


def test_suggestions_treat_like_wildcards_literally() -> None:
    org("Đồn Biên phòng Cam Ranh")
    assert suggest_organizations("%") == []
    assert suggest_organizations("_") == []
    # A backslash is punctuation, dropped like any other (issue 17): only the word "cam" is
    # looked for, so no wildcard or escape reaches LIKE.
    assert names(suggest_organizations("Cam\\")) == ["Đồn Biên phòng Cam Ranh"]
    assert suggest_organizations("\\%_") == []


def test_retired_units_are_not_current_nor_suggested() -> None:
    old = org("Phòng Văn hóa và Thông tin huyện Cam Lâm", kind=OrganizationKind.CULTURE_OFFICE)
    new = org("Phòng Văn hóa - Xã hội xã Cam Lâm", kind=OrganizationKind.CULTURE_OFFICE)
    retire_organization(None, old, successor=new, retired_on=date(2025, 7, 1))

    current = list(db.session.scalars(current_organizations()))
    assert old not in current
    assert new in current
    assert names(suggest_organizations("cam lam")) == [new.name]
    assert old.successor is new
    assert old.retired_on == date(2025, 7, 1)
    entry = last_entry("organization.retire")
    assert entry.object_id == old.id
    assert entry.details["successor_id"] == [None, new.id]
    assert entry.details["retired_on"] == [None, "2025-07-01"]


def test_search_filters_by_status() -> None:
    current = org("Đài Truyền thanh xã Cam Hải Tây", kind=OrganizationKind.COMMUNE_RADIO)
    retired = org("Đài Truyền thanh xã Cam Hải Đông", kind=OrganizationKind.COMMUNE_RADIO)
    typed = org("dai truyen thanh cam hai", needs_review=True)
    retire_organization(None, retired)

    def search(status: str) -> set[int]:
        return {o.id for o in db.session.scalars(search_organizations("cam hai", status=status))}

    assert search("current") == {current.id, typed.id}
    assert search("retired") == {retired.id}
    assert search("review") == {typed.id}
    assert search("all") == {current.id, retired.id, typed.id}


# --- create, edit, retire -------------------------------------------------------------------


def test_create_refuses_a_name_that_differs_only_by_accents_or_case() -> None:
    create_organization(None, "Đồn Biên phòng Cam Ranh", OrganizationKind.BORDER_POST)
    with pytest.raises(OrganizationError) as error:
        create_organization(None, "  đồn  bien PHONG cam ranh ", OrganizationKind.OTHER)
    assert error.value.field == "name"
    assert "already exists" in str(error.value.message)


def test_create_cleans_the_name_and_audits() -> None:
    parent = org("Bộ Chỉ huy Bộ đội Biên phòng tỉnh", kind=OrganizationKind.PROVINCIAL_AGENCY)
    unit = create_organization(
        None, "Đồn  Biên phòng\u00a0Cam Ranh ", OrganizationKind.BORDER_POST, parent_id=parent.id
    )
    assert unit.name == "Đồn Biên phòng Cam Ranh"
    assert unit.name_key == "don bien phong cam ranh"
    assert unit.parent is parent
    assert last_entry("organization.create").object_id == unit.id


def test_create_refuses_empty_name_and_unknown_parent() -> None:
    with pytest.raises(OrganizationError) as error:
        create_organization(None, "   ")
    assert error.value.field == "name"
    with pytest.raises(OrganizationError) as error:
        create_organization(None, "Đồn Biên phòng Cam Ranh", parent_id=999_999)
    assert error.value.field == "parent_id"


def test_update_records_before_and_after() -> None:
    unit = org("Đồn Biên phòng Cam Ranh")
    update_organization(
        None, unit, name="Đồn Biên phòng Cam Ranh", kind=OrganizationKind.OTHER, short_name="CR"
    )
    entry = last_entry("organization.update")
    assert entry.details == {"short_name": [None, "CR"], "kind": ["border_post", "other"]}


def test_update_refuses_a_parent_loop() -> None:
    command = org("Bộ Chỉ huy Bộ đội Biên phòng tỉnh")
    post = org("Đồn Biên phòng Cam Ranh", parent=command)
    with pytest.raises(OrganizationError) as error:
        update_organization(None, command, name=command.name, kind="other", parent_id=post.id)
    assert error.value.field == "parent_id"
    with pytest.raises(OrganizationError):
        update_organization(None, command, name=command.name, kind="other", parent_id=command.id)


def test_retire_refusals() -> None:
    unit = org("Phòng Văn hóa và Thông tin huyện Cam Lâm")
    gone = org("Phòng Văn hóa và Thông tin huyện Khánh Sơn")
    retire_organization(None, gone)
    with pytest.raises(OrganizationError, match="own successor"):
        retire_organization(None, unit, successor=unit)
    with pytest.raises(OrganizationError, match="current organization"):
        retire_organization(None, unit, successor=gone)
    with pytest.raises(OrganizationError, match="already retired"):
        retire_organization(None, gone)
    reinstate_organization(None, gone)
    assert gone.retired_on is None
    with pytest.raises(OrganizationError, match="not retired"):
        reinstate_organization(None, gone)


# --- typed-in units and review --------------------------------------------------------------


def test_resolve_unit_reuses_a_unit_and_marks_new_ones_for_review() -> None:
    unit = org("Đồn Biên phòng Cam Ranh")
    assert resolve_unit("don bien phong CAM RANH", None) == unit.id
    typed = db.session.get(Organization, resolve_unit("Trường THPT Cam Lâm", None))
    assert typed is not None
    assert typed.name == "Trường THPT Cam Lâm"
    assert typed.needs_review is True
    assert typed.kind == OrganizationKind.OTHER
    assert last_entry("organization.create").details["needs_review"] is True


def test_resolve_unit_follows_retired_units_to_their_successor() -> None:
    old = org("Sở Thông tin và Truyền thông")
    middle = org("Sở Văn hóa và Thông tin")
    new = org("Sở Khoa học và Công nghệ")
    retire_organization(None, old, successor=middle)
    retire_organization(None, middle, successor=new)
    assert current_unit_id("so thong tin va truyen thong") == new.id
    assert current_unit_ids(["Sở Thông tin và Truyền thông", "Nowhere"]) == {
        "so thong tin va truyen thong": new.id
    }


def test_accept_clears_the_flag_and_fixes_name_and_kind() -> None:
    typed = org("truong thpt cam lam", needs_review=True)
    accept_organization(None, typed, name="Trường THPT Cam Lâm", kind=OrganizationKind.OTHER)
    assert typed.needs_review is False
    assert typed.name == "Trường THPT Cam Lâm"
    entry = last_entry("organization.accept")
    assert entry.details["needs_review"] == [True, False]
    assert entry.details["name"] == ["truong thpt cam lam", "Trường THPT Cam Lâm"]


def test_accept_refuses_a_name_taken_by_another_unit() -> None:
    org("Trường THPT Cam Lâm")
    typed = org("THPT Cam Lam", needs_review=True)
    with pytest.raises(OrganizationError) as error:
        accept_organization(None, typed, name="Trường THPT Cam Lâm")
    assert error.value.field == "name"


# --- merging --------------------------------------------------------------------------------


def test_merge_moves_every_reference_and_combines_collisions() -> None:
    kept = org("Đồn Biên phòng Cam Ranh")
    merged = org("Don bien phong Cam Ranh (typed)", needs_review=True)
    command = org("Bộ Chỉ huy Bộ đội Biên phòng tỉnh")
    child = org("Tổ công tác Bình Ba", parent=merged)
    predecessor = org("Đồn Biên phòng cũ", successor=merged)
    host = org("Sở Thông tin và Truyền thông")

    both = make_event(db.session, organizer=host)  # quotas and co-organizer for both units
    only_merged = make_event(db.session, organizer=merged)  # merged unit organizes this one
    db.session.add_all(
        [
            Quota(event=both, organization=kept, seats=5),
            Quota(event=both, organization=merged, seats=3),
            Quota(event=only_merged, organization=merged, seats=2),
        ]
    )
    both.co_organizers.extend([kept, merged, command])
    registrations = [
        make_registration(db.session, both, organization=merged, full_name="Trần Thị Mai"),
        make_registration(db.session, both, organization=kept, full_name="Lê Văn Bình"),
        make_registration(db.session, only_merged, organization=merged, full_name="Phạm An"),
    ]
    lecturer = make_lecturer(db.session, organization=merged)
    db.session.flush()
    merged_id, kept_id = merged.id, kept.id
    registration_ids = [r.id for r in registrations]

    details = merge_organizations(None, merged, kept)
    db.session.commit()

    assert db.session.get(Organization, merged_id) is None
    orgs = {
        r.organization_id
        for r in db.session.scalars(
            select(Registration).where(Registration.id.in_(registration_ids))
        )
    }
    assert orgs == {kept_id}
    assert db.session.get(Lecturer, lecturer.id).organization_id == kept_id
    assert db.session.get(Event, only_merged.id).organizer_id == kept_id
    quotas = {(q.event_id, q.organization_id): q.seats for q in db.session.scalars(select(Quota))}
    assert quotas == {(both.id, kept_id): 8, (only_merged.id, kept_id): 2}
    co_organizers = db.session.execute(
        select(event_co_organizers.c.organization_id).where(
            event_co_organizers.c.event_id == both.id
        )
    ).scalars()
    assert sorted(co_organizers) == sorted([kept_id, command.id])
    assert db.session.get(Organization, child.id).parent_id == kept_id
    assert db.session.get(Organization, predecessor.id).successor_id == kept_id

    assert details["moved"]["registrations.organization_id"] == 2
    assert details["moved"]["lecturers.organization_id"] == 1
    assert details["moved"]["events.organizer_id"] == 1
    assert details["moved"]["quotas.organization_id"] == 1
    assert details["combined"] == {
        "quotas.organization_id": 1,
        "event_co_organizers.organization_id": 1,
    }
    entry = last_entry("organization.merge")
    assert entry.object_id == kept_id
    assert entry.details["merged"] == {"id": merged_id, "name": "Don bien phong Cam Ranh (typed)"}
    assert entry.details["moved"]["registrations.organization_id"] == 2


def test_merge_does_not_make_the_kept_unit_its_own_parent() -> None:
    command = org("Bộ Chỉ huy Bộ đội Biên phòng tỉnh")
    post = org("Đồn Biên phòng Cam Ranh", parent=command, successor=command)
    merge_organizations(None, command, post)
    db.session.commit()
    post = db.session.get(Organization, post.id)
    assert post.parent_id is None
    assert post.successor_id is None


def test_merge_into_itself_is_refused() -> None:
    unit = org("Đồn Biên phòng Cam Ranh")
    with pytest.raises(OrganizationError):
        merge_organizations(None, unit, unit)
