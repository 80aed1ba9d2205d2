"""Forms of the unit's nomination page and the organizer's invitation pages: shape only."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from wtforms import DateField
from wtforms import EmailField
from wtforms import IntegerField
from wtforms import SelectField
from wtforms import StringField
from wtforms import SubmitField
from wtforms import TelField
from wtforms import TextAreaField
from wtforms import TimeField
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import NumberRange
from wtforms.validators import Optional

from ..registration.forms import RegistrationForm


class NomineeForm(RegistrationForm):
    """The public form's fields and checks, without ``organization`` (the link's unit) and
    ``consent`` (the unit answers for informing its people) (SPEC)."""

    organization = None
    consent = None
    submit = SubmitField(_l("Add"))


class PasteForm(FlaskForm):
    rows = TextAreaField(
        _l("Rows copied from Excel"),
        validators=[DataRequired(_l("Paste at least one row."))],
        render_kw={"rows": 5, "spellcheck": "false"},
    )
    submit = SubmitField(_l("Add these people"))


class UploadForm(FlaskForm):
    file = FileField(
        _l("The unit's list (XLSX or CSV)"), validators=[FileRequired(_l("Choose a file."))]
    )
    submit = SubmitField(_l("Upload the list"))


class ConfirmForm(FlaskForm):
    """A button that only needs the CSRF token (withdraw, revoke, renew, remind)."""

    submit = SubmitField()


class InviteForm(FlaskForm):
    organization_id = SelectField(
        _l("Unit"), coerce=int, validators=[InputRequired(_l("Choose the unit from the list."))]
    )
    seats = IntegerField(
        _l("Quota (people)"),
        validators=[
            InputRequired(_l("Enter how many people the unit should send.")),
            NumberRange(min=1, max=10000, message=_l("Enter a number from 1 to 10,000.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    contact_name = StringField(_l("Contact person"), render_kw={"autocomplete": "off"})
    contact_phone = TelField(_l("Contact's phone"), render_kw={"inputmode": "tel"})
    contact_email = EmailField(_l("Contact's e-mail"), render_kw={"autocapitalize": "none"})
    submit = SubmitField(_l("Invite"))


class InviteKindForm(FlaskForm):
    kind = SelectField(_l("Every current unit of this kind"))
    seats = IntegerField(
        _l("Quota for each unit"),
        validators=[
            InputRequired(_l("Enter how many people each unit should send.")),
            NumberRange(min=1, max=10000, message=_l("Enter a number from 1 to 10,000.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    submit = SubmitField(_l("Invite them all"))


class DeadlineForm(FlaskForm):
    day = DateField(_l("Nomination deadline (date)"), validators=[Optional()])
    at = TimeField(_l("Time"), validators=[Optional()])
    submit = SubmitField(_l("Save the deadline"))


class LetterTemplateForm(FlaskForm):
    file = FileField(_l("Letter template (DOCX)"), validators=[FileRequired(_l("Choose a file."))])
    submit = SubmitField(_l("Upload the template"))
