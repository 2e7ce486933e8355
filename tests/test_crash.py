"""Real processes: two schedulers at once send each reminder once; a scheduler killed in the
middle of a send loses nothing, and what Twilio took before the kill is not sent again."""

from __future__ import annotations

import datetime as dt
import signal
import sqlite3
import subprocess
import time

from conftest import TOKEN, Phone, Pick, clean_environ, flask_command
from twilio_fake import ACCOUNT

from bot import create_app

DAY_BEFORE = dt.datetime(2027, 3, 15, 0, 0, tzinfo=dt.UTC)
PEOPLE = 20




def environment(tmp_path, twilio) -> dict:
    return clean_environ(
        DATABASE=tmp_path / "db.sqlite3", SECRET_KEY="k", INSTANCE=tmp_path,
        TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_AUTH_TOKEN=TOKEN, TWILIO_SMS_FROM="+15005550006",
        TWILIO_WHATSAPP_FROM="whatsapp:+14155238886", TWILIO_API_BASE_URL=twilio.url,
        SEND_RATE_PER_SECOND=0, TWILIO_TIMEOUT_SECONDS=60, CLAIM_LEASE_SECONDS=300,
        PUBLIC_BASE_URL="https://bot.example.org", BACKUP_DIR=tmp_path / "backups")


def register(tmp_path, env, people: int) -> None:
    app = create_app({"TESTING": True, **{k: env[k] for k in ("DATABASE", "SECRET_KEY")}},
        instance_path=tmp_path)
    for n in range(people):
        name = f"Persona {chr(65 + n % 26)}{chr(65 + n // 26)}"
        Phone(app, f"whatsapp:+52166400{n:05d}").talk(
            "hola", Pick("Guardar una audiencia"), name, "tijuana", "15/3/2027", "8:30", "4:30", "no",
            Pick("Sí, guardar"))


def send_due(env, now: dt.datetime) -> subprocess.Popen:
    return subprocess.Popen(flask_command(env["INSTANCE"], "send-due", "--now", now.isoformat()),
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def statuses(env) -> dict[str, int]:
    with sqlite3.connect(env["DATABASE"]) as conn:
        return dict(conn.execute("SELECT status, count(*) FROM reminders WHERE kind = "
                                 "'day_before' GROUP BY status").fetchall())


def test_two_schedulers_at_the_same_instant_send_each_reminder_once(tmp_path, twilio):
    env = environment(tmp_path, twilio)
    register(tmp_path, env, PEOPLE)
    passes = [send_due(env, DAY_BEFORE) for _ in range(2)]
    for process in passes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    day_before = [r for r in twilio.requests
                  if "mañana es la audiencia" in r["form"].get("Body", "")]
    assert len(day_before) == PEOPLE
    assert len({r["form"]["To"] for r in day_before}) == PEOPLE
    assert statuses(env) == {"sent": PEOPLE}


def test_a_scheduler_killed_mid_send_loses_nothing_and_doubles_nothing(tmp_path, twilio):
    env = environment(tmp_path, twilio)
    twilio.clock = lambda: DAY_BEFORE       # Twilio's clock agrees with the passes' --now
    register(tmp_path, env, 3)
    twilio.script = [("hang", 30)]          # the first send hangs: Twilio has it, we never hear
    process = send_due(env, DAY_BEFORE)
    deadline = time.monotonic() + 60
    while not twilio.requests and time.monotonic() < deadline:
        time.sleep(0.05)
    assert twilio.requests, "the scheduler never reached Twilio"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)

    # Right after the crash the claim still holds: another pass does not double it.
    again = send_due(env, DAY_BEFORE + dt.timedelta(seconds=1))
    again.communicate(timeout=60)
    in_flight = twilio.requests[0]["form"]["To"]
    # Once the lease has run out, the pass takes the lost claim and sends what is left.
    after = send_due(env, DAY_BEFORE + dt.timedelta(seconds=301))
    out, err = after.communicate(timeout=60)
    assert after.returncode == 0, err
    assert statuses(env) == {"sent": 3}
    sends = {}
    for request in twilio.requests:
        sends[request["form"]["To"]] = sends.get(request["form"]["To"], 0) + 1
    # Their last message was months ago and no template is set: SMS to each phone.
    assert set(sends) == {f"+5266400{n:05d}" for n in range(3)}
    # Every reminder went out once. The killed pass had claimed all three; their claims lapsed,
    # so each was looked up first, and the one in flight at the kill was found at Twilio
    # instead of being sent again.
    assert sorted(sends.values()) == [1, 1, 1] and sends[in_flight] == 1
    assert sorted(lookup["query"]["To"] for lookup in twilio.lookups) == sorted(sends)
    with sqlite3.connect(env["DATABASE"]) as conn:
        recorded = {sid for (sid,) in conn.execute(
            "SELECT twilio_sid FROM reminders WHERE kind = 'day_before'")}
    assert recorded == {message["sid"] for message in twilio.messages}
