"""Keeping the data safe over time: retention in short batches, private backups of the
database and of the key store, and master key rotation."""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import logging
import os
import sqlite3
import time
from collections.abc import Iterator

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlite_utils import Database

from . import audit, store, unknown
from .db import flush_wal, get_db, write
from .eventlog import event
from .vault import KeyGone, Vault, forget_in_copy, vault

# Contacts deleted per transaction: each holds the write lock for tens of milliseconds, and
# the webhook's messages get their turn between two (docs/PERFORMANCE.md).
PURGE_BATCH = 200
# After each batch the lock is left free this long: a web worker waiting for it sleeps in
# SQLite's busy handler (up to 100 ms a turn) and would otherwise find it taken again.
BATCH_PAUSE_SECONDS = 0.03
REWRAP_BATCH = 500
SNAPSHOT = "mi_audiencia-{:%Y%m%dT%H%M%S}.sqlite3"
KEY_BACKUP = "mi_audiencia-keys.sqlite3"
STALE_TEMP_SECONDS = 3600

_INACTIVE = """COALESCE(c.last_inbound_at, c.created_at) < :cutoff
    AND NOT EXISTS (SELECT 1 FROM hearings h JOIN people p ON p.id = h.person_id
                    WHERE p.contact_id = c.id AND h.starts_at >= :now AND h.closed_at IS NULL)"""
_KEYLESS = """c.key_id IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM keys.data_keys k WHERE k.key_id = c.key_id)"""


def _delete_where(db: Database, condition: str, params: dict, batch: int,
                  forgotten: list[str] | None = None) -> Iterator[int]:
    """Delete the contacts matching `condition`, `batch` per short write transaction, and
    yield how many each deleted; add their phones to `forgotten`, for what lies outside the
    database (the dry-run outbox). The candidates are read first, without the write lock;
    each transaction checks the condition again, so a person who wrote meanwhile stays."""
    ids = [r[0] for r in db.execute(f"SELECT c.id FROM contacts c WHERE {condition}",
                                    params).fetchall()]
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        marks = ", ".join(f":id{n}" for n in range(len(chunk)))
        with write(db):
            doomed = db.execute(
                f"SELECT c.id, c.phone FROM contacts c WHERE c.id IN ({marks}) AND {condition}",
                {**params, **{f"id{n}": i for n, i in enumerate(chunk)}}).fetchall()
            if forgotten is not None:   # read before their keys are destroyed
                forgotten.extend(p for p in (_phone_or_none(phone) for _, phone in doomed) if p)
            store.delete_contacts(db, [contact_id for contact_id, _ in doomed])
        yield len(doomed)
        if start + batch < len(ids):
            time.sleep(BATCH_PAUSE_SECONDS)


def _phone_or_none(sealed: str) -> str | None:
    """A phone to forget elsewhere, or None when its key is already gone (nothing to read)."""
    try:
        return vault().open(sealed)
    except KeyGone:
        return None


def purge_batches(db: Database, now: dt.datetime, retention_days: int,
                  batch: int = PURGE_BATCH, forgotten: list[str] | None = None) -> Iterator[int]:
    """Delete people with no upcoming hearing and no activity for retention_days, in short
    transactions (never call it inside one); yield how many each transaction deleted."""
    params = {"cutoff": (now - dt.timedelta(days=retention_days)).isoformat(),
              "now": now.isoformat()}
    yield from _delete_where(db, _INACTIVE, params, batch, forgotten)


def purge_inactive(db: Database, now: dt.datetime, retention_days: int,
                   batch: int = PURGE_BATCH, forgotten: list[str] | None = None) -> int:
    """Run the whole retention purge; return how many people it deleted, and add their phones
    to `forgotten`."""
    purged = sum(purge_batches(db, now, retention_days, batch, forgotten))
    if purged:
        with write(db):
            audit.record(db, "retention", "purged", f"contacts:{purged}", now)
    return purged


def forget_deleted(db: Database, batch: int = PURGE_BATCH) -> int:
    """Remove the rows of people whose data key is gone: they were deleted after the
    snapshot this database was restored from, and nothing of theirs can be read anyway."""
    forgotten = sum(_delete_where(db, _KEYLESS, {}, batch))
    if forgotten:
        with write(db):
            audit.record(db, "retention", "forgotten_deleted", f"contacts:{forgotten}")
    return forgotten


def _private_folder(directory: str) -> None:
    """Make a folder only this user can enter, even if it existed with looser rights."""
    os.makedirs(directory, mode=0o700, exist_ok=True)
    os.chmod(directory, 0o700)
    now = time.time()
    for temp in glob.glob(os.path.join(directory, "*.tmp")):
        # A backup that failed or was killed half-way; a running one is younger.
        with contextlib.suppress(OSError):
            if now - os.path.getmtime(temp) > STALE_TEMP_SECONDS and os.path.isfile(temp):
                os.remove(temp)


