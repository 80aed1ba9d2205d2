"""The organizers' queue of participants' requests (``/manage/requests``) and one request's
page with its answer."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import g
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.guard import guard_manage_blueprint
from ..common.errors import DomainError
from ..common.errors import show_on_form
from ..common.paging import ListPagination
from ..common.time import local_today
from ..events.models import StaffRole
from ..extensions import db
from . import services
from .forms import AnswerForm
from .labels import KIND_LABELS
from .labels import STATUS_LABELS
from .models import DataRequest
from .models import RequestStatus

privacy_bp = Blueprint("privacy_manage", __name__, url_prefix="/manage")
# Organizer and admin accounts; a course's page also needs the organizer role on that course.
guard_manage_blueprint(privacy_bp, directory=True)

#: the highest page number asked for that is read as a page (larger ones show the last page)
MAX_PAGE = 100_000


def _no_store(body: Any) -> Any:
    response = make_response(body)
    response.headers["Cache-Control"] = "no-store"
    return response


def _page() -> int:
    page = request.args.get("page", 1, type=int) or 1
    return min(max(page, 1), MAX_PAGE)


@privacy_bp.get("/requests")
def requests() -> Any:
    """Requests of the courses this account organizes, open ones first by due date."""
    open_only = request.args.get("show") != "all"
    items = list(db.session.scalars(services.request_queue(current_user, open_only=open_only)))
    per_page = current_app.config["ITEMS_PER_PAGE"]
    page = ListPagination(items, page=_page(), per_page=per_page)
    if page.page > max(page.pages, 1):
        page = ListPagination(items, page=max(page.pages, 1), per_page=per_page)
    return _no_store(
        render_template(
            "privacy/queue.html",
            page=page,
            today=local_today(),
            open_only=open_only,
            kind_labels=KIND_LABELS,
            status_labels=STATUS_LABELS,
        )
    )


@privacy_bp.route("/events/<int:event_id>/requests/<int:request_id>", methods=["GET", "POST"])
def request_page(event_id: int, request_id: int) -> Any:
    """One request, the participant's registration, and the answer form (organizers)."""
    if g.event_role != StaffRole.ORGANIZER:
        abort(403)
    data_request = (
        db.session.scalar(
            select(DataRequest).where(
                DataRequest.id == request_id, DataRequest.event_id == event_id
            )
        )
        if 0 < request_id < 2**31
        else None
    )
    if data_request is None:
        abort(404)
    form = AnswerForm()
    if data_request.is_open and form.validate_on_submit():
        try:
            services.answer_request(
                event_id,
                request_id,
                RequestStatus(form.decision.data),
                form.answer.data or "",
                current_user,
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            flash(
                _(
                    "The answer has been saved and e-mailed to the participant, if they have an address."
                ),
                "success",
            )
            return redirect(url_for(".request_page", event_id=event_id, request_id=request_id), 303)
    return _no_store(
        render_template(
            "privacy/request_page.html",
            data_request=data_request,
            registration=data_request.registration,
            event=g.event,
            form=form,
            overdue=services.is_overdue(data_request),
            kind_labels=KIND_LABELS,
            status_labels=STATUS_LABELS,
        )
    )
