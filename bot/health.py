"""What operators look at: `flask --app bot stats` and GET /healthz."""

from __future__ import annotations

import datetime as dt
import logging

from flask import Blueprint, Flask, current_app, jsonify
from sqlite_utils import Database

from . import outcomes
from .db import get_db, migrations, write
from .eventlog import event

bp = Blueprint("health", __name__)


# How far back the day-after answers are counted: a quarter, enough to see a court's trend.
OUTCOME_WEEKS = 12


def stats(db: Database, now: dt.datetime, outcome_weeks: int = OUTCOME_WEEKS) -> dict:
    """Counts only: no phone, name or A-number."""
    day_ago = (now - dt.timedelta(days=1)).isoformat()
    month_ago = (now - dt.timedelta(days=30)).isoformat()
    week = (now + dt.timedelta(days=7)).isoformat()

    def one(sql: str, args=()) -> int:
        return db.execute(sql, args).fetchone()[0]

    sent = one("SELECT count(*) FROM reminders WHERE status = 'sent' AND sent_at >= ?", [day_ago])
    failed = one("SELECT count(*) FROM reminders WHERE status = 'failed' AND updated_at >= ?",
                 [day_ago])
    reported = one("SELECT count(*) FROM reminders WHERE delivery_status IS NOT NULL "
                   "AND updated_at >= ?", [day_ago])
    undelivered = one("SELECT count(*) FROM reminders WHERE delivery_status IN "
                      "('undelivered', 'failed') AND updated_at >= ?", [day_ago])
    return {
        "people": one("SELECT count(*) FROM contacts"),
        "active": one("SELECT count(*) FROM contacts c WHERE NOT opted_out AND (last_inbound_at >= ? "
                      "OR EXISTS (SELECT 1 FROM hearings h JOIN people p ON p.id = h.person_id "
                      "WHERE p.contact_id = c.id AND h.starts_at >= ? AND h.closed_at IS NULL))",
                      [month_ago, now.isoformat()]),
        "opted_out": one("SELECT count(*) FROM contacts WHERE opted_out"),
        "hearings_next_7_days": by_court(db.execute(
            "SELECT city, count(*) FROM hearings WHERE starts_at >= ? AND starts_at < ? "
            "AND closed_at IS NULL GROUP BY city", [now.isoformat(), week]).fetchall()),
        "reminders_sent_24h": sent,
        "reminders_failed_24h": failed,
        "delivery_failure_rate_24h": round(undelivered / reported, 3) if reported else None,
        "hearing_outcomes": outcomes.count(db, court_of,
                                           now - dt.timedelta(weeks=outcome_weeks)),
    }


def court_of(city: str) -> str:
    """Return the court a city's hearings are heard in (the city key itself if unknown)."""
    cities = current_app.extensions["engine"].cities
    return cities[city].court if city in cities else city


def by_court(counts_by_city: list[tuple[str, int]]) -> dict[str, int]:
    """Add up hearing counts by court (Tijuana and Mexicali both go to San Diego)."""
    courts: dict[str, int] = {}
    for city, count in counts_by_city:
        court = court_of(city)
        courts[court] = courts.get(court, 0) + count
    return dict(sorted(courts.items()))


def heartbeat_age(db: Database, name: str = "scheduler") -> float | None:
    """Seconds since a process beat, by the database's clock (SQLite's 'now'), not this one's."""
    row = db.execute("SELECT (julianday('now') - julianday(beat_at)) * 86400.0 FROM heartbeats "
                     "WHERE name = ?", [name]).fetchone()
    return row[0] if row else None


def prove_writable(db: Database) -> None:
    """Write and commit one row, so a read-only, full or broken file fails here, not on a message."""
    with write(db):
        db.execute("INSERT INTO heartbeats (name, beat_at) VALUES ('web', strftime('%Y-%m-%dT"
                   "%H:%M:%f+00:00', 'now')) ON CONFLICT (name) DO UPDATE SET "
                   "beat_at = excluded.beat_at")


def scheduler_state(age: float | None, limit: float) -> str:
    if age is None:
        return "no heartbeat yet"
    if age > limit:
        return "late"
    if age < -limit:
        # Stamped ahead of the database's clock (a clock set wrong, or a pass run with --now):
        # it would look fresh long after the scheduler stopped, so it proves nothing.
        return "heartbeat ahead of the database clock"
    return "ok"


@bp.get("/healthz")
def healthz():
    """200 when the database takes a write, migrations are current and the scheduler beats."""
    body: dict = {}
    try:
        db = get_db()
        prove_writable(db)
        body["database"] = "ok"
        pending = [m.name for m in migrations.pending(db)]
        body["migrations"] = "current" if not pending else f"pending: {', '.join(pending)}"
        age = heartbeat_age(db)
    except Exception as exc:   # a health check reports, it never raises
        # The error's kind only: anyone can call /healthz, and the operator has the event.
        event("health_check_failed", logging.ERROR, error=type(exc).__name__)
        return jsonify(database=f"not writable: {type(exc).__name__}", ok=False), 503
    body["scheduler_heartbeat_age_seconds"] = round(age, 1) if age is not None else None
    body["scheduler"] = scheduler_state(age, current_app.config["HEARTBEAT_MAX_AGE_SECONDS"])
    body["ok"] = not pending and body["scheduler"] == "ok"
    return jsonify(body), 200 if body["ok"] else 503


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
