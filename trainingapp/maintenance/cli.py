"""Maintenance commands: anonymise a finished course, back up the SQLite database."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from ..certificates.services import anonymise_certificates
from ..events.models import Event
from ..extensions import db
from ..registration.privacy import AnonymiseError
from ..registration.privacy import anonymise_event


@click.command("anonymise-event")
@click.argument("slug")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def anonymise_event_command(slug: str, yes: bool) -> None:
    """Remove the personal data of a finished course's participants (cannot be undone)."""
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise click.ClickException(f"no course with slug {slug!r}")
    if not yes:
        click.confirm(
            f"Anonymise every participant of {event.title!r}? This cannot be undone", abort=True
        )
    try:
        count = anonymise_event(event, actor=None)
        anonymise_certificates(event.id)
    except AnonymiseError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Anonymised {count} registrations of {event.slug}.")


@click.command("backup-db")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Backup file (default: instance/backups/trainingapp-<time>.sqlite3).",
)
@with_appcontext
def backup_db_command(output: Path | None) -> None:
    """Copy the SQLite database safely while the app runs (SQLite's online backup)."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise click.ClickException("backup-db copies a SQLite file; for PostgreSQL use pg_dump")
    if output is None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        output = Path(current_app.instance_path) / "backups" / f"trainingapp-{stamp}.sqlite3"
    output.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(url.database)
    target = sqlite3.connect(output)
    try:
        with target:
            source.backup(target)
    finally:
        target.close()
        source.close()
    click.echo(f"Backed up {url.database} to {output}")
