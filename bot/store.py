"""Every query: contacts, addresses, people, hearings, conversations. Callers hold the transaction."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from .context import Context, Desk, Hearing, Person
from .engine import Conversation
from .vault import vault

# Every value sealed with a person's data key: (table, column naming the person, columns).
SEALED = (("contacts", "id", ("phone",)), ("contact_addresses", "contact_id", ("address",)),
          ("people", "contact_id", ("name", "a_number")),
          ("conversations", "contact_id", ("vars",)))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).astimezone(UTC) if value else None


def rows(db: Database, sql: str, args=()) -> list[dict]:
    """Run a query and return its rows as dicts (sqlite-utils' query() adds a savepoint
    around each read, a third of the statements of a webhook request)."""
    cursor = db.execute(sql, args)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def first_time_seen(db: Database, sid: str, now: datetime) -> bool:
    """Record a MessageSid; tell whether it is new (Twilio retries a webhook it thinks failed)."""
    cursor = db.execute("INSERT OR IGNORE INTO inbound_messages (sid, received_at) VALUES (?, ?)",
                        [sid, _iso(now)])
    return cursor.rowcount == 1


def note_inbound(db: Database, sid: str, contact_id: int, body_hash: str, now: datetime,
                 window: int) -> tuple[int, int]:
    """Tie a message (its SID already recorded) to its phone and the keyed hash of its shape;
    return how many the phone sent within the rate window and within a day, this one included
    (one pass over the phone's index entries of the day)."""
    db.execute("UPDATE inbound_messages SET contact_id = ?, body_hash = ? WHERE sid = ?",
               [contact_id, body_hash, sid])
    recent, today = db.execute(
        "SELECT total(received_at > ?), count(*) FROM inbound_messages "
        "WHERE contact_id = ? AND received_at > ?",
        [_iso(now - timedelta(seconds=window)), contact_id,
         _iso(now - timedelta(days=1))]).fetchone()
    return int(recent), today


def latest_inbound_hashes(db: Database, contact_id: int, since: datetime,
                          limit: int) -> list[str | None]:
    """Return the keyed hashes of a phone's latest messages after a moment, newest first."""
    return [r[0] for r in db.execute(
        "SELECT body_hash FROM inbound_messages WHERE contact_id = ? AND received_at > ? "
        "ORDER BY received_at DESC, rowid DESC LIMIT ?", [contact_id, _iso(since), limit])]


def find_contact(db: Database, phone: str) -> dict | None:
    """Return the contact of a phone (found by its keyed hash), its phone decrypted.

    A contact whose data key is gone was deleted after the snapshot this database was
    restored from: its rows are removed now (the caller holds a write transaction) and the
    phone is a stranger again."""
    row = next(iter(rows(db, "SELECT * FROM contacts WHERE phone_hash = ?",
                         [vault().digest(phone)])), None)
    if row and row["key_id"] and not vault().has_key(row["key_id"], db):
        delete_contacts(db, [row["id"]])
        return None
    return {**dict(row), "phone": phone} if row else None


def create_contact(db: Database, phone: str, now: datetime) -> int:
    """Add a phone with a data key of its own, which BORRAR destroys."""
    key_id = vault().new_key(db)
    return db.execute("INSERT INTO contacts (phone_hash, phone, key_id, created_at) "
                      "VALUES (?, ?, ?, ?)",
                      [vault().digest(phone), vault().seal(phone, key_id), key_id,
                       _iso(now)]).lastrowid


def contact_key(db: Database, contact_id: int) -> str:
    """Return the id of a person's data key. A person sealed before per-person keys gets
    one now, and every value of theirs is sealed again under it."""
    key_id = db.execute("SELECT key_id FROM contacts WHERE id = ?", [contact_id]).fetchone()[0]
    if key_id:
        return key_id
    key_id = vault().new_key(db)
    for table, column, columns in SEALED:
        for row in db.execute(f"SELECT rowid, {', '.join(columns)} FROM {table} "
                              f"WHERE {column} = ?", [contact_id]).fetchall():
            values = [vault().seal(vault().open(v), key_id) if v and v != "{}" else v
                      for v in row[1:]]
            db.execute(f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in columns)} "
                       "WHERE rowid = ?", [*values, row[0]])
    db.execute("UPDATE contacts SET key_id = ? WHERE id = ?", [key_id, contact_id])
    return key_id


def remember_address(db: Database, contact_id: int, channel: str, address: str, now: datetime,
                     replace: bool = True) -> None:
    """Keep the exact address to answer on, per channel (encrypted)."""
    update = ("DO UPDATE SET address = excluded.address, last_seen_at = excluded.last_seen_at"
              if replace else "DO NOTHING")
    db.execute(f"""INSERT INTO contact_addresses (contact_id, channel, address, last_seen_at)
                   VALUES (?, ?, ?, ?) ON CONFLICT (contact_id, channel) {update}""",
               [contact_id, channel, vault().seal(address, contact_key(db, contact_id)),
                _iso(now)])


