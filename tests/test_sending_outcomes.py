"""Sending that never sends twice: a send whose answer was lost is looked up before any resend,
an early delivery report is kept until its send is recorded, WhatsApp failures fall back to SMS,
and a reminder that raises counts its attempts."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest
from conftest import TOKEN, Phone, Pick, sign
from twilio_fake import ACCOUNT

from bot import create_app, store
from bot import reminder_queue as queue
from bot.db import get_db, write
from bot.dispatch import Dispatcher, record_status
from bot.scheduler import housekeeping

UTC = dt.UTC
SAVE = ("hola", Pick("Guardar una audiencia"), "Ana", "tijuana", "15/3/2027", "8:30", "4:30", "A12345678",
        Pick("Sí, guardar"))
DAY_BEFORE = dt.datetime(2027, 3, 15, 0, 0, tzinfo=UTC)
BASE = "https://bot.example.org"


def make_app(tmp_path, twilio, **extra):
    twilio.clock = lambda: DAY_BEFORE    # Twilio's clock agrees with the passes' fixed "now"
    return create_app({
        "TESTING": True, "DATABASE": str(tmp_path / "db.sqlite3"), "SECRET_KEY": "k",
        "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_SMS_FROM": "+15005550006", "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886",
        "TWILIO_API_BASE_URL": twilio.url, "PUBLIC_BASE_URL": BASE,
        "SEND_RATE_PER_SECOND": 0, "BACKUP_DIR": str(tmp_path / "backups"), **extra},
        instance_path=tmp_path)


def dispatch(app, now):
    with app.app_context():
        return Dispatcher(app, sleep=lambda s: None).run(now)


def day_before(app) -> dict:
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        conn.row_factory = sqlite3.Row
        return dict(conn.execute("SELECT * FROM reminders WHERE kind = 'day_before'").fetchone())


def count(app, table: str) -> int:
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def callback(app, form: dict, reminder: int | None = None):
    """Twilio's signed status callback, to the URL the send asked for."""
    path = "/twilio/status" + (f"?reminder={reminder}" if reminder else "")
    return app.test_client().post(path, data=form,
                                  headers={"X-Twilio-Signature": sign(BASE + path, form)})


def test_a_send_twilio_took_but_answered_too_late_goes_out_once(tmp_path, twilio):
    app = make_app(tmp_path, twilio, TWILIO_TIMEOUT_SECONDS=1)
    Phone(app).talk(*SAVE)
    twilio.script = [("hang", 3)]            # accepted at once, answered after the client gave up
    assert dispatch(app, DAY_BEFORE).outcomes == {"retry": 1, "skipped": 4}
    row = day_before(app)
    assert (row["status"], row["attempts"], row["last_error"]) == ("pending", 1, "network")
    assert row["unconfirmed_at"] == "2027-03-15T00:00:00+00:00"
    assert dispatch(app, DAY_BEFORE + dt.timedelta(minutes=1)).outcomes == {"sent": 1}
    assert len(twilio.requests) == 1 and len(twilio.messages) == 1
    row = day_before(app)
    assert (row["status"], row["twilio_sid"]) == ("sent", twilio.messages[0]["sid"])
    assert row["attempts"] == 1 and row["unconfirmed_at"] is None
    lookup = twilio.lookups[0]["query"]
    assert lookup["To"] == "+526641234567" and lookup["DateSent>"].startswith("2027-03-14")


def test_a_send_twilio_never_took_is_sent_again_once(tmp_path, twilio):
    app = make_app(tmp_path, twilio, TWILIO_TIMEOUT_SECONDS=1)
    Phone(app).talk(*SAVE)
    twilio.script = [("stall", 3)]           # slow, and nothing accepted
    dispatch(app, DAY_BEFORE)
    assert dispatch(app, DAY_BEFORE + dt.timedelta(minutes=1)).outcomes == {"sent": 1}
    assert len(twilio.lookups) == 1 and len(twilio.requests) == 2 and len(twilio.messages) == 1
    assert day_before(app)["twilio_sid"] == twilio.messages[0]["sid"]


