from __future__ import annotations

from hmac import compare_digest
from typing import Any

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_login import login_required
from flask_login import login_user
from flask_login import logout_user

from ..common.urls import safe_next_url
from ..extensions import db
from ..extensions import limiter
from ..extensions import login_manager
from .forms import LoginForm
from .models import User
from .services import authenticate
from .services import log_out

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message_category = "warning"
login_manager.login_message = _l("Please sign in to see this page.")
login_manager.localize_callback = str  # translate the lazy message when it is flashed


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    """The account of ``"<id>:<token>"``, while its token is current (see
    ``User.end_sessions``) and it is active: a disabled account is signed out at its next
    request, not only refused at the next login."""
    number, _sep, token = user_id.partition(":")
    if not number.isdigit() or not token or int(number) >= 2**31:
        return None
    user = db.session.get(User, int(number))
    if user is None or not user.active or not compare_digest(user.session_token, token):
        return None
    return user


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login() -> Any:
    next_url = safe_next_url(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("workspace.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(
            form.email.data or "", form.password.data or "", ip_address=request.remote_addr
        )
        db.session.commit()
        if user is not None:
            login_user(user, remember=bool(form.remember.data))
            return redirect(next_url or url_for("workspace.index"), 303)
        form.password.errors.append(_("Wrong e-mail or password, or the account is disabled."))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Any:
    log_out(current_user, ip_address=request.remote_addr)
    db.session.commit()
    logout_user()
    flash(_("You have signed out."), "success")
    response = redirect(url_for("events.index"), 303)
    # The offline check-in's copy of participants (IndexedDB) and pages (service worker cache).
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response
