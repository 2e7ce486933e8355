"""The reminder plan, a pure function: the table, the clocks, quiet hours, late hearings."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.reminders import Schedule, full_plan, missed, next_allowed, plan

UTC = dt.UTC
S = Schedule()


def at(text: str, zone: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def table(planned) -> list[tuple[str, str]]:
    return [(p.kind, p.due_at.isoformat()) for p in planned]


def test_the_plan_table_for_a_tijuana_hearing():
    hearing = at("2027-03-15 08:30", "America/Los_Angeles")
    registered = at("2026-11-22 18:00", "America/Tijuana")
    assert table(plan(hearing, "America/Tijuana", registered, registered, S, travel=False)) == [
        ("monthly", "2026-12-22T18:00:00+00:00"),        # 10:00 PST
        ("monthly", "2027-01-21T18:00:00+00:00"),
        ("monthly", "2027-02-20T18:00:00+00:00"),
        ("week_before", "2027-03-08T17:00:00+00:00"),    # 09:00 PST, a week before
        ("day_before", "2027-03-15T00:00:00+00:00"),     # 17:00 PDT: clocks moved on the 14th
        ("day_after", "2027-03-16T17:00:00+00:00"),      # 10:00 PDT
    ]


def test_juarez_on_the_monday_after_daylight_saving_starts_keeps_its_wall_clock():
    hearing = at("2027-03-15 08:30", "America/Denver")
    assert hearing.isoformat() == "2027-03-15T14:30:00+00:00"          # MDT, UTC-6
    planned = dict(table(plan(hearing, "America/Ciudad_Juarez", at("2027-02-20 12:00", "UTC"),
                              at("2027-02-20 12:00", "UTC"), S, travel=False)))
    assert planned["week_before"] == "2027-03-08T16:00:00+00:00"       # 09:00 MST, UTC-7
    assert planned["day_before"] == "2027-03-14T23:00:00+00:00"        # 17:00 MDT, UTC-6
    for kind, due in planned.items():
        local = dt.datetime.fromisoformat(due).astimezone(ZoneInfo("America/Ciudad_Juarez"))
        assert local.hour == {"week_before": 9, "day_before": 17, "day_after": 10,
                              "monthly": 10}[kind]


def test_november_2027_change_in_juarez():
    hearing = at("2027-11-08 08:30", "America/Denver")                 # Monday after
    planned = dict(table(plan(hearing, "America/Ciudad_Juarez", at("2027-10-20 12:00", "UTC"),
                              at("2027-10-20 12:00", "UTC"), S, travel=False)))
    assert planned["week_before"] == "2027-11-01T15:00:00+00:00"       # 09:00 MDT
    assert planned["day_before"] == "2027-11-08T00:00:00+00:00"        # 17:00 MST, UTC-7
    assert planned["day_after"] == "2027-11-09T17:00:00+00:00"         # 10:00 MST


def test_nogales_has_no_daylight_saving_and_is_reminded_on_its_own_clock():
    # A summer hearing at 8:30 El Paso time is 7:30 in Nogales (America/Hermosillo, UTC-7).
    hearing = at("2027-07-12 08:30", "America/Denver")
    assert hearing.astimezone(ZoneInfo("America/Hermosillo")).hour == 7
    planned = dict(table(plan(hearing, "America/Hermosillo", at("2027-07-01 12:00", "UTC"),
                              at("2027-07-01 12:00", "UTC"), S, travel=False)))
    assert planned["day_before"] == "2027-07-12T00:00:00+00:00"        # 17:00 in Nogales
    winter = at("2027-01-11 08:30", "America/Denver")
    assert winter.astimezone(ZoneInfo("America/Hermosillo")).hour == 8  # same clock in winter


def test_interior_mexico_has_no_daylight_saving_since_2022():
    hearing = at("2027-07-12 08:30", "America/Chicago")
    planned = dict(table(plan(hearing, "America/Mexico_City", at("2027-07-01 12:00", "UTC"),
                              at("2027-07-01 12:00", "UTC"), S, travel=False)))
    assert planned["day_before"] == "2027-07-11T23:00:00+00:00"        # 17:00 CST, UTC-6
    assert planned["week_before"] == "2027-07-05T15:00:00+00:00"       # 09:00 CST


def test_reminders_never_fall_in_quiet_hours():
    late = Schedule(day_before_hour=22, week_before_hour=5)
    planned = dict(table(full_plan(at("2027-03-15 08:30", "America/Los_Angeles"),
                                   "America/Tijuana", at("2027-03-01 12:00", "UTC"), late,
                                   travel=False)))
    assert planned["day_before"] == "2027-03-15T03:00:00+00:00"        # moved back to 20:00
    assert planned["week_before"] == "2027-03-08T15:00:00+00:00"       # moved on to 07:00


@pytest.mark.parametrize("local,expected", [
    ("2027-03-10 23:30", "2027-03-11 07:00"), ("2027-03-10 03:00", "2027-03-10 07:00"),
    ("2027-03-10 12:00", "2027-03-10 12:00"), ("2027-03-10 21:00", "2027-03-11 07:00"),
])
def test_a_late_send_waits_for_the_morning(local, expected):
    zone = "America/Tijuana"
    assert next_allowed(at(local, zone), zone, S) == at(expected, zone)


def test_a_hearing_saved_late_gets_only_what_is_ahead_and_knows_what_it_missed():
    hearing = at("2027-03-15 08:30", "America/Los_Angeles")
    three_days_before = at("2027-03-12 12:00", "America/Tijuana")
    assert [p.kind for p in plan(hearing, "America/Tijuana", three_days_before,
                                 three_days_before, S, travel=False)] == ["day_before", "day_after"]
    assert missed(hearing, "America/Tijuana", three_days_before, S, travel=False) == ["week_before"]
    eve = at("2027-03-14 19:00", "America/Tijuana")
    assert [p.kind for p in plan(hearing, "America/Tijuana", eve, eve, S, travel=False)] == ["day_after"]
    assert missed(hearing, "America/Tijuana", eve, S, travel=False) == ["week_before", "day_before"]


def test_monthly_reminders_stop_before_the_week_before():
    hearing = at("2027-06-01 09:00", "America/Chicago")
    registered = at("2026-12-01 12:00", "UTC")
    planned = plan(hearing, "America/Matamoros", registered, registered, S, travel=False)
    monthly = [p for p in planned if p.kind == "monthly"]
    week_before = next(p for p in planned if p.kind == "week_before")
    assert [p.seq for p in monthly] == [1, 2, 3, 4, 5]
    assert all(p.due_at < week_before.due_at for p in monthly)


def test_where_the_place_to_report_is_in_another_city_a_travel_reminder_comes_3_days_before():
    # Nogales to Ciudad Juárez is 7-8 hours: the day before at 17:00 is too late to set out.
    hearing = at("2027-07-12 08:30", "America/Denver")
    registered = at("2027-06-20 12:00", "UTC")
    planned = table(plan(hearing, "America/Hermosillo", registered, registered, S, travel=True))
    assert planned == [("week_before", "2027-07-05T16:00:00+00:00"),   # 09:00 in Nogales
                       ("travel", "2027-07-09T17:00:00+00:00"),        # 10:00, three days before
                       ("day_before", "2027-07-12T00:00:00+00:00"),
                       ("day_after", "2027-07-13T17:00:00+00:00")]
    assert "travel" not in dict(table(plan(hearing, "America/Hermosillo", registered, registered, S,
                                           travel=False)))


def test_the_travel_reminder_keeps_quiet_hours_and_is_missed_like_the_others():
    hearing = at("2027-03-15 08:30", "America/Los_Angeles")
    early = Schedule(travel_hour=5)
    planned = dict(table(full_plan(hearing, "America/Tijuana", at("2027-03-01 12:00", "UTC"), early,
                                   travel=True)))
    assert planned["travel"] == at("2027-03-12 07:00", "America/Tijuana").isoformat()
    two_days_before = at("2027-03-13 12:00", "America/Tijuana")
    assert missed(hearing, "America/Tijuana", two_days_before, S, travel=True) == ["week_before",
                                                                                  "travel"]
    assert [p.kind for p in plan(hearing, "America/Tijuana", two_days_before, two_days_before, S,
                                 travel=True)] == ["day_before", "day_after"]
