"""``flask --app trainingapp mail worker|retry``: the outbox's senders outside the web process."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

import click
from flask import Flask
from flask import current_app
from flask.cli import with_appcontext

from .outbox import deliver_all_due
from .outbox import make_due_now
from .sender import run_worker


@click.group("mail")
def mail_cli() -> None:
    """Outgoing mail (the database outbox)."""


@mail_cli.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@click.option(
    "--poll",
    type=click.FloatRange(min=0.1),
    default=None,
    help="Seconds between looks at the outbox (default MAIL_POLL_SECONDS).",
)
@with_appcontext
def worker_command(once: bool, poll: float | None) -> None:
    """Send queued mail and run background jobs until stopped (SIGTERM, SIGINT). Run any
    number, on any host."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    stop = threading.Event()
    restore: dict[signal.Signals, Any] = {}

    def _stop(signum: int, _frame: FrameType | None) -> None:
        click.echo(f"mail worker: signal {signum}, stopping after the current message", err=True)
        stop.set()

    if threading.current_thread() is threading.main_thread():  # signals reach the main thread only
        for signum in (signal.SIGTERM, signal.SIGINT):
            restore[signum] = signal.signal(signum, _stop)
    try:
        interval = poll if poll is not None else float(app.config.get("MAIL_POLL_SECONDS") or 5)
        result = run_worker(app, poll=interval, once=once, stop_event=stop)
    finally:
        for signum, handler in restore.items():
            signal.signal(signum, handler)
    click.echo(f"sent {result.sent}, failed {result.failed}, dropped {result.dropped}")


@mail_cli.command("retry")
@with_appcontext
def retry_command() -> None:
    """Make every queued or failed message due now and deliver them once."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    make_due_now()
    result = deliver_all_due(app)
    click.echo(f"sent {result.sent}, failed {result.failed}")
    if result.failed:
        raise SystemExit(1)
