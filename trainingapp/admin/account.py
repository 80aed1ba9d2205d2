"""Self-service account pages (/manage/account/...): any signed-in account."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_user

from ..auth.guard import guard_manage_blueprint
from ..auth.services import AccountError
from ..auth.services import change_own_password
from ..common.errors import show_on_form
from ..extensions import db
from .forms import ChangePasswordForm

account_bp = Blueprint("account_manage", __name__, url_prefix="/manage/account")
guard_manage_blueprint(account_bp)


@account_bp.route("/password", methods=["GET", "POST"])
def password() -> Any:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            change_own_password(
                current_user, form.current_password.data or "", form.new_password.data or ""
            )
        except AccountError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            # Every other browser is signed out; this one stays, under the new token.
            login_user(current_user._get_current_object())
            flash(_("Your password has been changed. Other devices were signed out."), "success")
            return redirect(url_for("workspace.index"), 303)
    return render_template("manage/admin/password.html", form=form)
