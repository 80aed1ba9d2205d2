from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..extensions import db
from .services import course_numbers
from .services import seed_demo


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load the reference course of 16/08/2023 as it happened and an upcoming copy of it.

    Safe to run again: whatever is already there is left alone.
    """
    result = seed_demo()
    db.session.commit()
    if not result.created:
        click.echo("The demo is already loaded; nothing changed.")
    else:
        click.echo(
            f"Demo loaded: {result.organizations_created} organizations, "
            f"{result.lecturers_created} lecturers."
        )
    for event in (result.reference, result.upcoming):
        numbers = course_numbers(event)
        attended = ", ".join(f"{name}: {count}" for name, count in numbers.attended)
        click.echo(
            f"  /events/{event.slug} ({event.start_date:%d/%m/%Y}, {event.status}): "
            f"{numbers.confirmed} confirmed, {numbers.cancelled} cancelled; "
            f"checked in {attended}"
        )
