"""The lecturer directory (/manage/lecturers), shared across courses: organizers and admins."""

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
from ..organizations.forms import organization_choices
from ..organizations.services import current_organizations
from .forms import LecturerForm
from .forms import LecturerSearchForm
from .models import Lecturer
from .services import LecturerError
from .services import create_lecturer
from .services import delete_lecturer
from .services import search_lecturers
from .services import topic_counts
from .services import update_lecturer

lecturers_bp = Blueprint("lecturers_manage", __name__, url_prefix="/manage")
guard_manage_blueprint(lecturers_bp, directory=True)


def _set_choices(form: LecturerForm, lecturer: Lecturer | None) -> None:
    organizations = list(db.session.scalars(current_organizations()))
    current = lecturer.organization if lecturer is not None else None
    if current is not None and current not in organizations:
        organizations.append(current)  # a retired unit stays as it was
    form.organization_id.choices = organization_choices(organizations, blank=_("— none —"))


@lecturers_bp.get("/lecturers")
def lecturers() -> Any:
    form = LecturerSearchForm(request.args)
    form.validate()
    page = db.paginate(
        search_lecturers(None if form.q.errors else form.q.data),
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["ITEMS_PER_PAGE"],
        error_out=False,
    )
    counts = topic_counts([lecturer.id for lecturer in page.items])
    return render_template(
        "manage/directory/lecturers.html", form=form, page=page, topic_counts=counts
    )


@lecturers_bp.route("/lecturers/new", methods=["GET", "POST"])
def create() -> Any:
    form = LecturerForm()
    _set_choices(form, None)
    if form.validate_on_submit():
        try:
            lecturer = create_lecturer(
                current_user,
                form.full_name.data or "",
                rank=form.rank.data,
                position=form.position.data,
                organization_id=form.organization_id.data or None,
            )
        except LecturerError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Lecturer %(name)s added.", name=lecturer.full_name), "success")
            return redirect(url_for(".lecturers", q=lecturer.full_name), 303)
    return render_template("manage/directory/lecturer_form.html", form=form, lecturer=None)


@lecturers_bp.route("/lecturers/<int:lecturer_id>/edit", methods=["GET", "POST"])
def edit(lecturer_id: int) -> Any:
    lecturer = db.get_or_404(Lecturer, lecturer_id)
    form = LecturerForm(obj=lecturer)
    if request.method == "GET":
        form.organization_id.data = lecturer.organization_id or 0
    _set_choices(form, lecturer)
    if form.validate_on_submit():
        try:
            update_lecturer(
                current_user,
                lecturer,
                full_name=form.full_name.data or "",
                rank=form.rank.data,
                position=form.position.data,
                organization_id=form.organization_id.data or None,
            )
        except LecturerError as error:
            db.session.rollback()
            lecturer = db.get_or_404(Lecturer, lecturer_id)
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for(".lecturers", q=lecturer.full_name), 303)
    used = topic_counts([lecturer.id]).get(lecturer.id, 0)
    return render_template(
        "manage/directory/lecturer_form.html", form=form, lecturer=lecturer, topic_count=used
    )


@lecturers_bp.post("/lecturers/<int:lecturer_id>/delete")
def delete(lecturer_id: int) -> Any:
    lecturer = db.get_or_404(Lecturer, lecturer_id)
    name = lecturer.full_name
    try:
        delete_lecturer(current_user, lecturer)
    except LecturerError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
        return redirect(url_for(".edit", lecturer_id=lecturer_id), 303)
    db.session.commit()
    flash(_("Lecturer %(name)s deleted.", name=name), "success")
    return redirect(url_for(".lecturers"), 303)
