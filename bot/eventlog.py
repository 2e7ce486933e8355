"""Operator events as JSON lines on stdout, naming people only by a pseudonymous id."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app

logger = logging.getLogger("mi_audiencia")


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "event": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        return json.dumps(entry, ensure_ascii=False, default=str)


# Letters only, so no pseudonym can ever look like a phone number to a log scan.
_LETTERS = str.maketrans("0123456789", "ghijklmnop")


def pseudonym(phone: str, key: str) -> str:
    """Return a stable id for a phone that cannot be turned back into the number."""
    return hmac.new(key.encode(), phone.encode(), hashlib.sha256).hexdigest()[:12].translate(
        _LETTERS)


def event(name: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one thing that happened; fields must never hold a phone, name, A-number or body."""
    logger.log(level, name, extra={"fields": fields})


def contact_ref(phone: str) -> str:
    """Return the pseudonymous id of a phone under the app's log key (its own key: neither
    SECRET_KEY nor the phone lookup key)."""
    return pseudonym(phone, current_app.config["LOG_PSEUDONYM_KEY"])


class _StandardStream(logging.StreamHandler):
    """Write to whatever sys.stdout (or sys.stderr) is at the time, not when the app started."""

    to_stderr = False

    @property
    def stream(self):
        return sys.stderr if self.to_stderr else sys.stdout

    @stream.setter
    def stream(self, value) -> None:
        pass


@contextlib.contextmanager
def on_stderr() -> Iterator[None]:
    """Send events to stderr meanwhile, for commands whose stdout is for people (the chat)."""
    handlers = [h for h in logger.handlers if isinstance(h, _StandardStream)]
    for handler in handlers:
        handler.to_stderr = True
    try:
        yield
    finally:
        for handler in handlers:
            handler.to_stderr = False


def init_app(app: Flask) -> None:
    if not any(isinstance(h, _StandardStream) for h in logger.handlers):
        handler = _StandardStream()
        handler.setFormatter(JsonLines())
        logger.addHandler(handler)
    logger.setLevel(app.config["LOG_LEVEL"])
    logger.propagate = False
    # twilio's client logs whole requests (numbers and bodies) at INFO: keep it quiet.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
