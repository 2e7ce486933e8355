"""The audit trail: which volunteer or operator created, changed, exported or deleted what, when."""

from __future__ import annotations

import datetime as dt
import json

from sqlite_utils import Database

from .eventlog import event


def record(db: Database, actor: str, action: str, target: str | None = None,
           now: dt.datetime | None = None, **detail) -> None:
    """Add one line; actor and target are ids ("volunteer:3", "hearing:12"), never names or phones."""
    now = now or dt.datetime.now(dt.UTC)
    db.execute("INSERT INTO audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
               [now.isoformat(), actor, action, target, json.dumps(detail) if detail else None])
    event("audit", actor=actor, action=action, target=target, **detail)


def lines(db: Database, limit: int = 100) -> list[dict]:
    return [dict(r) for r in db.query("SELECT * FROM audit ORDER BY id DESC LIMIT ?", [limit])]
