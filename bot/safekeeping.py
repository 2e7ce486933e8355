"""Keeping the data safe over time: retention, backups and key rotation."""

from __future__ import annotations

import datetime as dt
import glob
import os

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlite_utils import Database

from . import audit
from .db import flush_wal, get_db, write
from .eventlog import event
from .vault import Vault, vault

# Every encrypted column: (table, key column, sealed columns).
SEALED = (("contacts", "id", ("phone",)), ("contact_addresses", "rowid", ("address",)),
          ("people", "id", ("name", "a_number")), ("volunteers", "id", ("phone",)),
          ("conversations", "contact_id", ("vars",)))


def purge_inactive(db: Database, now: dt.datetime, retention_days: int,
                   forgotten: list[str] | None = None) -> int:
    """Delete people with no upcoming hearing and no activity for retention_days; add their
    phones to `forgotten`, for what lies outside the database (the dry-run outbox)."""
    cutoff = (now - dt.timedelta(days=retention_days)).isoformat()
    rows = db.execute("""
        SELECT c.id, c.phone FROM contacts c
        WHERE COALESCE(c.last_inbound_at, c.created_at) < ?
          AND NOT EXISTS (SELECT 1 FROM hearings h JOIN people p ON p.id = h.person_id
                          WHERE p.contact_id = c.id AND h.starts_at >= ?
                            AND h.closed_at IS NULL)""", [cutoff, now.isoformat()]).fetchall()
    ids = [contact_id for contact_id, _ in rows]
    if forgotten is not None:
        forgotten.extend(vault().open(phone) for _, phone in rows)
    for contact_id in ids:
        db.execute("DELETE FROM contacts WHERE id = ?", [contact_id])
        db.execute("DELETE FROM inbound_messages WHERE contact_id = ?", [contact_id])
    if ids:
        audit.record(db, "retention", "purged", f"contacts:{len(ids)}", now)
    return len(ids)


def backup(db: Database, directory: str, now: dt.datetime, keep: int) -> str:
    """Write a consistent snapshot with VACUUM INTO and keep only the newest `keep`."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"mi_audiencia-{now:%Y%m%dT%H%M%S}.sqlite3")
    db.execute("VACUUM INTO ?", [path])
    os.chmod(path, 0o600)
    for old in sorted(glob.glob(os.path.join(directory, "mi_audiencia-*.sqlite3")))[:-keep]:
        os.remove(old)
    event("backup", kept=min(keep, len(glob.glob(os.path.join(directory, "*.sqlite3")))))
    return path


def rotate_keys(db: Database, vault: Vault) -> int:
    """Re-encrypt every sealed value under the newest key; return how many values changed."""
    count = 0
    for table, key, columns in SEALED:
        for row in db.execute(f"SELECT {key}, {', '.join(columns)} FROM {table}").fetchall():
            values = [vault.rotate(v) if v and v != "{}" else v for v in row[1:]]
            sets = ", ".join(f"{c} = ?" for c in columns)
            db.execute(f"UPDATE {table} SET {sets} WHERE {key} = ?", [*values, row[0]])
            count += sum(1 for v in row[1:] if v and v != "{}")
    return count


def daily(app: Flask, now: dt.datetime) -> None:
    """The daily part of housekeeping: retention, then a backup."""
    db = get_db()
    phones: list[str] = []
    with write(db):
        purged = purge_inactive(db, now, app.config["RETENTION_DAYS"], phones)
    if purged:
        flush_wal(db)
        app.extensions["sender"].forget(phones)
    backup(db, app.config["BACKUP_DIR"], now, app.config["BACKUP_KEEP"])
    event("retention", purged=purged)


@click.group("keys")
def keys_cli() -> None:
    """Encryption keys."""


@keys_cli.command("rotate")
@with_appcontext
def rotate_command() -> None:
    """Re-encrypt everything under the newest key in ENCRYPTION_KEYS.

    Put the new key first in ENCRYPTION_KEYS (keep the old one after it), run this, then
    remove the old key."""
    db = get_db()
    with write(db):
        count = rotate_keys(db, current_app.extensions["vault"])
        audit.record(db, "operator", "keys_rotated", f"values:{count}")
    flush_wal(db)
    click.echo(f"Re-encrypted {count} values under the newest key.")


@click.command("backup")
@with_appcontext
def backup_command() -> None:
    """Write a snapshot of the database into the backup folder now."""
    config = current_app.config
    path = backup(get_db(), config["BACKUP_DIR"], dt.datetime.now(dt.UTC), config["BACKUP_KEEP"])
    click.echo(f"Backup written: {path}")


def init_app(app: Flask) -> None:
    app.config["BACKUP_DIR"] = app.config["BACKUP_DIR"] or os.path.join(app.instance_path,
                                                                        "backups")
    app.cli.add_command(keys_cli)
    app.cli.add_command(backup_command)
