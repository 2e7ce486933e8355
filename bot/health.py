"""What operators look at: `flask --app bot stats` and GET /healthz."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Flask, current_app, jsonify
from sqlite_utils import Database

from .db import get_db, migrations

bp = Blueprint("health", __name__)


def stats(db: Database, now: dt.datetime) -> dict:
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
    }


def by_court(counts_by_city: list[tuple[str, int]]) -> dict[str, int]:
    """Add up hearing counts by court (Tijuana and Mexicali both go to San Diego)."""
    cities = current_app.extensions["engine"].cities
    courts: dict[str, int] = {}
    for city, count in counts_by_city:
        court = cities[city].court if city in cities else city
        courts[court] = courts.get(court, 0) + count
    return dict(sorted(courts.items()))


def heartbeat_age(db: Database, now: dt.datetime, name: str = "scheduler") -> float | None:
    row = db.execute("SELECT beat_at FROM heartbeats WHERE name = ?", [name]).fetchone()
    return (now - dt.datetime.fromisoformat(row[0])).total_seconds() if row else None


@bp.get("/healthz")
def healthz():
    """200 when the database answers, migrations are current and the scheduler beats."""
    now = dt.datetime.now(dt.UTC)
    body: dict = {}
    try:
        db = get_db()
        db.execute("SELECT 1").fetchone()
        body["database"] = "ok"
        pending = [m.name for m in migrations.pending(db)]
        body["migrations"] = "current" if not pending else f"pending: {', '.join(pending)}"
        age = heartbeat_age(db, now)
    except Exception as exc:   # a health check reports, it never raises
        return jsonify(database=f"unreachable ({type(exc).__name__})", ok=False), 503
    body["scheduler_heartbeat_age_seconds"] = round(age, 1) if age is not None else None
    limit = current_app.config["HEARTBEAT_MAX_AGE_SECONDS"]
    body["ok"] = not pending and age is not None and age <= limit
    return jsonify(body), 200 if body["ok"] else 503


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
