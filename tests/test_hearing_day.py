"""The hearing-day reminder: only for who asks, at the hour they chose, even in the quiet hours."""

from __future__ import annotations

import datetime as dt
import sqlite3
from zoneinfo import ZoneInfo

import pytest
from conftest import Phone, Pick, choose
from test_reminders import SAVE, TEMPLATES, dispatch, make_app, rows

from bot.reminders import HEARING_DAY, Schedule, full_plan

UTC = dt.UTC
TIJUANA = ZoneInfo("America/Tijuana")
HEARING = dt.datetime(2027, 3, 15, 8, 30, tzinfo=ZoneInfo("America/Los_Angeles"))
REGISTERED = dt.datetime(2026, 11, 22, 18, 0, tzinfo=UTC)
AT_3_30 = dt.datetime(2027, 3, 15, 3, 30, tzinfo=ZoneInfo("America/Los_Angeles"))


def local_hours(planned) -> dict[str, str]:
    return {p.kind: p.due_at.astimezone(TIJUANA).strftime("%d %H:%M") for p in planned}


def test_the_plan_has_no_hearing_day_reminder_unless_the_person_chose_one():
    assert HEARING_DAY not in local_hours(full_plan(HEARING, "America/Tijuana", REGISTERED,
                                                    Schedule(), travel=False))


def test_only_the_persons_chosen_hour_crosses_the_quiet_hours():
    # Every other reminder is pulled out of the night; the one the person asked for is not.
    night = Schedule(day_before_hour=3, week_before_hour=3)
    hours = local_hours(full_plan(HEARING, "America/Tijuana", REGISTERED, night, AT_3_30,
                                  travel=False))
    assert hours[HEARING_DAY] == "15 03:30"
    assert hours["day_before"] == "14 07:00" and hours["week_before"] == "08 07:00"


def test_a_chosen_hour_not_before_the_hearing_is_not_planned():
    late = HEARING + dt.timedelta(minutes=1)
    assert HEARING_DAY not in local_hours(full_plan(HEARING, "America/Tijuana", REGISTERED,
                                                    Schedule(), late, travel=False))


def ask_for_it(phone: Phone) -> str:
    reply = phone.talk(*SAVE)
    assert "Ahí también puede pedir un aviso el día de la audiencia, antes de salir." in reply
    reply = phone.send("menu")
    reply = phone.send(choose(reply, "Ver mi audiencia"))
    reply = phone.send(choose(reply, "Aviso el día de la audiencia"))
    assert "¿Para cuál audiencia quiere el aviso?" in reply
    reply = phone.pick("Ana")
    assert "antes de salir" in reply and "aunque sea de noche" in reply
    return reply


def hearing_day_rows(app):
    return rows(app, "kind = 'hearing_day'")


def test_the_person_asks_for_it_from_their_hearing_and_it_is_sent_before_dawn(tmp_path, twilio):
    app = make_app(tmp_path, twilio)
    phone = Phone(app)
    ask_for_it(phone)
    reply = phone.send("3:30")
    assert "Le escribimos el lunes 15 de marzo de 2027, 3:30 a. m., hora de San Diego." in reply
    assert [r[:3] for r in hearing_day_rows(app)] == [
        ("hearing_day", "2027-03-15T10:30:00+00:00", "pending")]
    report = dispatch(app, dt.datetime(2027, 3, 15, 10, 30, tzinfo=UTC))     # 03:30 in Tijuana
    # Run only now, the scheduler finds every earlier reminder due: the latest one is sent.
    assert report.outcomes == {"sent": 1, "skipped": 5}
    body = twilio.requests[-1]["form"]["Body"]
    assert "hoy es la audiencia de Ana" in body and "Vaya aunque no tenga abogado" in body


def test_a_late_reminder_of_any_other_kind_still_waits_for_the_morning(tmp_path, twilio):
    app = make_app(tmp_path, twilio)
    phone = Phone(app)
    ask_for_it(phone)
    phone.send("3:30")
    with sqlite3.connect(app.config["DATABASE"]) as conn:     # the scheduler was down all night
        conn.execute("UPDATE reminders SET due_at = '2027-03-15T10:00:00+00:00' "
                     "WHERE kind = 'day_before'")
    night = dt.datetime(2027, 3, 15, 10, 15, tzinfo=UTC)     # 03:15 in Tijuana
    assert dispatch(app, night).outcomes == {"deferred": 1, "skipped": 4}
    assert rows(app, "kind = 'day_before'")[0][1] == "2027-03-15T14:00:00+00:00"   # 07:00
    assert twilio.requests == []


def test_a_whatsapp_template_carries_it_outside_the_24_hours(tmp_path, twilio):
    sid = "HX" + "5" * 32
    app = make_app(tmp_path, twilio, **TEMPLATES, TWILIO_TEMPLATE_HEARING_DAY=sid)
    phone = Phone(app)
    ask_for_it(phone)
    phone.send("4")                                          # 4 with no a.m.: before dawn
    dispatch(app, dt.datetime(2027, 3, 15, 11, 0, tzinfo=UTC))
    sent = twilio.requests[-1]["form"]
    assert sent["ContentSid"] == sid and "Body" not in sent
    assert "San Ysidro" in sent["ContentVariables"] and "4:30 a. m." in sent["ContentVariables"]


def test_no_turns_it_off_and_a_time_after_the_hearing_is_asked_again(tmp_path, twilio):
    app = make_app(tmp_path, twilio)
    phone = Phone(app)
    ask_for_it(phone)
    assert "después de su audiencia" in phone.send("9:00")
    assert hearing_day_rows(app) == []
    phone.send("5:00")
    assert [r[2] for r in hearing_day_rows(app)] == ["pending"]
    reply = phone.send("menu")
    reply = phone.send(choose(reply, "Ver mi audiencia"))
    phone.talk(choose(reply, "Aviso el día de la audiencia"), Pick("Ana"))
    assert "no le mandamos ese aviso" in phone.send("no")
    assert [r[2] for r in hearing_day_rows(app)] == ["cancelled"]


def test_a_new_hearing_date_drops_the_hour_chosen_for_the_old_one(tmp_path, twilio):
    app = make_app(tmp_path, twilio)
    phone = Phone(app)
    ask_for_it(phone)
    phone.send("3:30")
    reply = phone.send("menu")
    reply = phone.send(choose(reply, "Ver mi audiencia"))
    phone.talk(choose(reply, "Cambiar la fecha o la hora"), Pick("Ana"), "tijuana", "22/3/2027", "8:30",
               "4:30", Pick("Sí, guardar"))
    assert [r[2] for r in hearing_day_rows(app)] == ["cancelled"]
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        assert conn.execute("SELECT hearing_day_at FROM hearings").fetchall() == [(None,)]


def test_the_kind_constraint_takes_the_new_kind_and_still_refuses_others(tmp_path, twilio):
    app = make_app(tmp_path, twilio)
    Phone(app).talk(*SAVE)
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        insert = ("INSERT INTO reminders (hearing_id, kind, due_at, created_at, updated_at) "
                  "VALUES (1, ?, '2027-03-15T10:00:00+00:00', 'now', 'now')")
        conn.execute(insert, ["hearing_day"])
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            conn.execute(insert, ["someday"])
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
