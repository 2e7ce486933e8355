"""Theft, time and accidents: nothing in clear on disk, retention, backups, key rotation."""

from __future__ import annotations

import datetime as dt
import glob
import os
import shutil
import sqlite3

import pytest
from conftest import NOW, Phone, Pick, opened
from cryptography.fernet import Fernet

from bot import create_app
from bot.safekeeping import KEY_BACKUP, backup, purge_inactive
from bot.vault import VaultError

SECRETS = ["+526641234567", "6641234567", "Rosalinda", "123456789", "123-456-789",
           "+526647654321", "6647654321"]


def raw(app) -> bytes:
    """The database file and its WAL, as a thief would copy them."""
    data = b""
    for suffix in ("", "-wal"):
        path = app.config["DATABASE"] + suffix
        if os.path.exists(path):
            with open(path, "rb") as f:
                data += f.read()
    return data


def converse(app):
    phone = Phone(app, "whatsapp:+5216641234567")
    phone.talk("hola", Pick("Guardar una audiencia"), "Rosalinda", "tijuana", "15/3/2027", "8:30", "4:30",
               "A 123-456-789")                      # stop at the read-back: the draft is live
    return phone


def test_no_phone_name_or_a_number_in_clear_in_the_file_or_its_wal(app):
    phone = converse(app)
    for secret in SECRETS[:5]:
        assert secret.encode() not in raw(app), secret
    phone.pick("Sí, guardar")
    app.test_cli_runner().invoke(args=["shelters", "add", "Casa"])
    app.test_cli_runner().invoke(args=["volunteers", "add", "664 765 4321", "--shelter", "Casa"])
    for secret in SECRETS:
        assert secret.encode() not in raw(app), secret


def test_borrar_leaves_not_even_the_ciphertext_behind(app):
    phone = converse(app)
    phone.pick("Sí, guardar")
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        sealed = [v for row in conn.execute("SELECT name, a_number FROM people") for v in row]
        sealed += [v for (v,) in conn.execute("SELECT phone FROM contacts")]
    assert {opened(app, v) for v in sealed} == {"Rosalinda", "123456789", "+526641234567"}
    phone.talk("BORRAR", Pick("Sí, borrar todo"))
    data = raw(app)
    for token in sealed:
        assert token.encode() not in data
    for secret in SECRETS[:5]:
        assert secret.encode() not in data


