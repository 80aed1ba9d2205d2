"""Forms of the lecturer directory."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms import StringField
from wtforms import SubmitField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional


class LecturerSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])


class LecturerForm(FlaskForm):
    full_name = StringField(
        _l("Full name"),
        validators=[
            DataRequired(_l("Please enter the lecturer's full name.")),
            Length(max=200, message=_l("The name is too long (at most 200 characters).")),
        ],
    )
    rank = StringField(
        _l("Rank or title"),
        validators=[
            Optional(),
            Length(max=100, message=_l("At most 100 characters.")),
        ],
    )
    position = StringField(
        _l("Position"),
        validators=[
            Optional(),
            Length(max=200, message=_l("At most 200 characters.")),
        ],
    )
    organization_id = SelectField(_l("Organization"), coerce=int, default=0)
    submit = SubmitField(_l("Save"))
