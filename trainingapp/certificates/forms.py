"""Forms of the certificates page: shape only (the placeholders are checked by the service)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import IntegerField
from wtforms import RadioField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange

from .models import CertificateRule
from .services import REASON_MAX

RULE_LABELS = {
    CertificateRule.ALL_SESSIONS: _l("Attended every session"),
    CertificateRule.MIN_SESSIONS: _l("Attended at least N sessions"),
    CertificateRule.MANUAL: _l("Chosen by hand"),
}


class SettingsForm(FlaskForm):
    rule = RadioField(
        _l("Who gets a certificate"),
        choices=[SelectChoice(rule.value, label) for rule, label in RULE_LABELS.items()],
        validators=[InputRequired(_l("Choose a rule."))],
    )
    min_sessions = IntegerField(
        _l("N (sessions)"),
        default=1,
        validators=[
            InputRequired(_l("Enter a number of sessions.")),
            NumberRange(min=1, max=100, message=_l("Between 1 and 100.")),
        ],
    )
    count_excused = BooleanField(_l("An excused absence counts as attended"))
    title = StringField(
        _l("Title"),
        validators=[DataRequired(_l("Enter the title.")), Length(max=200)],
    )
    sentence = TextAreaField(
        _l("Sentence"),
        validators=[DataRequired(_l("Enter the sentence.")), Length(max=1000)],
        render_kw={"rows": 3},
    )
    parent_body = StringField(_l("Parent body (line above the issuing body)"), [Length(max=300)])
    issuing_body = StringField(_l("Issuing body"), [Length(max=300)])
    place = StringField(_l("Place (before the date)"), [Length(max=100)])
    signer_title = TextAreaField(_l("Signer's title"), [Length(max=200)], render_kw={"rows": 2})
    signer_name = StringField(_l("Signer's name"), [Length(max=200)])


class RevokeForm(FlaskForm):
    reason = StringField(
        _l("Reason"),
        validators=[
            DataRequired(_l("Give the reason for revoking the certificate.")),
            Length(max=REASON_MAX, message=_l("At most %(max)d characters.", max=REASON_MAX)),
        ],
    )


class ActionForm(FlaskForm):
    """A button that posts only the CSRF token (issue to everyone who qualifies)."""
