"""The organizers' evaluation pages under ``/manage/events/<id>/evaluation``: the results (rate,
averages, charts, comments to approve), the form's questions and window, opening and closing,
the reminder mail, the course QR code for the closing session, and the results as XLSX.

Every route is for the course's organizers (and admins), as SPEC's route map says: the results
and the free-text answers are the organizers' to judge; check-in staff have no use for them.
The first visit creates the form from the default template (``services.ensure_form``)."""

from __future__ import annotations

from datetime import datetime
from datetime import time
from typing import Any

import segno
from flask import Blueprint
from flask import Response
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from ..auth.guard import guard_manage_blueprint
from ..common.errors import DomainError
from ..common.errors import show_on_form
from ..common.time import local_to_utc
from ..common.time import to_local
from ..events.access import organizer_required
from ..events.manage_blueprint import can_edit
from ..events.models import Event
from ..extensions import db
from ..i18n import format_datetime
from . import results as evaluation_results
from . import services
from .forms import CommentForm
from .forms import ConfirmForm
from .forms import EditQuestionForm
from .forms import QuestionActionForm
from .forms import QuestionForm
from .forms import SettingsForm
from .layout import form_layout
from .models import CommentStatus
from .models import EvaluationForm
from .models import QuestionKind
from .models import Section
from .template import agenda_lecturers
from .template import lecturer_heading

evaluation_bp = Blueprint("evaluation_manage", __name__, url_prefix="/manage")
guard_manage_blueprint(evaluation_bp)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _event() -> Event:
    event: Event = g.event
    return event


def _form() -> EvaluationForm:
    return services.ensure_form(current_user, _event())


def _course_url(event: Event) -> str:
    return url_for("evaluation.course", slug=event.slug, _external=True)


def _course_qr(event: Event) -> Markup:
    """The course's evaluation link as a standard QR code, inline SVG."""
    svg = segno.make_qr(_course_url(event), error="m").svg_inline(
        scale=1,
        border=4,
        omitsize=True,
        dark="#000",
        light="#fff",
        svgclass="qr-code",
        title=_("Evaluation of the course"),
    )
    return Markup(svg)  # noqa: S704  (segno's output of our own URL)


def _back(fragment: str = "", endpoint: str = ".overview") -> Any:
    return redirect(url_for(endpoint, event_id=_event().id) + fragment, 303)


def _expired() -> None:
    flash(_("The page had expired. Please try again."), "warning")


@evaluation_bp.get("/events/<int:event_id>/evaluation")
@organizer_required
def overview(event_id: int) -> Any:
    event = _event()
    form = _form()
    db.session.commit()  # keeps the form created by the first visit
    data = evaluation_results.results(event)
    charts: dict[int, Any] = {}
    for section in data.sections:
        for result in [*section.questions, *(q for b in section.lecturers for q in b.questions)]:
            if result.distribution is not None:
                charts[result.question.id] = evaluation_results.distribution_chart(
                    result.distribution
                )
    lecturer_lines = [
        (item.name, item.average)
        for item in data.summary.lecturer_averages
        if item.average is not None
    ]
    return render_template(
        "evaluation/manage.html",
        event=event,
        can_edit=can_edit(),
        form=form,
        state=services.state_of(form),
        data=data,
        charts=charts,
        lecturer_chart=(
            evaluation_results.averages_chart(lecturer_lines) if lecturer_lines else None
        ),
        min_responses=evaluation_results.MIN_RESPONSES,
        reminder_count=len(services.reminder_recipients(event.id)),
        action_form=ConfirmForm(formdata=None),
        course_url=_course_url(event),
        qr=_course_qr(event),
        comment_statuses=CommentStatus,
    )


# --- Questions and window ----------------------------------------------------------------------


def _settings_form(form: EvaluationForm, formdata: Any = None) -> SettingsForm:
    settings = SettingsForm(formdata=formdata)
    if formdata is None:
        settings.intro.data = form.intro
        if form.opens_at is not None:
            local = to_local(form.opens_at)
            settings.opens_day.data, settings.opens_time.data = local.date(), local.time()
        if form.closes_at is not None:
            local = to_local(form.closes_at)
            settings.closes_day.data, settings.closes_time.data = local.date(), local.time()
    return settings


