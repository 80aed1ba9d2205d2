"""Forms for accounts and the audit log. They check shape; the rules live in auth.services."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms import EmailField
from wtforms import PasswordField
from wtforms import SelectField
from wtforms import StringField
from wtforms import SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import Email
from wtforms.validators import EqualTo
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from ..auth.models import Role
from ..auth.services import MAX_PASSWORD_LENGTH
from ..auth.services import MIN_PASSWORD_LENGTH

ROLE_LABELS: dict[Role, Any] = {
    Role.ADMIN: _l("Administrator"),
    Role.ORGANIZER: _l("Organizer"),
    Role.STAFF: _l("Staff"),
}


def role_choices() -> list[SelectChoice]:
    return [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _password_length() -> Length:
    return Length(
        min=MIN_PASSWORD_LENGTH,
        max=MAX_PASSWORD_LENGTH,
        message=_l(
            "The password must have between %(min)d and %(max)d characters.",
            min=MIN_PASSWORD_LENGTH,
            max=MAX_PASSWORD_LENGTH,
        ),
    )


class AccountSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=254)])


class AccountCreateForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Please enter an e-mail address.")),
            Length(max=254, message=_l("The e-mail address is too long.")),
            Email(_l("Please enter a valid e-mail address."), check_deliverability=False),
        ],
    )
    full_name = StringField(
        _l("Full name"),
        validators=[Optional(), Length(max=200, message=_l("At most 200 characters."))],
    )
    role = SelectField(_l("Role"), choices=role_choices, default=Role.STAFF.value)
    password = PasswordField(
        _l("Initial password"),
        validators=[DataRequired(_l("Please enter a password.")), _password_length()],
    )
    submit = SubmitField(_l("Create account"))


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=role_choices)
    submit = SubmitField(_l("Change role"))


class ResetPasswordForm(FlaskForm):
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Please enter a password.")), _password_length()],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(_l("Please repeat the password.")),
            EqualTo("new_password", _l("The two passwords are not the same.")),
        ],
    )
    submit = SubmitField(_l("Set password"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[
            DataRequired(_l("Please enter your current password.")),
            Length(max=MAX_PASSWORD_LENGTH),
        ],
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Please enter a new password.")), _password_length()],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(_l("Please repeat the new password.")),
            EqualTo("new_password", _l("The two passwords are not the same.")),
        ],
    )
    submit = SubmitField(_l("Change password"))


class AuditFilterForm(FlaskForm):
    """Filters of the audit log, sent with GET."""

    class Meta:
        csrf = False

    event = SelectField(_l("Course"), coerce=int, default=0, validators=[Optional()])
    actor = SelectField(_l("User"), coerce=int, default=0, validators=[Optional()])
    action = SelectField(_l("Action"), default="", validators=[Optional()])
    start = DateField(_l("From"), validators=[Optional()], format="%Y-%m-%d")
    end = DateField(_l("To"), validators=[Optional()], format="%Y-%m-%d")
    submit = SubmitField(_l("Filter"))

    def validate_end(self, field: DateField) -> None:
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_l("The end date must not be before the start date."))
