from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load the reference course (placeholder until the demo data lands)."""
    raise click.ClickException("not implemented yet")
