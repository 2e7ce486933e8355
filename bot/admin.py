"""Operator commands: shelters, volunteers, bulk import, stats and the audit trail."""

from __future__ import annotations

import datetime as dt
import json

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from . import audit, health, importer, shelters
from .db import get_db, write
from .identity import UnknownAddress, typed_phone


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _phone(value: str) -> str:
    try:
        return typed_phone(value)
    except UnknownAddress as exc:
        raise click.BadParameter(str(exc)) from exc


def _shelter(db, name: str) -> dict:
    shelter = shelters.shelter_by_name(db, name)
    if shelter is None:
        raise click.BadParameter(f"no shelter named {name!r}; see `shelters list`")
    return shelter


@click.group("shelters")
def shelters_cli() -> None:
    """Shelters whose volunteers register people."""


@shelters_cli.command("add")
@click.argument("name")
@click.option("--city", help="City key from bot/data/places.yaml, e.g. tijuana.")
@with_appcontext
def shelters_add(name: str, city: str | None) -> None:
    """Add a shelter."""
    engine = current_app.extensions["engine"]
    if city and city not in engine.cities:
        raise click.BadParameter(f"unknown city; one of: {', '.join(engine.cities)}")
    db = get_db()
    with write(db):
        if shelters.shelter_by_name(db, name):
            raise click.ClickException(f"a shelter named {name!r} already exists")
        shelters.add_shelter(db, name, city, _now())
    click.echo(f"Shelter added: {name}")


@shelters_cli.command("list")
@with_appcontext
def shelters_list() -> None:
    """List shelters with their number of volunteers and people."""
    for s in shelters.list_shelters(get_db()) or []:
        click.echo(f"{s['name']}  city={s['city'] or '-'}  volunteers={s['volunteers']}  "
                   f"people={s['people']}")


@click.group("volunteers")
def volunteers_cli() -> None:
    """Volunteers: a phone number tied to one shelter."""


@volunteers_cli.command("add")
@click.argument("phone")
@click.option("--shelter", "shelter_name", required=True, help="The shelter's name.")
@with_appcontext
def volunteers_add(phone: str, shelter_name: str) -> None:
    """Make a phone a volunteer of a shelter."""
    db = get_db()
    number = _phone(phone)
    with write(db):
        shelter = _shelter(db, shelter_name)
        if shelters.is_volunteer(db, number):
            raise click.ClickException("that phone is already a volunteer")
        shelters.add_volunteer(db, number, shelter["id"], _now())
    click.echo(f"Volunteer added to {shelter['name']}. From that phone, write VOLUNTARIO.")


@volunteers_cli.command("remove")
@click.argument("phone")
@with_appcontext
def volunteers_remove(phone: str) -> None:
    """Stop a phone being a volunteer (its shelter's people stay)."""
    db = get_db()
    with write(db):
        removed = shelters.remove_volunteer(db, _phone(phone), _now())
    if not removed:
        raise click.ClickException("that phone is not a volunteer")
    click.echo("Volunteer removed.")


@volunteers_cli.command("list")
@click.option("--shelter", "shelter_name", help="Only this shelter's volunteers.")
@with_appcontext
def volunteers_list(shelter_name: str | None) -> None:
    """List volunteers and their shelters."""
    db = get_db()
    shelter_id = _shelter(db, shelter_name)["id"] if shelter_name else None
    for v in shelters.list_volunteers(db, shelter_id):
        click.echo(f"{v['phone']}  {v['shelter']}  since {v['created_at'][:10]}")


@click.group("contacts")
def contacts_cli() -> None:
    """People's contacts."""


@contacts_cli.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--shelter", "shelter_name", required=True, help="The shelter they belong to.")
@click.option("--dry-run", is_flag=True, help="Check every row; import nothing.")
@with_appcontext
def contacts_import(file, shelter_name: str, dry_run: bool) -> None:
    """Import a shelter's people and hearings from a CSV file (docs/IMPORT.md).

    Every row is checked; good rows are imported, bad ones reported with their line number.
    Running it again imports nothing twice."""
    engine = current_app.extensions["engine"]
    db, now = get_db(), _now()
    try:
        text = importer.decode(file.read())
    except importer.NotUtf8 as exc:
        raise click.ClickException(str(exc)) from exc
    report = importer.check(text, engine, now)
    shelter = _shelter(db, shelter_name)
    # A batch of rows per short transaction, so the webhook keeps answering meanwhile.
    importer.save(db, report, shelter["id"], engine, now, dry_run=dry_run)
    if not dry_run:
        with write(db):
            audit.record(db, "operator", "contacts_imported", f"shelter:{shelter['id']}", now,
                         imported=report.imported, already=report.already,
                         bad=len(report.errors))
    for line, reason in report.errors:
        click.echo(f"line {line}: {reason}")
    verb = "would import" if dry_run else "imported"
    click.echo(f"{verb} {report.imported}, already there {report.already}, "
               f"bad rows {len(report.errors)}")


@click.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON, for scripts.")
@click.option("--weeks", default=health.OUTCOME_WEEKS, show_default=True, type=click.IntRange(1),
              help="Count the day-after answers of this many weeks back.")
@with_appcontext
def stats_command(as_json: bool, weeks: int) -> None:
    """Counts for operators: people, opt-outs, hearings this week, reminders in the last day,
    and how hearings went (the answers to the day-after question) per court and week."""
    numbers = health.stats(get_db(), _now(), weeks)
    click.echo(json.dumps(numbers, indent=2) if as_json else "\n".join(stats_lines(numbers)))


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def stats_lines(numbers: dict) -> list[str]:
    """Lay the stats out for reading: the totals, then a table of day-after answers."""
    lines = [f"{key}: {numbers[key]}" for key in numbers
             if key not in ("hearings_next_7_days", "hearing_outcomes")]
    lines.append("hearings_next_7_days: " + (", ".join(
        f"{court} {n}" for court, n in numbers["hearings_next_7_days"].items()) or "none"))
    found = numbers["hearing_outcomes"]
    lines += ["", "How hearings went (answers to the day-after question; missed = share of "
              "answers):",
              f"{'court':24} {'week':9} {'went':>5} {'new date':>8} {'missed':>6} "
              f"{'no answer':>9} {'missed %':>8}"]
    for row in [*found["by_court_and_week"], {"court": "all", "week": "", **found["total"]}]:
        lines.append(f"{row['court']:24} {row['week']:9} {row['went']:5} {row['new_date']:8} "
                     f"{row['missed']:6} {row['no_answer']:9} {_share(row['missed_share']):>8}")
    return lines


@click.command("audit")
@click.option("--limit", default=50, show_default=True)
@with_appcontext
def audit_command(limit: int) -> None:
    """Show the latest lines of the audit trail."""
    for line in audit.lines(get_db(), limit):
        click.echo(f"{line['at'][:19]}  {line['actor']:14} {line['action']:22} "
                   f"{line['target'] or '-'}  {line['detail'] or ''}")


def init_app(app: Flask) -> None:
    for command in (shelters_cli, volunteers_cli, contacts_cli, stats_command, audit_command):
        app.cli.add_command(command)
