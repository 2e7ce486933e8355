"""Operator events as JSON lines on stdout, naming people only by a pseudonymous id."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import sys
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


def pseudonym(phone: str, key: str) -> str:
    """Return a stable id for a phone that cannot be turned back into the number."""
    return hmac.new(key.encode(), phone.encode(), hashlib.sha256).hexdigest()[:12]


def event(name: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one thing that happened; fields must never hold a phone, name, A-number or body."""
    logger.log(level, name, extra={"fields": fields})


def contact_ref(phone: str) -> str:
    """Return the pseudonymous id of a phone under the current app's key."""
    return pseudonym(phone, current_app.config["SECRET_KEY"])


def init_app(app: Flask) -> None:
    if not any(isinstance(h.formatter, JsonLines) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonLines())
        logger.addHandler(handler)
    logger.setLevel(app.config["LOG_LEVEL"])
    logger.propagate = False
