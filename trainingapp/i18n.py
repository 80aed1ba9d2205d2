"""Language and display formats: Vietnamese by default, English selectable; dd/mm/yyyy, 24 h."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import time

from flask import Flask
from flask import current_app
from flask import has_request_context
from flask import session
from flask_babel import get_locale

from .common.time import to_local

LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}


def select_locale() -> str:
    # Outside a request (CLI, service tests) messages use the default language.
    lang = session.get("lang") if has_request_context() else None
    if lang in current_app.config["LANGUAGES"]:
        return str(lang)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def select_timezone() -> str:
    return str(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def format_date(value: date | datetime | None) -> str:
    """dd/mm/yyyy in both languages (a stored datetime is a UTC instant, shown in local time)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    return value.strftime("%d/%m/%Y")


def format_time(value: time | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    return value.strftime("%H:%M")


def format_datetime(value: datetime | None) -> str:
    """A stored UTC instant as local ``dd/mm/yyyy HH:MM``."""
    if value is None:
        return ""
    return to_local(value).strftime("%d/%m/%Y %H:%M")


def format_number(value: int | None) -> str:
    """Thousands grouped the local way: 1.250 in Vietnamese, 1,250 in English."""
    if value is None:
        return ""
    separator = "." if str(get_locale()) == "vi" else ","
    return f"{value:,}".replace(",", separator)


def format_score(value: float | None) -> str:
    """An average to two decimals, with the local decimal mark: 4,18 in Vietnamese, 4.18 in
    English; "–" when there is none."""
    if value is None:
        return "–"
    text = f"{value:.2f}"
    return text.replace(".", ",") if str(get_locale()) == "vi" else text


def register_formats(app: Flask) -> None:
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_time, "time")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_number, "number")
    app.add_template_filter(format_score, "score")
