"""Reminder rows: planned, claimed, sent, retried, cancelled. Callers hold the transaction."""

from __future__ import annotations

import datetime as dt

from sqlite_utils import Database

from .eventlog import event
from .reminders import Planned, Schedule, plan
from .vault import vault


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def replace_plan(db: Database, hearing_id: int, planned: list[Planned], now: dt.datetime) -> None:
    """Make the hearing's pending rows match a new plan: cancel the rest, add what is missing."""
    keep = {(p.kind, _iso(p.due_at)) for p in planned}
    for row_id, kind, due_at in db.execute(
            "SELECT id, kind, due_at FROM reminders WHERE hearing_id = ? AND status = 'pending' "
            "AND kind <> 'welcome'", [hearing_id]).fetchall():
        if (kind, due_at) not in keep:
            db.execute("UPDATE reminders SET status = 'cancelled', last_error = 'rescheduled', "
                       "updated_at = ? WHERE id = ?", [_iso(now), row_id])
    add(db, hearing_id, planned, now)


def add(db: Database, hearing_id: int, planned: list[Planned], now: dt.datetime) -> None:
    """Queue reminders; the partial unique index turns one already queued into nothing."""
    for p in planned:
        db.execute("INSERT OR IGNORE INTO reminders (hearing_id, kind, seq, due_at, created_at, "
                   "updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                   [hearing_id, p.kind, p.seq, _iso(p.due_at), _iso(now), _iso(now)])


def schedule_hearing(db: Database, hearing: dict, zone: str, schedule: Schedule,
                     now: dt.datetime) -> None:
    """Plan a saved or changed hearing's reminders from now on, replacing its pending ones."""
    planned = plan(dt.datetime.fromisoformat(hearing["starts_at"]), zone,
                   dt.datetime.fromisoformat(hearing["created_at"]), now, schedule)
    replace_plan(db, hearing["id"], planned, now)
    event("reminders_planned", hearing=hearing["id"], count=len(planned))


def cancel_pending(db: Database, now: dt.datetime, reason: str, *, contact_id: int | None = None,
                   hearing_id: int | None = None) -> int:
    """Cancel the pending reminders of a phone or of one hearing; return how many."""
    if contact_id is not None:
        where, arg = ("hearing_id IN (SELECT h.id FROM hearings h JOIN people p ON "
                      "p.id = h.person_id WHERE p.contact_id = ?)"), contact_id
    else:
        where, arg = "hearing_id = ?", hearing_id
    cursor = db.execute(f"UPDATE reminders SET status = 'cancelled', last_error = ?, "
                        f"updated_at = ? WHERE status = 'pending' AND {where}",
                        [reason, _iso(now), arg])
    return cursor.rowcount


def claim_due(db: Database, now: dt.datetime, lease_seconds: int, limit: int) -> list[dict]:
    """Claim due reminders for one dispatch pass; a claim whose lease ran out is taken again."""
    rows = db.execute("""
        UPDATE reminders SET claimed_until = ?, updated_at = ?
        WHERE id IN (SELECT id FROM reminders
                     WHERE status = 'pending' AND due_at <= ?
                       AND (claimed_until IS NULL OR claimed_until <= ?)
                     ORDER BY due_at LIMIT ?)
        RETURNING id""", [_iso(now + dt.timedelta(seconds=lease_seconds)), _iso(now), _iso(now),
                         _iso(now), limit]).fetchall()
    if not rows:
        return []
    ids = [r[0] for r in rows]
    return [dict(r) for r in db.query(f"""
        SELECT r.*, h.person_id, h.city, h.starts_at, h.closed_at, p.contact_id
        FROM reminders r JOIN hearings h ON h.id = r.hearing_id JOIN people p ON p.id = h.person_id
        WHERE r.id IN ({", ".join("?" * len(ids))}) ORDER BY r.due_at""", ids)]


def mark_sent(db: Database, reminder_id: int, sid: str, channel: str, now: dt.datetime) -> None:
    db.execute("UPDATE reminders SET status = 'sent', twilio_sid = ?, channel = ?, sent_at = ?, "
               "attempts = attempts + 1, claimed_until = NULL, updated_at = ? WHERE id = ?",
               [sid, channel, _iso(now), _iso(now), reminder_id])


def retry_at(db: Database, reminder_id: int, due_at: dt.datetime, now: dt.datetime, *,
             error: str | None = None, fallback: str | None = None, attempted: bool = True) -> None:
    """Put a reminder back in the queue for later (a transient failure, quiet hours, a fallback)."""
    db.execute("UPDATE reminders SET status = 'pending', due_at = ?, claimed_until = NULL, "
               "attempts = attempts + ?, last_error = COALESCE(?, last_error), "
               "fallback = COALESCE(?, fallback), twilio_sid = NULL, updated_at = ? WHERE id = ?",
               [_iso(due_at), int(attempted), error, fallback, _iso(now), reminder_id])


def finish(db: Database, reminder_id: int, status: str, error: str, now: dt.datetime, *,
           attempted: bool = False) -> None:
    """End a reminder as failed, skipped or cancelled, saying why."""
    db.execute("UPDATE reminders SET status = ?, last_error = ?, claimed_until = NULL, "
               "attempts = attempts + ?, updated_at = ? WHERE id = ?",
               [status, error, int(attempted), _iso(now), reminder_id])


def by_sid(db: Database, sid: str) -> dict | None:
    row = next(db.query("""
        SELECT r.*, h.city, h.starts_at, p.contact_id FROM reminders r
        JOIN hearings h ON h.id = r.hearing_id JOIN people p ON p.id = h.person_id
        WHERE r.twilio_sid = ?""", [sid]), None)
    return dict(row) if row else None


def record_delivery(db: Database, reminder_id: int, status: str, now: dt.datetime) -> None:
    db.execute("UPDATE reminders SET delivery_status = ?, updated_at = ? WHERE id = ?",
               [status, _iso(now), reminder_id])


def for_phone(db: Database, phone: str) -> list[dict]:
    """List a phone's reminders for an operator: kinds, times and states, no message text."""
    return [{**dict(r), "person": vault().open(r["person"])} for r in db.query("""
        SELECT r.id, p.name AS person, r.kind, r.seq, r.due_at, r.status, r.attempts,
               r.channel, r.delivery_status, r.last_error, r.twilio_sid
        FROM reminders r JOIN hearings h ON h.id = r.hearing_id JOIN people p ON p.id = h.person_id
        JOIN contacts c ON c.id = p.contact_id WHERE c.phone_hash = ? ORDER BY r.due_at""",
        [vault().digest(phone)])]


def beat(db: Database, name: str, now: dt.datetime) -> None:
    db.execute("INSERT INTO heartbeats (name, beat_at) VALUES (?, ?) ON CONFLICT (name) "
               "DO UPDATE SET beat_at = excluded.beat_at", [name, _iso(now)])