def test_when_the_lookup_fails_the_attempt_counts_and_nothing_is_resent(tmp_path, twilio):
    app = make_app(tmp_path, twilio, TWILIO_TIMEOUT_SECONDS=1)
    Phone(app).talk(*SAVE)
    twilio.script = [("hang", 3)]
    twilio.list_script = [(500, 20500)]
    dispatch(app, DAY_BEFORE)
    assert dispatch(app, DAY_BEFORE + dt.timedelta(minutes=1)).outcomes == {"retry": 1}
    row = day_before(app)
    assert (row["status"], row["attempts"], row["last_error"]) == ("pending", 2, "lookup_20500")
    assert row["unconfirmed_at"] == "2027-03-15T00:00:00+00:00" and len(twilio.requests) == 1
    assert dispatch(app, DAY_BEFORE + dt.timedelta(minutes=3)).outcomes == {"sent": 1}
    assert len(twilio.requests) == 1 and day_before(app)["attempts"] == 2


def test_a_lost_answer_is_confirmed_by_the_callback_that_names_the_reminder(tmp_path, twilio):
    app = make_app(tmp_path, twilio, TWILIO_TIMEOUT_SECONDS=1)
    Phone(app).talk(*SAVE)
    twilio.script = [("hang", 3)]
    dispatch(app, DAY_BEFORE)
    message = twilio.messages[0]
    reminder = day_before(app)["id"]
    assert message["status_callback"] == f"{BASE}/twilio/status?reminder={reminder}"
    response = callback(app, {"MessageSid": message["sid"], "MessageStatus": "delivered"}, reminder)
    assert response.status_code == 204
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        assert conn.execute("SELECT sid, reminder_id, status FROM early_statuses").fetchall() == [
            (message["sid"], reminder, "delivered")]
        # The webhook stamps the real clock; the passes run at a fixed instant.
        conn.execute("UPDATE early_statuses SET received_at = ?", [
            (DAY_BEFORE + dt.timedelta(seconds=5)).isoformat()])
    assert dispatch(app, DAY_BEFORE + dt.timedelta(minutes=1)).outcomes == {"sent": 1}
    assert twilio.lookups == [] and len(twilio.requests) == 1      # no need to ask Twilio
    row = day_before(app)
    assert (row["twilio_sid"], row["delivery_status"]) == (message["sid"], "delivered")
    assert count(app, "early_statuses") == 0


def test_a_claim_that_lapsed_after_the_send_is_looked_up_not_sent_again(tmp_path, twilio):
    app = make_app(tmp_path, twilio)
    Phone(app).talk(*SAVE)
    with app.app_context():                  # a pass that sent, then died before recording it
        dispatcher = Dispatcher(app)
        db = get_db()
        with write(db):
            claimed = queue.claim_due(db, DAY_BEFORE, 300, 10)
        row = next(r for r in claimed if r["kind"] == "day_before")
        contact = store.contact_by_id(db, row["contact_id"])
        dispatcher.sender.send(dispatcher.compose(db, row, contact, DAY_BEFORE))
    assert dispatch(app, DAY_BEFORE + dt.timedelta(seconds=60)).claimed == 0   # claim holds
    outcomes = dispatch(app, DAY_BEFORE + dt.timedelta(seconds=301)).outcomes
    assert outcomes["sent"] == 1
    assert len(twilio.requests) == 1
    row = day_before(app)
    assert (row["status"], row["attempts"], row["twilio_sid"]) == (
        "sent", 1, twilio.messages[0]["sid"])


def test_an_early_undelivered_report_is_kept_and_acted_on_when_the_send_is_recorded(
        tmp_path, twilio):
    app = make_app(tmp_path, twilio)
    Phone(app, now=DAY_BEFORE - dt.timedelta(hours=1)).talk(*SAVE)     # inside the window
    reminder = []

    def report_before_answering(message):
        # Twilio's callback arrives while the send's own answer is still on its way.
        if message["to"].startswith("whatsapp:"):
            reminder.append(callback(app, {"MessageSid": message["sid"],
                                           "MessageStatus": "undelivered", "ErrorCode": "63024"},
                                     day_before(app)["id"]).status_code)

    twilio.on_accept = report_before_answering
    assert dispatch(app, DAY_BEFORE).outcomes["fallback_sms"] == 1
    assert reminder == [204]
    row = day_before(app)
    assert (row["status"], row["fallback"], row["last_error"]) == ("pending", "sms", "63024")
    assert count(app, "early_statuses") == 0
    assert dispatch(app, DAY_BEFORE).outcomes == {"sent": 1}
    whatsapp, sms = (r["form"] for r in twilio.requests)
    assert whatsapp["To"] == "whatsapp:+5216641234567" and sms["To"] == "+526641234567"
    assert day_before(app)["status"] == "sent"


