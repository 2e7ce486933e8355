"""The clock: the scheduler process, one dispatch pass on demand, housekeeping, and the
operator's view of a phone's reminders."""

from __future__ import annotations

import datetime as dt
import logging

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from . import audit, notice_pass, safekeeping
from . import reminder_queue as queue
from .db import get_db, write
from .dispatch import EARLY_STATUS_KEEP, Dispatcher
from .eventlog import event
from .identity import UnknownAddress, typed_phone


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def dispatch_once(app: Flask, now: dt.datetime | None = None):
    """Run one dispatch pass inside the app: the reminders due, then the notice photos waiting
    (their reading takes seconds, so it comes after the reminders, never before)."""
    now = now or _now()
    with app.app_context():
        report = Dispatcher(app).run(now)
        for outcome, count in notice_pass.read_pending(app, now).items():
            report.outcomes[f"photo_{outcome}"] = count
        return report


def housekeeping(app: Flask, now: dt.datetime | None = None) -> None:
    """Daily: forget old MessageSids, plan trips missing from older hearings, purge people past
    retention, take a backup."""
    now = now or _now()
    with app.app_context():
        db = get_db()
        cutoff = now - dt.timedelta(days=app.config["INBOUND_SID_RETENTION_DAYS"])
        with write(db):
            forgotten = db.execute("DELETE FROM inbound_messages WHERE received_at < ?",
                                   [cutoff.isoformat()]).rowcount
            queue.beat(db, "housekeeping", now)
            # Delivery reports nobody claimed: their sends are long recorded or never were.
            queue.forget_early_statuses(db, now - EARLY_STATUS_KEEP)
            # Hearings saved before the reminder to set out existed get it too.
            trips = queue.add_missing_trips(db, app.extensions["engine"].cities,
                                            app.extensions["engine"].schedule, now)
        safekeeping.daily(app, now)
        event("housekeeping", forgotten_sids=forgotten, trips_added=trips)


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the reminder scheduler (its own process; never inside web workers)."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    app = current_app._get_current_object()
    scheduler = BlockingScheduler(timezone=dt.UTC)
    # One pass at a time; a pass missed while the process was busy runs once, not many times.
    scheduler.add_job(dispatch_once, "interval", args=[app], id="dispatch",
                      seconds=app.config["DISPATCH_INTERVAL_SECONDS"], max_instances=1,
                      coalesce=True, next_run_time=_now())
    scheduler.add_job(housekeeping, "cron", args=[app], id="housekeeping", hour=3,
                      max_instances=1, coalesce=True)
    event("scheduler_start", interval=app.config["DISPATCH_INTERVAL_SECONDS"])
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        event("scheduler_stop", logging.INFO)


@click.command("send-due")
@click.option("--now", "now_text", help="Act as if it were this ISO-8601 time (UTC if no zone).")
@with_appcontext
def send_due_command(now_text: str | None) -> None:
    """Send the reminders due now, once, and print what happened."""
    now = _now()
    if now_text:
        try:
            now = dt.datetime.fromisoformat(now_text)
        except ValueError as exc:
            raise click.BadParameter(f"not an ISO-8601 time: {now_text}") from exc
        now = now if now.tzinfo else now.replace(tzinfo=dt.UTC)
    report = dispatch_once(current_app._get_current_object(), now)
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(report.outcomes.items())) or "nothing due"
    click.echo(f"{report.claimed} claimed: {outcomes}")


@click.group("reminders")
def reminders_cli() -> None:
    """Look at the reminder queue."""


@reminders_cli.command("list")
@click.option("--phone", required=True, help="The person's phone number.")
@with_appcontext
def list_command(phone: str) -> None:
    """List one phone's reminders: kind, due time (UTC), status, attempts, last error."""
    try:
        number = typed_phone(phone)
    except UnknownAddress as exc:
        raise click.BadParameter(str(exc)) from exc
    db = get_db()
    rows = queue.for_phone(db, number)
    with write(db):
        audit.record(db, "operator", "reminders_viewed", f"rows:{len(rows)}")
    if not rows:
        click.echo("No reminders for that phone.")
    for r in rows:
        click.echo(f"{r['due_at'][:16]}  {r['kind']:11} {r['status']:9} attempts={r['attempts']} "
                   f"person={r['person']} channel={r['channel'] or '-'} "
                   f"delivery={r['delivery_status'] or '-'} error={r['last_error'] or '-'}")


def init_app(app: Flask) -> None:
    app.cli.add_command(scheduler_command)
    app.cli.add_command(send_due_command)
    app.cli.add_command(reminders_cli)
