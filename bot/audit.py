"""The audit trail: which volunteer or operator created, changed, exported or deleted what, when."""

from __future__ import annotations

import datetime as dt
import json

from sqlite_utils import Database

from .eventlog import event


def record(db: Database, actor: str, action: str, target: str | None = None,
           now: dt.datetime | None = None, *, unlogged: tuple[str, ...] = (), **detail) -> None:
    """Add one line; actor and target are ids ("volunteer:3", "hearing:12"), never names or phones.
    `unlogged` names detail kept in the trail only: dates and free text an operator typed look,
    to a reader of the event log, like the numbers it must never hold."""
    now = now or dt.datetime.now(dt.UTC)
    db.execute("INSERT INTO audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
               [now.isoformat(), actor, action, target, json.dumps(detail) if detail else None])
    event("audit", actor=actor, action=action, target=target,
          **{k: v for k, v in detail.items() if k not in unlogged})


def lines(db: Database, limit: int = 100) -> list[dict]:
    return [dict(r) for r in db.query("SELECT * FROM audit ORDER BY id DESC LIMIT ?", [limit])]
