"""Forms of the course workspace. They check shape only; the rules live in events.services."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import DateField
from wtforms import DateTimeLocalField
from wtforms import HiddenField
from wtforms import IntegerField
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import SubmitField
from wtforms import TextAreaField
from wtforms import TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional

from ..common.text import clean
from .services import CAPACITY_MAX
from .services import MOVE_SESSIONS_LABEL
from .services import RETENTION_MONTHS_MAX
from .services import SLUG_MAX_LENGTH

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def one_line(value: Any) -> Any:
    """NFC, spaces collapsed, control characters (NUL breaks PostgreSQL) removed."""
    return clean(_CONTROL.sub("", value)) if isinstance(value, str) else value


def multi_line(value: Any) -> Any:
    return _CONTROL.sub("", value).strip() if isinstance(value, str) else value


def slug_text(value: Any) -> Any:
    return one_line(value).lower() if isinstance(value, str) else value


def int_or_none(value: Any) -> int | None:
    if value is None or value == "":
        return None
    return int(value)


class _BlankIsNone:
    """Mixin for date/time fields: an empty input is "no value" (left to InputRequired or
    Optional), anything unreadable gets our own message."""

    invalid_message: Any = _l("Enter a valid value.")
    data: Any

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not "".join(str(v) for v in valuelist).strip():
            self.data = None
            return
        try:
            super().process_formdata(valuelist)  # type: ignore[misc]
        except ValueError as exc:
            raise ValueError(self.invalid_message) from exc


class LocalDateField(_BlankIsNone, DateField):
    invalid_message = _l("Enter a valid date (dd/mm/yyyy).")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("format", ["%Y-%m-%d", "%d/%m/%Y"])
        super().__init__(*args, **kwargs)


class LocalTimeField(_BlankIsNone, TimeField):
    invalid_message = _l("Enter a valid time (hh:mm, 24-hour).")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("format", ["%H:%M", "%H:%M:%S"])
        super().__init__(*args, **kwargs)


class LocalDateTimeField(_BlankIsNone, DateTimeLocalField):
    invalid_message = _l("Enter a valid date and time (dd/mm/yyyy hh:mm).")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "format", ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M:%S"]
        )
        super().__init__(*args, **kwargs)


class WholeNumberField(_BlankIsNone, IntegerField):
    invalid_message = _l("Enter a whole number.")


def choice_field(label: Any, *, required: Any = None, **kwargs: Any) -> SelectField:
    return SelectField(
        label,
        coerce=int_or_none,
        validators=[InputRequired(required)] if required else [Optional()],
        invalid_choice_message=_l("Choose from the list."),
        invalid_value_message=_l("Choose from the list."),
        **kwargs,
    )


def multi_choice_field(label: Any, **kwargs: Any) -> SelectMultipleField:
    return SelectMultipleField(
        label,
        coerce=int,
        validators=[Optional()],
        invalid_choice_message=_l("Choose from the list."),
        invalid_value_message=_l("Choose from the list."),
        **kwargs,
    )


class EventForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[InputRequired(_l("Enter the course title.")), Length(max=300)],
        filters=[one_line],
    )
    slug = StringField(
        _l("Web address"),
        validators=[Optional(), Length(max=SLUG_MAX_LENGTH)],
        filters=[slug_text],
        description=_l(
            "Made from the title when left empty, e.g. tap-huan-thong-tin-doi-ngoai-2023."
        ),
    )
    description = TextAreaField(
        _l("Description"), validators=[Length(max=20000)], filters=[multi_line]
    )
    organizer_id = choice_field(_l("Organizing unit"), required=_l("Choose the organizing unit."))
    co_organizer_ids = multi_choice_field(_l("Co-organizers"))
    venue = StringField(_l("Venue"), validators=[Length(max=300)], filters=[one_line])
    start_date = LocalDateField(
        _l("Start date"), validators=[InputRequired(_l("Enter the start date."))]
    )
    end_date = LocalDateField(_l("End date"), validators=[InputRequired(_l("Enter the end date."))])
    registration_opens_at = LocalDateTimeField(_l("Registration opens"), validators=[Optional()])
    registration_closes_at = LocalDateTimeField(_l("Registration closes"), validators=[Optional()])
    capacity = WholeNumberField(
        _l("Capacity"),
        validators=[
            InputRequired(_l("Enter the capacity.")),
            NumberRange(
                min=1,
                max=CAPACITY_MAX,
                message=_l("The capacity must be between %(min)s and %(max)s."),
            ),
        ],
    )
    waitlist_enabled = BooleanField(_l("Waiting list when the course is full"), default=True)
    approval_required = BooleanField(_l("Registrations need approval"))
    #: empty: the RETENTION_MONTHS setting (the template says how many)
    retention_months = WholeNumberField(
        _l("Retention of personal data (months after the course ends)"),
        validators=[
            Optional(),
            NumberRange(
                min=1,
                max=RETENTION_MONTHS_MAX,
                message=_l("The retention period must be between %(min)s and %(max)s months."),
            ),
        ],
    )
    #: offered on the edit form of a course with sessions (events.services.update_event)
    move_sessions = BooleanField(
        MOVE_SESSIONS_LABEL,
        description=_l(
            "Every session moves by as many days as the start date, and a date written in its "
            "name follows. Not possible once attendance has been taken."
        ),
    )
    submit = SubmitField(_l("Save"))


class StatusForm(FlaskForm):
    status = HiddenField()
    #: shown when publishing a course whose dates or registration window are past
    confirm_past = BooleanField(_l("I understand; publish anyway"))
    submit = SubmitField(_l("Confirm"))


class CloneForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[InputRequired(_l("Enter the course title.")), Length(max=300)],
        filters=[one_line],
    )
    slug = StringField(
        _l("Web address"),
        validators=[Optional(), Length(max=SLUG_MAX_LENGTH)],
        filters=[slug_text],
        description=_l("Made from the title when left empty."),
    )
    start_date = LocalDateField(
        _l("Start date"), validators=[InputRequired(_l("Enter the start date."))]
    )
    end_date = LocalDateField(_l("End date"), validators=[InputRequired(_l("Enter the end date."))])
    #: left empty: the course's unit, or the current successor of a retired one
    organizer_id = choice_field(_l("Organizing unit"))
    submit = SubmitField(_l("Create the copy"))


class SessionForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[InputRequired(_l("Enter the session name.")), Length(max=200)],
        filters=[one_line],
        description=_l('For example "Sáng 16/08".'),
    )
    date = LocalDateField(_l("Date"), validators=[InputRequired(_l("Enter the date."))])
    start_time = LocalTimeField(
        _l("Start time"), validators=[InputRequired(_l("Enter the start time."))]
    )
    end_time = LocalTimeField(_l("End time"), validators=[InputRequired(_l("Enter the end time."))])
    submit = SubmitField(_l("Save"))


class TopicForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[InputRequired(_l("Enter the topic title.")), Length(max=500)],
        filters=[one_line],
    )
    summary = TextAreaField(_l("Summary"), validators=[Length(max=20000)], filters=[multi_line])
    session_id = choice_field(_l("Session"))
    lecturer_ids = multi_choice_field(_l("Lecturers"))
    submit = SubmitField(_l("Save"))


class QuotaForm(FlaskForm):
    organization_id = choice_field(_l("Organization"), required=_l("Choose the unit."))
    seats = WholeNumberField(
        _l("Seats"),
        validators=[
            InputRequired(_l("Enter the number of seats.")),
            NumberRange(
                min=0,
                max=CAPACITY_MAX,
                message=_l("The number of seats must be between %(min)s and %(max)s."),
            ),
        ],
    )
    submit = SubmitField(_l("Save"))


class StaffForm(FlaskForm):
    user_id = choice_field(_l("Account"), required=_l("Choose an account."))
    role = SelectField(
        _l("Role on this course"),
        choices=[SelectChoice("staff", _l("Staff")), SelectChoice("organizer", _l("Organizer"))],
        validators=[InputRequired(_l("Choose a role."))],
        invalid_choice_message=_l("Choose from the list."),
    )
    submit = SubmitField(_l("Assign"))
