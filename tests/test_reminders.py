"""Reminders that are never lost, never doubled, and sent the way Twilio expects."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
import requests
from conftest import TOKEN, Phone, Pick, choose, sign
from twilio_fake import ACCOUNT

from bot import create_app
from bot.dispatch import Dispatcher, RateLimit

UTC = dt.UTC
SAVE = ("hola", Pick("Guardar una audiencia"), "Ana", "tijuana", "15/3/2027", "8:30", "4:30", "A12345678",
        Pick("Sí, guardar"))
WEEK_BEFORE = dt.datetime(2027, 3, 8, 17, 0, tzinfo=UTC)
DAY_BEFORE = dt.datetime(2027, 3, 15, 0, 0, tzinfo=UTC)
DAY_AFTER = dt.datetime(2027, 3, 16, 17, 0, tzinfo=UTC)
TEMPLATES = {"TWILIO_TEMPLATE_WEEK_BEFORE": "HX" + "1" * 32,
             "TWILIO_TEMPLATE_DAY_BEFORE": "HX" + "2" * 32,
             "TWILIO_TEMPLATE_DAY_AFTER": "HX" + "3" * 32,
             "TWILIO_TEMPLATE_MONTHLY": "HX" + "4" * 32}




def make_app(tmp_path, twilio, **extra):
    return create_app({
        "TESTING": True, "DATABASE": str(tmp_path / "db.sqlite3"), "SECRET_KEY": "k",
        "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_SMS_FROM": "+15005550006", "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886",
        "TWILIO_API_BASE_URL": twilio.url, "PUBLIC_BASE_URL": "https://bot.example.org",
        "SEND_RATE_PER_SECOND": 0, "BACKUP_DIR": str(tmp_path / "backups"), **extra}, instance_path=tmp_path)


@pytest.fixture
def app(tmp_path, twilio):
    return make_app(tmp_path, twilio)


def dispatch(app, now):
    with app.app_context():
        return Dispatcher(app, sleep=lambda s: None).run(now)


def rows(app, where: str = "1") -> list[tuple]:
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        return conn.execute(f"SELECT kind, due_at, status, attempts, last_error, fallback, channel "
                            f"FROM reminders WHERE {where} ORDER BY due_at").fetchall()


def reminder_id(app, kind: str) -> int:
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        return conn.execute("SELECT id FROM reminders WHERE kind = ?", [kind]).fetchone()[0]


def statuses(app) -> dict[str, str]:
    return {kind: status for kind, _, status, *_ in rows(app) if kind != "monthly"}


def test_saving_a_hearing_plans_its_reminders(app):
    Phone(app).talk(*SAVE)
    assert [(k, d, s) for k, d, s, *_ in rows(app)] == [
        ("monthly", "2026-12-22T18:00:00+00:00", "pending"),
        ("monthly", "2027-01-21T18:00:00+00:00", "pending"),
        ("monthly", "2027-02-20T18:00:00+00:00", "pending"),
        ("week_before", "2027-03-08T17:00:00+00:00", "pending"),
        ("day_before", "2027-03-15T00:00:00+00:00", "pending"),
        ("day_after", "2027-03-16T17:00:00+00:00", "pending")]


def test_an_operator_lists_a_phones_reminders(app):
    Phone(app).talk(*SAVE)
    result = app.test_cli_runner().invoke(args=["reminders", "list", "--phone", "664 123 4567"])
    assert "week_before pending" in result.output and "person=Ana" in result.output
    assert "Mi Audiencia" not in result.output      # kinds and states, never message text


def test_a_changed_hearing_cancels_its_pending_rows_and_plans_anew_with_no_duplicate(app):
    phone = Phone(app)
    phone.talk(*SAVE)
    phone.talk("me cambiaron la fecha", Pick("Ana"), Pick("Tijuana / San Diego"), "20/4/2027", "9:00",
               "no se", Pick("Sí, guardar"))
    live = [(k, d) for k, d, s, *_ in rows(app) if s == "pending"]
    assert ("week_before", "2027-04-13T16:00:00+00:00") in live       # 09:00 PDT
    assert ("week_before", "2027-03-08T17:00:00+00:00") not in live
    assert len(live) == len(set(live))
    assert {s for k, d, s, *_ in rows(app)
            if k != "monthly" and d.startswith("2027-03-")} == {"cancelled"}
    # Saving the same hearing again changes nothing.
    before = rows(app)
    phone.talk("me cambiaron la fecha", Pick("Ana"), Pick("Tijuana / San Diego"), "20/4/2027", "9:00",
               "no se", Pick("Sí, guardar"))
    assert rows(app) == before


def test_the_database_refuses_a_duplicate_reminder(app):
    Phone(app).talk(*SAVE)
    with sqlite3.connect(app.config["DATABASE"]) as conn, pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO reminders (hearing_id, kind, due_at, created_at, updated_at) "
                     "SELECT hearing_id, kind, due_at, created_at, updated_at FROM reminders "
                     "WHERE kind = 'day_before'")


def test_two_passes_at_the_same_instant_send_once(app, twilio):
    Phone(app).talk(*SAVE)
    first, second = dispatch(app, WEEK_BEFORE), dispatch(app, WEEK_BEFORE)
    assert first.outcomes == {"sent": 1, "skipped": 3}      # the monthly ones, superseded
    assert second.claimed == 0
    assert len([b for b in twilio.bodies() if b and "se acerca" in b]) == 1


def test_sms_and_whatsapp_inside_the_window_get_text(tmp_path, twilio):
    app = make_app(tmp_path, twilio, **TEMPLATES)
    phone = Phone(app, now=DAY_BEFORE - dt.timedelta(hours=3))
    phone.talk(*SAVE)
    dispatch(app, DAY_BEFORE)
    sent = twilio.requests[-1]["form"]
    assert sent["To"] == "whatsapp:+5216641234567" and sent["From"] == "whatsapp:+14155238886"
    assert "mañana es la audiencia de Ana" in sent["Body"]             # WhatsApp keeps accents
    # The callback names the reminder: a report on a send whose answer was lost still finds it.
    reminder = reminder_id(app, "day_before")
    assert sent["StatusCallback"] == f"https://bot.example.org/twilio/status?reminder={reminder}"


def test_whatsapp_outside_the_window_gets_the_approved_template(tmp_path, twilio):
    import json

    app = make_app(tmp_path, twilio, **TEMPLATES)
    Phone(app).talk(*SAVE)                           # last message: months before
    dispatch(app, DAY_BEFORE)
    sent = twilio.requests[-1]["form"]
    assert sent["ContentSid"] == TEMPLATES["TWILIO_TEMPLATE_DAY_BEFORE"] and "Body" not in sent
    variables = json.loads(sent["ContentVariables"])
    assert variables["1"] == "Ana"
    assert variables["2"] == "lunes 15 de marzo de 2027, 8:30 a. m., hora de San Diego"
    assert variables["3"] == "San Ysidro (Tijuana)" and "4:30 a. m." in variables["4"]


def test_without_a_template_outside_the_window_it_falls_back_to_sms(app, twilio):
    Phone(app).talk(*SAVE)
    dispatch(app, DAY_BEFORE)
    sent = twilio.requests[-1]["form"]
    assert sent["To"] == "+526641234567" and sent["From"] == "+15005550006"
    assert "mañana es la audiencia" in sent["Body"]                    # GSM-7 has ñ ...
    assert "ordenar su deportacion" in sent["Body"]                    # ... but not ó


@pytest.mark.parametrize("failure", [(429, 20429), (500, 20500), (503, 20503), (400, 30003)])
def test_transient_failures_are_retried_with_backoff(app, twilio, failure):
    Phone(app).talk(*SAVE)
    twilio.script = [failure]
    assert dispatch(app, DAY_BEFORE).outcomes == {"retry": 1, "skipped": 4}   # 4 superseded
    kind, due, status, attempts, error, *_ = rows(app, "kind = 'day_before'")[0]
    assert (status, attempts) == ("pending", 1)
    assert due == "2027-03-15T00:01:00+00:00"                           # 60 s later
    assert dispatch(app, DAY_BEFORE).claimed == 0                       # not before then
    assert dispatch(app, DAY_BEFORE + dt.timedelta(minutes=1)).outcomes == {"sent": 1}
    assert statuses(app)["day_before"] == "sent"


def test_retries_are_bounded(tmp_path, twilio):
    app = make_app(tmp_path, twilio, SEND_MAX_ATTEMPTS=3)
    Phone(app).talk(*SAVE)
    twilio.script = [(500, 20500)] * 3
    now = DAY_BEFORE
    for _ in range(3):
        dispatch(app, now)
        now += dt.timedelta(hours=1)
    kind, due, status, attempts, error, *_ = rows(app, "kind = 'day_before'")[0]
    assert (status, attempts, error) == ("failed", 3, "20500")


def test_21610_marks_the_person_opted_out_and_silences_the_rest(app, twilio):
    Phone(app).talk(*SAVE)
    twilio.script = [(400, 21610)]
    dispatch(app, WEEK_BEFORE)
    assert {s for k, d, s, *_ in rows(app) if d > "2027-03-08"} == {"cancelled"}
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        assert conn.execute("SELECT opted_out FROM contacts").fetchone() == (1,)
    assert dispatch(app, DAY_AFTER).claimed == 0


def test_21211_marks_the_number_unreachable(app, twilio):
    Phone(app).talk(*SAVE)
    twilio.script = [(400, 21211)]
    dispatch(app, WEEK_BEFORE)
    assert statuses(app)["week_before"] == "failed"
    dispatch(app, DAY_BEFORE)
    assert statuses(app)["day_before"] == "skipped"


def test_63016_falls_back_to_the_template_then_to_sms(tmp_path, twilio):
    app = make_app(tmp_path, twilio, **TEMPLATES)
    Phone(app, now=DAY_BEFORE - dt.timedelta(hours=1)).talk(*SAVE)
    twilio.script = [(400, 63016), (400, 63016)]
    dispatch(app, DAY_BEFORE)          # text refused: outside the window after all
    dispatch(app, DAY_BEFORE)          # the template, refused too
    dispatch(app, DAY_BEFORE)          # SMS
    forms = [r["form"] for r in twilio.requests]
    assert "Body" in forms[0] and forms[0]["To"].startswith("whatsapp:")
    assert forms[1]["ContentSid"] == TEMPLATES["TWILIO_TEMPLATE_DAY_BEFORE"]
    assert forms[2]["To"] == "+526641234567"
    assert statuses(app)["day_before"] == "sent"


def test_opting_out_cancels_everything_queued_and_nothing_is_sent(app, twilio):
    phone = Phone(app)
    phone.talk(*SAVE)
    phone.send("BAJA")
    assert {status for _, _, status, *_ in rows(app)} == {"cancelled"}
    assert dispatch(app, DAY_AFTER).claimed == 0 and twilio.requests == []
    phone.send("ALTA")                  # back in: what is still ahead is planned again
    assert "pending" in {r[2] for r in rows(app)}


def test_deleting_removes_the_queue(app, twilio):
    phone = Phone(app)
    phone.talk(*SAVE)
    phone.talk("BORRAR", Pick("Sí, borrar todo"))
    assert rows(app) == [] and dispatch(app, DAY_AFTER).claimed == 0


def test_a_send_that_is_late_waits_for_the_morning(app, twilio):
    Phone(app).talk(*SAVE)
    night = dt.datetime(2027, 3, 9, 7, 0, tzinfo=UTC)                    # 23:00 in Tijuana
    assert dispatch(app, night).outcomes == {"deferred": 1, "skipped": 3}
    assert rows(app, "kind = 'week_before'")[0][1] == "2027-03-09T15:00:00+00:00"  # 07:00 PST
    assert twilio.requests == []


def test_the_day_after_answer_updates_the_hearing(app, twilio):
    phone = Phone(app, now=DAY_AFTER)
    Phone(app).talk(*SAVE)
    dispatch(app, DAY_AFTER)
    assert "¿como le fue ayer en la audiencia de Ana?" in twilio.bodies()[-1]
    phone.send(choose(twilio.bodies()[-1], "Me dieron otra fecha"))
    reply = phone.talk(Pick("Tijuana / San Diego"), "20/5/2027", "9:00", "no se")
    assert "martes 20 de mayo" not in reply and "jueves 20 de mayo de 2027, 9:00 a. m." in reply
    phone.pick("Sí, guardar")
    live = {k: d for k, d, s, *_ in rows(app) if s == "pending"}
    assert live["day_before"] == "2027-05-20T00:00:00+00:00"


def test_the_day_after_answer_no_more_hearings_closes_it(app, twilio):
    phone = Phone(app, now=DAY_AFTER + dt.timedelta(hours=30))          # answered a day later
    Phone(app).talk(*SAVE)
    dispatch(app, DAY_AFTER)
    assert "Ya no le mandaremos recordatorios" in phone.send(
        choose(twilio.bodies()[-1], "Ya no tengo más audiencias"))
    assert "No tiene audiencias guardadas" in phone.send("mi audiencia")


def test_a_hearing_saved_late_says_what_the_missed_reminders_would_have(app):
    eve = dt.datetime(2027, 3, 15, 2, 0, tzinfo=UTC)                     # 19:00 the day before
    reply = Phone(app, now=eve).talk(*SAVE)
    assert "Su audiencia es muy pronto." in reply
    assert "Preséntese en San Ysidro (Tijuana) el lunes 15 de marzo de 2027, 4:30 a. m." in reply
    assert "Aviso de Comparecencia (NTA)" in reply
    assert [k for k, *_ in rows(app)] == ["day_after"]


def test_status_callbacks_are_signed_recorded_and_acted_on(app, twilio):
    Phone(app).talk(*SAVE)
    dispatch(app, DAY_BEFORE)
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        sid = conn.execute("SELECT twilio_sid FROM reminders WHERE kind = 'day_before'").fetchone()[0]
    client = app.test_client()
    url = "https://bot.example.org/twilio/status"

    def callback(form, signature=None):
        return client.post("/twilio/status", data=form, headers={
            "X-Twilio-Signature": sign(url, form) if signature is None else signature})

    assert callback({"MessageSid": sid, "MessageStatus": "delivered"}, "bad").status_code == 403
    assert callback({"MessageSid": sid, "MessageStatus": "delivered"}).status_code == 204
    assert rows(app, "kind = 'day_before'")[0][2] == "sent"
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        assert conn.execute("SELECT delivery_status FROM reminders WHERE twilio_sid = ?",
                            [sid]).fetchone() == ("delivered",)
    # Reports come out of order: a late "sent" never undoes "delivered".
    assert callback({"MessageSid": sid, "MessageStatus": "sent"}).status_code == 204
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        assert conn.execute("SELECT delivery_status FROM reminders WHERE twilio_sid = ?",
                            [sid]).fetchone() == ("delivered",)
    form = {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    assert callback(form).status_code == 204
    kind, due, status, attempts, error, *_ = rows(app, "kind = 'day_before'")[0]
    assert (status, error) == ("pending", "30003")                      # retried
    assert callback({"MessageSid": "SMunknown", "MessageStatus": "sent"}).status_code == 204


def test_the_per_second_cap_is_honoured():
    clock = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        clock[0] += seconds

    limit = RateLimit(5, monotonic=lambda: clock[0], sleep=sleep)
    for _ in range(11):
        limit.wait()
    assert clock[0] == pytest.approx(2.0)        # 11 sends at 5 a second take 2 seconds


def test_the_twilio_really_checks_requests_against_the_spec(twilio):
    response = requests.post(f"{twilio.url}/2010-04-01/Accounts/{ACCOUNT}/Messages.json",
                             data={"From": "+15005550006", "Body": "no To"},
                             auth=(ACCOUNT, "token"), timeout=5)
    assert response.status_code == 201
    assert len(twilio.violations) == 1
    twilio.violations.clear()


def test_housekeeping_forgets_old_message_sids_and_beats(app):
    from bot.scheduler import housekeeping

    Phone(app).send("hola")
    housekeeping(app, dt.datetime(2026, 11, 28, tzinfo=UTC))
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        assert conn.execute("SELECT count(*) FROM inbound_messages").fetchone() == (1,)
    housekeeping(app, dt.datetime(2026, 12, 1, tzinfo=UTC))
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        assert conn.execute("SELECT count(*) FROM inbound_messages").fetchone() == (0,)
        assert conn.execute("SELECT name FROM heartbeats").fetchall() == [("housekeeping",)]
