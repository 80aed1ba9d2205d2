"""``flask --app trainingapp worker``: a process that runs the background jobs and sends mail."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..mail.cli import worker_command


@click.command("worker")
@click.option("--once", is_flag=True, help="Do what is due now (jobs and mail), then exit.")
@click.option(
    "--poll",
    type=click.FloatRange(min=0.1),
    default=None,
    help="Seconds between looks for work (default MAIL_POLL_SECONDS).",
)
@click.pass_context
@with_appcontext
def worker_cli(ctx: click.Context, once: bool, poll: float | None) -> None:
    """Run background jobs and send queued mail until stopped. Run any number, on any host."""
    ctx.invoke(worker_command, once=once, poll=poll)
