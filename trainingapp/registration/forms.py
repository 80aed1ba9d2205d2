"""The public registration form: shape only; normalisation in ``normalise``, rules in ``services``."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import EmailField
from wtforms import HiddenField
from wtforms import RadioField
from wtforms import StringField
from wtforms import SubmitField
from wtforms import TelField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired

from .models import Gender
from .normalise import RegistrationInput
from .normalise import normalise_input

GENDER_CHOICES = [
    SelectChoice(Gender.MALE.value, _l("Male")),
    SelectChoice(Gender.FEMALE.value, _l("Female")),
    SelectChoice(Gender.OTHER.value, _l("Other")),
]


class MarkedRequired:
    """Marks a field required (an asterisk on its label) without checking it: ``normalise``
    decides, with the same message for every caller."""

    field_flags = {"required": True}

    def __call__(self, form: Any, field: Any) -> None:
        return None


class RegistrationForm(FlaskForm):
    full_name = StringField(
        _l("Full name"),
        validators=[MarkedRequired()],
        render_kw={"autocomplete": "name", "autocapitalize": "words", "spellcheck": "false"},
    )
    gender = RadioField(
        _l("Gender"),
        choices=GENDER_CHOICES,
        validators=[InputRequired(_l("Please choose one of the options."))],
        validate_choice=False,
    )
    birth_year = StringField(
        _l("Year of birth (optional)"),
        render_kw={"inputmode": "numeric", "autocomplete": "bday-year", "placeholder": "1985"},
    )
    organization = StringField(
        _l("Organization"),
        validators=[MarkedRequired()],
        render_kw={"autocomplete": "organization", "list": "organization-suggestions"},
    )
    position = StringField(
        _l("Position (optional)"), render_kw={"autocomplete": "organization-title"}
    )
    phone = TelField(
        _l("Phone number"),
        validators=[MarkedRequired()],
        render_kw={"inputmode": "tel", "autocomplete": "tel", "placeholder": "0905 123 456"},
    )
    email = EmailField(
        _l("E-mail (optional)"),
        render_kw={"inputmode": "email", "autocomplete": "email", "autocapitalize": "none"},
    )
    consent = BooleanField(
        _l("I agree to the processing of my personal data for this course."),
        validators=[
            DataRequired(_l("Please agree to the processing of your personal data to register."))
        ],
    )
    submit = SubmitField(_l("Register"))

    #: the normalised input, set by :meth:`validate`
    cleaned: RegistrationInput | None = None
    #: the unit of a form without the ``organization`` field (a nomination link's unit, or the
    #: registration's own), set by the view: normalisation requires a unit
    unit_name = "-"

    def raw_input(self) -> RegistrationInput:
        return RegistrationInput(
            full_name=self.full_name.data or "",
            organization=(self.organization.data or "")
            if "organization" in self
            else self.unit_name,
            phone=self.phone.data or "",
            gender=self.gender.data or None,
            birth_year=self.birth_year.data or None,
            position=self.position.data or "",
            email=self.email.data or None,
            # A form without the box (a staff edit) keeps the consent given when registering.
            consent=bool(self.consent.data) if "consent" in self else True,
        )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        cleaned, errors = normalise_input(self.raw_input())
        self.cleaned = cleaned
        for name, message in errors.items():
            field = getattr(self, name, None)
            if field is None:  # a form without that field (the nomination form's unit)
                continue
            if message not in field.errors:
                field.errors = [*field.errors, message]
        # Show the normalised form of every field that is fine (e.g. "0905123456").
        for name in ("full_name", "organization", "position", "phone", "email"):
            if name not in errors and getattr(self, name, None) is not None:
                getattr(self, name).data = getattr(cleaned, name) or ""
        return valid and not errors


class ResendLinkForm(FlaskForm):
    """Asks for the manage link of an existing registration to be sent to its own address."""

    phone = HiddenField()
    email = HiddenField()
    submit = SubmitField(_l("Send me my registration link"))


class CancelForm(FlaskForm):
    submit = SubmitField(_l("Yes, cancel my registration"))


class RegisterAgainForm(FlaskForm):
    submit = SubmitField(_l("Register again"))
