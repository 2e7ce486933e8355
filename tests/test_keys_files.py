"""Key files: made once, atomically, under racing processes; each key its own; refused when wrong."""

from __future__ import annotations

import hashlib
import hmac
import json
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import time

import pytest
from conftest import Phone, Pick

from bot import create_app
from bot.eventlog import pseudonym
from bot.keyring import key_file
from bot.vault import VaultError

RACERS = 300
PHONE = "whatsapp:+5216641234567"

SAVE_A_HEARING = Pick("Guardar una audiencia")


def _slow_key() -> str:
    # A key that takes a moment to make, as on a busy machine: a file created first and
    # written afterwards (the old way) is read empty by the racers meanwhile.
    time.sleep(0.05)
    return os.urandom(16).hex()


def _race(path: str, start, results: str) -> None:
    start.wait()
    try:
        found = key_file(path, _slow_key)
    except Exception as exc:   # reported to the parent, which fails the test
        found = f"error {type(exc).__name__}: {exc}"
    with open(os.path.join(results, str(os.getpid())), "w") as f:
        f.write(found)


def test_three_hundred_processes_racing_on_a_fresh_folder_all_read_one_non_empty_key(tmp_path):
    path = str(tmp_path / "keys" / "lookup_key")
    results = tmp_path / "results"
    results.mkdir()
    start = multiprocessing.get_context("fork").Event()
    # Bare forks, each answering in a file: the suite runs under a small file-descriptor
    # limit, and a multiprocessing.Process keeps a pipe open per child.
    racers = []
    for _ in range(RACERS):
        pid = os.fork()
        if pid == 0:
            try:
                _race(path, start, str(results))
            finally:
                os._exit(0)
        racers.append(pid)
    start.set()
    for pid in racers:
        os.waitpid(pid, 0)
    keys = [(results / name).read_text() for name in os.listdir(results)]
    assert len(keys) == RACERS
    assert len(set(keys)) == 1 and len(keys[0]) == 32, set(keys)
    with open(path) as f:
        assert f.read().strip() == keys[0]
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert os.listdir(tmp_path / "keys") == ["lookup_key"]   # no temporary file left behind


STARTER = """
import json, sys
from bot import create_app
app = create_app({"TESTING": True, "DATABASE": sys.argv[1], "KEY_DIR": sys.argv[2]},
                 instance_path=sys.argv[2])
print(json.dumps({k: app.config[k] for k in ("SECRET_KEY", "LOG_PSEUDONYM_KEY")}
                 | {"lookup": app.extensions["vault"].lookup_key.decode()}))
"""


def test_processes_starting_together_on_a_fresh_instance_share_every_key(tmp_path):
    keys = tmp_path / "instance"
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "ENCRYPTION_KEYS")}
    starters = [subprocess.Popen([sys.executable, "-c", STARTER, str(tmp_path / "db.sqlite3"),
                                  str(keys)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True, env=env) for _ in range(6)]
    seen = []
    for starter in starters:
        out, err = starter.communicate(timeout=120)
        assert starter.returncode == 0, err
        seen.append(out.strip().splitlines()[-1])
    assert len(set(seen)) == 1
    assert sorted(os.listdir(keys)) == ["encryption_key", "log_key", "lookup_key", "secret_key"]
    values = json.loads(seen[0])
    # Three different keys: the phone lookup, the log pseudonyms and SECRET_KEY.
    assert len({values["SECRET_KEY"], values["LOG_PSEUDONYM_KEY"], values["lookup"]}) == 3


def test_an_empty_key_file_is_refused_not_used(tmp_path):
    (tmp_path / "log_key").write_text("")
    with pytest.raises(VaultError, match="is empty"):
        key_file(str(tmp_path / "log_key"), lambda: "never used")


def test_the_lookup_and_log_keys_are_neither_secret_key_nor_each_other(tmp_path):
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "db.sqlite3"),
                      "SECRET_KEY": "k", "KEY_DIR": str(tmp_path / "keys")},
        instance_path=tmp_path)
    vault = app.extensions["vault"]
    number = "+526641234567"
    assert vault.digest(number) != hmac.new(b"k", b"phone:" + number.encode(),
                                            hashlib.sha256).hexdigest()
    log_key = app.config["LOG_PSEUDONYM_KEY"]
    assert log_key not in ("k", vault.lookup_key.decode())
    with app.app_context():
        from bot.eventlog import contact_ref
        assert contact_ref(number) == pseudonym(number, log_key) != pseudonym(number, "k")
    Phone(app, PHONE).talk("hola", SAVE_A_HEARING, "Rosalinda", "tijuana", "15/3/2027", "8:30", "4:30",
                           "no", Pick("Sí, guardar"))
    # SECRET_KEY changes, phones are still found: it no longer keys their lookup.
    changed = create_app({**app.config, "SECRET_KEY": "another"},
        instance_path=tmp_path)
    assert "Rosalinda" in Phone(changed, PHONE).send("mi audiencia")
    for same in ({"LOG_PSEUDONYM_KEY": "k"},
                 {"LOG_PSEUDONYM_KEY": "x", "PHONE_LOOKUP_KEY": "x"}):
        with pytest.raises(VaultError, match="must be different"):
            create_app({"TESTING": True, "DATABASE": str(tmp_path / "db.sqlite3"),
                        "SECRET_KEY": "k", "KEY_DIR": str(tmp_path / "keys"), **same},
        instance_path=tmp_path)


