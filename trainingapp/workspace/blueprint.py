"""The workspace blueprint (/manage, endpoints ``workspace.*``): pages that combine several
packages' figures. Routes with an ``event_id`` require a role on that course (``auth.guard``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from ..auth.guard import guard_manage_blueprint
from ..events.manage_blueprint import EVENT_STATUS_LABELS
from ..events.manage_blueprint import STAFF_ROLE_LABELS
from ..registration.labels import STATUS_LABELS

workspace_bp = Blueprint("workspace", __name__, url_prefix="/manage")
guard_manage_blueprint(workspace_bp)


@workspace_bp.app_context_processor
def _labels() -> dict[str, Any]:
    """Display words of statuses and roles, for every staff page."""
    return {
        "event_status_labels": EVENT_STATUS_LABELS,
        "registration_status_labels": STATUS_LABELS,
        "staff_role_labels": STAFF_ROLE_LABELS,
    }
