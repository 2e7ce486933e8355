"""The reminder plan of a hearing: which reminders, due when. Pure: it takes `now` and zones."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

WEEK_BEFORE, DAY_BEFORE, DAY_AFTER, MONTHLY = "week_before", "day_before", "day_after", "monthly"
TRAVEL = "travel"     # only where the report place is in another city: leave days ahead
WELCOME = "welcome"   # not planned: the first message to someone a shelter registered
# Only when the person asks for it, at the time they chose: the one reminder that may fall in
# the quiet hours, since people leave for the port before dawn.
HEARING_DAY = "hearing_day"
# Not planned: sent once when an official rule moves the hearing, and when that rule is undone.
POSTPONED = "postponed"
RESTORED = "restored"
# Not planned, not about a date: an operator's message to many phones (bot/broadcast.py).
BROADCAST = "broadcast"
KINDS = (WELCOME, MONTHLY, WEEK_BEFORE, TRAVEL, DAY_BEFORE, HEARING_DAY, DAY_AFTER, POSTPONED, RESTORED)


@dataclass(frozen=True)
class Schedule:
    """Offsets and local hours of each reminder; all are settings."""
    week_before_days: int = 7
    week_before_hour: int = 9
    travel_days: int = 3
    travel_hour: int = 10
    day_before_hour: int = 17
    day_after_hour: int = 10
    monthly_days: int = 30
    monthly_hour: int = 10
    quiet_start_hour: int = 21      # no message from 21:00 ...
    quiet_end_hour: int = 7         # ... to 07:00, local time

    @classmethod
    def from_config(cls, config) -> Schedule:
        return cls(**{name: config[f"REMINDER_{name.upper()}"] for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Planned:
    kind: str
    due_at: dt.datetime     # UTC
    seq: int = 0            # the n-th monthly reminder


def out_of_quiet_hours(moment: dt.datetime, zone: str, schedule: Schedule) -> dt.datetime:
    """Move a moment out of the person's quiet hours: night-time goes back to the evening
    before it, early morning forward to the end of the quiet hours."""
    local = moment.astimezone(ZoneInfo(zone))
    if local.hour >= schedule.quiet_start_hour:
        local = local.replace(hour=schedule.quiet_start_hour - 1, minute=0, second=0,
                              microsecond=0)
    elif local.hour < schedule.quiet_end_hour:
        local = local.replace(hour=schedule.quiet_end_hour, minute=0, second=0, microsecond=0)
    return local.astimezone(dt.UTC)


def next_allowed(moment: dt.datetime, zone: str, schedule: Schedule) -> dt.datetime:
    """Return moment, or the end of the quiet hours that hold it (for a send that is late)."""
    local = moment.astimezone(ZoneInfo(zone))
    if schedule.quiet_end_hour <= local.hour < schedule.quiet_start_hour:
        return moment
    day = local.date() + dt.timedelta(days=1 if local.hour >= schedule.quiet_start_hour else 0)
    return _at(day, schedule.quiet_end_hour, zone)


def _at(day: dt.date, hour: int, zone: str) -> dt.datetime:
    # Wall-clock time in the zone; zoneinfo applies the right offset, summer or winter.
    return dt.datetime.combine(day, dt.time(hour), tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)


def full_plan(starts_at: dt.datetime, zone: str, registered_at: dt.datetime,
              schedule: Schedule, hearing_day_at: dt.datetime | None = None, *,
              travel: bool) -> list[Planned]:
    """Every reminder of a hearing, past ones included, in the person's zone; with `travel`
    (the report place is in another city) one more, days ahead, to set out in time; with the
    hearing-day reminder at the moment the person chose, if it is before the hearing."""
    day = starts_at.astimezone(ZoneInfo(zone)).date()
    week_before = _at(day - dt.timedelta(days=schedule.week_before_days),
                      schedule.week_before_hour, zone)
    plan = []
    start = registered_at.astimezone(ZoneInfo(zone)).date()
    n = 1
    while True:
        due = _at(start + dt.timedelta(days=n * schedule.monthly_days), schedule.monthly_hour, zone)
        if due >= week_before:
            break
        plan.append(Planned(MONTHLY, due, n))
        n += 1
    plan.append(Planned(WEEK_BEFORE, week_before))
    if travel:
        plan.append(Planned(TRAVEL, _at(day - dt.timedelta(days=schedule.travel_days),
                                        schedule.travel_hour, zone)))
    plan += [Planned(DAY_BEFORE, _at(day - dt.timedelta(days=1), schedule.day_before_hour, zone)),
             Planned(DAY_AFTER, _at(day + dt.timedelta(days=1), schedule.day_after_hour, zone))]
    planned = [Planned(p.kind, out_of_quiet_hours(p.due_at, zone, schedule), p.seq) for p in plan]
    if hearing_day_at and hearing_day_at < starts_at:
        planned.insert(-1, Planned(HEARING_DAY, hearing_day_at.astimezone(dt.UTC)))
    return planned


def plan(starts_at: dt.datetime, zone: str, registered_at: dt.datetime, now: dt.datetime,
         schedule: Schedule, hearing_day_at: dt.datetime | None = None, *,
         travel: bool) -> list[Planned]:
    """Return the reminders still ahead of now; a hearing saved late gets only those."""
    return [p for p in full_plan(starts_at, zone, registered_at, schedule, hearing_day_at,
                                 travel=travel)
            if p.due_at > now]


def missed(starts_at: dt.datetime, zone: str, now: dt.datetime, schedule: Schedule, *,
           travel: bool) -> list[str]:
    """Return the kinds, before the hearing, whose time has already passed."""
    return [p.kind for p in full_plan(starts_at, zone, now, schedule, travel=travel)
            if p.kind in (WEEK_BEFORE, TRAVEL, DAY_BEFORE) and p.due_at <= now < starts_at]