def test_a_lookup_key_other_than_the_phones_one_is_refused_at_start(tmp_path):
    config = {"TESTING": True, "DATABASE": str(tmp_path / "db.sqlite3"), "SECRET_KEY": "k",
              "KEY_DIR": str(tmp_path / "keys")}
    Phone(create_app(config, instance_path=tmp_path), PHONE).send("hola")
    os.remove(tmp_path / "keys" / "lookup_key")   # lost: a new one would find no one
    with pytest.raises(VaultError, match="PHONE_LOOKUP_KEY is not the key"):
        create_app(config, instance_path=tmp_path)
    with pytest.raises(VaultError, match="PHONE_LOOKUP_KEY is not the key"):
        create_app({**config, "PHONE_LOOKUP_KEY": "a different one"},
        instance_path=tmp_path)


def test_keys_inside_the_backup_folder_are_refused(tmp_path):
    backups = tmp_path / "backups"
    for inside in ({"KEY_DIR": str(backups / "keys")},
                   {"KEY_STORE": str(backups / "keys.sqlite3")},
                   {"KEY_BACKUP_DIR": str(backups)}):
        with pytest.raises(VaultError, match="inside BACKUP_DIR"):
            create_app({"TESTING": True, "DATABASE": str(tmp_path / "db.sqlite3"),
                        "SECRET_KEY": "k", "BACKUP_DIR": str(backups),
                        "KEY_DIR": str(tmp_path / "keys"), **inside},
        instance_path=tmp_path)


def _legacy(app, secret: str) -> None:
    """Turn an app's database into one written before per-person keys: values sealed under
    the master key, phones hashed under SECRET_KEY, no key store, no lookup key file."""
    vault = app.extensions["vault"]
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        for table, key, columns in (("contacts", "id", ("phone",)),
                                    ("contact_addresses", "rowid", ("address",)),
                                    ("people", "id", ("name", "a_number")),
                                    ("volunteers", "id", ("phone",))):
            for row in conn.execute(f"SELECT {key}, {', '.join(columns)} FROM {table}").fetchall():
                values = [vault.master.encrypt(vault.open(v).encode()).decode() if v else v
                          for v in row[1:]]
                conn.execute(f"UPDATE {table} SET {', '.join(c + ' = ?' for c in columns)} "
                             f"WHERE {key} = ?", [*values, row[0]])
        for table in ("contacts", "volunteers"):
            for row_id, sealed in conn.execute(f"SELECT id, phone FROM {table}").fetchall():
                phone = vault.master.decrypt(sealed.encode()).decode()
                conn.execute(f"UPDATE {table} SET phone_hash = ? WHERE id = ?", [hmac.new(
                    secret.encode(), b"phone:" + phone.encode(), hashlib.sha256).hexdigest(),
                    row_id])
        conn.execute("UPDATE contacts SET key_id = NULL")
        conn.execute("DELETE FROM keyring")
    os.remove(app.config["KEY_STORE"])
    os.remove(os.path.join(app.config["KEY_DIR"], "lookup_key"))


