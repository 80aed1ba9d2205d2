"""The participant's forms on their own link, and the organizer's answer: shape only."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms import SubmitField
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import Length

from ..registration.forms import RegistrationForm
from .models import RequestKind
from .models import RequestStatus
from .services import MESSAGE_MAX


class CorrectionForm(RegistrationForm):
    """The public form's fields and checks, without ``organization`` (the unit is the
    organizers': a request to them) and ``consent`` (given already)."""

    organization = None
    consent = None
    submit = SubmitField(_l("Save my corrections"))


class WithdrawForm(FlaskForm):
    submit = SubmitField(_l("Withdraw my consent"))


#: what a participant may ask the organizers (seeing and downloading need nobody)
REQUEST_CHOICES = [
    SelectChoice(RequestKind.DELETION.value, _l("Delete my personal data")),
    SelectChoice(RequestKind.CORRECTION.value, _l("Correct something I cannot change here")),
    SelectChoice(RequestKind.OTHER.value, _l("Another request")),
]


class RequestForm(FlaskForm):
    kind = RadioField(
        _l("What do you ask for?"),
        choices=REQUEST_CHOICES,
        default=RequestKind.DELETION.value,
        validators=[DataRequired(_l("Please choose one of the options."))],
    )
    message = TextAreaField(
        _l("Your message (required except for a deletion)"),
        validators=[Length(max=MESSAGE_MAX)],
        render_kw={"rows": 4},
    )
    submit = SubmitField(_l("Send the request"))


DECISION_CHOICES = [
    SelectChoice(RequestStatus.ANSWERED.value, _l("Done as asked")),
    SelectChoice(RequestStatus.REFUSED.value, _l("Refused")),
]


class AnswerForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=DECISION_CHOICES,
        validators=[DataRequired(_l("Please choose an answer."))],
    )
    answer = TextAreaField(
        _l("Answer to the participant"),
        validators=[
            DataRequired(_l("Please write the answer the participant will read.")),
            Length(max=MESSAGE_MAX),
        ],
        render_kw={"rows": 5},
    )
    submit = SubmitField(_l("Send the answer"))