def test_callbacks_for_unknown_sids_are_answered_kept_and_forgotten_later(tmp_path, twilio):
    app = make_app(tmp_path, twilio)
    response = callback(app, {"MessageSid": "SM" + "f" * 32, "MessageStatus": "sent"}, 99999)
    assert response.status_code == 204
    assert callback(app, {"MessageSid": "SM" + "f" * 32}).status_code == 204   # no status
    with app.app_context():
        record_status({"MessageSid": "SM" + "e" * 32, "MessageStatus": "failed",
                       "ErrorCode": "30003"}, DAY_BEFORE)
        record_status({"MessageSid": "SM" + "e" * 32, "MessageStatus": "sent"}, DAY_BEFORE)

    def kept() -> list[tuple]:
        with sqlite3.connect(app.config["DATABASE"]) as conn:
            return conn.execute("SELECT sid, reminder_id, status, error_code, received_at "
                                "FROM early_statuses ORDER BY sid").fetchall()

    # The unknown reminder id is not kept; a late "sent" does not undo a "failed".
    assert [k[:4] for k in kept()] == [("SM" + "e" * 32, None, "failed", 30003),
                                       ("SM" + "f" * 32, None, "sent", None)]
    assert kept()[0][4] == "2027-03-15T00:00:00+00:00"
    # The daily housekeeping forgets reports nobody claimed after two days.
    housekeeping(app, DAY_BEFORE + dt.timedelta(days=1))
    assert ("SM" + "e" * 32) in [k[0] for k in kept()]
    housekeeping(app, DAY_BEFORE + dt.timedelta(days=2, seconds=1))
    assert ("SM" + "e" * 32) not in [k[0] for k in kept()]


@pytest.mark.parametrize("code", [63003, 63005, 63018, 63024, 63032, 63049])
def test_whatsapp_channel_failures_fall_back_to_sms_once(tmp_path, twilio, code):
    templates = {"TWILIO_TEMPLATE_DAY_BEFORE": "HX" + "2" * 32}
    app = make_app(tmp_path, twilio, **templates)
    Phone(app, now=DAY_BEFORE - dt.timedelta(hours=1)).talk(*SAVE)
    twilio.script = [(400, code)]
    assert dispatch(app, DAY_BEFORE).outcomes["fallback_sms"] == 1
    assert dispatch(app, DAY_BEFORE).outcomes == {"sent": 1}
    whatsapp, sms = (r["form"] for r in twilio.requests)
    assert whatsapp["To"].startswith("whatsapp:") and "ContentSid" not in sms   # not the template
    assert sms["To"] == "+526641234567" and sms["From"] == "+15005550006"


def test_sms_is_the_fallback_only_once_and_a_block_is_not_worked_around(tmp_path, twilio):
    app = make_app(tmp_path, twilio)
    Phone(app, now=DAY_BEFORE - dt.timedelta(hours=1)).talk(*SAVE)
    twilio.script = [(400, 63024), (400, 63024)]
    dispatch(app, DAY_BEFORE)
    assert dispatch(app, DAY_BEFORE).outcomes == {"failed": 1}
    assert len(twilio.requests) == 2

    (tmp_path / "blocked").mkdir()
    other = make_app(tmp_path / "blocked", twilio)
    Phone(other, now=DAY_BEFORE - dt.timedelta(hours=1)).talk(*SAVE)
    twilio.script = [(400, 63014)]          # the person blocked the WhatsApp sender
    assert dispatch(other, DAY_BEFORE).outcomes["failed"] == 1
    assert day_before(other)["status"] == "failed" and len(twilio.requests) == 3


