"""Admin pages (/manage/accounts, /manage/audit): accounts, roles, passwords and the audit log."""

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
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..auth.guard import guard_manage_blueprint
from ..auth.models import Role
from ..auth.models import User
from ..auth.services import AccountError
from ..auth.services import change_role
from ..auth.services import create_user
from ..auth.services import list_users
from ..auth.services import reset_password
from ..auth.services import set_active
from ..common.errors import show_on_form
from ..events.models import Event
from ..extensions import db
from .audit import action_label
from .audit import audit_query
from .audit import describe
from .audit import known_actions
from .forms import ROLE_LABELS
from .forms import AccountCreateForm
from .forms import AccountSearchForm
from .forms import AuditFilterForm
from .forms import ResetPasswordForm
from .forms import RoleForm

admin_bp = Blueprint("admin_manage", __name__, url_prefix="/manage")
guard_manage_blueprint(admin_bp, admin_only=True)


@admin_bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"role_label": lambda role: ROLE_LABELS.get(Role(role), role)}


def _per_page() -> int:
    return int(current_app.config["ITEMS_PER_PAGE"])


@admin_bp.get("/accounts")
def accounts() -> Any:
    form = AccountSearchForm(request.args)
    form.validate()
    page = db.paginate(
        list_users(None if form.q.errors else form.q.data),
        page=request.args.get("page", 1, type=int),
        per_page=_per_page(),
        error_out=False,
    )
    return render_template("manage/admin/accounts.html", form=form, page=page)


@admin_bp.route("/accounts/new", methods=["GET", "POST"])
def create_account() -> Any:
    form = AccountCreateForm()
    if form.validate_on_submit():
        try:
            user = create_user(
                form.email.data or "",
                form.password.data or "",
                Role(form.role.data),
                full_name=form.full_name.data or "",
                actor=current_user,
            )
        except AccountError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Account %(email)s created.", email=user.email), "success")
            return redirect(url_for(".account", user_id=user.id), 303)
    return render_template("manage/admin/account_new.html", form=form)


def _account_page(
    user: User,
    role_form: RoleForm | None = None,
    password_form: ResetPasswordForm | None = None,
) -> str:
    if role_form is None:
        role_form = RoleForm(formdata=None)
        role_form.role.data = user.role.value
    return render_template(
        "manage/admin/account.html",
        user=user,
        role_form=role_form,
        password_form=password_form or ResetPasswordForm(formdata=None),
        is_self=user.id == current_user.id,
    )


@admin_bp.get("/accounts/<int:user_id>")
def account(user_id: int) -> Any:
    return _account_page(db.get_or_404(User, user_id))


@admin_bp.post("/accounts/<int:user_id>/role")
def account_role(user_id: int) -> Any:
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            change_role(current_user, user, Role(form.role.data))
        except AccountError as error:
            db.session.rollback()
            user = db.get_or_404(User, user_id)
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Role changed."), "success")
            return redirect(url_for(".account", user_id=user_id), 303)
    return _account_page(user, role_form=form)


@admin_bp.post("/accounts/<int:user_id>/password")
def account_password(user_id: int) -> Any:
    user = db.get_or_404(User, user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            reset_password(current_user, user, form.new_password.data or "")
        except AccountError as error:
            db.session.rollback()
            user = db.get_or_404(User, user_id)
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(
                _(
                    "New password set for %(email)s. Tell them to change it after signing in.",
                    email=user.email,
                ),
                "success",
            )
            return redirect(url_for(".account", user_id=user_id), 303)
    return _account_page(user, password_form=form)


def _set_active(user_id: int, active: bool) -> Any:
    user = db.get_or_404(User, user_id)
    try:
        set_active(current_user, user, active)
    except AccountError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
    else:
        db.session.commit()
        if active:
            flash(_("Account %(email)s enabled.", email=user.email), "success")
        else:
            flash(
                _("Account %(email)s disabled: it can no longer sign in.", email=user.email),
                "success",
            )
    return redirect(url_for(".account", user_id=user_id), 303)


@admin_bp.post("/accounts/<int:user_id>/disable")
def disable_account(user_id: int) -> Any:
    return _set_active(user_id, False)


@admin_bp.post("/accounts/<int:user_id>/enable")
def enable_account(user_id: int) -> Any:
    return _set_active(user_id, True)


@admin_bp.get("/audit")
def audit_log() -> Any:
    form = AuditFilterForm(request.args)
    events = db.session.execute(
        select(Event.id, Event.title, Event.start_date).order_by(
            Event.start_date.desc(), Event.id.desc()
        )
    ).all()
    users = db.session.execute(select(User.id, User.email).order_by(User.email)).all()
    form.event.choices = [SelectChoice(0, _("All courses"))] + [
        SelectChoice(row.id, f"{row.title} ({row.start_date.strftime('%d/%m/%Y')})")
        for row in events
    ]
    form.actor.choices = [SelectChoice(0, _("All users"))] + [
        SelectChoice(row.id, row.email) for row in users
    ]
    form.action.choices = [SelectChoice("", _("All actions"))] + [
        SelectChoice(action, action_label(action)) for action in known_actions()
    ]
    form.validate()  # a bad filter shows its message and is left out
    query = audit_query(
        event_id=None if form.event.errors else form.event.data,
        actor_id=None if form.actor.errors else form.actor.data,
        action=None if form.action.errors else form.action.data,
        start=None if form.start.errors else form.start.data,
        end=None if form.end.errors else form.end.data,
    )
    page = db.paginate(
        query,
        page=request.args.get("page", 1, type=int),
        per_page=_per_page(),
        error_out=False,
    )
    titles = {row.id: row.title for row in events}
    rows = [
        {
            "entry": entry,
            "action": action_label(entry.action),
            "course": titles.get(entry.event_id) if entry.event_id else None,
            "lines": describe(entry.details),
        }
        for entry in page.items
    ]
    return render_template("manage/admin/audit.html", form=form, page=page, rows=rows)
