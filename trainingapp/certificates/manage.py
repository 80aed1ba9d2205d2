"""The certificates page of a course, ``/manage/events/<id>/certificates``.

Everyone with a role on the course sees who qualifies and who holds a certificate, and downloads
them (one PDF, or all valid ones as a ZIP; both audited as exports): staff print them for the
closing of the course. Only organizers (and admins) change the rule and the template, issue and
revoke.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth.guard import guard_manage_blueprint
from ..common.errors import DomainError
from ..common.errors import show_on_form
from ..common.paging import ListPagination
from ..events.access import organizer_required
from ..events.manage_blueprint import can_edit
from ..events.models import Event
from ..extensions import db
from . import rules
from . import services
from .forms import RULE_LABELS
from .forms import ActionForm
from .forms import RevokeForm
from .forms import SettingsForm
from .job import queue_zip
from .models import CertificateRule
from .models import CertificateSettings
from .pdf import course_texts
from .pdf import filename_for
from .pdf import render_certificate
from .pdf import sample_pdf
from .services import PLACEHOLDERS

certificates_bp = Blueprint("certificates_manage", __name__, url_prefix="/manage")
guard_manage_blueprint(certificates_bp)

NO_STORE = {"Cache-Control": "no-store"}


def _event() -> Event:
    event: Event = g.event
    return event


#: the list's filter (``?show=``): who is shown below the counts
SHOW_CHOICES = {
    "waiting": _l("Waiting for a certificate"),
    "issued": _l("With a certificate"),
    "not_qualified": _l("Not qualified"),
}


def _settings_form(settings: CertificateSettings, formdata: Any = None) -> SettingsForm:
    form = SettingsForm(formdata=formdata)
    if formdata is None:
        form.rule.data = settings.rule.value
        form.min_sessions.data = settings.min_sessions
        form.count_excused.data = settings.count_excused
        form.title.data = settings.title
        form.sentence.data = settings.sentence
        form.parent_body.data = settings.parent_body
        form.issuing_body.data = settings.issuing_body
        form.place.data = settings.place
        form.signer_title.data = settings.signer_title
        form.signer_name.data = settings.signer_name
    return form


def _page(status: int = 200, **forms: Any) -> Any:
    event = _event()
    settings = services.settings_for(event.id)
    candidates = rules.candidates(event.id, settings)
    sessions = rules.session_count(event.id)
    valid, revoked = services.issued_counts(event.id)
    waiting = [c for c in candidates if c.qualifies and not c.has_valid]
    show = request.args.get("show", "")
    shown = {
        "waiting": waiting,
        "issued": [c for c in candidates if c.certificate is not None],
        "not_qualified": [c for c in candidates if not c.qualifies and not c.has_valid],
    }.get(show, candidates)
    per_page = current_app.config["ITEMS_PER_PAGE"]
    last_page = max(1, -(-len(shown) // per_page))
    listing = ListPagination(
        shown, page=min(request.args.get("page", 1, type=int), last_page), per_page=per_page
    )
    return (
        render_template(
            "certificates/manage.html",
            event=event,
            can_edit=can_edit(),
            settings=settings,
            rule_label=RULE_LABELS[settings.rule],
            manual=settings.rule == CertificateRule.MANUAL,
            texts=course_texts(settings, event),
            candidates=candidates,
            page=listing,
            show=show if show in SHOW_CHOICES else "",
            show_choices=SHOW_CHOICES,
            args={"show": show} if show in SHOW_CHOICES else {},
            sessions=sessions,
            needed=rules.required_sessions(settings, sessions),
            qualifying=sum(1 for c in candidates if c.qualifies),
            waiting=len(waiting),
            valid=valid,
            revoked=revoked,
            placeholders=", ".join("{" + name + "}" for name in PLACEHOLDERS),
            settings_form=forms.get("settings_form") or _settings_form(settings),
            revoke_form=forms.get("revoke_form") or RevokeForm(formdata=None),
            revoke_for=forms.get("revoke_for"),
            action_form=ActionForm(formdata=None),
        ),
        status,
        NO_STORE,
    )


def _back() -> Any:
    return redirect(url_for(".page", event_id=_event().id), 303)


@certificates_bp.get("/events/<int:event_id>/certificates")
def page(event_id: int) -> Any:
    return _page()


@certificates_bp.post("/events/<int:event_id>/certificates/settings")
@organizer_required
def save_settings(event_id: int) -> Any:
    settings = services.settings_for(event_id)
    form = _settings_form(settings, request.form)
    if not form.validate():
        return _page(422, settings_form=form)
    values = services.SettingsValues(
        rule=CertificateRule(form.rule.data),
        min_sessions=form.min_sessions.data or 1,
        count_excused=bool(form.count_excused.data),
        title=form.title.data or "",
        sentence=form.sentence.data or "",
        parent_body=(form.parent_body.data or "").strip(),
        issuing_body=(form.issuing_body.data or "").strip(),
        place=(form.place.data or "").strip(),
        signer_title="\n".join(
            line.strip() for line in (form.signer_title.data or "").splitlines() if line.strip()
        ),
        signer_name=(form.signer_name.data or "").strip(),
    )
    try:
        services.save_settings(current_user, event_id, values)
    except DomainError as exc:
        db.session.rollback()
        show_on_form(form, exc)
        return _page(422, settings_form=form)
    db.session.commit()
    flash(_("The certificate settings are saved."), "success")
    return _back()


def _chosen_ids() -> list[int] | None:
    """The ticked people (``person`` fields), None when none were ticked; 400-free on junk."""
    raw = request.form.getlist("person")
    if not raw:
        return None
    ids = []
    for value in raw[:5000]:
        if not value.isdigit() or not 0 < int(value) < 2**63:
            raise services.CertificateError(_("The list of people was not understood."))
        ids.append(int(value))
    return ids


@certificates_bp.post("/events/<int:event_id>/certificates/issue")
@organizer_required
def issue(event_id: int) -> Any:
    form = ActionForm()
    if not form.validate():
        abort(400)
    try:
        issued = services.issue(current_user, event_id, _chosen_ids())
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "danger")
        return _back()
    db.session.commit()
    if issued.count == 1:
        message = _("One certificate issued: %(first)s.", first=issued.first)
    else:
        message = _(
            "%(num)d certificates issued: %(first)s to %(last)s.",
            num=issued.count,
            first=issued.first,
            last=issued.last,
        )
    flash(message, "success")
    return _back()


@certificates_bp.post("/events/<int:event_id>/certificates/<int:registration_id>/revoke")
@organizer_required
def revoke(event_id: int, registration_id: int) -> Any:
    form = RevokeForm()
    if not form.validate():
        return _page(422, revoke_form=form, revoke_for=registration_id)
    try:
        certificate = services.revoke(current_user, event_id, registration_id, form.reason.data)
    except DomainError as exc:
        db.session.rollback()
        if exc.field == "reason":
            show_on_form(form, exc)
            return _page(422, revoke_form=form, revoke_for=registration_id)
        flash(str(exc.message), "danger")
        return _back()
    db.session.commit()
    flash(_("Certificate %(number)s is revoked.", number=certificate.label), "success")
    return _back()


def _attachment(body: Any, mimetype: str, name: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers.update(NO_STORE)
    return response


@certificates_bp.get("/events/<int:event_id>/certificates/<int:registration_id>.pdf")
def certificate_pdf(event_id: int, registration_id: int) -> Any:
    if not 0 < registration_id < 2**63:
        abort(404)
    certificate = services.certificate_of(event_id, registration_id)
    if certificate is None:
        abort(404)
    content = render_certificate(certificate)
    services.record_download(current_user, _event(), file_format="pdf", rows=1)
    name = filename_for(certificate)
    db.session.commit()
    return _attachment(content, "application/pdf", name)


@certificates_bp.post("/events/<int:event_id>/certificates.zip")
def certificates_zip(event_id: int) -> Any:
    """Queue the ZIP of every valid certificate; its job's page offers the file once made."""
    event = _event()
    if not ActionForm().validate_on_submit():
        flash(
            _("Your form expired or was sent twice. Please reload the page and try again."),
            "danger",
        )
        return _back()
    count = len(services.valid_certificates(event_id))
    if not count:
        flash(_("No valid certificates to download yet."), "warning")
        return _back()
    job = queue_zip(event, owner_id=current_user.id, count=count, locale=str(get_locale() or "vi"))
    db.session.commit()
    return redirect(url_for("jobs_manage.job_page", event_id=event_id, job_id=job.id), 303)


@certificates_bp.get("/events/<int:event_id>/certificates/preview.pdf")
def preview(event_id: int) -> Any:
    """The saved template with a sample person (no personal data: not an export)."""
    event = _event()
    content = sample_pdf(event, services.settings_for(event_id))
    return _attachment(content, "application/pdf", f"{event.slug}-certificate-sample.pdf")
