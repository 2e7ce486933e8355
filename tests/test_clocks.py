"""Every time on the clock it is meant in, the person's own clock beside it when their phone shows
another time, and the summer rule read from the tz database."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from conftest import NOW

from bot import db as database
from bot.context import Context, Hearing, Person
from bot.engine import Engine
from bot.i18n import Catalogs, load_catalogs
from bot.places import clock_changes, hours_apart, other_clock
from bot.reference import load_reference
from bot.sms import MAX_SMS_SEGMENTS, cost, for_sms
from bot.views import ViewInput, When, render, render_reply, view_clock_rule

CATALOGS = Catalogs(load_catalogs())
REFERENCE = load_reference()
CITIES = REFERENCE.cities


def at(text: str, zone: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)


def said(part, language: str = "es") -> str:
    return render(part, language, CATALOGS)


def test_nogales_in_summer_sees_the_el_paso_time_and_its_own():
    summer = at("2027-07-12 05:00", "America/Denver")
    assert said(When(summer, CITIES["nogales"], time_only=True)) == (
        "5:00 a. m., hora de El Paso, que son las 4:00 a. m. en Nogales")
    assert said(When(summer, CITIES["nogales"], time_only=True), "en") == (
        "5:00 AM, El Paso time, which is 4:00 AM in Nogales")


def test_nogales_in_winter_has_one_clock():
    winter = at("2027-01-11 05:00", "America/Denver")
    assert said(When(winter, CITIES["nogales"], time_only=True)) == "5:00 a. m., hora de El Paso"
    assert other_clock(CITIES["nogales"], winter) is None


def test_one_oclock_is_said_in_the_singular_and_a_day_apart_with_its_date():
    assert said(When(at("2027-07-12 02:00", "America/Denver"), CITIES["nogales"], time_only=True)) \
        == "2:00 a. m., hora de El Paso, que es la 1:00 a. m. en Nogales"
    midnight = at("2027-07-12 00:30", "America/Denver")
    assert said(When(midnight, CITIES["nogales"])) == (
        "lunes 12 de julio de 2027, 12:30 a. m., hora de El Paso, que es el domingo 11 de julio "
        "de 2027, 11:30 p. m. en Nogales")


@pytest.mark.parametrize("key", ["tijuana", "mexicali", "ciudad_juarez", "nuevo_laredo",
                                 "matamoros", "piedras_negras"])
def test_border_cities_in_step_with_their_court_show_one_clock_all_year(key):
    # Mexico's border strip follows the US rule, so these cities never differ from their court.
    city = CITIES[key]
    day = dt.date(2027, 1, 1)
    while day.year == 2027:
        assert other_clock(city, at(f"{day} 08:30", city.court_zone)) is None, day
        day += dt.timedelta(days=1)


def test_people_waiting_in_the_interior_see_their_own_clock_when_it_differs():
    # Mexico City has had no summer time since 2022: one hour off Laredo in summer, not in winter.
    city = CITIES["mexico_city@laredo"]
    assert said(When(at("2027-07-12 08:00", "America/Chicago"), city, time_only=True)) == (
        "8:00 a. m., hora de Laredo, que son las 7:00 a. m. en Ciudad de México")
    assert said(When(at("2027-01-11 08:00", "America/Chicago"), city, time_only=True)) == (
        "8:00 a. m., hora de Laredo")
    # El Paso is behind Mexico City in winter and with it in summer.
    assert hours_apart(CITIES["mexico_city@el_paso"], dt.date(2027, 1, 11)) == -1
    assert hours_apart(CITIES["mexico_city@el_paso"], dt.date(2027, 7, 12)) == 0


@pytest.mark.parametrize("year,changes", [
    (2026, [dt.date(2026, 3, 8), dt.date(2026, 11, 1)]),
    (2027, [dt.date(2027, 3, 14), dt.date(2027, 11, 7)]),
    (2028, [dt.date(2028, 3, 12), dt.date(2028, 11, 5)]),
])
def test_the_clock_changes_come_from_the_tz_database(year, changes):
    assert clock_changes("America/Denver", year) == changes
    assert clock_changes("America/Ciudad_Juarez", year) == changes    # the border strip follows
    assert clock_changes("America/Hermosillo", year) == []           # Sonora keeps one clock


def rule(now: dt.datetime, vars: dict | None = None) -> str:
    return said(view_clock_rule(ViewInput(vars or {}, Context(), REFERENCE, now)))


def test_the_summer_rule_is_said_exactly_for_the_year():
    assert rule(dt.datetime(2026, 6, 1, 18, 0, tzinfo=dt.UTC)) == (
        "Si espera en Nogales: su corte es en El Paso. En 2026, El Paso cambia la hora el segundo "
        "domingo de marzo (8 de marzo) y el primer domingo de noviembre (1 de noviembre). Entre "
        "esas fechas, El Paso va una hora adelante de Nogales. El resto del año es la misma hora. "
        "Pregunte qué hora vale.")
    # NOW (22 November 2026) is after this year's last change: next year's rule is said.
    assert "En 2027, El Paso cambia la hora el segundo domingo de marzo (14 de marzo) y el " \
           "primer domingo de noviembre (7 de noviembre)." in rule(NOW)


def test_the_rule_is_the_persons_own_when_their_clock_differs():
    assert "Si espera en Monterrey: su corte es en Laredo." in rule(NOW, {"city": "monterrey@laredo"})
    assert ("Entre esas fechas es la misma hora. El resto del año, El Paso va una hora atrás de "
            "Ciudad de México.") in rule(NOW, {"city": "mexico_city@el_paso"})
    # Tijuana is never apart from San Diego: Nogales stands as the example.
    assert "Si espera en Nogales" in rule(NOW, {"city": "tijuana"})


def test_reminders_of_a_summer_hearing_in_nogales_stay_within_three_sms():
    engine = Engine.load(catalogs=CATALOGS)
    starts = at("2027-07-12 08:30", "America/Denver")
    for report_at in (None, at("2027-07-12 04:30", "America/Denver")):
        for key in ("nogales", "mexicali", "monterrey@laredo", "otra@el_paso"):
            context = Context(people=(Person(1, "María Guadalupe", None, None),),
                              hearings=(Hearing(1, 1, key, starts, report_at),))
            for kind in ("week_before", "travel", "day_before"):
                text = render_reply(engine.preview(f"reminders.{kind}", context, {"hearing_id": 1},
                                                   starts - dt.timedelta(days=8)), "es", CATALOGS)
                assert cost(for_sms(text)).segments <= MAX_SMS_SEGMENTS, (key, kind, text)


def test_the_migration_widens_the_reminder_kinds_and_keeps_every_row(tmp_path):
    path = str(tmp_path / "old.sqlite3")
    db = database.connect(path)
    database.migrations.apply(db, stop_before="m009_travel_reminders")
    with database.write(db):
        db.execute("INSERT INTO contacts (id, phone_hash, phone, created_at) VALUES (1, 'h', 'p', 't')")
        db.execute("INSERT INTO people (id, contact_id, name, created_at) VALUES (1, 1, 'n', 't')")
        db.execute("INSERT INTO hearings (id, person_id, city, starts_at, created_at, updated_at) "
                   "VALUES (1, 1, 'nogales', '2027-07-12T14:30:00+00:00', 't', 't')")
        db.execute("INSERT INTO reminders (id, hearing_id, kind, due_at, created_at, updated_at) "
                   "VALUES (1, 1, 'week_before', 'd', 't', 't')")
        db.execute("INSERT INTO early_statuses (sid, reminder_id, status, received_at) "
                   "VALUES ('SM1', 1, 'delivered', 't')")
    with pytest.raises(Exception, match="CHECK"):
        db.execute("INSERT INTO reminders (hearing_id, kind, due_at, created_at, updated_at) "
                   "VALUES (1, 'travel', 'd', 't', 't')")
    db.conn.close()
    assert database.migrate(path) == ["m009_travel_reminders", "m010_hearing_day_reminder",
                                      "m011_notice_photos"]
    db = database.connect(path)
    with database.write(db):
        db.execute("INSERT INTO reminders (hearing_id, kind, due_at, created_at, updated_at) "
                   "VALUES (1, 'travel', 'd2', 't', 't')")
    assert db.execute("SELECT kind FROM reminders ORDER BY id").fetchall() == [("week_before",),
                                                                               ("travel",)]
    assert db.execute("SELECT sid, reminder_id FROM early_statuses").fetchall() == [("SM1", 1)]
    with pytest.raises(Exception, match="CHECK"):
        db.execute("INSERT INTO reminders (hearing_id, kind, due_at, created_at, updated_at) "
                   "VALUES (1, 'someday', 'd', 't', 't')")
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    db.conn.close()
