"""Reminder rows: planned, claimed, sent, retried, cancelled. Callers hold the transaction."""

from __future__ import annotations

import datetime as dt

from sqlite_utils import Database

from .eventlog import event
from .places import City
from .reminders import BROADCAST, POSTPONED, RESTORED, TRAVEL, WELCOME, Planned, Schedule, plan
from .vault import vault


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


# Rows no plan makes: a new plan leaves them be (a broadcast is still news when the date moves).
UNPLANNED = (WELCOME, BROADCAST, POSTPONED, RESTORED)


def replace_plan(db: Database, hearing_id: int, planned: list[Planned], now: dt.datetime) -> None:
    """Make the hearing's pending rows match a new plan: cancel the rest, add what is missing."""
    keep = {(p.kind, _iso(p.due_at)) for p in planned}
    for row_id, kind, due_at in db.execute(
            "SELECT id, kind, due_at FROM reminders WHERE hearing_id = ? AND status = 'pending' "
            f"AND kind NOT IN ({', '.join('?' * len(UNPLANNED))})", [hearing_id, *UNPLANNED]).fetchall():
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


def add_missing_trips(db: Database, cities: dict[str, City], schedule: Schedule,
                      now: dt.datetime) -> int:
    """Queue the reminder to set out for open hearings planned before it existed (or while its
    city had none), of phones that still take reminders; return how many were added."""
    travel = [key for key, city in cities.items() if city.travel is not None]
    if not travel:
        return 0
    marks = ", ".join("?" * len(travel))
    added = 0
    for hearing in db.query(f"""
            SELECT h.id, h.city, h.starts_at, h.created_at FROM hearings h
            JOIN people p ON p.id = h.person_id JOIN contacts c ON c.id = p.contact_id
            WHERE h.closed_at IS NULL AND h.starts_at > ? AND h.city IN ({marks})
              AND c.opted_out = 0 AND c.unreachable = 0
              AND NOT EXISTS (SELECT 1 FROM reminders r WHERE r.hearing_id = h.id
                              AND r.kind = ? AND r.status <> 'cancelled')""",
            [_iso(now), *travel, TRAVEL]):
        trip = [p for p in plan(dt.datetime.fromisoformat(hearing["starts_at"]),
                                cities[hearing["city"]].zone,
                                dt.datetime.fromisoformat(hearing["created_at"]), now, schedule,
                                travel=True) if p.kind == TRAVEL]
        add(db, hearing["id"], trip, now)
        added += len(trip)
    return added


def schedule_hearing(db: Database, hearing: dict, city: City, schedule: Schedule,
                     now: dt.datetime) -> None:
    """Plan a saved or changed hearing's reminders from now on, replacing its pending ones, on
    the clock of the city where the person waits."""
    day_at = hearing.get("hearing_day_at")
    planned = plan(dt.datetime.fromisoformat(hearing["starts_at"]), city.zone,
                   dt.datetime.fromisoformat(hearing["created_at"]), now, schedule,
                   dt.datetime.fromisoformat(day_at) if day_at else None,
                   travel=city.travel is not None)
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
    """Claim due reminders for one dispatch pass; a claim whose lease ran out is taken again.
    Broadcast rows come after every reminder due: at the rate cap a broadcast to 75,000 phones
    takes hours, and a hearing's reminder must not wait behind it.

    A lapsed claim means the pass that held it died, perhaps after its request reached Twilio:
    that counts as an attempt, and the send is marked unconfirmed so it is looked up first."""
    rows = db.execute("""
        UPDATE reminders SET claimed_until = :until, updated_at = :now,
            attempts = attempts + (claimed_until IS NOT NULL),
            unconfirmed_at = CASE WHEN claimed_until IS NULL THEN unconfirmed_at
                ELSE COALESCE(unconfirmed_at, strftime('%Y-%m-%dT%H:%M:%S+00:00', claimed_until,
                                                       :lease_back)) END
        WHERE id IN (SELECT id FROM reminders
                     WHERE status = 'pending' AND due_at <= :now
                       AND (claimed_until IS NULL OR claimed_until <= :now)
                     ORDER BY kind = :broadcast, due_at LIMIT :limit)
        RETURNING id""", {"until": _iso(now + dt.timedelta(seconds=lease_seconds)),
                          "now": _iso(now), "lease_back": f"-{int(lease_seconds)} seconds",
                          "limit": limit, "broadcast": BROADCAST}).fetchall()
    if not rows:
        return []
    ids = [r[0] for r in rows]
    return [dict(r) for r in db.query(f"""
        SELECT r.*, h.person_id, h.city, h.starts_at, h.closed_at, h.postponement_id, p.contact_id
        FROM reminders r JOIN hearings h ON h.id = r.hearing_id JOIN people p ON p.id = h.person_id
        WHERE r.id IN ({", ".join("?" * len(ids))}) ORDER BY r.due_at""", ids)]


def mark_sent(db: Database, reminder_id: int, sid: str, channel: str, now: dt.datetime, *,
              attempted: bool = True) -> None:
    """Record a send Twilio took (`attempted` false when its attempt was counted already)."""
    db.execute("UPDATE reminders SET status = 'sent', twilio_sid = ?, channel = ?, sent_at = ?, "
               "attempts = attempts + ?, claimed_until = NULL, unconfirmed_at = NULL, "
               "updated_at = ? WHERE id = ?",
               [sid, channel, _iso(now), int(attempted), _iso(now), reminder_id])


