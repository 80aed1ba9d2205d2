"""Staff area for courses (/manage). Every route here requires a signed-in account."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import current_app
from flask import render_template
from flask import request
from flask_login import current_user

from ..extensions import db
from .access import guard_manage_blueprint
from .models import Event
from .permissions import visible_events

manage_bp = Blueprint("events_manage", __name__, url_prefix="/manage")


guard_manage_blueprint(manage_bp)


@manage_bp.get("/")
def index() -> Any:
    page = db.paginate(
        visible_events(current_user).order_by(Event.start_date.desc(), Event.id.desc()),
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["ITEMS_PER_PAGE"],
        error_out=False,
    )
    return render_template("manage/index.html", page=page)
