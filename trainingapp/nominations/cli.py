"""``flask --app trainingapp nominations release``: give the seats held for invited units to
the waiting list once the nomination deadline has passed (also run every minute by the mail
sender; a cron line or systemd timer is for installations whose senders are all stopped)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from .services import release_held_seats


@click.group("nominations")
def nominations_cli() -> None:
    """Invitations and units' nominations."""


@nominations_cli.command("release")
@with_appcontext
def release_command() -> None:
    """Release the held seats of courses whose nomination deadline has passed."""
    done = release_held_seats()
    for event_id, promoted in done:
        click.echo(f"course {event_id}: held seats released, {promoted} promoted")
    click.echo(f"{len(done)} courses released")
