"""Shelters and their volunteers: registering people, their hearings and their consent.
Every function checks that a volunteer touches only their own shelter's people."""

from __future__ import annotations

import datetime as dt

from sqlite_utils import Database

from . import audit, store
from . import reminder_queue as queue
from .context import Desk, Registration
from .places import City
from .reminders import WELCOME, Planned, Schedule
from .vault import KeyGone, vault


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def add_shelter(db: Database, name: str, city: str | None, now: dt.datetime) -> int:
    cursor = db.execute("INSERT INTO shelters (name, city, created_at) VALUES (?, ?, ?)",
                        [name.strip(), city, _iso(now)])
    audit.record(db, "operator", "shelter_added", f"shelter:{cursor.lastrowid}", now)
    return cursor.lastrowid


def shelter_by_name(db: Database, name: str) -> dict | None:
    row = next(db.query("SELECT * FROM shelters WHERE name = ? COLLATE NOCASE", [name.strip()]),
               None)
    return dict(row) if row else None


def list_shelters(db: Database) -> list[dict]:
    return [dict(r) for r in db.query(
        "SELECT s.*, (SELECT count(*) FROM volunteers v WHERE v.shelter_id = s.id) AS volunteers, "
        "(SELECT count(*) FROM people p WHERE p.shelter_id = s.id) AS people "
        "FROM shelters s ORDER BY s.name")]


def is_volunteer(db: Database, phone: str) -> bool:
    return db.execute("SELECT 1 FROM volunteers WHERE phone_hash = ?",
                      [vault().digest(phone)]).fetchone() is not None


def add_volunteer(db: Database, phone: str, shelter_id: int, now: dt.datetime) -> int:
    cursor = db.execute("INSERT INTO volunteers (phone_hash, phone, shelter_id, created_at) "
                        "VALUES (?, ?, ?, ?)",
                        [vault().digest(phone), vault().seal(phone), shelter_id, _iso(now)])
    audit.record(db, "operator", "volunteer_added", f"volunteer:{cursor.lastrowid}", now,
                 shelter=shelter_id)
    return cursor.lastrowid


def remove_volunteer(db: Database, phone: str, now: dt.datetime) -> bool:
    row = db.execute("SELECT id FROM volunteers WHERE phone_hash = ?",
                     [vault().digest(phone)]).fetchone()
    if not row:
        return False
    db.execute("DELETE FROM volunteers WHERE id = ?", [row[0]])
    audit.record(db, "operator", "volunteer_removed", f"volunteer:{row[0]}", now)
    return True


def list_volunteers(db: Database, shelter_id: int | None = None) -> list[dict]:
    where, args = ("WHERE v.shelter_id = ?", [shelter_id]) if shelter_id else ("", [])
    return [{**dict(r), "phone": vault().open(r["phone"])} for r in db.query(
        f"SELECT v.id, v.phone, s.name AS shelter, v.created_at FROM volunteers v "
        f"JOIN shelters s ON s.id = v.shelter_id {where} ORDER BY s.name, v.id", args)]


def desk_of(db: Database, phone: str) -> Desk | None:
    """Return the volunteer desk of a phone, or None for anyone who is not a volunteer."""
    row = db.execute("SELECT v.id, v.shelter_id, s.name FROM volunteers v "
                     "JOIN shelters s ON s.id = v.shelter_id WHERE v.phone_hash = ?",
                     [vault().digest(phone)]).fetchone()
    if row is None:
        return None
    registrations = []
    for r in db.query("""
            SELECT h.id AS hearing_id, p.id AS person_id, p.name, h.city, h.starts_at, h.report_at
            FROM hearings h JOIN people p ON p.id = h.person_id
            WHERE p.shelter_id = ? AND h.closed_at IS NULL""", [row[1]]):
        try:
            name = vault().open(r["name"])
        except KeyGone:   # deleted, its rows not swept yet: nobody to show
            continue
        registrations.append(Registration(
            r["hearing_id"], r["person_id"], name, r["city"],
            dt.datetime.fromisoformat(r["starts_at"]),
            dt.datetime.fromisoformat(r["report_at"]) if r["report_at"] else None))
    return Desk(row[0], row[1], row[2], tuple(registrations))