def _vacuum_into(db: Database, schema: str, path: str) -> None:
    """Write a consistent copy of one schema to `path`, mode 600 from its first byte, and
    only under that name once it is whole: a failed copy leaves no file that looks kept."""
    temp = f"{path}.{os.getpid()}.tmp"
    old_umask = os.umask(0o077)   # VACUUM INTO creates the file with the umask
    try:
        db.execute(f"VACUUM {schema} INTO ?", [temp])
        os.chmod(temp, 0o600)
        with open(temp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        if os.path.isfile(temp):
            os.remove(temp)
        raise
    finally:
        os.umask(old_umask)


def backup(db: Database, directory: str, now: dt.datetime, keep: int) -> str:
    """Write a consistent snapshot of the database (never the key store) with VACUUM INTO
    and keep only the newest `keep` whole snapshots."""
    _private_folder(directory)
    path = os.path.join(directory, SNAPSHOT.format(now))
    _vacuum_into(db, "main", path)
    snapshots = sorted(glob.glob(os.path.join(directory, "mi_audiencia-*.sqlite3")))
    for old in snapshots[:-keep]:
        os.remove(old)
    event("backup", kept=min(keep, len(snapshots)))
    return path


def backup_key_store(db: Database, vault: Vault) -> str:
    """Rewrite the one key-store backup, then remove from it any key destroyed while it was
    being written, so no deletion is ever missing from it."""
    _private_folder(os.path.dirname(vault.key_backup))
    _vacuum_into(db, "keys", vault.key_backup)
    conn = sqlite3.connect(vault.key_backup, timeout=30)
    try:
        conn.execute("ATTACH DATABASE ? AS live", [current_app.config["KEY_STORE"]])
        # BEGIN IMMEDIATE takes the live key store's write lock too: no deletion in flight.
        conn.execute("BEGIN IMMEDIATE")
        gone = [k for (k,) in conn.execute("SELECT key_id FROM main.data_keys WHERE key_id NOT IN "
                                           "(SELECT key_id FROM live.data_keys)").fetchall()]
        conn.execute("COMMIT")
    finally:
        conn.close()
    if gone:
        forget_in_copy(vault.key_backup, gone)
    event("key_backup", destroyed_meanwhile=len(gone))
    return vault.key_backup


def _needs_master_key(snapshot: str) -> bool:
    """Whether a snapshot holds values sealed directly under a master key (from before
    per-person keys): those need the master key that sealed them."""
    with contextlib.closing(sqlite3.connect(f"file:{snapshot}?mode=ro", uri=True)) as conn:
        return bool(conn.execute(
            "SELECT EXISTS (SELECT 1 FROM contacts WHERE phone NOT LIKE '%:%') "
            "OR EXISTS (SELECT 1 FROM volunteers WHERE phone NOT LIKE '%:%')").fetchone()[0])


def rotate_keys(db: Database, vault: Vault, batch: int = REWRAP_BATCH) -> int:
    """Wrap every data key under the newest master key, a batch per short transaction;
    return how many. The sealed values themselves do not change."""
    count, after = 0, ""
    while after is not None:
        with write(db):
            done, after = vault.rewrap(db, after, batch)
        count += done
    return count


def daily(app: Flask, now: dt.datetime) -> None:
    """The daily part of housekeeping: retention, then the backups."""
    db = get_db()
    phones: list[str] = []
    vault().finish_destroying(db)
    purged = forget_deleted(db)
    purged += purge_inactive(db, now, app.config["RETENTION_DAYS"], forgotten=phones)
    with write(db):
        unknown.purge(db, now, app.config["UNKNOWN_MESSAGES_KEEP_DAYS"])
    if purged:
        flush_wal(db)
        app.extensions["sender"].forget(phones)
    try:
        backup(db, app.config["BACKUP_DIR"], now, app.config["BACKUP_KEEP"])
        backup_key_store(db, vault())
    except (OSError, sqlite3.Error) as exc:   # a full disk must not stop the reminders
        event("backup_failed", logging.ERROR, error=type(exc).__name__)
    event("retention", purged=purged)


@click.group("keys")
def keys_cli() -> None:
    """Encryption keys."""


@keys_cli.command("rotate")
@with_appcontext
def rotate_command() -> None:
    """Wrap every person's data key under the newest key in ENCRYPTION_KEYS.

    Put the new key first in ENCRYPTION_KEYS (keep the old one after it), run this, then
    remove the old key. The snapshots do not change and stay restorable."""
    db, config = get_db(), current_app.config
    count = rotate_keys(db, vault())
    with write(db):
        audit.record(db, "operator", "keys_rotated", f"data_keys:{count}")
    flush_wal(db)
    backup_key_store(db, vault())
    click.echo(f"Wrapped {count} data keys under the newest key, and rewrote the key-store "
               f"backup ({vault().key_backup}) under it.")
    click.echo("Every snapshot in BACKUP_DIR stays restorable with the key store and the newest "
               "key; replace any off-machine copy of the key-store backup with the new one.")
    retired = [os.path.basename(p) for p in sorted(glob.glob(
        os.path.join(config["BACKUP_DIR"], "mi_audiencia-*.sqlite3"))) if _needs_master_key(p)]
    if retired:
        click.echo("These snapshots are from before per-person keys and need the old key: they "
                   f"are retired once it is removed: {', '.join(retired)}")


@click.command("backup")
@with_appcontext
def backup_command() -> None:
    """Write a snapshot of the database and a backup of the key store now."""
    config, db = current_app.config, get_db()
    try:
        path = backup(db, config["BACKUP_DIR"], dt.datetime.now(dt.UTC), config["BACKUP_KEEP"])
        keys = backup_key_store(db, vault())
    except (OSError, sqlite3.Error) as exc:
        raise click.ClickException(f"backup failed ({type(exc).__name__}: {exc}); "
                                   "the kept snapshots are untouched") from exc
    click.echo(f"Backup written: {path}")
    click.echo(f"Key-store backup written: {keys} (keep its copies apart from the snapshots)")


def init_app(app: Flask) -> None:
    app.cli.add_command(keys_cli)
    app.cli.add_command(backup_command)
