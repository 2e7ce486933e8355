"""Official postponement rules ("your hearing is one month later than the date on your paper"):
move every matching open hearing, replan its reminders, tell each person their own new date;
undo a rule, or keep one person's own date when their paper says otherwise.

The date arithmetic is pure; the rest runs inside the caller's write transaction."""

from __future__ import annotations

import calendar
import datetime as dt
import json
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from . import audit, store
from . import reminder_queue as queue
from .broadcast import Audience, city_keys
from .places import City
from .reminders import POSTPONED, RESTORED, Planned, Schedule


class PostponementError(ValueError):
    """A rule or an id the operator has to fix; the text says how."""


@dataclass(frozen=True)
class Rule:
    """How far a hearing moves: by days, by months, or to one date; its time stays."""
    days: int | None = None
    months: int | None = None
    to_date: dt.date | None = None

    def __post_init__(self):
        if sum(x is not None for x in (self.days, self.months, self.to_date)) != 1:
            raise PostponementError("give exactly one of --days, --months, --to-date")

    def new_day(self, day: dt.date) -> dt.date:
        if self.days is not None:
            return day + dt.timedelta(days=self.days)
        if self.months is not None:
            month = day.month - 1 + self.months
            year, month = day.year + month // 12, month % 12 + 1
            # 31 January plus one month is the last day of February, not 3 March.
            return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
        return self.to_date

    def described(self) -> dict:
        return {"days": self.days} if self.days is not None else \
            {"months": self.months} if self.months is not None else {"to_date": self.to_date.isoformat()}


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def shifted(moment: str | None, zone: ZoneInfo, days: int) -> str | None:
    """The same wall-clock time `days` later on the court's clock (a clock change between the
    two dates keeps 8:30 at 8:30)."""
    if not moment:
        return None
    local = dt.datetime.fromisoformat(moment).astimezone(zone)
    later = dt.datetime.combine(local.date() + dt.timedelta(days=days), local.time(), tzinfo=zone)
    return _iso(later)


@dataclass(frozen=True)
class Move:
    hearing_id: int
    contact_id: int
    city: str
    reachable: bool          # not opted out, not unreachable: told and reminded
    rule: int | None         # the earlier rule the hearing follows, if any
    old: tuple[str, str | None, str | None]    # starts_at, report_at, hearing_day_at
    new: tuple[str, str | None, str | None]


def moves(db: Database, cities: dict[str, City], court: str, date_from: dt.date, date_to: dt.date,
          rule: Rule, now: dt.datetime) -> list[Move]:
    """Every open hearing ahead at the court whose day, on the court's clock, is within the
    dates, with its dates before and after the rule."""
    keys = sorted(city_keys(cities, Audience(court=court)) or ())
    found = []
    for hearing_id, contact_id, city, starts_at, report_at, day_at, reachable, earlier in db.execute(f"""
            SELECT h.id, p.contact_id, h.city, h.starts_at, h.report_at, h.hearing_day_at,
                   c.opted_out = 0 AND c.unreachable = 0, h.postponement_id
            FROM hearings h JOIN people p ON p.id = h.person_id JOIN contacts c ON c.id = p.contact_id
            WHERE h.closed_at IS NULL AND h.starts_at > ? AND h.starts_at >= ? AND h.starts_at < ?
              AND h.city IN ({', '.join('?' * len(keys))}) ORDER BY h.id""",
            [_iso(now), (date_from - dt.timedelta(days=1)).isoformat(),
             (date_to + dt.timedelta(days=2)).isoformat(), *keys]):
        zone = ZoneInfo(cities[city].court_zone)
        day = dt.datetime.fromisoformat(starts_at).astimezone(zone).date()
        if not date_from <= day <= date_to:
            continue
        days = (rule.new_day(day) - day).days
        if days == 0:
            continue
        old = (starts_at, report_at, day_at)
        found.append(Move(hearing_id, contact_id, city, bool(reachable), earlier, old,
                          tuple(shifted(m, zone, days) for m in old)))
    return found


