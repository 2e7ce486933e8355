"""Encryption at rest: per-person data keys wrapped by the master keys, and the keyed hash
phones are found by."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import logging
import os
import secrets
import sqlite3
from collections.abc import Iterable

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app, g, has_app_context
from sqlite_utils import Database

from .db import get_db, write
from .eventlog import event

# The data key of volunteers' phones (staff, not the people served: one key for all).
STAFF = "staff"
# Unwrapped data keys kept per app context; a long import or purge must not grow it forever.
_CACHE_LIMIT = 1024


class VaultError(RuntimeError):
    """A key is missing or wrong: refuse to start rather than write in clear."""


class KeyGone(VaultError):
    """The data key of a value was destroyed (BORRAR, retention): the value is gone for good."""


class Vault:
    """Values are sealed with a data key of their own person (Fernet: AES-128-CBC with
    HMAC-SHA256) and written as "<key id>:<token>". Data keys live in the key store, a
    separate SQLite file attached as `keys`, each encrypted by the master keys (ENCRYPTION_KEYS,
    newest first). Destroying a person's data key makes their values unreadable everywhere,
    in every snapshot; rotating the master keys only re-wraps data keys, so the snapshots'
    ciphertext never changes and stays readable."""

    def __init__(self, keys: list[str], lookup_key: str, key_store: str | None = None,
                 key_backup: str | None = None):
        try:
            self.master = MultiFernet([Fernet(k.strip().encode()) for k in keys if k.strip()])
        except (ValueError, TypeError) as exc:
            raise VaultError("ENCRYPTION_KEYS holds a key that is not a Fernet key") from exc
        self.lookup_key = lookup_key.encode()
        self.key_store, self.key_backup = key_store, key_backup

    # Data keys -----------------------------------------------------------------------------

    @staticmethod
    def _cache() -> dict[str, Fernet]:
        if not has_app_context():
            return {}
        cache = g.setdefault("data_keys", {})
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
        return cache

    def new_key(self, db: Database, key_id: str | None = None) -> str:
        """Make a data key, store it wrapped (in the caller's transaction) and return its id."""
        key_id = key_id or secrets.token_urlsafe(16)
        key = Fernet.generate_key()
        db.execute("INSERT INTO keys.data_keys (key_id, wrapped, created_at) VALUES (?, ?, ?)",
                   [key_id, self.master.encrypt(key).decode(), dt.datetime.now(dt.UTC).isoformat()])
        self._cache()[key_id] = Fernet(key)
        return key_id

    def data_key(self, key_id: str, db: Database | None = None) -> Fernet:
        """Return a data key, unwrapped; KeyGone when it was destroyed."""
        cache = self._cache()
        if key_id not in cache:
            row = self._wrapped(key_id, db)
            if row is None:
                raise KeyGone("this value's data key was destroyed")
            try:
                cache[key_id] = Fernet(self.master.decrypt(row[0].encode()))
            except InvalidToken as exc:
                raise VaultError("a data key cannot be unwrapped with ENCRYPTION_KEYS") from exc
        return cache[key_id]

    def _wrapped(self, key_id: str, db: Database | None) -> tuple | None:
        sql = "SELECT wrapped FROM {}data_keys WHERE key_id = ?"
        if db is not None or has_app_context():
            return (db or get_db()).execute(sql.format("keys."), [key_id]).fetchone()
        # Outside the app (a script, a test reading the file): the key store on its own.
        with contextlib.closing(sqlite3.connect(self.key_store)) as conn:
            return conn.execute(sql.format(""), [key_id]).fetchone()

    def has_key(self, key_id: str, db: Database | None = None) -> bool:
        try:
            self.data_key(key_id, db)
        except KeyGone:
            return False
        return True

    def destroy(self, db: Database, key_ids: Iterable[str]) -> None:
        """Destroy data keys in the caller's transaction, and in the key-store backup at once."""
        key_ids = [k for k in key_ids if k and k != STAFF]
        if not key_ids:
            return
        marks = ", ".join("?" * len(key_ids))
        now = dt.datetime.now(dt.UTC).isoformat()
        db.conn.executemany("INSERT OR IGNORE INTO main.destroyed_keys (key_id, destroyed_at) "
                            "VALUES (?, ?)", [(key_id, now) for key_id in key_ids])
        db.execute(f"DELETE FROM keys.data_keys WHERE key_id IN ({marks})", key_ids)
        cache = self._cache()
        for key_id in key_ids:
            cache.pop(key_id, None)
        self._forget_in_backup(key_ids)

    def _forget_in_backup(self, key_ids: list[str]) -> None:
        """Destroy keys in the key-store backup too, now rather than at the next backup."""
        if not key_ids or not self.key_backup or not os.path.exists(self.key_backup):
            return
        try:
            forget_in_copy(self.key_backup, key_ids)
        except sqlite3.Error as exc:
            # The deletion itself must go on; the next backup rewrites the copy without
            # these keys (safekeeping.backup_key_store), so say so loudly meanwhile.
            event("key_backup_not_updated", logging.ERROR, error=type(exc).__name__)

    def finish_destroying(self, db: Database) -> int:
        """Destroy every key whose destruction a crash may have cut short (the main file
        committed, the key store not), then forget the ids of keys now surely gone; return how
        many keys were still there. Two transactions: the list goes only once the keys have."""
        with write(db):
            left = [k for (k,) in db.execute(
                "SELECT d.key_id FROM main.destroyed_keys d "
                "JOIN keys.data_keys k ON k.key_id = d.key_id").fetchall()]
            if left:
                db.execute("DELETE FROM keys.data_keys WHERE key_id IN "
                           "(SELECT key_id FROM main.destroyed_keys)")
        self._forget_in_backup(left)
        with write(db):
            db.execute("DELETE FROM main.destroyed_keys WHERE key_id NOT IN "
                       "(SELECT key_id FROM keys.data_keys)")
        return len(left)

    def rewrap(self, db: Database, after: str, limit: int) -> tuple[int, str | None]:
        """Wrap up to `limit` data keys (ids after `after`) under the newest master key; return
        how many and the last id, to go on from in the next transaction."""
        rows = db.execute("SELECT key_id, wrapped FROM keys.data_keys WHERE key_id > ? "
                          "ORDER BY key_id LIMIT ?", [after, limit]).fetchall()
        for key_id, wrapped in rows:
            try:
                fresh = self.master.rotate(wrapped.encode()).decode()
            except InvalidToken as exc:
                raise VaultError("a data key cannot be unwrapped with ENCRYPTION_KEYS") from exc
            db.execute("UPDATE keys.data_keys SET wrapped = ? WHERE key_id = ?", [fresh, key_id])
        return len(rows), rows[-1][0] if rows else None

    # Values --------------------------------------------------------------------------------

    def seal(self, text: str | None, key_id: str = STAFF) -> str | None:
        """Encrypt a value under a person's data key (volunteers': the staff key)."""
        if text is None:
            return None
        return f"{key_id}:{self.data_key(key_id).encrypt(text.encode()).decode()}"

    def open(self, token: str | None) -> str | None:
        """Decrypt a sealed value; KeyGone when its person's key was destroyed."""
        if token is None:
            return None
        key_id, marked, body = token.rpartition(":")
        try:
            if marked:
                return self.data_key(key_id).decrypt(body.encode()).decode()
            # Sealed directly under a master key, before per-person keys (sealed again at start).
            return self.master.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise VaultError("a value cannot be decrypted with the configured keys") from exc

    def digest(self, phone: str) -> str:
        """The keyed hash a phone is looked up by: equal phones, equal digests; no way back."""
        return hmac.new(self.lookup_key, b"phone:" + phone.encode(), hashlib.sha256).hexdigest()


def forget_in_copy(path: str, key_ids: list[str]) -> None:
    """Delete data keys from a copy of the key store, overwriting the freed bytes."""
    conn = sqlite3.connect(path, timeout=30)
    try:
        conn.execute("PRAGMA secure_delete = ON")
        with conn:
            conn.execute(f"DELETE FROM data_keys WHERE key_id IN ({', '.join('?' * len(key_ids))})",
                         key_ids)
        with contextlib.suppress(sqlite3.DatabaseError):
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def vault() -> Vault:
    return current_app.extensions["vault"]
