"""Locks stay short: the retention purge and `contacts import` write in batches of short
transactions, and the webhook is answered between two of them."""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import contextmanager

from conftest import NOW, Phone

from bot import store
from bot.db import get_db, write
from bot.safekeeping import PURGE_BATCH, purge_batches, purge_inactive

PEOPLE = 10_000
LONG_AGO = NOW - dt.timedelta(days=200)


@contextmanager
def transactions(db):
    """Record, for each write transaction on this connection, the rows it changed
    (cascades included)."""
    changed: list[int] = []
    start = [0]

    def trace(sql: str) -> None:
        if sql.startswith("BEGIN IMMEDIATE"):
            start[0] = db.conn.total_changes
        elif sql.startswith("COMMIT"):
            changed.append(db.conn.total_changes - start[0])

    db.conn.set_trace_callback(trace)
    try:
        yield changed
    finally:
        db.conn.set_trace_callback(None)


def seed_inactive(app, people: int) -> None:
    """People last heard of 200 days ago, each with a past hearing and its reminders."""
    with app.app_context():
        db = get_db()
        with write(db):
            for n in range(people):
                contact = store.create_contact(db, f"+52664{n:07d}", LONG_AGO)
                store.remember_address(db, contact, "whatsapp", f"whatsapp:+52664{n:07d}",
                                       LONG_AGO)
                store.save_hearing(db, contact, {"name": f"P{n}", "city": "tijuana",
                                                 "starts_at": LONG_AGO.isoformat()}, LONG_AGO)
                hearing = db.execute("SELECT max(id) FROM hearings").fetchone()[0]
                db.conn.executemany(
                    "INSERT INTO reminders (hearing_id, kind, seq, due_at, status, created_at, "
                    "updated_at) VALUES (?, ?, 0, ?, 'sent', ?, ?)",
                    [(hearing, kind, LONG_AGO.isoformat(), LONG_AGO.isoformat(),
                      LONG_AGO.isoformat()) for kind in ("week_before", "day_before", "day_after")])


def count(app, table: str) -> int:
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_a_purge_of_ten_thousand_people_is_many_short_transactions(app):
    seed_inactive(app, PEOPLE)
    keep = Phone(app, "whatsapp:+5216649999999")
    keep.send("hola")                                          # active: stays
    with app.app_context():
        db = get_db()
        with transactions(db) as changed:
            assert purge_inactive(db, NOW, 90) == PEOPLE
    # 50 deletions of 200 people, then one line in the audit trail. Each of the 50 changed
    # 200 people's rows (contact, address, person, hearing, 3 reminders, consent-less:
    # 7 rows each) and their data keys: never more than one batch's worth.
    assert len(changed) == PEOPLE // PURGE_BATCH + 1
    per_person = 7 + 2            # the data key in the key store, its id in destroyed_keys
    assert max(changed) <= PURGE_BATCH * per_person, max(changed)
    assert sum(changed[:-1]) == PEOPLE * per_person
    assert count(app, "contacts") == 1 and count(app, "reminders") == 0
    assert "¿Qué quiere hacer?" in keep.send("hola")           # the one kept, as before


def test_the_webhook_is_answered_between_two_batches(app):
    seed_inactive(app, 3 * PURGE_BATCH)
    with app.app_context():
        db = get_db()
        batches = purge_batches(db, NOW, 90)
        assert next(batches) == PURGE_BATCH
        # Between two transactions the write lock is free: another process takes it at
        # once (no waiting), and a message is answered in full.
        other = sqlite3.connect(app.config["DATABASE"], timeout=0)
        other.execute("BEGIN IMMEDIATE")
        other.rollback()
        other.close()
        reply = Phone(app, "whatsapp:+5216649999999").send("hola")
        assert "Mi Audiencia" in reply
        assert count(app, "contacts") == 2 * PURGE_BATCH + 1
        assert list(batches) == [PURGE_BATCH, PURGE_BATCH]
    assert count(app, "contacts") == 1


def test_someone_who_writes_during_the_purge_is_not_deleted(app):
    seed_inactive(app, 2 * PURGE_BATCH)
    with app.app_context():
        db = get_db()
        batches = purge_batches(db, NOW, 90)
        next(batches)
        # One of the second batch's candidates (read before the first batch ran) writes.
        contact_id = db.execute("SELECT max(id) FROM contacts").fetchone()[0]
        Phone(app, store.contact_by_id(db, contact_id)["phone"]).send("hola")
        assert list(batches) == [PURGE_BATCH - 1]
    assert count(app, "contacts") == 1


CSV_HEADER = "phone,name,city,date,time,report_time,a_number,whatsapp,consent\n"


def initials(n: int) -> str:
    return "".join(chr(65 + n // 26 ** k % 26) for k in range(3))   # names hold no digits


def csv_rows(people: int, repeat: int = 0) -> str:
    rows = [f"664{n:07d},{initials(n)},tijuana,15/03/2027,8:30,4:30,,si,si\n"
            for n in range(people)]
    # Rows repeated later in the file, in another batch than their first copy.
    return CSV_HEADER + "".join(rows + rows[:repeat])


def import_file(app, tmp_path, text: str, *options: str):
    path = tmp_path / "people.csv"
    path.write_text(text, encoding="utf-8")
    with app.app_context():
        db = get_db()
        with transactions(db) as changed:
            result = app.test_cli_runner().invoke(args=[
                "contacts", "import", str(path), "--shelter", "Casa", *options])
    return result, changed


def test_contacts_import_commits_in_batches(app, tmp_path):
    from bot.importer import BATCH

    app.test_cli_runner().invoke(args=["shelters", "add", "Casa"])
    people = 2 * BATCH + 50
    result, changed = import_file(app, tmp_path, csv_rows(people, repeat=10))
    assert f"imported {people}, already there 10, bad rows 0" in result.output, result.output
    # Three batches of rows, then the audit line: each transaction holds a batch at most.
    assert len(changed) == 4
    assert count(app, "people") == people
    again, _ = import_file(app, tmp_path, csv_rows(people, repeat=10))
    assert f"imported 0, already there {people + 10}" in again.output


def test_a_dry_run_counts_across_batches_as_the_import_would_and_writes_nothing(app, tmp_path):
    from bot.importer import BATCH

    app.test_cli_runner().invoke(args=["shelters", "add", "Casa"])
    people = BATCH + 20
    dry, changed = import_file(app, tmp_path, csv_rows(people, repeat=15), "--dry-run")
    assert f"would import {people}, already there 15, bad rows 0" in dry.output, dry.output
    assert changed == [] and count(app, "people") == 0 and count(app, "audit") == 1
    real, _ = import_file(app, tmp_path, csv_rows(people, repeat=15))
    assert f"imported {people}, already there 15, bad rows 0" in real.output
