"""This installation's keys: where each one comes from, key files created once and atomically,
keys kept apart from each other and from the backups, and the checks made at start."""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import sqlite3
from collections.abc import Callable

from cryptography.fernet import Fernet
from flask import Flask
from sqlite_utils import Database

from . import safekeeping, store
from .db import get_db, write
from .eventlog import event
from .vault import STAFF, KeyGone, Vault, VaultError

UPGRADE_BATCH = 200


def key_file(path: str, make: Callable[[], str]) -> str:
    """Return the key kept in `path`, making it with `make` on first use.

    The key is written to a private temporary file, flushed to disk, then linked to its
    name; link fails when the name exists, so of many processes starting at once exactly one
    key wins, and none can ever read a half-written or empty key file."""
    key = _read(path)
    if key is None:
        directory = os.path.dirname(path) or "."
        os.makedirs(directory, mode=0o700, exist_ok=True)
        temp = f"{path}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as f:
                f.write(make() + "\n")
                f.flush()
                os.fsync(f.fileno())
            with contextlib.suppress(FileExistsError):   # another process won: read its key
                os.link(temp, path)
        except OSError as exc:
            raise VaultError(f"cannot create the key file {path} ({type(exc).__name__}); "
                             "create it by hand, mode 600 (docs/DEPLOY.md)") from exc
        finally:
            os.unlink(temp)
        _sync_folder(directory)
        key = _read(path)
    if not key:
        raise VaultError(f"the key file {path} is empty: restore it from where its copy is kept "
                         "(docs/DEPLOY.md); remove it only if nothing was ever stored")
    return key


