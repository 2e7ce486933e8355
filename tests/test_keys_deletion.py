"""Deleted means deleted, backups included: a snapshot taken before BORRAR or the retention
purge cannot give the person back, while everyone else in it stays restorable."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3

import pytest
from conftest import NOW, Phone, Pick

from bot import create_app
from bot.safekeeping import KEY_BACKUP, daily
from bot.vault import KeyGone, VaultError

DELETED, KEPT = "whatsapp:+5216641234567", "whatsapp:+5216647654321"
NO_HEARINGS = "No tiene audiencias guardadas"


def register(app, address: str, name: str, date: str = "15/3/2027") -> Phone:
    phone = Phone(app, address)
    phone.talk("hola", Pick("Guardar una audiencia"), name, "tijuana", date, "8:30", "4:30", "A 123-456-789",
               Pick("Sí, guardar"))
    return phone


def snapshot(app) -> str:
    result = app.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    return result.output.split("Backup written: ")[1].split()[0]


def restore(app, snapshot_path: str, tmp_path) -> object:
    """A fresh app on a copy of the snapshot, with today's key store and keys (docs/DEPLOY.md)."""
    restored = tmp_path / "restored.sqlite3"
    shutil.copyfile(snapshot_path, restored)
    return create_app({"TESTING": True, "DATABASE": str(restored), "SECRET_KEY": "test-secret",
                       "KEY_STORE": app.config["KEY_STORE"],
                       "KEY_BACKUP_DIR": app.config["KEY_BACKUP_DIR"]},
        instance_path=tmp_path)


def sealed_values(path: str) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [v for row in conn.execute("SELECT name, a_number FROM people") for v in row]


def test_a_snapshot_taken_before_borrar_gives_the_person_back_to_no_one(app, tmp_path):
    deleted = register(app, DELETED, "Rosalinda")
    register(app, KEPT, "Marisol", "16/3/2027")
    before = snapshot(app)
    deleted.talk("BORRAR", Pick("Sí, borrar todo"))
    # The snapshot still holds the ciphertext, but its key is gone for good.
    vault = app.extensions["vault"]
    opened = []
    for token in sealed_values(before):
        try:
            opened.append(vault.open(token))
        except KeyGone:
            opened.append(None)
    assert opened.count(None) == 2 and set(opened) == {None, "123456789", "Marisol"}
    again = restore(app, before, tmp_path)
    with sqlite3.connect(again.config["DATABASE"]) as conn:   # removed at start, not just hidden
        assert conn.execute("SELECT count(*) FROM contacts").fetchone() == (1,)
    assert NO_HEARINGS in Phone(again, DELETED).talk("hola", Pick("Ver mi audiencia"))
    assert "1. Marisol: martes 16 de marzo de 2027" in Phone(again, KEPT).send("mi audiencia")


def test_a_snapshot_taken_before_the_retention_purge_gives_the_person_back_to_no_one(
        app, tmp_path):
    Phone(app, DELETED).send("hola")                            # no hearing: purged in 91 days
    register(app, KEPT, "Marisol", "16/3/2027")                 # a hearing ahead: kept
    before = snapshot(app)
    with app.app_context():
        daily(app, NOW + dt.timedelta(days=91))
    again = restore(app, before, tmp_path)
    assert "Marisol" in Phone(again, KEPT).send("mi audiencia")
    with sqlite3.connect(again.config["DATABASE"]) as conn:
        assert conn.execute("SELECT count(*) FROM contacts").fetchone() == (1,)


def test_borrar_leaves_no_trace_of_the_key_in_the_key_store_or_its_backup(app):
    deleted = register(app, DELETED, "Rosalinda")
    snapshot(app)                                               # writes the key-store backup
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        key_id = conn.execute("SELECT key_id FROM contacts").fetchone()[0]
    with sqlite3.connect(app.config["KEY_STORE"]) as conn:
        wrapped = conn.execute("SELECT wrapped FROM data_keys WHERE key_id = ?",
                               [key_id]).fetchone()[0]
    key_backup = os.path.join(app.config["KEY_BACKUP_DIR"], KEY_BACKUP)
    deleted.talk("BORRAR", Pick("Sí, borrar todo"))
    for path in (app.config["KEY_STORE"], app.config["KEY_STORE"] + "-wal", key_backup):
        if os.path.exists(path):
            with open(path, "rb") as f:
                data = f.read()
            assert wrapped.encode() not in data and key_id.encode() not in data, path


def test_snapshots_hold_no_key(app):
    register(app, DELETED, "Rosalinda")
    path = snapshot(app)
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert "data_keys" not in tables
    with sqlite3.connect(app.config["KEY_STORE"]) as conn:
        wrapped = [w for (w,) in conn.execute("SELECT wrapped FROM data_keys")]
    with open(path, "rb") as f:
        data = f.read()
    assert wrapped and not any(w.encode() in data for w in wrapped)


def test_a_person_whose_key_is_gone_is_a_stranger_not_an_error(app):
    """A restored database read before the start-up sweep (or a BORRAR whose key went and
    whose rows did not): the webhook answers as to someone new, nothing crashes."""
    register(app, DELETED, "Rosalinda")
    with sqlite3.connect(app.config["KEY_STORE"]) as conn:
        conn.execute("DELETE FROM data_keys WHERE key_id <> 'staff'")
    assert NO_HEARINGS in Phone(app, DELETED).talk("hola", Pick("Ver mi audiencia"))
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        assert conn.execute("SELECT count(*) FROM people").fetchone() == (0,)