def contact_for(db: Database, phone: str, channel: str, address: str,
                now: datetime) -> tuple[dict, bool]:
    """Return the contact of a phone, creating it, and remember the address to answer on."""
    contact = find_contact(db, phone)
    is_new = contact is None
    if is_new:
        contact = {**contact_by_id(db, create_contact(db, phone, now)), "phone": phone}
    db.execute("UPDATE contacts SET last_inbound_at = ? WHERE id = ?", [_iso(now), contact["id"]])
    remember_address(db, contact["id"], channel, address, now)
    return {**contact, "last_inbound_at": _iso(now)}, is_new


def contact_by_id(db: Database, contact_id: int) -> dict:
    row = rows(db, "SELECT * FROM contacts WHERE id = ?", [contact_id])[0]
    return {**row, "phone": vault().open(row["phone"])}


def addresses_of(db: Database, contact_id: int) -> dict[str, dict]:
    """Return the address and last use of each channel the phone wrote from."""
    return {r["channel"]: {**dict(r), "address": vault().open(r["address"])} for r in rows(db,
        "SELECT channel, address, last_seen_at FROM contact_addresses WHERE contact_id = ?",
        [contact_id])}


def context_of(db: Database, contact: dict, is_new: bool,
               volunteer: Desk | None = None) -> Context:
    """Read everything the engine may know about this phone's people and hearings."""
    people = tuple(Person(r["id"], vault().open(r["name"]), vault().open(r["a_number"]),
                          r["shelter"]) for r in rows(db,
        "SELECT p.id, p.name, p.a_number, s.name AS shelter FROM people p "
        "LEFT JOIN shelters s ON s.id = p.shelter_id WHERE p.contact_id = ? ORDER BY p.id",
        [contact["id"]]))
    hearings = tuple(Hearing(r["id"], r["person_id"], r["city"], _moment(r["starts_at"]),
                             _moment(r["report_at"]), r["postponement_id"] is not None) for r in rows(db,
        """SELECT h.* FROM hearings h JOIN people p ON p.id = h.person_id
           WHERE p.contact_id = ? AND h.closed_at IS NULL ORDER BY h.starts_at""",
        [contact["id"]]))
    return Context(language=contact["language"], is_new=is_new,
                   opted_out=bool(contact["opted_out"]),
                   people=people, hearings=hearings, volunteer=volunteer)


def conversation_of(db: Database, contact_id: int) -> Conversation:
    row = db.execute("SELECT node, vars, attempts, updated_at FROM conversations "
                     "WHERE contact_id = ?", [contact_id]).fetchone()
    if row is None:
        return Conversation()
    # Variables hold what the person is typing (names, A-numbers, phones): sealed too, with
    # the task they left half-way, if any.
    variables = json.loads(vault().open(row[1]) if row[1] != "{}" else "{}")
    parked = variables.pop(PARKED_KEY, None)
    return Conversation(row[0], variables, row[2], _moment(row[3]), parked)


PARKED_KEY = "_parked"


def save_conversation(db: Database, contact_id: int, state: Conversation, now: datetime) -> None:
    variables = {**state.vars, PARKED_KEY: state.parked} if state.parked else state.vars
    db.execute("""INSERT INTO conversations (contact_id, node, vars, attempts, updated_at)
                  VALUES (?, ?, ?, ?, ?)
                  ON CONFLICT (contact_id) DO UPDATE SET node = excluded.node,
                  vars = excluded.vars, attempts = excluded.attempts,
                  updated_at = excluded.updated_at""",
               [contact_id, state.node,
                vault().seal(json.dumps(variables), contact_key(db, contact_id)) if variables
                else "{}", state.attempts, _iso(now)])


def _own_person(db: Database, contact_id: int, person_id) -> int | None:
    row = db.execute("SELECT id FROM people WHERE id = ? AND contact_id = ?",
                     [person_id, contact_id]).fetchone()
    return row[0] if row else None


def _own_hearing(db: Database, contact_id: int, hearing_id) -> dict | None:
    row = db.execute("""SELECT h.id, h.person_id FROM hearings h JOIN people p ON p.id = h.person_id
                        WHERE h.id = ? AND p.contact_id = ?""", [hearing_id, contact_id]).fetchone()
    return {"id": row[0], "person_id": row[1]} if row else None


def add_person(db: Database, contact_id: int, name: str, a_number: str | None,
               now: datetime) -> int:
    key_id = contact_key(db, contact_id)
    cursor = db.execute("INSERT INTO people (contact_id, name, a_number, created_at) "
                        "VALUES (?, ?, ?, ?)",
                        [contact_id, vault().seal(name, key_id), vault().seal(a_number, key_id),
                         _iso(now)])
    return cursor.lastrowid


