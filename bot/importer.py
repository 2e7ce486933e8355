"""Bulk import of a shelter's people from a CSV file: every row checked, good rows imported once."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from dataclasses import dataclass, field

from sqlite_utils import Database

from . import shelters
from .context import Context
from .db import write
from .engine import Engine
from .identity import UnknownAddress, normalize_phone
from .inputs import Asking, read_a_number, read_city, read_date, read_name, read_report_time, read_time
from .places import court_time

COLUMNS = ("phone", "name", "city", "date", "time", "report_time", "a_number", "whatsapp",
           "consent")
REQUIRED = ("phone", "name", "city", "date", "time", "consent")
YES = {"si", "sí", "yes", "s", "y", "1", "true", "x"}
# Rows registered per write transaction: about 50 ms of lock each (docs/PERFORMANCE.md).
BATCH = 100
# The lock is left free this long after each batch, so waiting web workers get their turn
# (SQLite's busy handler sleeps up to 100 ms between tries).
PAUSE_SECONDS = 0.03


@dataclass
class ImportReport:
    imported: int = 0
    already: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)   # (line, reason)
    rows: list[dict] = field(default_factory=list)                # the good ones, ready to save


def _reason(row: dict, engine: Engine, now: dt.datetime) -> tuple[dict | None, str | None]:
    """Check one row; return it ready to save, or why not. Reasons never quote the row."""
    missing = [c for c in REQUIRED if not (row.get(c) or "").strip()]
    if missing:
        return None, f"missing {', '.join(missing)}"
    if (row["consent"] or "").strip().lower() not in YES:
        return None, "no recorded consent: the person must agree to receive messages"
    try:
        phone = normalize_phone(row["phone"])
    except UnknownAddress:
        return None, "phone is not a valid number"
    data: dict = {"phone": phone, "channel": "sms" if (row.get("whatsapp") or "si").strip().lower()
                  not in YES else "whatsapp"}
    asking = Asking(data, Context(), engine.cities, (), now)
    for column, read, key in (("name", read_name, "name"), ("city", read_city, "city"),
                              ("date", read_date, "date"), ("time", read_time, "time")):
        answer = read(row[column], asking)
        if answer.outcome not in ("ok",):
            reason = {"past": "date is in the past", "far": "date is more than two years ahead"}
            return None, reason.get(answer.reason if not answer.outcome else answer.outcome,
                                    f"{column} not understood")
        data[key] = answer.value
    if (row.get("report_time") or "").strip():
        answer = read_report_time(row["report_time"], asking)
        if not answer.outcome:
            return None, ("report_time is not before the hearing" if answer.reason ==
                          "after_hearing" else "report_time not understood")
        data["report_time"] = answer.value
    if (row.get("a_number") or "").strip():
        answer = read_a_number(row["a_number"], asking)
        if answer.outcome != "ok":
            return None, "a_number must be 8 or 9 digits"
        data["a_number"] = answer.value
    city = engine.cities[data["city"]]
    day = dt.date.fromisoformat(data["date"])
    data["starts_at"] = court_time(city, day, dt.time.fromisoformat(data["time"])).isoformat()
    data["report_at"] = (court_time(city, day, dt.time.fromisoformat(data["report_time"]))
                         .isoformat() if data.get("report_time") else None)
    return data, None


def check(text: str, engine: Engine, now: dt.datetime) -> ImportReport:
    """Read and check a CSV file's text; nothing is written."""
    report = ImportReport()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    absent = [c for c in REQUIRED if c not in fields]
    if absent:
        report.errors.append((1, f"header lacks {', '.join(absent)}; columns: {', '.join(COLUMNS)}"))
        return report
    reader.fieldnames = fields
    for row in reader:
        data, reason = _reason({k: v for k, v in row.items() if k}, engine, now)
        if reason:
            report.errors.append((reader.line_num, reason))
        else:
            report.rows.append(data)
    return report


class _RollBack(Exception):
    """Undo a dry run's batch."""


def save(db: Database, report: ImportReport, shelter_id: int, engine: Engine, now: dt.datetime,
         dry_run: bool = False, batch: int = BATCH) -> ImportReport:
    """Register a checked file's good rows, `batch` per short write transaction (a dry run
    rolls each back), counting new and already-there rows as a real import does."""
    seen: set[tuple] = set()
    for start in range(0, len(report.rows), batch):
        try:
            with write(db):
                for data in report.rows[start:start + batch]:
                    # The same person and hearing earlier in the file: already there (in a dry
                    # run its batch was rolled back, so the database cannot say so).
                    same = (data["phone"], data["starts_at"], data["name"])
                    if same in seen:
                        report.already += 1
                        continue
                    seen.add(same)
                    _, new = shelters.register(db, shelter_id, "operator", data,
                                               engine.cities[data["city"]].zone, engine.schedule,
                                               now, method="import")
                    report.imported += new
                    report.already += not new
                if dry_run:
                    raise _RollBack
        except _RollBack:
            pass
        if start + batch < len(report.rows):
            time.sleep(PAUSE_SECONDS)
    return report