def record_consent(db: Database, contact_id: int, method: str, now: dt.datetime,
                   shelter_id: int | None = None, volunteer_id: int | None = None) -> None:
    db.execute("INSERT INTO consents (contact_id, method, shelter_id, volunteer_id, given_at) "
               "VALUES (?, ?, ?, ?, ?)", [contact_id, method, shelter_id, volunteer_id, _iso(now)])


def register(db: Database, desk_shelter: int, actor: str, data: dict, city: City,
             schedule: Schedule, now: dt.datetime, method: str = "volunteer",
             volunteer_id: int | None = None) -> tuple[int, bool]:
    """Register a person and hearing for a shelter, with consent, reminders and a welcome.
    Return the hearing id and whether it was new (the same person and hearing twice is one)."""
    phone, channel = data["phone"], data["channel"]
    contact = store.find_contact(db, phone)
    if contact:
        # Names are encrypted, so the same person and hearing is found by reading them back.
        for hearing_id, name in db.execute("""
                SELECT h.id, p.name FROM hearings h JOIN people p ON p.id = h.person_id
                WHERE p.contact_id = ? AND h.starts_at = ? AND p.shelter_id = ?""",
                [contact["id"], data["starts_at"], desk_shelter]).fetchall():
            if vault().open(name) == data["name"]:
                return hearing_id, False
    contact_id = contact["id"] if contact else store.create_contact(db, phone, now)
    address = f"whatsapp:{phone}" if channel == "whatsapp" else phone
    store.remember_address(db, contact_id, channel, address, now, replace=False)
    person_id = store.add_person(db, contact_id, data["name"], data.get("a_number"), now)
    db.execute("UPDATE people SET shelter_id = ? WHERE id = ?", [desk_shelter, person_id])
    # Only this person's new hearing: never a hearing_id or a field from another draft.
    hearing_id = store.save_hearing(db, contact_id, {
        "person_id": person_id, "city": data["city"], "starts_at": data["starts_at"],
        "report_at": data.get("report_at")}, now)
    queue.schedule_hearing(db, store.hearing_row(db, hearing_id), city, schedule, now)
    record_consent(db, contact_id, method, now, desk_shelter, volunteer_id)
    # The first message names the shelter and says how to stop; it goes out through the
    # dispatcher, with its retries, and is cancelled like any reminder after BAJA.
    queue.add(db, hearing_id, [Planned(WELCOME, now)], now)
    audit.record(db, actor, "person_registered", f"hearing:{hearing_id}", now, method=method)
    return hearing_id, True


def own_registration(db: Database, shelter_id: int, hearing_id) -> dict | None:
    row = next(db.query("""
        SELECT h.*, p.contact_id FROM hearings h JOIN people p ON p.id = h.person_id
        WHERE h.id = ? AND p.shelter_id = ?""", [hearing_id, shelter_id]), None)
    return dict(row) if row else None


def update_registration(db: Database, desk: Desk, data: dict, city: City, schedule: Schedule,
                        now: dt.datetime) -> bool:
    hearing = own_registration(db, desk.shelter_id, data.get("hearing_id"))
    if hearing is None:
        return False
    store.save_hearing(db, hearing["contact_id"], data, now)
    queue.schedule_hearing(db, store.hearing_row(db, hearing["id"]), city, schedule, now)
    audit.record(db, f"volunteer:{desk.volunteer_id}", "registration_changed",
                 f"hearing:{hearing['id']}", now)
    return True


def cancel_registration(db: Database, desk: Desk, hearing_id, now: dt.datetime) -> bool:
    hearing = own_registration(db, desk.shelter_id, hearing_id)
    if hearing is None:
        return False
    db.execute("DELETE FROM hearings WHERE id = ?", [hearing["id"]])   # reminders cascade
    audit.record(db, f"volunteer:{desk.volunteer_id}", "registration_cancelled",
                 f"hearing:{hearing['id']}", now)
    return True
