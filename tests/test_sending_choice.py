"""Sending that never pretends: the dry-run outbox only when chosen or when nothing of Twilio is
set, incomplete Twilio settings stop the app with the missing ones named, and the outbox is
private to the bot and forgets a phone with the rest of its data."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import subprocess

import pytest
from conftest import NOW, Phone, Pick, clean_environ, flask_command
from twilio_fake import ACCOUNT

from bot import create_app
from bot.dispatch import Dispatcher
from bot.scheduler import housekeeping
from bot.sender import DryRunSender, Outgoing, SenderSettingsError, TwilioSender

BASE = "https://bot.example.org"
COMPLETE = {"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": "token",
            "TWILIO_SMS_FROM": "+15005550006", "PUBLIC_BASE_URL": BASE}
SAVE = ("hola", Pick("Guardar una audiencia"), "Ana", "tijuana", "15/3/2027", "8:30", "4:30", "A12345678",
        Pick("Sí, guardar"))
DAY_BEFORE = dt.datetime(2027, 3, 15, 0, 0, tzinfo=dt.UTC)


def production(tmp_path, **settings):
    """An app as `flask run` or gunicorn builds it: not a testing one."""
    return create_app({"DATABASE": str(tmp_path / "db.sqlite3"), "SECRET_KEY": "k",
                       "OUTBOX_PATH": str(tmp_path / "outbox.jsonl"),
                       "BACKUP_DIR": str(tmp_path / "backups"), **settings},
        instance_path=tmp_path)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("given, missing", [
    ({"TWILIO_AUTH_TOKEN": "token"},
     "TWILIO_ACCOUNT_SID; TWILIO_SMS_FROM or TWILIO_MESSAGING_SERVICE_SID"),
    ({"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": "token"},
     "TWILIO_SMS_FROM or TWILIO_MESSAGING_SERVICE_SID"),
    ({"TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886"},
     "TWILIO_ACCOUNT_SID; TWILIO_AUTH_TOKEN; TWILIO_SMS_FROM or TWILIO_MESSAGING_SERVICE_SID"),
    ({"TWILIO_MESSAGING_SERVICE_SID": "MG" + "2" * 32, "TWILIO_AUTH_TOKEN": "token"},
     "TWILIO_ACCOUNT_SID"),
])
def test_incomplete_twilio_settings_stop_the_app_naming_what_is_missing(tmp_path, given, missing):
    with pytest.raises(SenderSettingsError) as refused:
        production(tmp_path, PUBLIC_BASE_URL=BASE, **given)
    assert f"Missing: {missing}." in str(refused.value)
    assert "SENDER=dry_run" in str(refused.value)
    assert not os.path.exists(tmp_path / "outbox.jsonl")


def test_twilio_without_a_public_url_for_status_callbacks_does_not_start(tmp_path):
    settings = {k: v for k, v in COMPLETE.items() if k != "PUBLIC_BASE_URL"}
    with pytest.raises(Exception, match="PUBLIC_BASE_URL"):
        production(tmp_path, **settings)


def test_with_nothing_of_twilio_set_the_app_writes_the_outbox_and_says_so(
        tmp_path, no_numbers_in_logs):
    app = production(tmp_path)
    assert isinstance(app.extensions["sender"], DryRunSender)
    events = [json.loads(line) for line in no_numbers_in_logs.lines]
    assert {"event": "sender_dry_run", "level": "warning", "explicit": False}.items() <= next(
        e for e in events if e["event"] == "sender_dry_run").items()


def test_the_sender_setting_chooses_and_is_checked(tmp_path):
    app = production(tmp_path, SENDER="dry_run", **COMPLETE)
    assert isinstance(app.extensions["sender"], DryRunSender)
    with pytest.raises(SenderSettingsError, match="Missing: TWILIO_ACCOUNT_SID; TWILIO_AUTH_TOKEN"):
        production(tmp_path, SENDER="twilio", PUBLIC_BASE_URL=BASE)
    with pytest.raises(SenderSettingsError, match="SENDER must be 'twilio' or 'dry_run'"):
        production(tmp_path, SENDER="sms")
    # Even a test app gets Twilio's refusal when Twilio was asked for by name.
    with pytest.raises(SenderSettingsError):
        create_app({"TESTING": True, "DATABASE": str(tmp_path / "db.sqlite3"), "SECRET_KEY": "k",
                    "SENDER": "twilio", "TWILIO_AUTH_TOKEN": "token"},
        instance_path=tmp_path)


def test_complete_settings_send_through_twilio_and_always_ask_for_a_callback(tmp_path, twilio):
    app = production(tmp_path, TWILIO_API_BASE_URL=twilio.url, **COMPLETE)
    sender = app.extensions["sender"]
    assert isinstance(sender, TwilioSender)
    with app.app_context():
        sender.send(Outgoing("+526641234567", "sms", "Hola", reminder=7))
        sender.send(Outgoing("+526641234567", "sms", "Hola"))
    assert [r["form"]["StatusCallback"] for r in twilio.requests] == [
        f"{BASE}/twilio/status?reminder=7", f"{BASE}/twilio/status"]
    assert not os.path.exists(tmp_path / "outbox.jsonl")


def test_a_flask_command_prints_why_the_app_does_not_start(tmp_path):
    env = clean_environ(DATABASE=tmp_path / "db.sqlite3", SECRET_KEY="k",
                        OUTBOX_PATH=tmp_path / "outbox.jsonl", TWILIO_AUTH_TOKEN="token",
                        PUBLIC_BASE_URL=BASE)
    refused = subprocess.run(flask_command(tmp_path, "banner"), env=env, capture_output=True,
                             text=True, timeout=120)
    assert refused.returncode != 0
    assert "Missing: TWILIO_ACCOUNT_SID; TWILIO_SMS_FROM or TWILIO_MESSAGING_SERVICE_SID." in (
        refused.stderr)
    chosen = subprocess.run(flask_command(tmp_path, "banner"), env={**env, "SENDER": "dry_run"},
                            capture_output=True, text=True, timeout=120)
    assert chosen.returncode == 0, chosen.stderr
    assert "dry run (SENDER=dry_run): outbound messages are written to" in chosen.stdout


def test_the_outbox_is_readable_by_the_bot_alone(tmp_path):
    outbox = tmp_path / "outbox.jsonl"
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "db.sqlite3"),
                      "SECRET_KEY": "k", "OUTBOX_PATH": str(outbox)},
        instance_path=tmp_path)
    with app.app_context():
        app.extensions["sender"].send(Outgoing("+526641234567", "sms", "Hola"))
    assert mode(outbox) == 0o600
    os.chmod(outbox, 0o644)                           # an outbox left by an older version
    create_app({"TESTING": True, "DATABASE": str(tmp_path / "db.sqlite3"), "SECRET_KEY": "k",
                "OUTBOX_PATH": str(outbox)},
        instance_path=tmp_path)
    assert mode(outbox) == 0o600


def outbox_phones(app) -> list[str]:
    with open(app.config["OUTBOX_PATH"], encoding="utf-8") as f:
        return [json.loads(line)["to"] for line in f]


def test_borrar_removes_the_phones_lines_from_the_outbox(app):
    Phone(app, "whatsapp:+5216641234567").talk(*SAVE)
    Phone(app, "+526647654321").talk(*SAVE)
    with app.app_context():
        Dispatcher(app, sleep=lambda s: None).run(DAY_BEFORE)
        app.extensions["sender"].send(Outgoing("whatsapp:+5216641234567", "whatsapp", "Hola"))
    assert sorted(set(outbox_phones(app))) == [
        "+526641234567", "+526647654321", "whatsapp:+5216641234567"]
    with open(app.config["OUTBOX_PATH"], "a", encoding="utf-8") as f:
        f.write('{"to": "+526641234567", "body": "a line cut short\n')
    Phone(app, "whatsapp:+5216641234567").talk("BORRAR", Pick("Sí, borrar todo"))
    assert outbox_phones(app) == ["+526647654321"]    # both forms of the number, and the bad line
    assert mode(app.config["OUTBOX_PATH"]) == 0o600
    folder = os.path.dirname(app.config["OUTBOX_PATH"])
    assert not [name for name in os.listdir(folder) if name.endswith(".tmp")]


def test_the_retention_purge_removes_the_phones_lines_from_the_outbox(app):
    Phone(app, "whatsapp:+5216641234567").send("hola")          # no hearing: purged later
    Phone(app, "+526647654321").talk(*SAVE)                     # a hearing ahead: kept
    with app.app_context():
        for to in ("whatsapp:+5216641234567", "+526647654321"):
            app.extensions["sender"].send(Outgoing(to, "sms", "Hola"))
    housekeeping(app, NOW + dt.timedelta(days=91))
    assert outbox_phones(app) == ["+526647654321"]
