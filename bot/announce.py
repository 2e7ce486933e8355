"""Operator commands that act on many people at once: `broadcast` and `postpone`."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from . import broadcast as bc
from . import postponement as pp
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


@click.command("postpone")
@click.option("--court", help="Court name, e.g. 'San Diego' (accents and case do not matter).")
@click.option("--from", "date_from", callback=_day, help="First hearing day moved, YYYY-MM-DD.")
@click.option("--to", "date_to", callback=_day, help="Last hearing day moved, YYYY-MM-DD.")
@click.option("--days", type=click.IntRange(min=1), help="Move each hearing this many days later.")
@click.option("--months", type=click.IntRange(min=1), help="Move each hearing this many months later.")
@click.option("--to-date", callback=_day, help="Move every hearing to this day, YYYY-MM-DD.")
@click.option("--source", help="The announcement, as people can look it up (kept in the audit trail).")
@click.option("--undo", "undo_id", type=int, help="Put back the hearings postponement ID moved.")
@click.option("--dry-run", is_flag=True, help="Count and show the moves; change nothing.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--now", "now", callback=_moment, hidden=True,
              help="The moment to act at, ISO 8601 with its offset (default: now).")
@with_appcontext
def postpone_command(court, date_from, date_to, days, months, to_date, source, undo_id,
                     dry_run: bool, yes: bool, now: dt.datetime | None) -> None:
    """Move every open hearing at a court between two days by an official rule, replan its
    reminders and tell each person their new date; or undo such a rule (--undo ID).

    Each person can answer that their paper says otherwise, which keeps their own date."""
    now = now or dt.datetime.now(dt.UTC)
    db = get_db()
    engine = current_app.extensions["engine"]
    if undo_id is not None:
        if dry_run:
            raise click.UsageError("--undo has no dry run; `flask --app bot audit` shows the rule")
        if not yes:
            click.confirm(f"Put back every hearing postponement {undo_id} moved?", abort=True)
        try:
            with write(db):
                undone = pp.undo(db, undo_id, engine.cities, engine.schedule, now)
        except pp.PostponementError as error:
            raise click.UsageError(str(error)) from None
        click.echo(f"postponement {undo_id} undone: {undone.restored} hearings back on their "
                   f"date, {undone.kept} already back (the person kept their own date), "
                   f"{undone.left} changed since and left as they are")
        return
    missing = [name for name, value in (("--court", court), ("--from", date_from),
                                        ("--to", date_to), ("--source", source)) if not value]
    if missing:
        raise click.UsageError(f"missing {', '.join(missing)}")
    if date_from > date_to:
        raise click.BadParameter("--from is after --to")
    try:
        rule = pp.Rule(days, months, to_date)
        found = pp.moves(db, engine.cities, court, date_from, date_to, rule, now)
    except (pp.PostponementError, bc.BroadcastError) as error:
        raise click.UsageError(str(error)) from None
    if to_date and to_date <= now.date():
        raise click.BadParameter("--to-date is not ahead")
    phones = {m.contact_id for m in found}
    told = {m.contact_id for m in found if m.reachable}
    click.echo(f"moves {len(found)} hearings on {len(phones)} phones; {len(told)} phones are told "
               "(the rest opted out or cannot be reached)")
    moved: dict[tuple[str, str], int] = {}
    for move in found:
        zone = ZoneInfo(engine.cities[move.city].court_zone)
        pair = tuple(dt.datetime.fromisoformat(m).astimezone(zone).strftime("%Y-%m-%d %H:%M")
                     for m in (move.old[0], move.new[0]))
        moved[pair] = moved.get(pair, 0) + 1
    for (old, new), count in sorted(moved.items()):
        click.echo(f"  {old} -> {new} (court's clock): {count}")
    if dry_run:
        click.echo("dry run: nothing changed")
        return
    if not found:
        click.echo("no hearing matches: nothing changed")
        return
    if not yes:
        click.confirm(f"Move these {len(found)} hearings and tell {len(told)} phones?", abort=True)
    with write(db):
        postponement_id = pp.apply(db, found, court, date_from, date_to, rule, source,
                                   engine.cities, engine.schedule, now)
    click.echo(f"postponement {postponement_id}: {len(found)} hearings moved; undo with "
               f"`flask --app bot postpone --undo {postponement_id}`")


def init_app(app: Flask) -> None:
    app.cli.add_command(broadcast_command)
    app.cli.add_command(postpone_command)