def _question_form(event: Event, formdata: Any = None) -> QuestionForm:
    question_form = QuestionForm(formdata=formdata)
    question_form.lecturer_id.choices = [SelectChoice("0", _("— none —"))] + [
        SelectChoice(str(lecturer.id), lecturer_heading(lecturer))
        for lecturer, _topics in agenda_lecturers(event)
    ]
    return question_form


def _editor(status: int = 200, **forms: Any) -> Any:
    event = _event()
    form = _form()
    frozen = services.has_responses(form)
    return (
        render_template(
            "evaluation/edit.html",
            event=event,
            can_edit=can_edit(),
            form=form,
            state=services.state_of(form),
            frozen=frozen,
            layout=form_layout(form),
            kinds=QuestionKind,
            settings=forms.get("settings") or _settings_form(form),
            question_form=forms.get("question_form") or _question_form(event),
            edit_errors=forms.get("edit_errors") or {},
            action_form=ConfirmForm(formdata=None),
        ),
        status,
    )


@evaluation_bp.get("/events/<int:event_id>/evaluation/questions")
@organizer_required
def questions(event_id: int) -> Any:
    response = _editor()
    db.session.commit()
    return response


def _instant(day: Any, at: Any, default: time) -> datetime | None:
    if day is None:
        return None
    return local_to_utc(datetime.combine(day, at or default))


@evaluation_bp.post("/events/<int:event_id>/evaluation/settings")
@organizer_required
def settings(event_id: int) -> Any:
    form = _form()
    settings_form = _settings_form(form, request.form)
    if not settings_form.validate():
        return _editor(422, settings=settings_form)
    try:
        services.update_settings(
            current_user,
            form,
            intro=settings_form.intro.data or "",
            opens_at=_instant(settings_form.opens_day.data, settings_form.opens_time.data, time(0)),
            closes_at=_instant(
                settings_form.closes_day.data, settings_form.closes_time.data, time(23, 59)
            ),
        )
    except DomainError as error:
        db.session.rollback()
        show_on_form(settings_form, error)
        return _editor(422, settings=settings_form)
    db.session.commit()
    flash(_("The evaluation's settings were saved."), "success")
    return _back("#settings", ".questions")


@evaluation_bp.post("/events/<int:event_id>/evaluation/questions/add")
@organizer_required
def question_add(event_id: int) -> Any:
    event = _event()
    form = _form()
    question_form = _question_form(event, request.form)
    if not question_form.validate():
        return _editor(422, question_form=question_form)
    try:
        services.add_question(
            current_user,
            form,
            section=Section(question_form.section.data),
            kind=QuestionKind(question_form.kind.data),
            text=question_form.text.data or "",
            lecturer_id=question_form.lecturer_id.data or None,
        )
    except DomainError as error:
        db.session.rollback()
        show_on_form(question_form, error)
        return _editor(422, question_form=question_form)
    db.session.commit()
    flash(_("The question was added."), "success")
    return _back("#questions", ".questions")


@evaluation_bp.post("/events/<int:event_id>/evaluation/questions/edit")
@organizer_required
def question_edit(event_id: int) -> Any:
    form = _form()
    edit = EditQuestionForm()
    if not edit.validate():
        question_id = edit.question_id.data if isinstance(edit.question_id.data, int) else 0
        if not question_id:
            flash(_("That question is not on this form any more."), "warning")
        message = next(iter(edit.text.errors), None) or _(
            "That question is not on this form any more."
        )
        return _editor(422, edit_errors={question_id: message})
    try:
        services.update_question(current_user, form, edit.question_id.data, edit.text.data or "")
    except DomainError as error:
        db.session.rollback()
        return _editor(422, edit_errors={edit.question_id.data: error.message})
    db.session.commit()
    flash(_("The question was saved."), "success")
    return _back(f"#question-{edit.question_id.data}", ".questions")


def _question_action(verb: Any, done: str) -> Any:
    form = _form()
    action = QuestionActionForm()
    if not action.validate():
        flash(_("That question is not on this form any more."), "warning")
        return _back("#questions", ".questions")
    try:
        changed = verb(form, action.question_id.data, action.direction.data or "")
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
        return _back("#questions", ".questions")
    db.session.commit()
    if changed is not False:
        flash(done, "success")
    return _back("#questions", ".questions")