def retry_at(db: Database, reminder_id: int, due_at: dt.datetime, now: dt.datetime, *,
             error: str | None = None, fallback: str | None = None, attempted: bool = True,
             unconfirmed_at: dt.datetime | None = None) -> None:
    """Put a reminder back in the queue for later (a transient failure, quiet hours, a fallback).

    `unconfirmed_at` is set when the last send may have reached Twilio after all."""
    db.execute("UPDATE reminders SET status = 'pending', due_at = ?, claimed_until = NULL, "
               "attempts = attempts + ?, last_error = COALESCE(?, last_error), "
               "fallback = COALESCE(?, fallback), twilio_sid = NULL, unconfirmed_at = ?, "
               "updated_at = ? WHERE id = ?",
               [_iso(due_at), int(attempted), error, fallback,
                unconfirmed_at and _iso(unconfirmed_at), _iso(now), reminder_id])


def record_error(db: Database, reminder_id: int, error: str, retry: dt.datetime | None,
                 now: dt.datetime, unconfirmed_at: dt.datetime | None) -> None:
    """Count a pass that failed on this reminder and retry it at `retry`, or fail it when None.

    Only a reminder still pending is touched: one the pass had already recorded as sent stays sent."""
    db.execute("UPDATE reminders SET status = CASE WHEN ? IS NULL THEN 'failed' ELSE status END, "
               "due_at = COALESCE(?, due_at), attempts = attempts + 1, last_error = ?, "
               "claimed_until = NULL, unconfirmed_at = ?, updated_at = ? "
               "WHERE id = ? AND status = 'pending'",
               [retry and _iso(retry), retry and _iso(retry), error,
                unconfirmed_at and _iso(unconfirmed_at), _iso(now), reminder_id])


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


def recorded_sids(db: Database, sids: list[str]) -> set[str]:
    """Which of these Twilio SIDs are recorded for a reminder already."""
    if not sids:
        return set()
    return {r[0] for r in db.execute(
        f"SELECT twilio_sid FROM reminders WHERE twilio_sid IN ({', '.join('?' * len(sids))})",
        sids)}


# How far along Twilio's reports go: a report that comes out of order never undoes a later one,
# for a send kept early and for a recorded one alike.
STATUS_ORDER = {"accepted": 0, "scheduled": 0, "queued": 1, "sending": 2, "sent": 3,
                "delivered": 4, "undelivered": 4, "failed": 4, "read": 5}


def keep_early_status(db: Database, sid: str, status: str, error_code: int | None,
                      reminder_id: int | None, now: dt.datetime) -> None:
    """Keep a delivery report whose send is not recorded yet (it may be any moment now)."""
    if reminder_id is not None and not db.execute(
            "SELECT 1 FROM reminders WHERE id = ?", [reminder_id]).fetchone():
        reminder_id = None
    kept = db.execute("SELECT status FROM early_statuses WHERE sid = ?", [sid]).fetchone()
    if kept and STATUS_ORDER.get(kept[0], 0) > STATUS_ORDER.get(status, 0):
        return
    db.execute("INSERT INTO early_statuses (sid, reminder_id, status, error_code, received_at) "
               "VALUES (?, ?, ?, ?, ?) ON CONFLICT (sid) DO UPDATE SET status = excluded.status, "
               "error_code = excluded.error_code, received_at = excluded.received_at, "
               "reminder_id = COALESCE(excluded.reminder_id, early_statuses.reminder_id)",
               [sid, reminder_id, status, error_code, _iso(now)])


def take_early_status(db: Database, sid: str) -> dict | None:
    """Return and remove the report kept for a send now being recorded."""
    row = db.execute("DELETE FROM early_statuses WHERE sid = ? RETURNING status, error_code",
                     [sid]).fetchone()
    return {"status": row[0], "error_code": row[1]} if row else None


def early_sid_of(db: Database, reminder_id: int, since: dt.datetime) -> str | None:
    """The SID of a send of this reminder, reported on since `since`, that nobody recorded."""
    row = db.execute("SELECT sid FROM early_statuses WHERE reminder_id = ? AND received_at >= ? "
                     "AND sid NOT IN (SELECT twilio_sid FROM reminders WHERE twilio_sid IS NOT NULL) "
                     "ORDER BY received_at DESC LIMIT 1", [reminder_id, _iso(since)]).fetchone()
    return row[0] if row else None


def forget_early_statuses(db: Database, before: dt.datetime) -> int:
    return db.execute("DELETE FROM early_statuses WHERE received_at < ?", [_iso(before)]).rowcount


def record_delivery(db: Database, reminder_id: int, status: str, now: dt.datetime) -> None:
    """Keep a delivery report, unless one further along is already recorded."""
    order = STATUS_ORDER.get(status, 0)
    known = [s for s, o in STATUS_ORDER.items() if o > order]
    db.execute(f"UPDATE reminders SET delivery_status = ?, updated_at = ? WHERE id = ? "
               f"AND (delivery_status IS NULL OR delivery_status NOT IN "
               f"({', '.join('?' * len(known))}))", [status, _iso(now), reminder_id, *known])


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
