from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..extensions import db
from .models import Role
from .services import AccountError
from .services import create_user


@click.command("create-user")
@click.option("--email", required=True, help="Sign-in e-mail of the new account.")
@click.option(
    "--role", required=True, type=click.Choice([r.value for r in Role]), help="Account role."
)
@click.option("--name", "full_name", default="", help="Full name shown in the audit log.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Prompted for when left out.",
)
@with_appcontext
def create_user_command(email: str, role: str, full_name: str, password: str) -> None:
    """Create an account that can sign in at /login."""
    try:
        user = create_user(email, password, Role(role), full_name=full_name)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created {user.role} account {user.email}.")
