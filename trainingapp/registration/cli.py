"""``flask --app trainingapp mail retry``: send the mail a down server could not take."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ..mail.outbox import retry_unsent
from ..mail.outbox import unsent_dir


@click.group("mail")
def mail_cli() -> None:
    """Outgoing mail."""


@mail_cli.command("retry")
@with_appcontext
def retry_command() -> None:
    """Resend every message kept in the outbox's unsent folder."""
    if not current_app.config.get("MAIL_SERVER"):
        raise click.ClickException("MAIL_SERVER is not set; mail is written to the outbox folder.")
    result = retry_unsent()
    click.echo(f"sent {result.sent}, still unsent {result.failed} ({unsent_dir()})")
    if result.failed:
        raise SystemExit(1)
