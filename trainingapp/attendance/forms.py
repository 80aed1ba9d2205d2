"""Forms of the check-in desk. The walk-in form is the public registration form (same fields,
same normalisation and messages) with the consent worded for staff."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import HiddenField
from wtforms import StringField
from wtforms import SubmitField
from wtforms.validators import DataRequired
from wtforms.validators import Length

from ..registration.forms import RegistrationForm


class CodeForm(FlaskForm):
    """Typed or scanned check-in code. A keyboard-wedge scanner types it and presses Enter."""

    code = StringField(
        _l("Check-in code"),
        validators=[
            DataRequired(_l("Type or scan a check-in code.")),
            Length(max=200, message=_l("That is not a check-in code.")),
        ],
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
            "autocorrect": "off",
            "enterkeyhint": "go",
            "placeholder": "ABC234",
        },
    )
    session = HiddenField()
    #: "camera" when the QR scanner in the page filled the code in
    via = HiddenField()
    #: the session's date (ISO) once the staff member confirmed checking in on another day
    confirm_date = HiddenField()
    submit = SubmitField(_l("Check in"))


class SessionActionForm(FlaskForm):
    """CSRF token and the session of the check-in page (one-tap check-in, undo)."""

    session = HiddenField()
    q = HiddenField()
    #: as on :class:`CodeForm`: carried so the page keeps its date confirmation
    confirm_date = HiddenField()


class WalkInForm(RegistrationForm):
    consent = BooleanField(
        _l("The participant agreed (asked by staff) to the processing of personal data."),
        validators=[
            DataRequired(_l("The participant must agree to the processing of personal data."))
        ],
    )
    session = HiddenField()
    submit = SubmitField(_l("Register and check in"))


class PaperForm(FlaskForm):
    """CSRF only; the shown and ticked ids are read from the posted checkboxes."""