def _read(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read().strip()
    except FileNotFoundError:
        return None


def _sync_folder(directory: str) -> None:
    """Make a new name in a folder survive a power cut."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def secret_key(key_dir: str) -> str:
    """This installation's SECRET_KEY when none is set."""
    return key_file(os.path.join(key_dir, "secret_key"), lambda: secrets.token_hex(32))


def _has_people(database: str) -> bool:
    with contextlib.closing(sqlite3.connect(database)) as conn:
        try:
            return bool(conn.execute("SELECT EXISTS (SELECT 1 FROM contacts) "
                                     "OR EXISTS (SELECT 1 FROM volunteers)").fetchone()[0])
        except sqlite3.OperationalError:   # no tables yet
            return False


def _lookup_key(config) -> str:
    if config["PHONE_LOOKUP_KEY"]:
        return config["PHONE_LOOKUP_KEY"]

    def first() -> str:
        # Before this key existed phones were found by a hash under SECRET_KEY: an
        # installation that already has people keeps that value, or they become unfindable.
        return config["SECRET_KEY"] if _has_people(config["DATABASE"]) else secrets.token_hex(32)

    return key_file(os.path.join(config["KEY_DIR"], "lookup_key"), first)


def _inside(path: str, folder: str) -> bool:
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return path == folder or path.startswith(folder + os.sep)


def _check_apart(config, lookup: str) -> None:
    """Refuse keys that are one and the same, and keys kept in the backup folder."""
    if config["LOG_PSEUDONYM_KEY"] == lookup:
        raise VaultError("LOG_PSEUDONYM_KEY and PHONE_LOOKUP_KEY must be different keys")
    if config["LOG_PSEUDONYM_KEY"] == config["SECRET_KEY"]:
        raise VaultError("LOG_PSEUDONYM_KEY and SECRET_KEY must be different keys")
    if lookup == config["SECRET_KEY"]:
        # Only an installation upgraded from before PHONE_LOOKUP_KEY: its lookup key was
        # seeded from SECRET_KEY, which should now get a new value (docs/DEPLOY.md).
        event("lookup_key_is_secret_key", logging.WARNING, advice="give SECRET_KEY a new value")
    for name in ("KEY_DIR", "KEY_STORE", "KEY_BACKUP_DIR"):
        if _inside(config[name], config["BACKUP_DIR"]):
            raise VaultError(f"{name} is inside BACKUP_DIR: keys never live beside the snapshots")


def _bind_key_store(db: Database, vault: Vault) -> None:
    """Refuse a key store that is not this database's (a missing one would look as if
    everyone had been deleted); bind a new one, and give it the staff key."""
    ours = db.execute("SELECT value FROM keyring WHERE name = 'key_store'").fetchone()
    theirs = db.execute("SELECT value FROM keys.keyring WHERE name = 'key_store'").fetchone()
    if ours and theirs and ours != theirs:
        raise VaultError("KEY_STORE is the key store of another database: point KEY_STORE at "
                         "this database's key store (docs/DEPLOY.md)")
    if ours and not theirs and db.execute(
            "SELECT EXISTS (SELECT 1 FROM contacts WHERE key_id IS NOT NULL) "
            "OR EXISTS (SELECT 1 FROM volunteers WHERE phone LIKE 'staff:%')").fetchone()[0]:
        raise VaultError("KEY_STORE is new or empty, but this database's values were sealed "
                         "with keys kept in a key store: restore it from the key-store backup "
                         "(docs/DEPLOY.md)")
    if ours and theirs and vault.has_key(STAFF, db):
        return
    with write(db):   # first start: several processes may get here; the first one binds
        value = (ours or theirs or (secrets.token_hex(16),))[0]
        for table in ("keyring", "keys.keyring"):
            db.execute(f"INSERT OR IGNORE INTO {table} (name, value) VALUES ('key_store', ?)",
                       [value])
        if not vault.has_key(STAFF, db):
            vault.new_key(db, STAFF)


def _seal_again(db: Database, vault: Vault) -> int:
    """Give every person sealed before per-person keys a key of their own, a batch of
    people per short transaction, and seal volunteers' phones under the staff key."""
    done = 0
    while db.execute("SELECT EXISTS (SELECT 1 FROM contacts WHERE key_id IS NULL)").fetchone()[0]:
        with write(db):
            ids = [r[0] for r in db.execute("SELECT id FROM contacts WHERE key_id IS NULL LIMIT ?",
                                            [UPGRADE_BATCH]).fetchall()]
            for contact_id in ids:
                store.contact_key(db, contact_id)
        done += len(ids)
    unsealed = "SELECT id, phone FROM volunteers WHERE phone NOT LIKE '%:%'"
    if db.execute(unsealed).fetchone():
        with write(db):
            for volunteer_id, sealed in db.execute(unsealed).fetchall():
                db.execute("UPDATE volunteers SET phone = ? WHERE id = ?",
                           [vault.seal(vault.open(sealed)), volunteer_id])
    if done:
        event("sealed_with_person_keys", contacts=done)
    return done


def _check_lookup(db: Database, vault: Vault) -> None:
    """Refuse a lookup key other than the one the stored phones were hashed with (every
    phone would look new), or master keys that cannot open the data keys."""
    for table in ("contacts", "volunteers"):
        for phone_hash, sealed in db.execute(
                f"SELECT phone_hash, phone FROM {table} ORDER BY id DESC LIMIT 3").fetchall():
            try:
                phone = vault.open(sealed)
            except KeyGone:
                continue   # someone deleted since a restored snapshot was taken
            if vault.digest(phone) != phone_hash:
                raise VaultError("PHONE_LOOKUP_KEY is not the key this database's phones were "
                                 "stored with: restore the lookup key (docs/DEPLOY.md)")


def init_app(app: Flask) -> None:
    config = app.config
    config["BACKUP_DIR"] = config["BACKUP_DIR"] or os.path.join(app.instance_path, "backups")
    config["KEY_BACKUP_DIR"] = config["KEY_BACKUP_DIR"] or os.path.join(
        os.path.dirname(os.path.abspath(config["KEY_STORE"])), "key-backup")
    folder = config["KEY_DIR"]
    masters = config["ENCRYPTION_KEYS"] or key_file(os.path.join(folder, "encryption_key"),
                                                    lambda: Fernet.generate_key().decode())
    masters = masters.split(",") if isinstance(masters, str) else list(masters)
    config["LOG_PSEUDONYM_KEY"] = config["LOG_PSEUDONYM_KEY"] or key_file(
        os.path.join(folder, "log_key"), lambda: secrets.token_hex(32))
    lookup = _lookup_key(config)
    _check_apart(config, lookup)
    vault = Vault(masters, lookup, config["KEY_STORE"],
                  os.path.join(config["KEY_BACKUP_DIR"], safekeeping.KEY_BACKUP))
    app.extensions["vault"] = vault
    with app.app_context():
        db = get_db()
        _bind_key_store(db, vault)
        _seal_again(db, vault)
        vault.finish_destroying(db)
        safekeeping.forget_deleted(db)
        _check_lookup(db, vault)