def save_hearing(db: Database, contact_id: int, data: dict, now: datetime) -> int:
    """Save a confirmed hearing: for a person on this phone or a new one, new or replacing one."""
    replaced = _own_hearing(db, contact_id, data.get("hearing_id"))
    person_id = (replaced["person_id"] if replaced
                 else _own_person(db, contact_id, data.get("person_id")))
    if person_id is None:
        person_id = add_person(db, contact_id, data["name"], data.get("a_number"), now)
    elif data.get("a_number"):
        db.execute("UPDATE people SET a_number = ? WHERE id = ?",
                   [vault().seal(data["a_number"], contact_key(db, contact_id)), person_id])
    values = [data["city"], data["starts_at"], data.get("report_at"), _iso(now)]
    if replaced:
        # A leave-time reminder chosen for the old day would wake the person on the wrong one.
        # A date the person saves is their own, no longer one from an official announcement.
        db.execute("UPDATE hearings SET city = ?, starts_at = ?, report_at = ?, updated_at = ?, "
                   "hearing_day_at = CASE WHEN starts_at = ? THEN hearing_day_at END, "
                   "postponement_id = NULL WHERE id = ?", [*values, data["starts_at"], replaced["id"]])
        return replaced["id"]
    cursor = db.execute("INSERT INTO hearings (city, starts_at, report_at, updated_at, person_id, "
                        "created_at) VALUES (?, ?, ?, ?, ?, ?)", [*values, person_id, _iso(now)])
    return cursor.lastrowid


def set_hearing_day(db: Database, contact_id: int, hearing_id, moment: str | None,
                    now: datetime) -> dict | None:
    """Keep the moment a person chose for the hearing-day reminder; return the hearing row."""
    hearing = _own_hearing(db, contact_id, hearing_id)
    if not hearing:
        return None
    db.execute("UPDATE hearings SET hearing_day_at = ?, updated_at = ? WHERE id = ?",
               [moment, _iso(now), hearing["id"]])
    return hearing_row(db, hearing["id"])


def delete_hearing(db: Database, contact_id: int, hearing_id) -> None:
    hearing = _own_hearing(db, contact_id, hearing_id)
    if hearing:
        db.execute("DELETE FROM hearings WHERE id = ?", [hearing["id"]])


def remove_person(db: Database, contact_id: int, person_id) -> None:
    db.execute("DELETE FROM people WHERE id = ? AND contact_id = ?", [person_id, contact_id])


def set_language(db: Database, contact_id: int, language: str) -> None:
    db.execute("UPDATE contacts SET language = ? WHERE id = ?", [language, contact_id])


def set_opted_out(db: Database, contact_id: int, opted_out: bool, now: datetime) -> None:
    db.execute("UPDATE contacts SET opted_out = ?, opted_out_at = ? WHERE id = ?",
               [int(opted_out), _iso(now) if opted_out else None, contact_id])


def set_unreachable(db: Database, contact_id: int) -> None:
    db.execute("UPDATE contacts SET unreachable = 1 WHERE id = ?", [contact_id])


def close_hearing(db: Database, contact_id: int, hearing_id, now: datetime) -> None:
    hearing = _own_hearing(db, contact_id, hearing_id)
    if hearing:
        db.execute("UPDATE hearings SET closed_at = ? WHERE id = ?", [_iso(now), hearing["id"]])


def open_hearings(db: Database, contact_id: int) -> list[dict]:
    return [dict(r) for r in rows(db,
        "SELECT h.* FROM hearings h JOIN people p ON p.id = h.person_id "
        "WHERE p.contact_id = ? AND h.closed_at IS NULL", [contact_id])]


def hearing_row(db: Database, hearing_id: int) -> dict:
    return rows(db, "SELECT * FROM hearings WHERE id = ?", [hearing_id])[0]


def delete_contact(db: Database, contact_id: int) -> None:
    """Delete a phone and everything about it (BORRAR)."""
    delete_contacts(db, [contact_id])


def delete_contacts(db: Database, ids: list[int]) -> None:
    """Delete phones and everything about them; foreign keys cascade to people and hearings.
    Their data keys are destroyed in the same transaction, so what any snapshot holds of them
    cannot be read again. With secure_delete on, the freed pages are overwritten."""
    if not ids:
        return
    marks = ", ".join("?" * len(ids))
    vault().destroy(db, [k for (k,) in db.execute(
        f"SELECT key_id FROM contacts WHERE id IN ({marks})", ids).fetchall()])
    db.execute(f"DELETE FROM contacts WHERE id IN ({marks})", ids)
    # The MessageSids stay, tied to no one, until they age out: Twilio's retry of the BORRAR
    # confirmation, or a captured message replayed, must be dropped as a duplicate, never bring
    # the person back as someone new.
    db.execute(f"UPDATE inbound_messages SET contact_id = NULL, body_hash = NULL "
               f"WHERE contact_id IN ({marks})", ids)
