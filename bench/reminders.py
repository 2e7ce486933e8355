"""Reminders at population scale: 75,000 people with hearings (the whole MPP population).
Times a dispatch pass with nothing due and with 1,000 due, the send rate against a local
fake Twilio, that the per-second cap holds, and the scheduler's resident memory.

    .venv/bin/python bench/reminders.py [--people 75000] [--due 1000]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from cryptography.fernet import Fernet  # noqa: E402

from bot import create_app  # noqa: E402
from bot.db import get_db, write  # noqa: E402
from bot.dispatch import Dispatcher  # noqa: E402
from bot.reminders import Schedule, plan  # noqa: E402

NOW = dt.datetime(2027, 1, 10, 18, 0, tzinfo=dt.UTC)
CITIES = ["tijuana", "mexicali", "ciudad_juarez", "nuevo_laredo", "matamoros", "piedras_negras",
          "nogales"]


@contextlib.contextmanager
def twilio_stand_in(port: int):
    """The fake Twilio in its own process, so it does not share the bot's interpreter; never
    left running, whatever fails. Yields its base URL."""
    server = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(__file__),
                                                            "fake_twilio.py"), str(port)])
    time.sleep(1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()


def sending_config(tmp: str, api: str, **extra) -> dict:
    """An app that sends through the stand-in at `api`, with its data in `tmp`."""
    return {"DATABASE": os.path.join(tmp, "db.sqlite3"), "SECRET_KEY": "bench",
            "ENCRYPTION_KEYS": Fernet.generate_key().decode(), "LOG_LEVEL": "WARNING",
            "TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "t",
            "TWILIO_SMS_FROM": "+15005550006", "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886",
            "TWILIO_API_BASE_URL": api, "PUBLIC_BASE_URL": "https://bench.example.org", **extra}


def seed(app, people: int) -> None:
    """Write people, hearings 2 to 6 months ahead and their planned reminders, in bulk."""
    rng = random.Random(7)
    vault, engine = app.extensions["vault"], app.extensions["engine"]
    registered = NOW - dt.timedelta(days=20)
    with app.app_context():
        db = get_db()
        with write(db):
            for n in range(people):
                phone = f"+52664{n:07d}"
                key = vault.new_key(db)   # each person's own data key, as in production
                contact = db.execute(
                    "INSERT INTO contacts (phone_hash, phone, key_id, created_at, last_inbound_at) "
                    "VALUES (?, ?, ?, ?, ?)", [vault.digest(phone), vault.seal(phone, key), key,
                                              registered.isoformat(), registered.isoformat()]
                ).lastrowid
                db.execute("INSERT INTO contact_addresses VALUES (?, 'whatsapp', ?, ?)",
                           [contact, vault.seal(f"whatsapp:{phone}", key), registered.isoformat()])
                person = db.execute("INSERT INTO people (contact_id, name, created_at) "
                                    "VALUES (?, ?, ?)", [contact, vault.seal(f"P{n}", key),
                                                         registered.isoformat()]).lastrowid
                city = rng.choice(CITIES)
                starts = NOW + dt.timedelta(days=rng.randint(30, 180), hours=rng.randint(0, 8))
                hearing = db.execute(
                    "INSERT INTO hearings (person_id, city, starts_at, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?)", [person, city, starts.isoformat(),
                                               registered.isoformat(), registered.isoformat()]
                ).lastrowid
                rows = [(hearing, p.kind, p.seq, p.due_at.isoformat(), NOW.isoformat(),
                         NOW.isoformat())
                        for p in plan(starts, engine.cities[city].zone, registered, NOW,
                                      Schedule(), travel=engine.cities[city].travel is not None)]
                db.conn.executemany("INSERT INTO reminders (hearing_id, kind, seq, due_at, created_at, "
                               "updated_at) VALUES (?, ?, ?, ?, ?, ?)", rows)


def make_due(app, count: int) -> None:
    with app.app_context():
        db = get_db()
        with write(db):
            db.execute("UPDATE reminders SET due_at = ? WHERE id IN (SELECT id FROM reminders "
                       "WHERE kind = 'monthly' AND status = 'pending' LIMIT ?)",
                       [(NOW - dt.timedelta(minutes=5)).isoformat(), count])


def timed_pass(app, now) -> tuple[float, dict]:
    with app.app_context():
        start = time.perf_counter()
        report = Dispatcher(app).run(now)
        return time.perf_counter() - start, report.outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=75_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--cap", type=int, default=200, help="per-second cap to check")
    parser.add_argument("--threads", type=int, default=4, help="SEND_THREADS")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-reminders-")
    with twilio_stand_in(8201) as api:
        config = sending_config(tmp, api, SEND_RATE_PER_SECOND=0, DISPATCH_BATCH=5000,
                                SEND_THREADS=args.threads)
        app = create_app({"TESTING": True, **config}, instance_path=tmp)
        started = time.perf_counter()
        seed(app, args.people)
        seeded = time.perf_counter() - started
        idle = min(timed_pass(app, NOW)[0] for _ in range(5))
        make_due(app, args.due)
        busy, outcomes = timed_pass(app, NOW)
        make_due(app, args.due)
        capped_app = create_app({"TESTING": True, **config, "SEND_RATE_PER_SECOND": args.cap},
                                instance_path=tmp)
        capped, capped_outcomes = timed_pass(capped_app, NOW)
        # The scheduler as its own process, with the whole population: its peak resident size.
        make_due(app, args.due)
        env = {**os.environ, **{k: str(v) for k, v in config.items()}}
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        # In the bench's own instance folder: its keys, never the checkout's.
        subprocess.run([os.path.join(os.path.dirname(sys.executable), "flask"), "--app",
                        f"bot:create_app(instance_path={tmp!r})", "send-due", "--now",
                        NOW.isoformat()], env=env, check=True, capture_output=True)
        scheduler_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    sent = outcomes.get("sent", 0)
    print(json.dumps({
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
                   f"{platform.python_version()}",
        "people": args.people, "send_threads": args.threads, "seed_seconds": round(seeded, 1),
        "idle_pass_ms": round(idle * 1000, 2),
        "busy_pass": {"due": args.due, "seconds": round(busy, 3), "outcomes": outcomes,
                      "messages_per_second": round(sent / busy, 1)},
        "capped_pass": {"cap_per_second": args.cap, "seconds": round(capped, 3),
                        "outcomes": capped_outcomes,
                        "messages_per_second": round(capped_outcomes.get("sent", 0) / capped, 1)},
        "scheduler_peak_rss_mb": round(max(scheduler_rss, before) / 1024, 1),
    }, indent=2))
    print(f"repeat: .venv/bin/python bench/reminders.py --people {args.people} --due {args.due} "
          f"--cap {args.cap} --threads {args.threads}")


if __name__ == "__main__":
    main()
