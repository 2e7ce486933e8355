"""Operator and developer commands: a terminal chat with the bot, and the `make run` banner."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from . import eventlog, inbox
from .sender import DryRunSender


@click.command("chat")
@click.option("--from", "from_", default="+526641234567", show_default=True,
              help="Phone number the messages come from.")
@click.option("--whatsapp", is_flag=True, help="Write as a WhatsApp user instead of SMS.")
@with_appcontext
def chat_command(from_: str, whatsapp: bool) -> None:
    """Talk to the bot from the terminal, through the same code as the webhook.

    Type a message and press Enter; with piped input, each line is one message.
    """
    address = f"whatsapp:{from_}" if whatsapp else from_
    interactive = sys.stdin.isatty()
    if interactive:
        click.echo("Escriba un mensaje (Ctrl-D para salir). / Type a message (Ctrl-D to quit).")
    with eventlog.on_stderr():
        for line in _lines(interactive):
            form = {"From": address, "Body": line, "NumMedia": "0",
                    "MessageSid": f"SM{uuid.uuid4().hex}"}   # well formed, as Twilio's are
            for reply in inbox.receive(form):
                click.echo(reply + "\n")


def _lines(interactive: bool) -> Iterator[str]:
    while True:
        if interactive:
            click.echo("> ", nl=False)
        line = sys.stdin.readline()
        if not line:
            return
        yield line.rstrip("\n")


@click.command("banner")
@with_appcontext
def banner_command() -> None:
    """Print how to talk to the running bot."""
    config = current_app.config
    if isinstance(current_app.extensions["sender"], DryRunSender):
        why = "SENDER=dry_run" if config["SENDER"] else "no Twilio setting"
        outbound = f"dry run ({why}): outbound messages are written to {config['OUTBOX_PATH']}, never sent"
    else:
        outbound = "outbound messages are sent through Twilio"
    if not config["TWILIO_AUTH_TOKEN"]:
        webhook = "refuses every request until TWILIO_AUTH_TOKEN is set"
    elif not config["PUBLIC_BASE_URL"]:
        webhook = "refuses every request until PUBLIC_BASE_URL is set"
    else:
        webhook = f"checks X-Twilio-Signature against {config['PUBLIC_BASE_URL']}"
    click.echo(f"""
Mi Audiencia is starting on http://127.0.0.1:5000
Webhook: POST /twilio/messages ({webhook}).
Database: {config['DATABASE']}
Sender: {outbound}.
Scheduler: its own process, sending due reminders every {config['DISPATCH_INTERVAL_SECONDS']} s.

Talk to the bot from another terminal:
    .venv/bin/flask --app bot chat              (as an SMS user)
    .venv/bin/flask --app bot chat --whatsapp   (as a WhatsApp user)
""")


def init_app(app: Flask) -> None:
    app.cli.add_command(chat_command)
    app.cli.add_command(banner_command)