@evaluation_bp.post("/events/<int:event_id>/evaluation/questions/delete")
@organizer_required
def question_delete(event_id: int) -> Any:
    return _question_action(
        lambda form, question_id, _d: services.delete_question(current_user, form, question_id),
        _("The question was removed."),
    )


@evaluation_bp.post("/events/<int:event_id>/evaluation/questions/move")
@organizer_required
def question_move(event_id: int) -> Any:
    return _question_action(
        lambda form, question_id, direction: services.move_question(
            current_user, form, question_id, direction
        ),
        _("The question was moved."),
    )


@evaluation_bp.post("/events/<int:event_id>/evaluation/questions/reset")
@organizer_required
def questions_reset(event_id: int) -> Any:
    form = _form()
    if not ConfirmForm().validate():
        _expired()
        return _back("", ".questions")
    try:
        count = services.reset_questions(current_user, form)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
        return _back("", ".questions")
    db.session.commit()
    flash(
        ngettext(
            "The form was made again from the template: %(num)d question.",
            "The form was made again from the template: %(num)d questions.",
            count,
        ),
        "success",
    )
    return _back("#questions", ".questions")


# --- Opening, closing, reminders ---------------------------------------------------------------


@evaluation_bp.post("/events/<int:event_id>/evaluation/open")
@organizer_required
def open_form(event_id: int) -> Any:
    form = _form()
    if not ConfirmForm().validate():
        _expired()
        return _back()
    try:
        services.open_form(current_user, form)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
        return _back("#settings", ".questions")
    db.session.commit()
    if services.state_of(form) == services.FormState.UPCOMING:
        flash(
            _("The evaluation will open on %(when)s.", when=format_datetime(form.opens_at)),
            "success",
        )
    else:
        flash(_("The evaluation is open: participants can answer."), "success")
    return _back()


@evaluation_bp.post("/events/<int:event_id>/evaluation/close")
@organizer_required
def close_form(event_id: int) -> Any:
    form = _form()
    if not ConfirmForm().validate():
        _expired()
        return _back()
    services.close_form(current_user, form)
    db.session.commit()
    flash(_("The evaluation takes no more answers."), "success")
    return _back()


@evaluation_bp.post("/events/<int:event_id>/evaluation/remind")
@organizer_required
def remind(event_id: int) -> Any:
    form = _form()
    if not ConfirmForm().validate():
        _expired()
        return _back()
    try:
        queued = services.send_reminders(current_user, form)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "warning")
        return _back()
    db.session.commit()
    if queued:
        flash(
            ngettext(
                "A reminder was e-mailed to %(num)d participant.",
                "A reminder was e-mailed to %(num)d participants.",
                queued,
            ),
            "success",
        )
    else:
        flash(_("Nobody to remind: everyone with an e-mail address has answered."), "info")
    return _back()


@evaluation_bp.post("/events/<int:event_id>/evaluation/comments")
@organizer_required
def comment(event_id: int) -> Any:
    form = _form()
    comment_form = CommentForm()
    if not comment_form.validate():
        flash(_("That answer was not found."), "warning")
        return _back("#comments")
    try:
        services.set_comment_status(
            current_user,
            form,
            comment_form.response_id.data or "",
            comment_form.question_id.data,
            CommentStatus(comment_form.status.data),
        )
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "warning")
        return _back("#comments")
    db.session.commit()
    return _back("#comments")


# --- Files ----------------------------------------------------------------------------------


@evaluation_bp.get("/events/<int:event_id>/evaluation/poster")
@organizer_required
def poster(event_id: int) -> Any:
    """The course QR code on a page of its own, to print or show on the hall's screen."""
    event = _event()
    form = _form()
    db.session.commit()
    return render_template(
        "evaluation/poster.html",
        event=event,
        form=form,
        qr=_course_qr(event),
        course_url=_course_url(event),
    )


@evaluation_bp.get("/events/<int:event_id>/evaluation/results.xlsx")
@organizer_required
def results_xlsx(event_id: int) -> Any:
    event = _event()
    _form()
    data = evaluation_results.results(event)
    content = evaluation_results.results_xlsx(event, data)
    services.record_export(current_user, event, responses=data.summary.responses)
    db.session.commit()  # the audit entry is kept even if the download is interrupted
    response = Response(content, mimetype=XLSX)
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}-evaluation.xlsx"'
    response.headers["Cache-Control"] = "no-store"
    return response
