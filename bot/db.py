"""The SQLite connection of each app context, its schema migrations and write transactions."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import weakref
from collections.abc import Iterator

import click
import sqlite_utils
from flask import Flask, current_app
from flask.cli import with_appcontext

migrations = sqlite_utils.Migrations("mi_audiencia")


@migrations()
def m001_core(db: sqlite_utils.Database) -> None:
    # Phones, addresses, names and A-numbers are written encrypted (bot/vault.py).
    db.execute("""
        CREATE TABLE contacts (
            id INTEGER PRIMARY KEY,
            -- the phone is stored encrypted; it is found through a keyed hash of it
            phone_hash TEXT NOT NULL UNIQUE,
            phone TEXT NOT NULL,
            language TEXT NOT NULL DEFAULT 'es',
            opted_out INTEGER NOT NULL DEFAULT 0,
            opted_out_at TEXT,
            created_at TEXT NOT NULL,
            last_inbound_at TEXT
        )""")
    db.execute("""
        CREATE TABLE contact_addresses (
            contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            channel TEXT NOT NULL CHECK (channel IN ('sms', 'whatsapp')),
            address TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            PRIMARY KEY (contact_id, channel)
        )""")
    db.execute("""
        CREATE TABLE people (
            id INTEGER PRIMARY KEY,
            contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            a_number TEXT,
            created_at TEXT NOT NULL
        )""")
    db.execute("""
        CREATE TABLE hearings (
            id INTEGER PRIMARY KEY,
            person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
            city TEXT NOT NULL,
            starts_at TEXT NOT NULL,
            report_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""")
    db.execute("""
        CREATE TABLE conversations (
            contact_id INTEGER PRIMARY KEY REFERENCES contacts(id) ON DELETE CASCADE,
            flow TEXT,
            node TEXT,
            vars TEXT NOT NULL DEFAULT '{}',
            attempts INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL
        )""")
    # Only the SID and when: enough to drop Twilio's retries, nothing about who or what.
    db.execute("""
        CREATE TABLE inbound_messages (
            sid TEXT PRIMARY KEY,
            received_at TEXT NOT NULL
        )""")
    db.execute("CREATE INDEX people_contact ON people(contact_id)")
    db.execute("CREATE INDEX hearings_person ON hearings(person_id)")
    db.execute("CREATE INDEX hearings_starts_at ON hearings(starts_at)")


@migrations()
def m002_reminders(db: sqlite_utils.Database) -> None:
    # The rows are the truth: a reminder is sent when its row says so, never otherwise.
    db.execute("""
        CREATE TABLE reminders (
            id INTEGER PRIMARY KEY,
            hearing_id INTEGER NOT NULL REFERENCES hearings(id) ON DELETE CASCADE,
            kind TEXT NOT NULL
                CHECK (kind IN ('welcome', 'monthly', 'week_before', 'day_before', 'day_after')),
            seq INTEGER NOT NULL DEFAULT 0,
            due_at TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sent', 'failed', 'cancelled', 'skipped')),
            attempts INTEGER NOT NULL DEFAULT 0,
            claimed_until TEXT,
            fallback TEXT CHECK (fallback IN ('template', 'sms')),
            channel TEXT,
            twilio_sid TEXT,
            last_error TEXT,
            delivery_status TEXT,
            sent_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""")
    # One live reminder per hearing, kind and time: a second plan or a second scheduler
    # cannot make a duplicate. Cancelled rows stay as history and do not count.
    db.execute("CREATE UNIQUE INDEX reminders_once ON reminders(hearing_id, kind, due_at) "
               "WHERE status <> 'cancelled'")
    db.execute("CREATE INDEX reminders_due ON reminders(status, due_at)")
    db.execute("CREATE UNIQUE INDEX reminders_sid ON reminders(twilio_sid) "
               "WHERE twilio_sid IS NOT NULL")
    db.execute("ALTER TABLE contacts ADD COLUMN unreachable INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE hearings ADD COLUMN closed_at TEXT")
    db.execute("CREATE TABLE heartbeats (name TEXT PRIMARY KEY, beat_at TEXT NOT NULL)")


@migrations()
def m003_shelters(db: sqlite_utils.Database) -> None:
    db.execute("""
        CREATE TABLE shelters (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            city TEXT,
            created_at TEXT NOT NULL
        )""")
    db.execute("""
        CREATE TABLE volunteers (
            id INTEGER PRIMARY KEY,
            phone_hash TEXT NOT NULL UNIQUE,
            phone TEXT NOT NULL,
            shelter_id INTEGER NOT NULL REFERENCES shelters(id),
            created_at TEXT NOT NULL
        )""")
    # Who agreed to messages, when and how: "self" (wrote first) or "volunteer" (registered
    # by a shelter, with the person's agreement confirmed by the volunteer).
    db.execute("""
        CREATE TABLE consents (
            id INTEGER PRIMARY KEY,
            contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            method TEXT NOT NULL CHECK (method IN ('self', 'volunteer', 'import')),
            shelter_id INTEGER REFERENCES shelters(id),
            volunteer_id INTEGER REFERENCES volunteers(id) ON DELETE SET NULL,
            given_at TEXT NOT NULL
        )""")
    db.execute("ALTER TABLE people ADD COLUMN shelter_id INTEGER REFERENCES shelters(id)")
    # Who did what and when. Targets are ids, never names or numbers.
    db.execute("""
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT,
            detail TEXT
        )""")
    db.execute("CREATE INDEX people_shelter ON people(shelter_id)")


@migrations()
def m004_inbound_abuse(db: sqlite_utils.Database) -> None:
    # Enough to count a phone's recent messages and spot the same text again and again
    # (an auto-responder loop): an internal id and a keyed hash, never the text.
    db.execute("ALTER TABLE inbound_messages ADD COLUMN contact_id INTEGER")
    db.execute("ALTER TABLE inbound_messages ADD COLUMN body_hash TEXT")
    db.execute("CREATE INDEX inbound_by_contact ON inbound_messages(contact_id, received_at)")


@migrations()
def m005_send_confirmation(db: sqlite_utils.Database) -> None:
    # When a send's outcome became unknown (a timeout, a crash after the request went out):
    # such a reminder is looked up at Twilio before it is sent again.
    db.execute("ALTER TABLE reminders ADD COLUMN unconfirmed_at TEXT")
    # Delivery reports that came before their send was recorded (Twilio may call back before
    # its answer to the send arrives), kept until the send is recorded. Only ids and codes.
    db.execute("""
        CREATE TABLE early_statuses (
            sid TEXT PRIMARY KEY,
            reminder_id INTEGER REFERENCES reminders(id) ON DELETE CASCADE,
            status TEXT NOT NULL,
            error_code INTEGER,
            received_at TEXT NOT NULL
        )""")
    db.execute("CREATE INDEX early_statuses_reminder ON early_statuses(reminder_id)")
    db.execute("CREATE INDEX early_statuses_received ON early_statuses(received_at)")



@migrations()
def m006_contact_keys(db: sqlite_utils.Database) -> None:
    # Each person's values are sealed with their own data key, kept in the key store (a
    # separate file, never in a snapshot) under the id written here: destroying the key makes
    # every copy of those values unreadable, old snapshots included (docs/DEPLOY.md).
    db.execute("ALTER TABLE contacts ADD COLUMN key_id TEXT")
    # Rows sealed before per-person keys, found at start and sealed again.
    db.execute("CREATE INDEX contacts_unkeyed ON contacts(id) WHERE key_id IS NULL")
    # Which key store this database's keys live in, so a wrong one is refused at start.
    db.execute("CREATE TABLE keyring (name TEXT PRIMARY KEY, value TEXT NOT NULL)")


@migrations()
def m007_lookup_indexes(db: sqlite_utils.Database) -> None:
    # Every foreign key and every lookup gets an index, so that deleting a person (their
    # reminders cascade) or purging thousands is a search per row, never a scan of a table.
    # reminders_once cannot serve these: it is partial (cancelled rows are left out).
    db.execute("CREATE INDEX reminders_hearing ON reminders(hearing_id, status)")
    db.execute("CREATE INDEX consents_contact ON consents(contact_id)")
    db.execute("CREATE INDEX consents_shelter ON consents(shelter_id)")
    db.execute("CREATE INDEX consents_volunteer ON consents(volunteer_id)")
    db.execute("CREATE INDEX volunteers_shelter ON volunteers(shelter_id)")
    db.execute("CREATE INDEX inbound_received ON inbound_messages(received_at)")
    # The retention purge looks for the inactive; the stats count deliveries of the last day.
    db.execute("CREATE INDEX contacts_last_active "
               "ON contacts(COALESCE(last_inbound_at, created_at))")
    db.execute("CREATE INDEX reminders_updated ON reminders(updated_at)")



@migrations()
def m008_destroyed_keys(db: sqlite_utils.Database) -> None:
    # The ids of data keys being destroyed, written in the main file with the deletion of the
    # person's rows. SQLite commits an attached file separately: should a crash come between
    # the two commits, the key would outlive its person; this list lets the next sweep finish.
    db.execute("CREATE TABLE destroyed_keys (key_id TEXT PRIMARY KEY, destroyed_at TEXT NOT NULL)")

def _widen_reminder_kinds(db: sqlite_utils.Database, old: str, new: str) -> None:
    """Allow more reminder kinds. The CHECK on `kind` only widens, so every row already there
    still meets it, and SQLite's own procedure for such a change applies (sqlite.org/
    lang_altertable.html, "other kinds of table schema changes"): rewrite the stored CREATE
    TABLE and bump the schema version. Rebuilding the table instead would, with foreign keys on
    (they cannot be turned off inside the migration's transaction), delete the early delivery
    reports that point at its rows."""
    (sql,) = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' "
                        "AND name = 'reminders'").fetchone()
    if old not in sql:
        raise RuntimeError("reminders table: its kind CHECK is not the one this migration widens")
    (version,) = db.execute("PRAGMA schema_version").fetchone()
    db.execute("PRAGMA writable_schema = ON")
    try:
        db.execute("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'reminders'",
                   [sql.replace(old, new)])
        db.execute(f"PRAGMA schema_version = {int(version) + 1}")
    finally:
        db.execute("PRAGMA writable_schema = OFF")
    (check,) = db.execute("PRAGMA integrity_check").fetchone()
    if check != "ok":
        raise RuntimeError(f"reminders table after widening its kind CHECK: {check}")


@migrations()
def m009_travel_reminders(db: sqlite_utils.Database) -> None:
    # A new kind of reminder, to set out days ahead where the place to report is in another city.
    _widen_reminder_kinds(
        db, "CHECK (kind IN ('welcome', 'monthly', 'week_before', 'day_before', 'day_after'))",
        "CHECK (kind IN ('welcome', 'monthly', 'week_before', 'travel', 'day_before', 'day_after'))")


@migrations()
def m010_hearing_day_reminder(db: sqlite_utils.Database) -> None:
    # The moment (UTC) a person asked to be written to on the day of this hearing, before they
    # leave; NULL when they did not ask. A new hearing date clears it: it was for the old day.
    db.execute("ALTER TABLE hearings ADD COLUMN hearing_day_at TEXT")
    _widen_reminder_kinds(db, "'day_before', 'day_after'",
                          "'day_before', 'hearing_day', 'day_after'")


@migrations()
def m011_notice_photos(db: sqlite_utils.Database) -> None:
    # Photos of hearing notices waiting to be read by the scheduler (the web worker never reads
    # them). Only where Twilio keeps the photo is stored, never its bytes; that is cleared once
    # the photo is read and deleted at Twilio, and the row stays as a count.
    db.execute("""
        CREATE TABLE notice_photos (
            id INTEGER PRIMARY KEY,
            contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            media_path TEXT,
            content_type TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'read', 'unreadable', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            claimed_until TEXT,
            outcome TEXT,
            received_at TEXT NOT NULL,
            finished_at TEXT
        )""")
    db.execute("CREATE INDEX notice_photos_pending ON notice_photos(status, received_at)")
    db.execute("CREATE INDEX notice_photos_contact ON notice_photos(contact_id)")


@migrations()
def m012_broadcasts(db: sqlite_utils.Database) -> None:
    # An operator's message to everyone a change affects. Its text is the operator's own, about
    # a court or a bridge, never about one person; each phone's copy is a row of `reminders`,
    # so it is claimed, sent and confirmed like a reminder, and survives a crash the same way.
    db.execute("""
        CREATE TABLE broadcasts (
            id INTEGER PRIMARY KEY,
            created_at TEXT NOT NULL,
            filter TEXT NOT NULL,      -- the operator's filter, as JSON
            text_es TEXT NOT NULL,
            text_en TEXT,              -- NULL: the Spanish text for everyone
            phones INTEGER NOT NULL
        )""")
    db.execute("ALTER TABLE reminders ADD COLUMN broadcast_id INTEGER REFERENCES broadcasts(id)")
    db.execute("CREATE INDEX reminders_broadcast ON reminders(broadcast_id)")
    _widen_reminder_kinds(db, "'hearing_day', 'day_after'", "'hearing_day', 'day_after', 'broadcast'")


@migrations()
def m013_postponements(db: sqlite_utils.Database) -> None:
    # An official rule that moves many hearings at once ("one month later than your paper").
    # Each moved hearing keeps its dates before and after, so the rule can be undone and a
    # person whose paper says otherwise gets their own date back.
    db.execute("""
        CREATE TABLE postponements (
            id INTEGER PRIMARY KEY,
            created_at TEXT NOT NULL,
            filter TEXT NOT NULL,      -- court and hearing days, as JSON
            rule TEXT NOT NULL,        -- days, months or a date, as JSON
            source TEXT NOT NULL,      -- the announcement, as the operator names it
            hearings INTEGER NOT NULL,
            undone_at TEXT
        )""")
    db.execute("""
        CREATE TABLE postponed_hearings (
            postponement_id INTEGER NOT NULL REFERENCES postponements(id) ON DELETE CASCADE,
            hearing_id INTEGER NOT NULL REFERENCES hearings(id) ON DELETE CASCADE,
            old_starts_at TEXT NOT NULL,
            old_report_at TEXT,
            old_hearing_day_at TEXT,
            new_starts_at TEXT NOT NULL,
            new_report_at TEXT,
            new_hearing_day_at TEXT,
            kept_own_at TEXT,          -- the person said their paper says otherwise
            old_postponement_id INTEGER,   -- an earlier rule the hearing followed, if any
            PRIMARY KEY (postponement_id, hearing_id)
        )""")
    db.execute("CREATE INDEX postponed_hearings_hearing ON postponed_hearings(hearing_id)")
    # The rule a hearing's date now comes from: shown as "confirm it", cleared when the person
    # saves a date of their own.
    db.execute("ALTER TABLE hearings ADD COLUMN postponement_id INTEGER REFERENCES postponements(id)")
    db.execute("CREATE INDEX hearings_postponement ON hearings(postponement_id)")
    _widen_reminder_kinds(db, "'day_after', 'broadcast'", "'day_after', 'broadcast', 'postponed', 'restored'")


@migrations()
def m014_outcomes_and_unknown_messages(db: sqlite_utils.Database) -> None:
    # The answer to a day-after question, on the reminder that asked it: a sent day-after with
    # no row here is a question nobody answered. It goes with the hearing (BORRAR, retention).
    db.execute("""
        CREATE TABLE day_after_answers (
            reminder_id INTEGER PRIMARY KEY REFERENCES reminders(id) ON DELETE CASCADE,
            answer TEXT NOT NULL CHECK (answer IN ('new_date', 'done', 'missed')),
            answered_at TEXT NOT NULL
        )""")
    # What the bot did not understand, kept only with UNKNOWN_MESSAGES_KEEP on, only scrubbed
    # (no digit, no name: bot/unknown.py), for a limited time, and gone with its contact.
    db.execute("""
        CREATE TABLE unknown_messages (
            id INTEGER PRIMARY KEY,
            contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            node TEXT NOT NULL,
            text TEXT NOT NULL,
            received_at TEXT NOT NULL
        )""")
    db.execute("CREATE INDEX unknown_messages_contact ON unknown_messages(contact_id)")
    db.execute("CREATE INDEX unknown_messages_received ON unknown_messages(received_at)")


def default_key_store(database: str) -> str:
    """The key store's path when KEY_STORE is unset: beside the database, never in a backup."""
    stem = database[:-len(".sqlite3")] if database.endswith(".sqlite3") else database
    return stem + "-keys.sqlite3"


def _create_private(path: str) -> None:
    """Create an empty file readable by this user only (SQLite would use the umask)."""
    if path != ":memory:" and not os.path.exists(path):
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def connect(path: str, busy_timeout_ms: int = 5000,
            key_store: str | None = None) -> sqlite_utils.Database:
    """Open the database with WAL, a busy timeout and foreign keys on, and the key store
    attached as `keys` (one transaction covers a person's rows and their data key)."""
    _create_private(path)
    conn = sqlite3.connect(path, timeout=busy_timeout_ms / 1000, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    # Deleted rows are overwritten with zeros, so BORRAR and retention leave nothing behind;
    # set before ATTACH, the key store inherits it.
    conn.execute("PRAGMA secure_delete = ON")
    if key_store:
        _create_private(key_store)
        conn.execute("ATTACH DATABASE ? AS keys", [key_store])
        conn.execute("PRAGMA keys.journal_mode = WAL")
        conn.execute("PRAGMA keys.synchronous = NORMAL")
    return sqlite_utils.Database(conn)


def create_key_store(db: sqlite_utils.Database) -> None:
    """Give the attached key store its tables (it has no migrations: two small tables)."""
    db.execute("""CREATE TABLE IF NOT EXISTS keys.data_keys (
                      key_id TEXT PRIMARY KEY,
                      wrapped TEXT NOT NULL,      -- the data key, encrypted by ENCRYPTION_KEYS
                      created_at TEXT NOT NULL
                  ) WITHOUT ROWID""")
    db.execute("CREATE TABLE IF NOT EXISTS keys.keyring (name TEXT PRIMARY KEY, value TEXT NOT NULL)")


def flush_wal(db: sqlite_utils.Database) -> None:
    """Copy the WAL into the database and empty it, so old versions of deleted rows go too
    (with no schema named, the key store's WAL is flushed as well)."""
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@contextlib.contextmanager
def write(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Run a read-modify-write under BEGIN IMMEDIATE, so writers queue instead of failing."""
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.conn.rollback()
        raise
    else:
        db.conn.execute("COMMIT")


_connections = threading.local()
# Every connection still open in this process, whichever thread opened it; weak, so a worker
# thread that ends still takes its connection with it.
_open: weakref.WeakSet[sqlite_utils.Database] = weakref.WeakSet()
_generation = 0   # bumped by close_all(), so no thread reuses a connection it closed


def _key() -> tuple:
    # Never share a connection across a fork.
    config = current_app.config
    return (os.getpid(), config["DATABASE"], config["KEY_STORE"], _generation)


def get_db() -> sqlite_utils.Database:
    """Return this thread's connection to the app's database, opening it on first use.

    A connection lives as long as its worker thread: opening one costs PRAGMAs, and closing
    the last one checkpoints the WAL, which together took a third of a webhook request."""
    config = current_app.config
    cache = _connections.__dict__.setdefault("by_path", {})
    key = _key()
    if key not in cache:
        db = connect(config["DATABASE"], config["SQLITE_BUSY_TIMEOUT_MS"], config["KEY_STORE"])
        _open.add(db)
        cache[key] = db
    return cache[key]


def close_db(exc: BaseException | None = None) -> None:
    """End the request: a transaction left open by an error must not leak into the next."""
    db = _connections.__dict__.get("by_path", {}).get(_key())
    if db is not None and db.conn.in_transaction:
        db.conn.rollback()


def close_all() -> None:
    """Close every connection this process holds (a test ends its apps this way)."""
    global _generation
    _generation += 1
    for db in list(_open):
        db.conn.close()
    _connections.__dict__.pop("by_path", None)


def migrate(path: str, busy_timeout_ms: int = 5000, key_store: str | None = None) -> list[str]:
    """Apply pending migrations (and give a new key store its tables); return their names."""
    db = connect(path, busy_timeout_ms, key_store)
    try:
        # Under one write lock, so the web server and the scheduler starting together
        # cannot both apply the same migration.
        with write(db):
            pending = [m.name for m in migrations.pending(db)]
            if pending:
                migrations.apply(db)
            if key_store:
                create_key_store(db)
        return pending
    finally:
        db.conn.close()


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or migrate the database (the app also does this when it starts)."""
    config = current_app.config
    applied = migrate(config["DATABASE"], config["SQLITE_BUSY_TIMEOUT_MS"], config["KEY_STORE"])
    click.echo(f"Database ready ({len(applied)} migration(s) applied).")


def init_app(app: Flask) -> None:
    config = app.config
    config["KEY_STORE"] = config["KEY_STORE"] or default_key_store(config["DATABASE"])
    migrate(config["DATABASE"], config["SQLITE_BUSY_TIMEOUT_MS"], config["KEY_STORE"])
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)
