"""Operator and developer commands: a terminal chat with the bot, what it reads in a message, and
the `make run` banner."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from . import eventlog, explain, inbox
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


@click.command("understand")
@click.argument("text")
@click.option("--state", default=explain.IDLE, show_default=True,
              help="The step the message arrives at: idle, or a node that waits, e.g. register.ask_date.")
@click.option("--now", "now_text", default=None,
              help="The moment to read at, ISO 8601 (default: now). The measured corpus uses "
                   "2026-11-23T02:00:00+00:00.")
@with_appcontext
def understand_command(text: str, state: str, now_text: str | None) -> None:
    """Print what the bot reads in TEXT: the label and slots the corpus test scores, and the
    date readings and why. Nothing is stored or sent."""
    try:
        now = datetime.fromisoformat(now_text) if now_text else datetime.now(UTC)
        if now.tzinfo is None:
            raise ValueError("give the moment with its offset, e.g. +00:00")
        engine = current_app.extensions["engine"]
        reading = explain.read(engine, text, state, now)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    click.echo(f"state:   {state}")
    click.echo(f"label:   {reading.label}")
    click.echo(f"slots:   {explain.slots_text(reading.slots) or '-'}")
    click.echo(f"then at: {reading.node or 'idle'}")
    click.echo(f"path:    {' > '.join(reading.visited) or '-'}")
    click.echo(f"actions: {', '.join(reading.effects) or '-'}")
    vocabulary = engine.vocabulary
    click.echo(f"danger words: {'yes' if vocabulary.is_emergency(text) else 'no'}")
    click.echo(f"stop words:   {vocabulary.stop_wish(text) or 'no'}")
    click.echo(f"command:      {vocabulary.command(text) or '-'}")
    intent = vocabulary.intent(text)
    click.echo(f"phrase:       {intent.name if intent else '-'}")
    # The draft's city is Tijuana at every step: its day is the one dates are read against.
    today = now.astimezone(ZoneInfo(engine.cities["tijuana"].zone)).date()
    for line in explain.date_readings(text, today):
        click.echo(f"dates:        {line}")


@click.command("read-notice")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--show-lines", is_flag=True, help="Also print the lines of print read (never logged).")
@with_appcontext
def read_notice_command(file: str, show_lines: bool) -> None:
    """Print what would be read from a photo of a hearing notice: the fields and their
    confidence, and the fields that would be asked instead. Nothing is stored or sent."""
    from . import notice, ocr
    from .context import Context
    from .inputs import Asking

    engine = current_app.extensions["engine"]
    with open(file, "rb") as f:
        data = f.read()
    try:
        lines = ocr.read_lines(data)
    except ocr.Unreadable as error:
        raise click.ClickException(f"not an image that can be opened ({error})") from None
    reading = notice.read([(line.text, line.confidence) for line in lines],
                          Asking({}, Context(), engine.cities, (), datetime.now(UTC)))
    if show_lines:
        for line in lines:
            click.echo(f"line {line.confidence:.2f}  {line.text}")
    click.echo(f"lines read: {len(lines)}")
    for key, answer in reading.found.items():
        value = answer.value
        if key == "date":
            value = f"{value} ({datetime.fromisoformat(str(value)).strftime('%A')})"
        elif key == "city":
            city = engine.cities[value]
            place = f"{city.report.port} ({city.report.town})"
            value = f"{value} (waits in {city.name}, reports at {place}, court {city.court})"
        route = "" if answer.outcome == "ok" else f"  [asked again: {answer.outcome}]"
        click.echo(f"{key:12} {value}  confidence {reading.confidence[key]:.2f}{route}")
    for key in reading.doubtful:
        click.echo(f"{key:12} - (doubtful: asked in the chat)")
    if not reading.found:
        click.echo("Nothing read: the person would be asked for every detail.")


@click.command("banner")
@click.option("--host", default="127.0.0.1", show_default=True, help="The host `flask run` listens on.")
@click.option("--port", default=5000, show_default=True, help="The port `flask run` listens on.")
@with_appcontext
def banner_command(host: str, port: int) -> None:
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
Mi Audiencia is starting on http://{host}:{port}
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
    app.cli.add_command(read_notice_command)
    app.cli.add_command(understand_command)
    app.cli.add_command(banner_command)
