"""Locks stay short: every lookup the code makes, and every foreign key, is served by an index.

The statements are collected from the code itself: a scenario drives every path (people,
volunteers, import, dispatch, delivery callbacks, operators' commands, housekeeping, key
rotation, a restart), the connection records each statement it runs, and each one's
EXPLAIN QUERY PLAN must search, not scan, the big tables."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3

from conftest import NOW, Phone, Pick

from bot import create_app
from bot.db import connect

# Tables that grow with the population (the key store's data_keys too).
BIG = {"contacts", "contact_addresses", "people", "hearings", "conversations", "reminders",
       "inbound_messages", "consents", "audit", "data_keys"}
# Statements that read a whole table on purpose, and why. Each is matched by its start.
SCANS_ON_PURPOSE = {
    "SELECT count(*) FROM contacts": "stats: counting everyone is reading everyone",
    "SELECT count(*) FROM contacts c WHERE NOT opted_out": "stats: the active among everyone",
    "SELECT count(*) FROM contacts WHERE opted_out": "stats: a count over everyone",
    "SELECT * FROM audit ORDER BY id DESC LIMIT": "the newest lines: walks the key backwards",
    "SELECT phone_hash, phone FROM contacts ORDER BY id DESC LIMIT":
        "start-up check of the lookup key: the newest three, by the key backwards",
    "SELECT c.id FROM contacts c WHERE c.key_id IS NOT NULL":
        "the sweep of people whose key is gone: reads every key id, outside any write lock",
}
VOLUNTEER, PERSON = "whatsapp:+5216645550001", "whatsapp:+5216641234567"
REGISTER = ("hola", Pick("Guardar una audiencia"), "Rosalinda", "tijuana", "25/11/2026", "8:30", "4:30",
            "A 123-456-789", Pick("Sí, guardar"))
CHANGE_A_REGISTRATION = Pick("Cambiar o cancelar un registro")
CSV = ("phone,name,city,date,time,report_time,a_number,whatsapp,consent\n"
       "664 123 4000,M. R.,tijuana,15/03/2027,8:30,4:30,A 123-456-789,si,si\n"
       "664 123 4001,J. L.,matamoros,16/03/2027,9:00,,,no,si\n")


def run_everything(app, tmp_path) -> None:
    cli = app.test_cli_runner()
    cli.invoke(args=["shelters", "add", "Casa del Migrante", "--city", "tijuana"])
    cli.invoke(args=["volunteers", "add", "664 555 0001", "--shelter", "Casa del Migrante"])
    cli.invoke(args=["shelters", "list"])
    cli.invoke(args=["volunteers", "list", "--shelter", "Casa del Migrante"])
    person = Phone(app, PERSON)
    person.talk(*REGISTER)
    person.talk("mi audiencia", "me cambiaron la fecha", Pick("Rosalinda"), Pick("Tijuana / San Diego"),
                "27/11/2026", "9:00", "no se", Pick("Sí, guardar"))
    person.talk("BAJA", "1", "ALTA")
    volunteer = Phone(app, VOLUNTEER)
    volunteer.talk("VOLUNTARIO", Pick("Registrar a una persona"), "664 123 4567", Pick("Sí"), "M. R.",
                   "tijuana", "25/11/2026", "8:30", "4:30", "no", Pick("Sí, aceptó"), Pick("Sí, registrar"))
    volunteer.talk(Pick("Audiencias de los próximos días"), "7")
    volunteer.talk(CHANGE_A_REGISTRATION, Pick("M. R."), Pick("Cambiar la fecha o la hora"), "20/4/2027",
                   "9:00", "no se")
    path = tmp_path / "people.csv"
    path.write_text(CSV, encoding="utf-8")
    cli.invoke(args=["contacts", "import", str(path), "--shelter", "Casa del Migrante"])
    cli.invoke(args=["contacts", "import", str(path), "--shelter", "Casa del Migrante",
                     "--dry-run"])
    from bot.dispatch import record_status
    from bot.scheduler import dispatch_once, housekeeping

    dispatch_once(app, NOW + dt.timedelta(minutes=1))
    dispatch_once(app, dt.datetime(2026, 11, 24, 18, 0, tzinfo=dt.UTC))
    with sqlite3.connect(app.config["DATABASE"]) as conn:    # not the traced connection
        sids = [s for (s,) in conn.execute(
            "SELECT twilio_sid FROM reminders WHERE twilio_sid IS NOT NULL").fetchall()]
    with app.app_context():
        for sid, status in zip(sids, ("delivered", "undelivered"), strict=False):
            record_status({"MessageSid": sid, "MessageStatus": status, "ErrorCode": "30003"},
                          NOW + dt.timedelta(minutes=2))
    cli.invoke(args=["reminders", "list", "--phone", "664 123 4567"])
    cli.invoke(args=["stats"])
    cli.invoke(args=["audit"])
    app.test_client().get("/healthz")
    volunteer.talk("VOLUNTARIO", CHANGE_A_REGISTRATION, Pick("M. R.: miércoles 25 de noviembre"),
                   Pick("Cancelar el registro"), Pick("Sí, cancelar"))   # cancel a registration
    person.talk("BORRAR", Pick("Sí, borrar todo"))
    housekeeping(app, NOW + dt.timedelta(days=400))
    cli.invoke(args=["keys", "rotate"])
    cli.invoke(args=["volunteers", "remove", "664 555 0001"])
    create_app(dict(app.config), instance_path=app.instance_path)   # the checks made at start


def statements(app, tmp_path) -> set[str]:
    seen: list[str] = []
    with app.app_context():
        from bot.db import get_db
        get_db().conn.set_trace_callback(seen.append)
    try:
        run_everything(app, tmp_path)
    finally:
        with app.app_context():
            get_db().conn.set_trace_callback(None)
    return {s.strip() for s in seen if re.match(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b",
                                                  s, re.I)}


def scans(plan: list[tuple], sql: str, partial: set[str]) -> list[str]:
    """The big tables a plan reads from end to end (a partial index holds only the rows
    its query wants: reading it whole is a search)."""
    aliases = {alias: table for table, alias in re.findall(
        r"\b(?:FROM|JOIN)\s+(?:keys\.)?(\w+)\s+(?:AS\s+)?(\w+)", sql, re.I)}
    found = []
    for *_, detail in plan:
        match = re.match(r"SCAN (\w+)(?: USING (?:COVERING )?INDEX (\w+))?", detail)
        if match and aliases.get(match[1], match[1]) in BIG and match[2] not in partial:
            found.append(detail)
    return found


def test_every_statement_the_code_runs_searches_an_index(app, tmp_path):
    ran = statements(app, tmp_path)
    assert len(ran) > 80                                      # the scenario reached the code
    db = connect(app.config["DATABASE"], key_store=app.config["KEY_STORE"])
    partial = {name for (name,) in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '% WHERE %'")}
    scanning = {}
    for sql in sorted(ran):
        if any(sql.startswith(start) for start in SCANS_ON_PURPOSE):
            continue
        found = scans(db.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall(), sql, partial)
        if found:
            scanning[sql] = found
    assert scanning == {}
    # And the list of exceptions is not stale: each one is still run by the code.
    assert all(any(sql.startswith(start) for sql in ran) for start in SCANS_ON_PURPOSE)


def test_every_foreign_key_has_an_index(app):
    db = connect(app.config["DATABASE"])
    missing = []
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        for fk in db.execute(f"PRAGMA foreign_key_list({table})").fetchall():
            column = fk[3]
            plan = db.execute(f"EXPLAIN QUERY PLAN SELECT 1 FROM {table} WHERE {column} = 1"
                              ).fetchall()
            if not any(detail.startswith(f"SEARCH {table}") for *_, detail in plan):
                missing.append(f"{table}.{column}")
    assert missing == []


def test_the_purge_and_the_cascades_of_a_deletion_search_rather_than_scan(app):
    """What EXPLAIN of a DELETE does not show: the rows its foreign keys cascade to."""
    db = connect(app.config["DATABASE"])
    for child, column in (("people", "contact_id"), ("hearings", "person_id"),
                          ("reminders", "hearing_id"), ("consents", "contact_id"),
                          ("contact_addresses", "contact_id"), ("conversations", "contact_id"),
                          ("consents", "volunteer_id")):
        plan = db.execute(f"EXPLAIN QUERY PLAN DELETE FROM {child} WHERE {column} = 1").fetchall()
        assert any(d.startswith(f"SEARCH {child}") for *_, d in plan), (child, plan)
    for parent, children in (("contacts", ("consents", "people", "contact_addresses")),
                             ("hearings", ("reminders",)), ("volunteers", ("consents",))):
        plan = [d for *_, d in db.execute(
            f"EXPLAIN QUERY PLAN DELETE FROM {parent} WHERE id = 1").fetchall()]
        for child in children:
            assert any(d.startswith(f"SEARCH {child}") for d in plan), (parent, plan)