def test_a_key_store_that_is_missing_or_another_databases_is_refused(app, tmp_path):
    register(app, DELETED, "Rosalinda")
    base = {"TESTING": True, "DATABASE": app.config["DATABASE"], "SECRET_KEY": "test-secret"}
    # A missing key store would make everyone look deleted: refuse, never sweep them away.
    with pytest.raises(VaultError, match="new or empty"):
        create_app({**base, "KEY_STORE": str(tmp_path / "elsewhere.sqlite3")},
        instance_path=tmp_path)
    other = create_app({"TESTING": True, "DATABASE": str(tmp_path / "other.sqlite3"),
                        "SECRET_KEY": "test-secret"},
        instance_path=tmp_path)
    with pytest.raises(VaultError, match="another database"):
        create_app({**base, "KEY_STORE": other.config["KEY_STORE"]},
        instance_path=tmp_path)
    assert "Rosalinda" in Phone(create_app(base, instance_path=tmp_path), DELETED).send("mi audiencia")


def test_a_key_destroyed_while_the_key_backup_is_written_is_not_in_it(app, monkeypatch):
    from bot import safekeeping

    deleted = register(app, DELETED, "Rosalinda")
    register(app, KEPT, "Marisol", "16/3/2027")
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        gone, kept = [k for (k,) in conn.execute("SELECT key_id FROM contacts ORDER BY id")]
    copy = safekeeping._vacuum_into

    def borrar_while_copying(db, schema, path):
        copy(db, schema, path + ".copying")          # the copy is read with the key in it,
        if schema == "keys":
            deleted.talk("BORRAR", Pick("Sí, borrar todo"))              # BORRAR commits meanwhile,
        os.replace(path + ".copying", path)          # and only then is the copy in place

    monkeypatch.setattr(safekeeping, "_vacuum_into", borrar_while_copying)
    assert app.test_cli_runner().invoke(args=["backup"]).exit_code == 0
    with sqlite3.connect(os.path.join(app.config["KEY_BACKUP_DIR"], KEY_BACKUP)) as conn:
        assert {k for (k,) in conn.execute("SELECT key_id FROM data_keys")} == {kept, "staff"}


def key_ids(path: str) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {k for (k,) in conn.execute("SELECT key_id FROM data_keys")}


def test_a_key_left_by_a_crash_between_the_two_commits_is_destroyed_at_the_next_start(app,
                                                                                      tmp_path):
    register(app, DELETED, "Rosalinda")
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        (key_id,) = conn.execute("SELECT key_id FROM contacts").fetchone()
    assert key_id in key_ids(app.config["KEY_STORE"])
    # What a crash between the two files' commits leaves: the main file committed (rows gone,
    # the key listed as destroyed), the key store not (the key still there).
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("INSERT INTO destroyed_keys VALUES (?, ?)", [key_id, NOW.isoformat()])
        conn.execute("DELETE FROM contacts")
    assert key_id in key_ids(app.config["KEY_STORE"])
    create_app(dict(app.config), instance_path=tmp_path)       # the next start sweeps
    assert key_id not in key_ids(app.config["KEY_STORE"])
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        assert conn.execute("SELECT count(*) FROM destroyed_keys").fetchone() == (0,)


def test_the_daily_purge_goes_on_past_a_person_whose_key_is_already_gone(app):
    register(app, DELETED, "Rosalinda", date="1/12/2026")
    register(app, KEPT, "Luisa", date="2/12/2026")
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        (key_id,) = conn.execute("SELECT key_id FROM contacts ORDER BY id LIMIT 1").fetchone()
    with sqlite3.connect(app.config["KEY_STORE"]) as conn:
        conn.execute("DELETE FROM data_keys WHERE key_id = ?", [key_id])
    with app.app_context():
        daily(app, NOW + dt.timedelta(days=400))                 # both past retention
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        assert conn.execute("SELECT count(*) FROM contacts").fetchone() == (0,)


def test_a_person_whose_key_is_gone_is_skipped_by_the_desk_and_the_scheduler(app):
    from conftest import choose
    from test_shelters import cli

    from bot.dispatch import Dispatcher

    assert cli(app, "shelters", "add", "Casa del Migrante").exit_code == 0
    assert cli(app, "volunteers", "add", "664 555 0001", "--shelter", "Casa del Migrante"
               ).exit_code == 0
    desk = Phone(app, "whatsapp:+5216645550001")
    for phone, name in (("664 111 1111", "Xochitl P"), ("664 222 2222", "Yolanda Q")):
        reply = desk.send(choose(desk.send("VOLUNTARIO"), "Registrar a una persona"))
        desk.talk(phone, "si", name, "tijuana", "25/11/2026", "8:30", "4:30", "no", "si", "si")
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        (key_id,) = conn.execute("SELECT key_id FROM contacts ORDER BY id DESC LIMIT 1"
                                 ).fetchone()
    with sqlite3.connect(app.config["KEY_STORE"]) as conn:   # as a crash can leave it
        conn.execute("DELETE FROM data_keys WHERE key_id = ?", [key_id])
    reply = desk.send(choose(desk.send("VOLUNTARIO"), "Audiencias de los próximos días"))
    reply = desk.send("7")
    assert "Xochitl P" in reply and "Yolanda Q" not in reply
    with app.app_context():
        report = Dispatcher(app, sleep=lambda s: None).run(NOW)   # the welcomes are due
    assert report.outcomes == {"sent": 1, "skipped": 1}
