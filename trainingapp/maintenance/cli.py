"""Maintenance commands: anonymise a finished course, anonymise the courses past their
retention period (``retention run``, daily from cron or a systemd timer), back up the SQLite
database."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from ..events.locking import CourseGone
from ..events.locking import lock_event
from ..events.models import Event
from ..events.services import RETENTION_MONTHS_MAX
from ..extensions import db
from ..registration.privacy import AnonymiseError
from ..registration.privacy import courses_past_retention
from ..registration.privacy import retention_due
from ..registration.privacy import retention_due_on
from .retention import CourseAnonymised
from .retention import anonymise_course


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
        done = anonymise_course(event, actor=None)
    except AnonymiseError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(
        f"Anonymised {_count(done.registrations, 'registration')} of {event.slug}{_also(done)}."
    )


def _count(number: int, thing: str, things: str | None = None) -> str:
    return f"{number} {thing if number == 1 else (things or thing + 's')}"


def _also(done: CourseAnonymised) -> str:
    """The rest of what anonymising a course changed, for the command's output."""
    parts = [
        _count(done.certificates, "certificate"),
        _count(done.unit_contacts, "unit contact"),
        _count(done.mail, "mail message deleted", "mail messages deleted"),
        _count(done.sync_items, "offline check-in answer"),
        _count(done.audit_entries, "audit entry", "audit entries"),
    ]
    text = ", ".join(part for part in parts if not part.startswith("0 "))
    return f" ({text})" if text else ""


@click.group("retention")
def retention_cli() -> None:
    """Personal data of courses past their retention period (RETENTION_MONTHS by default)."""


@retention_cli.command("run")
@click.option(
    "--dry-run", is_flag=True, help="List the courses that would be anonymised; change nothing."
)
@with_appcontext
def retention_run_command(dry_run: bool) -> None:
    """Anonymise every course that ended more than its retention period ago (its own, or
    RETENTION_MONTHS): one commit and one audit entry per course. Run it daily; a second run
    finds nothing to do."""
    default = current_app.config["RETENTION_MONTHS"]
    if isinstance(default, bool) or not isinstance(default, int):
        raise click.ClickException(f"RETENTION_MONTHS must be a whole number, not {default!r}")
    if not 1 <= default <= RETENTION_MONTHS_MAX:
        raise click.ClickException(f"RETENTION_MONTHS must be between 1 and {RETENTION_MONTHS_MAX}")
    due = courses_past_retention(default)
    db.session.rollback()  # a read; each course gets its own writer transaction below
    if not due:
        click.echo("No course is past its retention period.")
        return
    if dry_run:
        for item in due:
            click.echo(
                f"{item.slug}: {item.title!r}, ended {item.end_date:%d/%m/%Y}, kept"
                f" {item.months} months, due since {item.due_on:%d/%m/%Y}:"
                f" {_count(item.registrations, 'registration')} to anonymise"
            )
        click.echo(
            f"{_count(len(due), 'course')} past the retention period; nothing changed (dry run)."
        )
        return
    courses = registrations = 0
    for item in due:
        try:
            event = lock_event(item.event_id)
        except CourseGone:
            db.session.rollback()  # deleted meanwhile
            continue
        if not retention_due(event, default):
            db.session.rollback()  # anonymised (another run) or its period lengthened meanwhile
            continue
        # As read under the lock: the organizer may have changed the period meanwhile.
        months = event.retention_months if event.retention_months is not None else default
        due_on = retention_due_on(event.end_date, months)
        done = anonymise_course(
            event,
            actor=None,
            action="event.retention",
            details={"retention_months": months, "due_on": due_on.isoformat()},
        )
        db.session.commit()
        courses += 1
        registrations += done.registrations
        click.echo(
            f"Anonymised {_count(done.registrations, 'registration')} of {item.slug}"
            f"{_also(done)}: ended {event.end_date:%d/%m/%Y}, kept {months} months."
        )
    click.echo(
        f"Retention: {_count(courses, 'course')} anonymised,"
        f" {_count(registrations, 'registration')}."
    )


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
