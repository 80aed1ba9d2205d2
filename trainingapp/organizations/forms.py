"""Forms of the organization directory. They check shape; the rules live in services."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms import SelectField
from wtforms import StringField
from wtforms import SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional

from .models import Organization
from .services import KIND_LABELS


def kind_choices() -> list[SelectChoice]:
    return [SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()]


def organization_choices(
    organizations: Iterable[Organization], blank: Any | None = None
) -> list[SelectChoice]:
    """Choices for a unit select: ``(id, name)``, led by ``(0, blank)`` when given."""
    choices = [SelectChoice(0, blank)] if blank is not None else []
    choices.extend(SelectChoice(org.id, org.name) for org in organizations)
    return choices


class OrganizationSearchForm(FlaskForm):
    """The list's filters, sent with GET (no CSRF token: it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])
    status = SelectField(
        _l("Show"),
        choices=[
            SelectChoice("current", _l("Current organizations")),
            SelectChoice("review", _l("Waiting for review")),
            SelectChoice("retired", _l("Retired organizations")),
            SelectChoice("all", _l("All organizations")),
        ],
        default="current",
        validators=[Optional()],
    )


class OrganizationForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Please enter the name of the organization.")),
            Length(max=255, message=_l("The name is too long (at most 255 characters).")),
        ],
    )
    short_name = StringField(
        _l("Short name"),
        validators=[
            Optional(),
            Length(max=100, message=_l("The short name is too long (at most 100 characters).")),
        ],
    )
    kind = SelectField(_l("Kind"), choices=kind_choices, default="other")
    parent_id = SelectField(_l("Parent organization"), coerce=int, default=0)
    submit = SubmitField(_l("Save"))


class RetireForm(FlaskForm):
    successor_id = SelectField(_l("Successor"), coerce=int, default=0)
    retired_on = DateField(_l("Retired on"), validators=[Optional()])
    submit = SubmitField(_l("Retire"))


class MergeForm(FlaskForm):
    target_id = SelectField(
        _l("Merge into"),
        coerce=int,
        validators=[DataRequired(_l("Please choose the organization to keep."))],
    )
    submit = SubmitField(_l("Merge"))


class AcceptForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Please enter the name of the organization.")),
            Length(max=255, message=_l("The name is too long (at most 255 characters).")),
        ],
    )
    kind = SelectField(_l("Kind"), choices=kind_choices, default="other")
    submit = SubmitField(_l("Accept"))
