"""Staff pages of the organization directory (/manage/organizations): organizers and admins."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guard import guard_manage_blueprint
from ..common.errors import show_on_form
from ..extensions import db
from .forms import AcceptForm
from .forms import MergeForm
from .forms import OrganizationForm
from .forms import OrganizationSearchForm
from .forms import RetireForm
from .forms import organization_choices
from .models import Organization
from .models import OrganizationKind
from .services import OrganizationError
from .services import accept_organization
from .services import create_organization
from .services import current_organizations
from .services import exclude_ids
from .services import get_organization
from .services import kind_label
from .services import merge_organizations
from .services import organization_counts
from .services import reinstate_organization
from .services import retire_organization
from .services import review_queue
from .services import search_organizations
from .services import update_organization

manage_bp = Blueprint("organizations_manage", __name__, url_prefix="/manage")
guard_manage_blueprint(manage_bp, directory=True)


@manage_bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"kind_label": kind_label}


def _per_page() -> int:
    return int(current_app.config["ITEMS_PER_PAGE"])


def _all_organizations(*exclude: int) -> list[Organization]:
    """Current units, by name, for the parent and successor selects."""
    return list(db.session.scalars(exclude_ids(current_organizations(), *exclude)))


def _merge_targets(organization: Organization) -> list[Organization]:
    """Units another can be merged into: every other unit, current ones first."""
    query = exclude_ids(search_organizations(status="all"), organization.id)
    targets = list(db.session.scalars(query))
    return sorted(targets, key=lambda org: org.retired_on is not None)


def _with_merge_targets(form: MergeForm, organization: Organization) -> MergeForm:
    form.target_id.choices = organization_choices(
        _merge_targets(organization), blank=_("— choose —")
    )
    return form


@manage_bp.get("/organizations")
def organizations() -> Any:
    form = OrganizationSearchForm(request.args)
    form.validate()
    status = (
        form.status.data
        if form.status.data in {"current", "review", "retired", "all"}
        else "current"
    )
    query = search_organizations(form.q.data if not form.q.errors else None, status=status)
    page = db.paginate(
        query, page=request.args.get("page", 1, type=int), per_page=_per_page(), error_out=False
    )
    return render_template(
        "manage/directory/organizations.html",
        form=form,
        page=page,
        status=status,
        counts=organization_counts(),
    )


def _edit_form_choices(form: OrganizationForm, organization: Organization | None) -> None:
    exclude = (organization.id,) if organization is not None else ()
    parents = _all_organizations(*exclude)
    parent = organization.parent if organization is not None else None
    if parent is not None and parent not in parents:
        parents.append(parent)  # a retired parent stays selectable
    form.parent_id.choices = organization_choices(parents, blank=_("— none —"))


@manage_bp.route("/organizations/new", methods=["GET", "POST"])
def create() -> Any:
    form = OrganizationForm()
    _edit_form_choices(form, None)
    if form.validate_on_submit():
        try:
            organization = create_organization(
                current_user,
                form.name.data or "",
                OrganizationKind(form.kind.data),
                short_name=form.short_name.data,
                parent_id=form.parent_id.data or None,
            )
        except OrganizationError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Organization %(name)s added.", name=organization.name), "success")
            return redirect(url_for(".organizations", q=organization.name), 303)
    return render_template("manage/directory/organization_form.html", form=form, organization=None)


def _load(organization_id: int) -> Organization:
    return db.get_or_404(Organization, organization_id)


def _edit_page(
    organization: Organization,
    form: OrganizationForm | None = None,
    retire_form: RetireForm | None = None,
    merge_form: MergeForm | None = None,
) -> str:
    if form is None:
        form = OrganizationForm(obj=organization, formdata=None)
        form.kind.data = organization.kind.value
        form.parent_id.data = organization.parent_id or 0
    _edit_form_choices(form, organization)
    retire_form = retire_form or RetireForm(formdata=None)
    retire_form.successor_id.choices = organization_choices(
        _all_organizations(organization.id), blank=_("— no successor —")
    )
    merge_form = _with_merge_targets(merge_form or MergeForm(formdata=None), organization)
    return render_template(
        "manage/directory/organization_form.html",
        organization=organization,
        form=form,
        retire_form=retire_form,
        merge_form=merge_form,
    )


@manage_bp.route("/organizations/<int:organization_id>/edit", methods=["GET", "POST"])
def edit(organization_id: int) -> Any:
    organization = _load(organization_id)
    if request.method == "GET":
        return _edit_page(organization)
    form = OrganizationForm()
    _edit_form_choices(form, organization)
    if form.validate_on_submit():
        try:
            update_organization(
                current_user,
                organization,
                name=form.name.data or "",
                kind=OrganizationKind(form.kind.data),
                short_name=form.short_name.data,
                parent_id=form.parent_id.data or None,
            )
        except OrganizationError as error:
            db.session.rollback()
            organization = _load(organization_id)
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for(".edit", organization_id=organization.id), 303)
    return _edit_page(organization, form=form)


@manage_bp.post("/organizations/<int:organization_id>/retire")
def retire(organization_id: int) -> Any:
    organization = _load(organization_id)
    form = RetireForm()
    form.successor_id.choices = organization_choices(
        _all_organizations(organization.id), blank=_("— no successor —")
    )
    if form.validate_on_submit():
        try:
            retire_organization(
                current_user,
                organization,
                successor=get_organization(form.successor_id.data),
                retired_on=form.retired_on.data,
            )
        except OrganizationError as error:
            db.session.rollback()
            organization = _load(organization_id)
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(
                _(
                    "%(name)s is retired: it is no longer offered to new registrations.",
                    name=organization.name,
                ),
                "success",
            )
            return redirect(url_for(".edit", organization_id=organization.id), 303)
    return _edit_page(organization, retire_form=form)


@manage_bp.post("/organizations/<int:organization_id>/reinstate")
def reinstate(organization_id: int) -> Any:
    organization = _load(organization_id)  # CSRFProtect has checked the token
    try:
        reinstate_organization(current_user, organization)
    except OrganizationError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
    else:
        db.session.commit()
        flash(_("%(name)s is offered again.", name=organization.name), "success")
    return redirect(url_for(".edit", organization_id=organization_id), 303)


@manage_bp.post("/organizations/<int:organization_id>/merge")
def merge(organization_id: int) -> Any:
    organization = _load(organization_id)
    from_review = organization.needs_review
    form = _with_merge_targets(MergeForm(), organization)
    if form.validate_on_submit():
        kept = _load(form.target_id.data)
        merged_name = organization.name
        try:
            result = merge_organizations(current_user, organization, kept)
        except OrganizationError as error:
            db.session.rollback()
            organization = _load(organization_id)
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(
                _(
                    "%(merged)s was merged into %(kept)s (%(count)d references moved).",
                    merged=merged_name,
                    kept=kept.name,
                    count=sum(result["moved"].values()),
                ),
                "success",
            )
            if from_review:
                return redirect(url_for(".review"), 303)
            return redirect(url_for(".edit", organization_id=kept.id), 303)
    if from_review and request.form.get("from") == "review":
        return _review_page(organization, merge_form=form)
    return _edit_page(organization, merge_form=form)


@manage_bp.get("/organizations/review")
def review() -> Any:
    page = db.paginate(
        review_queue(),
        page=request.args.get("page", 1, type=int),
        per_page=_per_page(),
        error_out=False,
    )
    return render_template("manage/directory/review.html", page=page)


def _review_page(
    organization: Organization,
    accept_form: AcceptForm | None = None,
    merge_form: MergeForm | None = None,
) -> str:
    if accept_form is None:
        accept_form = AcceptForm(obj=organization, formdata=None)
        accept_form.kind.data = organization.kind.value
    merge_form = _with_merge_targets(merge_form or MergeForm(formdata=None), organization)
    return render_template(
        "manage/directory/review_item.html",
        organization=organization,
        accept_form=accept_form,
        merge_form=merge_form,
    )


@manage_bp.route("/organizations/<int:organization_id>/review", methods=["GET", "POST"])
def review_item(organization_id: int) -> Any:
    organization = _load(organization_id)
    if request.method == "GET":
        return _review_page(organization)
    form = AcceptForm()
    if form.validate_on_submit():
        try:
            accept_organization(
                current_user,
                organization,
                name=form.name.data or "",
                kind=OrganizationKind(form.kind.data),
            )
        except OrganizationError as error:
            db.session.rollback()
            organization = _load(organization_id)
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("%(name)s was added to the directory.", name=organization.name), "success")
            return redirect(url_for(".review"), 303)
    return _review_page(organization, accept_form=form)
