"""The queue of notice photos waiting to be read: rows like the reminders', claimed by one pass."""

from __future__ import annotations

import datetime as dt

from sqlite_utils import Database


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def add(db: Database, contact_id: int, media_path: str, content_type: str, now: dt.datetime) -> int:
    return db["notice_photos"].insert({
        "contact_id": contact_id, "media_path": media_path, "content_type": content_type,
        "received_at": _iso(now)}).last_pk


def seen_before(db: Database, contact_id: int) -> bool:
    """Whether this person sent a notice photo before: the first answer says what becomes of it."""
    return db.execute("SELECT 1 FROM notice_photos WHERE contact_id = ? LIMIT 1",
                      [contact_id]).fetchone() is not None


def claim(db: Database, now: dt.datetime, lease_seconds: int, limit: int) -> list[dict]:
    """Claim pending photos, oldest first; a claim whose lease ran out is taken again."""
    rows = db.execute("""
        UPDATE notice_photos SET claimed_until = :until, attempts = attempts + 1
        WHERE id IN (SELECT id FROM notice_photos
                     WHERE status = 'pending' AND (claimed_until IS NULL OR claimed_until <= :now)
                     ORDER BY received_at LIMIT :limit)
        RETURNING id""", {"until": _iso(now + dt.timedelta(seconds=lease_seconds)),
                          "now": _iso(now), "limit": limit}).fetchall()
    ids = [r[0] for r in rows]
    if not ids:
        return []
    return [dict(r) for r in db.query(
        f"SELECT * FROM notice_photos WHERE id IN ({', '.join('?' * len(ids))}) ORDER BY received_at",
        ids)]


def finish(db: Database, photo_id: int, status: str, outcome: str, now: dt.datetime) -> None:
    """Close the row; where the photo was is forgotten with it."""
    db.execute("UPDATE notice_photos SET status = ?, outcome = ?, finished_at = ?, media_path = NULL, "
               "claimed_until = NULL WHERE id = ?", [status, outcome, _iso(now), photo_id])


def retry(db: Database, photo_id: int, outcome: str) -> None:
    db.execute("UPDATE notice_photos SET claimed_until = NULL, outcome = ? WHERE id = ?",
               [outcome, photo_id])
