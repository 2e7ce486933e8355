"""Bulk import of a shelter's people from a CSV file: every row checked, good rows imported once."""

from __future__ import annotations

import codecs
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
from .identity import UnknownAddress, typed_phone
from .inputs import Asking, read_a_number, read_city, read_date, read_name, read_report_time, read_time
from .places import court_time
from .text import clean_line

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
        phone = typed_phone(row["phone"])
    except UnknownAddress as reason:
        return None, str(reason)
    data: dict = {"phone": phone, "channel": "sms" if (row.get("whatsapp") or "si").strip().lower()
                  not in YES else "whatsapp"}
    asking = Asking(data, Context(), engine.cities, (), now)
    for column, read, key in (("name", read_name, "name"), ("city", read_city, "city"),
                              ("date", read_date, "date"), ("time", read_time, "time")):
        answer = read(row[column], asking)
        if answer.outcome not in ("ok",):
            reason = {"past": "date is in the past", "far": "date is more than two years ahead",
                      "ambiguous": "date can be read day first or month first: write it as "
                                   "2027-03-04 or with the month's name",
                      "paper": "date can be read day first or month first: write it as "
                               "2027-03-04 or with the month's name",
                      "weekday": "date is not on the weekday written with it",
                      "holiday": "date is a US federal holiday: check the sheet",
                      "weekend": "date is a Saturday or a Sunday: check the sheet",
                      "elsewhere": "city is not on the list: write where the person waits and "
                                   "the port on the paper, e.g. monterrey@laredo or "
                                   "otra@el_paso"}
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


class NotUtf8(ValueError):
    """The file is not UTF-8; the message says how to save it so that it is."""


SAVE_AS = ("save it from the spreadsheet as \"CSV UTF-8 (comma delimited)\" (LibreOffice: "
           "Save As, Text CSV, character set Unicode (UTF-8)) and import that file")


def decode(raw: bytes) -> str:
    """Return the text of a CSV file in UTF-8, or raise NotUtf8 naming what to save it as."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise NotUtf8(f"the file is UTF-16 (a spreadsheet's \"Unicode text\"), not UTF-8: {SAVE_AS}")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # No guessing: a wrong guess stores "PeÃ±a" for "Peña" in every reminder, silently.
        line = raw.count(b"\n", 0, exc.start) + 1
        raise NotUtf8(f"the file is not UTF-8 (line {line} has byte 0x{raw[exc.start]:02x}; "
                      f"probably Windows-1252 or Latin-1, what a plain \"CSV\" export "
                      f"writes): {SAVE_AS}") from exc


def check(text: str, engine: Engine, now: dt.datetime) -> ImportReport:
    """Read and check a CSV file's text; nothing is written."""
    report = ImportReport()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    fields = [clean_line(f).strip().lower() for f in reader.fieldnames or []]
    absent = [c for c in REQUIRED if c not in fields]
    if absent:
        report.errors.append((1, f"header lacks {', '.join(absent)}; columns: {', '.join(COLUMNS)}"))
        return report
    reader.fieldnames = fields
    for row in reader:
        # A NUL or an ESC in a name would end up in every listing that shows it.
        data, reason = _reason({k: clean_line(v) for k, v in row.items() if k}, engine, now)
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
                                               engine.cities[data["city"]], engine.schedule,
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