@pytest.mark.expects_error
def test_a_reminder_that_raises_counts_attempts_and_ends_failed(tmp_path, twilio, monkeypatch):
    app = make_app(tmp_path, twilio, SEND_MAX_ATTEMPTS=3)
    Phone(app).talk(*SAVE)

    def broken(self, db, row, contact, now):
        raise KeyError("a name that must not reach the log")

    monkeypatch.setattr(Dispatcher, "compose", broken)
    assert dispatch(app, DAY_BEFORE).outcomes == {"error": 1, "skipped": 4}
    row = day_before(app)
    assert (row["status"], row["attempts"], row["last_error"]) == ("pending", 1, "KeyError")
    assert row["due_at"] == "2027-03-15T00:01:00+00:00" and row["claimed_until"] is None
    assert dispatch(app, DAY_BEFORE + dt.timedelta(seconds=30)).claimed == 0    # backoff
    dispatch(app, DAY_BEFORE + dt.timedelta(minutes=1))
    assert day_before(app)["attempts"] == 2
    dispatch(app, DAY_BEFORE + dt.timedelta(minutes=3))
    row = day_before(app)
    assert (row["status"], row["attempts"], row["last_error"]) == ("failed", 3, "KeyError")
    assert dispatch(app, DAY_BEFORE + dt.timedelta(hours=1)).claimed == 0
    assert twilio.requests == []


@pytest.mark.expects_error
def test_a_pass_that_raises_after_the_send_looks_it_up_instead_of_resending(
        tmp_path, twilio, monkeypatch, no_numbers_in_logs):
    app = make_app(tmp_path, twilio)
    Phone(app).talk(*SAVE)
    real_mark_sent, calls = queue.mark_sent, []

    def failing_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise sqlite3.OperationalError("disk I/O error")
        return real_mark_sent(*args, **kwargs)

    monkeypatch.setattr(queue, "mark_sent", failing_once)
    assert dispatch(app, DAY_BEFORE).outcomes == {"error": 1, "skipped": 4}
    row = day_before(app)
    assert (row["status"], row["attempts"], row["last_error"]) == (
        "pending", 1, "OperationalError")
    assert row["unconfirmed_at"] == "2027-03-15T00:00:00+00:00"
    assert dispatch(app, DAY_BEFORE + dt.timedelta(minutes=1)).outcomes == {"sent": 1}
    assert len(twilio.requests) == 1 and day_before(app)["twilio_sid"] == twilio.messages[0]["sid"]
    errors = [json.loads(line) for line in no_numbers_in_logs.lines
              if json.loads(line)["event"] == "reminder_error"]
    assert [(e["level"], e["error"]) for e in errors] == [("error", "OperationalError")]


def test_without_a_whatsapp_sender_whatsapp_people_get_sms(tmp_path, twilio):
    app = make_app(tmp_path, twilio, TWILIO_WHATSAPP_FROM=None)
    Phone(app, now=DAY_BEFORE - dt.timedelta(hours=1)).talk(*SAVE)     # wrote on WhatsApp
    assert dispatch(app, DAY_BEFORE).outcomes["sent"] == 1
    [sent] = (r["form"] for r in twilio.requests)
    assert (sent["To"], sent["From"]) == ("+526641234567", "+15005550006")


def test_a_template_with_no_values_of_its_own_never_claims_another_message():
    from bot.sender import Outgoing, _same_message

    monthly = Outgoing("whatsapp:+5216641234567", "whatsapp", content_sid="HX" + "1" * 32,
                       variables={})
    # Any message to the same phone would "contain" no values: it must not pass for this one.
    assert not _same_message(monthly, "Mi Audiencia le recuerda: mañana es la audiencia de Ana")
    reminder = Outgoing("whatsapp:+5216641234567", "whatsapp", content_sid="HX" + "2" * 32,
                        variables={"1": "Ana", "2": "lunes 15 de marzo"})
    assert _same_message(reminder, "Mañana es la audiencia de Ana: lunes 15 de marzo, 8:30")
    assert not _same_message(reminder, "Mañana es la audiencia de Luis: lunes 15 de marzo")
