"""Operator commands that act on many people at once: `broadcast`."""

from __future__ import annotations

import datetime as dt

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from . import broadcast as bc
from .db import get_db, write
from .sms import MAX_SMS_SEGMENTS


def _day(ctx, param, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; write it as YYYY-MM-DD") from None


def _moment(ctx, param, value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise click.BadParameter(f"{value!r}: give an ISO 8601 moment with its offset")
    return moment


@click.command("broadcast")
@click.option("--message", "message_file", required=True, type=click.File(encoding="utf-8"),
              help="Plain text (Spanish for everyone) or YAML with es: and en: texts.")
@click.option("--court", help="Court name, e.g. 'San Diego' (accents and case do not matter).")
@click.option("--city", help="City key or name where people wait, e.g. tijuana.")
@click.option("--report-place", help="Report place key or name, e.g. 'San Ysidro'.")
@click.option("--from", "date_from", callback=_day, help="First hearing day, YYYY-MM-DD.")
@click.option("--to", "date_to", callback=_day, help="Last hearing day, YYYY-MM-DD.")
@click.option("--shelter", help="Only people a shelter registered (its name).")
@click.option("--dry-run", is_flag=True, help="Count and show the messages; queue nothing.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--now", "now", callback=_moment, hidden=True,
              help="The moment to act at, ISO 8601 with its offset (default: now).")
@with_appcontext
def broadcast_command(message_file, court, city, report_place, date_from, date_to, shelter,
                      dry_run: bool, yes: bool, now: dt.datetime | None) -> None:
    """Send a message to every phone with an open hearing ahead that the filters select.

    Each phone gets one message (a family on one phone, one), in its language, through the
    reminder queue: quiet hours, opt-outs, the rate cap and WhatsApp's window apply."""
    now = now or dt.datetime.now(dt.UTC)
    audience = bc.Audience(court, city, report_place, date_from, date_to, shelter)
    if date_from and date_to and date_from > date_to:
        raise click.BadParameter("--from is after --to")
    db = get_db()
    engine = current_app.extensions["engine"]
    whatsapp = current_app.extensions["sender"].can_send("whatsapp")
    try:
        message = bc.read_message(message_file.read())
        found = bc.recipients(db, engine.cities, audience, now, whatsapp)
    except bc.BroadcastError as error:
        raise click.UsageError(str(error)) from None
    summary = bc.summarize(found)
    click.echo(f"filter: {audience.described() or 'everyone with an open hearing ahead'}")
    click.echo(f"reaches {summary.people} people on {summary.phones} phones")
    click.echo("by channel: " + ", ".join(f"{k} {v}" for k, v in sorted(summary.by_channel.items())))
    click.echo("by language: " + ", ".join(f"{k} {v}" for k, v in sorted(summary.by_language.items())))
    languages = sorted(summary.by_language) or ["es"]
    for language, text, segments in bc.rendered(message, languages,
                                                current_app.config["SMS_KEEP_ACCENTS"]):
        warning = f" (more than {MAX_SMS_SEGMENTS}: consider shortening)" \
            if segments > MAX_SMS_SEGMENTS else ""
        click.echo(f"\n--- {language}, {segments} SMS segment(s){warning} ---\n{text}")
    if dry_run:
        click.echo("\ndry run: nothing queued")
        return
    if not found:
        click.echo("\nnobody to send to: nothing queued")
        return
    if not yes:
        click.confirm(f"\nQueue this message to {summary.phones} phones?", abort=True)
    try:
        with write(db):
            broadcast_id = bc.queue(db, message, audience, found, now)
    except bc.BroadcastError as error:
        raise click.UsageError(str(error)) from None
    click.echo(f"broadcast {broadcast_id}: queued for {summary.phones} phones; the scheduler sends it")


def init_app(app: Flask) -> None:
    app.cli.add_command(broadcast_command)