def test_an_installation_from_before_these_keys_keeps_finding_its_phones(tmp_path,
                                                                         no_numbers_in_logs):
    config = {"TESTING": True, "DATABASE": str(tmp_path / "db.sqlite3"), "SECRET_KEY": "old",
              "KEY_DIR": str(tmp_path / "keys"), "BACKUP_DIR": str(tmp_path / "backups")}
    app = create_app(config, instance_path=tmp_path)
    Phone(app, PHONE).talk("hola", SAVE_A_HEARING, "Rosalinda", "tijuana", "15/3/2027", "8:30", "4:30",
                           "A 123-456-789", Pick("Sí, guardar"))
    app.test_cli_runner().invoke(args=["shelters", "add", "Casa"])
    app.test_cli_runner().invoke(args=["volunteers", "add", "664 765 4321", "--shelter", "Casa"])
    _legacy(app, "old")

    upgraded = create_app(config, instance_path=tmp_path)
    # The lookup key was seeded once from SECRET_KEY (the operator is told to change SECRET_KEY).
    with open(tmp_path / "keys" / "lookup_key") as f:
        assert f.read().strip() == "old"
    assert any('"lookup_key_is_secret_key"' in line for line in no_numbers_in_logs.lines)
    reply = Phone(upgraded, PHONE).send("mi audiencia")
    assert "1. Rosalinda: lunes 15 de marzo de 2027" in reply
    # Every value is now sealed with the person's own key (volunteers': the staff key).
    with sqlite3.connect(config["DATABASE"]) as conn:
        key_id = conn.execute("SELECT key_id FROM contacts").fetchone()[0]
        sealed = [v for row in conn.execute("SELECT name, a_number FROM people") for v in row]
        sealed += [conn.execute("SELECT address FROM contact_addresses").fetchone()[0]]
        volunteer = conn.execute("SELECT phone FROM volunteers").fetchone()[0]
    assert key_id and all(v.startswith(key_id + ":") for v in sealed)
    assert volunteer.startswith("staff:")
    listed = upgraded.test_cli_runner().invoke(args=["volunteers", "list"])
    assert "+526647654321" in listed.output
    # The new SECRET_KEY the operator gives afterwards changes nothing for the phones.
    assert "Rosalinda" in Phone(create_app({**config, "SECRET_KEY": "new"},
        instance_path=tmp_path), PHONE).send(
        "mi audiencia")


def test_rotation_names_the_snapshots_from_before_per_person_keys_as_retired(tmp_path):
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    backups = tmp_path / "backups"
    config = {"TESTING": True, "DATABASE": str(tmp_path / "db.sqlite3"), "SECRET_KEY": "old",
              "KEY_DIR": str(tmp_path / "keys"), "BACKUP_DIR": str(backups)}
    app = create_app({**config, "ENCRYPTION_KEYS": old},
        instance_path=tmp_path)
    Phone(app, PHONE).talk("hola", SAVE_A_HEARING, "Rosalinda", "tijuana", "15/3/2027", "8:30", "4:30",
                           "no", Pick("Sí, guardar"))
    _legacy(app, "old")
    backups.mkdir()
    before = "mi_audiencia-20261101T030000.sqlite3"
    with sqlite3.connect(config["DATABASE"]) as conn:
        conn.execute("VACUUM INTO ?", [str(backups / before)])
    upgraded = create_app({**config, "ENCRYPTION_KEYS": old},
        instance_path=tmp_path)
    upgraded.test_cli_runner().invoke(args=["backup"])
    rotated = create_app({**config, "ENCRYPTION_KEYS": f"{new},{old}"},
        instance_path=tmp_path)
    output = rotated.test_cli_runner().invoke(args=["keys", "rotate"]).output
    assert f"retired once it is removed: {before}" in output
    assert len(os.listdir(backups)) == 2                     # the new snapshot is not listed