def test_retention_purges_the_inactive_with_no_hearing_ahead(app):
    Phone(app, "whatsapp:+5216640000001").send("hola")                 # inactive, no hearing
    converse(app).pick("Sí, guardar")                                             # hearing in March
    later = NOW + dt.timedelta(days=91)
    with app.app_context():
        from bot.db import get_db
        assert purge_inactive(get_db(), later, 90) == 1   # its own short transactions
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        assert conn.execute("SELECT count(*) FROM contacts").fetchone() == (1,)
    after_hearing = dt.datetime(2027, 6, 20, tzinfo=dt.UTC)            # 90 days after it
    with app.app_context():
        assert purge_inactive(get_db(), after_hearing, 90) == 1
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        for table in ("contacts", "people", "hearings", "reminders", "conversations"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table


def test_backups_are_consistent_rotated_and_restore(app, tmp_path):
    converse(app).pick("Sí, guardar")
    directory = tmp_path / "backups"
    with app.app_context():
        from bot.db import get_db
        paths = [backup(get_db(), str(directory), NOW + dt.timedelta(days=d), keep=3)
                 for d in range(5)]
    kept = sorted(glob.glob(str(directory / "*.sqlite3")))
    assert kept == paths[-3:]
    assert oct(os.stat(kept[-1]).st_mode & 0o777) == "0o600"
    # Restore, as docs/DEPLOY.md says: the snapshot as DATABASE, the same key store and keys.
    restored = tmp_path / "restored.sqlite3"
    shutil.copyfile(kept[-1], restored)
    again = create_app({"TESTING": True, "DATABASE": str(restored),
                        "KEY_STORE": app.config["KEY_STORE"],
                        "SECRET_KEY": app.config["SECRET_KEY"]},
        instance_path=tmp_path)   # same instance key files
    reply = Phone(again, "whatsapp:+5216641234567").send("mi audiencia")
    assert "1. Rosalinda: lunes 15 de marzo de 2027, 8:30 a. m., hora de San Diego" in reply


def test_the_backup_command(app):
    result = app.test_cli_runner().invoke(args=["backup"])
    assert "Backup written:" in result.output and "Key-store backup written:" in result.output
    assert len(glob.glob(os.path.join(app.config["BACKUP_DIR"], "*.sqlite3"))) == 1
    assert os.path.isfile(os.path.join(app.config["KEY_BACKUP_DIR"], KEY_BACKUP))


def test_key_rotation_re_wraps_the_data_keys_and_the_old_key_can_go(tmp_path):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    config = {"TESTING": True, "DATABASE": str(tmp_path / "db.sqlite3"), "SECRET_KEY": "k",
              "BACKUP_DIR": str(tmp_path / "b"), "KEY_BACKUP_DIR": str(tmp_path / "kb")}
    first = create_app({**config, "ENCRYPTION_KEYS": old},
        instance_path=tmp_path)
    converse(first).pick("Sí, guardar")
    before = first.test_cli_runner().invoke(args=["backup"])
    assert "Backup written" in before.output
    snapshot = before.output.split("Backup written: ")[1].split()[0]
    both = create_app({**config, "ENCRYPTION_KEYS": f"{new},{old}"},
        instance_path=tmp_path)
    result = both.test_cli_runner().invoke(args=["keys", "rotate"])
    assert "Wrapped 2 data keys under the newest key" in result.output   # the person's, staff's
    assert "stays restorable" in result.output and "retired" not in result.output
    only_new = create_app({**config, "ENCRYPTION_KEYS": new},
        instance_path=tmp_path)
    reply = Phone(only_new, "whatsapp:+5216641234567").send("mi audiencia")
    assert "Rosalinda" in reply
    # The snapshot taken under the old key is restorable with the new key alone.
    restored = tmp_path / "restored.sqlite3"
    shutil.copyfile(snapshot, restored)
    again = create_app({**config, "ENCRYPTION_KEYS": new, "DATABASE": str(restored),
                        "KEY_STORE": only_new.config["KEY_STORE"]},
        instance_path=tmp_path)
    assert "Rosalinda" in Phone(again, "whatsapp:+5216641234567").send("mi audiencia")
    # With only the retired key the data keys cannot be opened: the app refuses to start.
    with pytest.raises(VaultError, match="cannot be unwrapped"):
        create_app({**config, "ENCRYPTION_KEYS": old},
        instance_path=tmp_path)


def test_backups_are_private_from_their_first_byte(app, tmp_path):
    converse(app).pick("Sí, guardar")
    directory = tmp_path / "backups"
    directory.mkdir(mode=0o755)                       # made earlier by hand, too open
    os.chmod(directory, 0o755)
    modes = set()

    def watch() -> int:
        for name in os.listdir(directory):           # the snapshot while VACUUM INTO writes it
            modes.add(os.stat(directory / name).st_mode & 0o777)
        return 0

    umask = os.umask(0o022)
    try:
        with app.app_context():
            from bot.db import get_db
            db = get_db()
            db.conn.set_progress_handler(watch, 50)
            try:
                path = backup(db, str(directory), NOW, keep=3)
            finally:
                db.conn.set_progress_handler(None, 0)
    finally:
        os.umask(umask)
    assert modes == {0o600}
    assert os.stat(directory).st_mode & 0o777 == 0o700
    assert os.stat(path).st_mode & 0o777 == 0o600


def _backup_on_a_full_disk(app, directory: str, results) -> None:
    import resource
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)    # a write past the limit fails: EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (16384, 16384))
    try:
        with app.app_context():
            from bot.db import get_db
            backup(get_db(), directory, NOW + dt.timedelta(days=9), keep=2)
        results.put("written")
    except Exception as exc:
        results.put(type(exc).__name__)


def test_a_failed_backup_leaves_no_file_counted_among_the_kept(app, tmp_path):
    import multiprocessing

    converse(app).pick("Sí, guardar")
    directory = str(tmp_path / "backups")
    with app.app_context():
        from bot.db import get_db
        kept = [backup(get_db(), directory, NOW + dt.timedelta(days=d), keep=2) for d in (1, 2)]
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=_backup_on_a_full_disk, args=(app, directory, results))
    child.start()
    outcome = results.get(timeout=60)
    child.join(timeout=60)
    assert outcome == "OperationalError"             # "database or disk is full"
    assert sorted(glob.glob(os.path.join(directory, "*"))) == kept   # nothing new, none rotated
    for path in kept:
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.mark.expects_error
def test_the_daily_job_goes_on_when_a_backup_fails(app, monkeypatch, no_numbers_in_logs):
    from bot import safekeeping

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(safekeeping, "_vacuum_into", full_disk)
    with app.app_context():
        safekeeping.daily(app, NOW)
    assert any('"backup_failed"' in line and '"OSError"' in line
               for line in no_numbers_in_logs.lines)
    assert app.test_cli_runner().invoke(args=["backup"]).exit_code == 1
