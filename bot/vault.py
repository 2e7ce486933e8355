"""Encryption at rest of phones, names and A-numbers, and the keyed hash phones are found by."""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app


class VaultError(RuntimeError):
    """A key is missing or wrong: refuse to start rather than write in clear."""


class Vault:
    """Fernet (AES-128-CBC with HMAC-SHA256) under a list of keys, newest first, so a key can
    be rotated without losing what the older one wrote."""

    def __init__(self, keys: list[str], lookup_key: str):
        try:
            self.fernet = MultiFernet([Fernet(k.strip().encode()) for k in keys if k.strip()])
        except (ValueError, TypeError) as exc:
            raise VaultError("ENCRYPTION_KEYS holds a key that is not a Fernet key") from exc
        self.lookup_key = lookup_key.encode()

    def seal(self, text: str | None) -> str | None:
        return None if text is None else self.fernet.encrypt(text.encode()).decode()

    def open(self, token: str | None) -> str | None:
        if token is None:
            return None
        try:
            return self.fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise VaultError("a value cannot be decrypted with the configured keys") from exc

    def rotate(self, token: str | None) -> str | None:
        """Re-encrypt a value under the newest key."""
        return None if token is None else self.fernet.rotate(token.encode()).decode()

    def digest(self, phone: str) -> str:
        """The keyed hash a phone is looked up by: equal phones, equal digests; no way back."""
        return hmac.new(self.lookup_key, b"phone:" + phone.encode(), hashlib.sha256).hexdigest()


def vault() -> Vault:
    return current_app.extensions["vault"]


def _instance_key(instance_path: str) -> str:
    """This installation's key, generated on first start and kept out of the repository."""
    path = os.path.join(instance_path, "encryption_key")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as f:
            f.write(Fernet.generate_key().decode())
    with open(path) as f:
        return f.read().strip()


def init_app(app: Flask) -> None:
    keys = app.config["ENCRYPTION_KEYS"] or _instance_key(app.instance_path)
    keys = keys.split(",") if isinstance(keys, str) else list(keys)
    app.extensions["vault"] = Vault(keys, app.config["SECRET_KEY"])