def _set_dates(db: Database, hearing_id: int, dates: tuple, postponement_id: int | None,
               now: dt.datetime) -> None:
    db.execute("UPDATE hearings SET starts_at = ?, report_at = ?, hearing_day_at = ?, "
               "postponement_id = ?, updated_at = ? WHERE id = ?",
               [*dates, postponement_id, _iso(now), hearing_id])


def _replan(db: Database, hearing_id: int, cities: dict[str, City], schedule: Schedule,
            now: dt.datetime) -> None:
    hearing = store.hearing_row(db, hearing_id)
    queue.schedule_hearing(db, hearing, cities[hearing["city"]], schedule, now)


def apply(db: Database, found: list[Move], court: str, date_from: dt.date, date_to: dt.date,
          rule: Rule, source: str, cities: dict[str, City], schedule: Schedule,
          now: dt.datetime, actor: str = "operator") -> int:
    """Move the hearings, keep their dates before and after, replan their reminders and queue
    each reachable person's message; return the postponement's id."""
    described = {"court": court, "date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
    postponement_id = db.execute(
        "INSERT INTO postponements (created_at, filter, rule, source, hearings) VALUES (?, ?, ?, ?, ?)",
        [_iso(now), json.dumps(described), json.dumps(rule.described()), source, len(found)]).lastrowid
    for move in found:
        db.execute("INSERT INTO postponed_hearings (postponement_id, hearing_id, old_starts_at, "
                   "old_report_at, old_hearing_day_at, new_starts_at, new_report_at, "
                   "new_hearing_day_at, old_postponement_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [postponement_id, move.hearing_id, *move.old, *move.new, move.rule])
        _set_dates(db, move.hearing_id, move.new, postponement_id, now)
        # News of an earlier rule not sent yet is old news now.
        db.execute("UPDATE reminders SET status = 'cancelled', last_error = 'postponed_again', "
                   "updated_at = ? WHERE hearing_id = ? AND kind IN (?, ?) AND status = 'pending'",
                   [_iso(now), move.hearing_id, POSTPONED, RESTORED])
        if move.reachable:
            _replan(db, move.hearing_id, cities, schedule, now)
            queue.add(db, move.hearing_id, [Planned(POSTPONED, now, postponement_id)], now)
        else:
            # Nothing for the old date either; opting in again plans the hearing anew.
            queue.cancel_pending(db, now, "postponed", hearing_id=move.hearing_id)
    audit.record(db, actor, "hearings_postponed", f"postponement:{postponement_id}", now,
                 filter=described, rule=rule.described(), source=source, hearings=len(found),
                 phones=len({m.contact_id for m in found}), unlogged=("filter", "rule", "source"))
    return postponement_id


@dataclass(frozen=True)
class Undone:
    restored: int     # hearings back on their date before the rule
    kept: int         # already back: the person had kept their own date
    left: int         # changed since (by the person, or by a later rule): left as they are


def undo(db: Database, postponement_id: int, cities: dict[str, City], schedule: Schedule,
         now: dt.datetime, actor: str = "operator") -> Undone:
    """Put every hearing the rule moved back on its date before it, replan its reminders, and
    tell whoever was told of the move."""
    row = db.execute("SELECT undone_at FROM postponements WHERE id = ?", [postponement_id]).fetchone()
    if row is None:
        raise PostponementError(f"there is no postponement {postponement_id}")
    if row[0]:
        raise PostponementError(f"postponement {postponement_id} was undone at {row[0]}")
    restored = kept = left = 0
    for hearing_id, old, new, kept_own, earlier, current, starts_at, reachable in db.execute("""
            SELECT ph.hearing_id, json_array(ph.old_starts_at, ph.old_report_at, ph.old_hearing_day_at),
                   ph.new_starts_at, ph.kept_own_at, ph.old_postponement_id, h.postponement_id,
                   h.starts_at,
                   c.opted_out = 0 AND c.unreachable = 0
            FROM postponed_hearings ph JOIN hearings h ON h.id = ph.hearing_id
            JOIN people p ON p.id = h.person_id JOIN contacts c ON c.id = p.contact_id
            WHERE ph.postponement_id = ?""", [postponement_id]).fetchall():
        if kept_own:
            kept += 1
            continue
        if current != postponement_id or starts_at != new:
            left += 1
            continue
        # Back on the earlier rule's date, if it followed one, and marked as such.
        _set_dates(db, hearing_id, tuple(json.loads(old)), earlier, now)
        told = db.execute("SELECT 1 FROM reminders WHERE hearing_id = ? AND kind = ? AND seq = ? "
                          "AND (status = 'sent' OR claimed_until IS NOT NULL)",
                          [hearing_id, POSTPONED, postponement_id]).fetchone()
        db.execute("UPDATE reminders SET status = 'cancelled', last_error = 'postponement_undone', "
                   "updated_at = ? WHERE hearing_id = ? AND kind = ? AND seq = ? AND status = 'pending'",
                   [_iso(now), hearing_id, POSTPONED, postponement_id])
        if reachable:
            _replan(db, hearing_id, cities, schedule, now)
            if told:
                queue.add(db, hearing_id, [Planned(RESTORED, now, postponement_id)], now)
        else:
            queue.cancel_pending(db, now, "postponement_undone", hearing_id=hearing_id)
        restored += 1
    db.execute("UPDATE postponements SET undone_at = ? WHERE id = ?", [_iso(now), postponement_id])
    audit.record(db, actor, "postponement_undone", f"postponement:{postponement_id}", now,
                 restored=restored, kept=kept, left=left)
    return Undone(restored, kept, left)


def keep_own_date(db: Database, contact_id: int, hearing_id, cities: dict[str, City],
                  schedule: Schedule, now: dt.datetime) -> bool:
    """The person's paper says otherwise: put their hearing back on its date before the rule
    that moved it. False when no rule in force moved it (they saved a date since, say)."""
    row = db.execute("""
        SELECT ph.postponement_id, ph.old_postponement_id, ph.old_starts_at, ph.old_report_at,
               ph.old_hearing_day_at
        FROM postponed_hearings ph JOIN hearings h ON h.id = ph.hearing_id
        JOIN people p ON p.id = h.person_id JOIN postponements r ON r.id = ph.postponement_id
        WHERE ph.hearing_id = ? AND p.contact_id = ? AND h.postponement_id = ph.postponement_id
          AND h.starts_at = ph.new_starts_at AND ph.kept_own_at IS NULL AND r.undone_at IS NULL""",
        [hearing_id, contact_id]).fetchone()
    if row is None:
        return False
    postponement_id, earlier, *old = row
    kept = [postponement_id]
    # Rule upon rule: the paper's date is the one before the first of them.
    while earlier is not None:
        before = db.execute("SELECT old_postponement_id, old_starts_at, old_report_at, "
                            "old_hearing_day_at FROM postponed_hearings WHERE postponement_id = ? "
                            "AND hearing_id = ?", [earlier, hearing_id]).fetchone()
        if before is None:
            break
        kept.append(earlier)
        earlier, *old = before
    _set_dates(db, int(hearing_id), tuple(old), None, now)
    db.execute(f"UPDATE postponed_hearings SET kept_own_at = ? WHERE hearing_id = ? "
               f"AND postponement_id IN ({', '.join('?' * len(kept))})", [_iso(now), hearing_id, *kept])
    _replan(db, int(hearing_id), cities, schedule, now)
    audit.record(db, "person", "kept_own_date", f"hearing:{hearing_id}", now,
                 postponement=postponement_id)
    return True
