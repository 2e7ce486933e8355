"""Write locks under bulk work: the retention purge of 10,000 people among 75,000 and a
20,000-row `contacts import`, each while a webhook process keeps answering messages.
Measures how long each write transaction holds the lock, the total time, and the webhook's
latency meanwhile.

    .venv/bin/python bench/locks.py [--people 75000] [--inactive 10000] [--rows 20000]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

from cryptography.fernet import Fernet

from bot import create_app, importer, safekeeping
from bot.db import get_db, write
from bot.reminders import Schedule, plan

NOW = dt.datetime(2027, 1, 10, 18, 0, tzinfo=dt.UTC)
ACTIVE_SINCE, LONG_AGO = NOW - dt.timedelta(days=20), NOW - dt.timedelta(days=200)
HOLDS: list[float] = []

# A web worker of its own: messages from people not in the population, one after another,
# until the stop file appears; prints its latencies.
WEBHOOK = """
import json, os, sys, time
from bot import create_app
from bot.inbox import receive
app = create_app({"TESTING": True, "DATABASE": sys.argv[1], "SECRET_KEY": "bench",
                  "ENCRYPTION_KEYS": sys.argv[2], "LOG_LEVEL": "WARNING",
                  "RATE_LIMIT_MESSAGES": 1000000, "DAILY_REPLY_CAP": 1000000,
                  "OUTBOX_PATH": sys.argv[1] + ".out"},
                 instance_path=os.path.dirname(sys.argv[1]))
latencies, n = [], 0
open(sys.argv[3] + ".ready", "w").close()
while not os.path.exists(sys.argv[3]):
    form = {"From": f"whatsapp:+5216569{n % 1000:06d}", "Body": ("hola", "2", "menu")[n % 3],
            "MessageSid": f"SM{os.getpid():016x}{n:016x}"}
    start = time.perf_counter()
    with app.app_context():
        if not receive(form):   # refused or silenced: it measured nothing
            sys.exit("a message got no answer")
    latencies.append(time.perf_counter() - start)
    n += 1
print(json.dumps(latencies))
"""


@contextlib.contextmanager
def timed_write(db):
    """bot.db.write, recording how long the lock is held (from BEGIN IMMEDIATE to COMMIT)."""
    db.conn.execute("BEGIN IMMEDIATE")
    start = time.perf_counter()
    try:
        yield db
    except BaseException:
        db.conn.rollback()
        HOLDS.append(time.perf_counter() - start)
        raise
    db.conn.execute("COMMIT")
    HOLDS.append(time.perf_counter() - start)


def seed(app, people: int, inactive: int) -> None:
    """Everyone sealed as in production; the inactive last wrote 200 days ago and their
    hearing is past, the others have one ahead with its planned reminders."""
    vault, engine = app.extensions["vault"], app.extensions["engine"]
    with app.app_context():
        db = get_db()
        for start in range(0, people, 5000):
            with write(db):
                for n in range(start, min(start + 5000, people)):
                    old = n < inactive
                    seen = LONG_AGO if old else ACTIVE_SINCE
                    phone, key = f"+52664{n:07d}", vault.new_key(db)
                    contact = db.execute(
                        "INSERT INTO contacts (phone_hash, phone, key_id, created_at, "
                        "last_inbound_at) VALUES (?, ?, ?, ?, ?)",
                        [vault.digest(phone), vault.seal(phone, key), key, seen.isoformat(),
                         seen.isoformat()]).lastrowid
                    db.execute("INSERT INTO contact_addresses VALUES (?, 'whatsapp', ?, ?)",
                               [contact, vault.seal(f"whatsapp:{phone}", key), seen.isoformat()])
                    db.execute("INSERT INTO consents (contact_id, method, given_at) "
                               "VALUES (?, 'self', ?)", [contact, seen.isoformat()])
                    person = db.execute("INSERT INTO people (contact_id, name, created_at) "
                                        "VALUES (?, ?, ?)", [contact, vault.seal(f"P{n}", key),
                                                             seen.isoformat()]).lastrowid
                    starts = (LONG_AGO + dt.timedelta(days=30) if old
                              else NOW + dt.timedelta(days=30 + n % 150))
                    hearing = db.execute(
                        "INSERT INTO hearings (person_id, city, starts_at, created_at, "
                        "updated_at) VALUES (?, 'tijuana', ?, ?, ?)",
                        [person, starts.isoformat(), seen.isoformat(), seen.isoformat()]
                    ).lastrowid
                    db.conn.executemany(
                        "INSERT INTO reminders (hearing_id, kind, seq, due_at, status, "
                        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [(hearing, p.kind, p.seq, p.due_at.isoformat(),
                          "sent" if old else "pending", seen.isoformat(), seen.isoformat())
                         for p in plan(starts, engine.cities["tijuana"].zone, seen, seen,
                                       Schedule())])


def with_webhook(config: dict, work) -> tuple[float, list[float]]:
    """Run `work` while a webhook process answers messages; return its time and the
    webhook's latencies meanwhile."""
    stop = config["DATABASE"] + ".stop"
    with contextlib.suppress(FileNotFoundError):
        os.remove(stop)
    webhook = subprocess.Popen([sys.executable, "-c", WEBHOOK, config["DATABASE"],
                                config["ENCRYPTION_KEYS"], stop], stdout=subprocess.PIPE,
                               text=True)
    while not os.path.exists(stop + ".ready"):
        time.sleep(0.05)
    time.sleep(0.5)   # its first messages (new people) are not the measure
    start = time.perf_counter()
    work()
    took = time.perf_counter() - start
    open(stop, "w").close()
    out, _ = webhook.communicate(timeout=120)
    return took, json.loads(out.strip().splitlines()[-1])


def summary(holds: list[float], latencies: list[float], took: float) -> dict:
    ms = sorted(x * 1000 for x in latencies)
    return {"seconds": round(took, 2), "transactions": len(holds),
            "lock_hold_ms": {"max": round(max(holds) * 1000, 1),
                             "median": round(statistics.median(holds) * 1000, 1)},
            "webhook_during": {"messages": len(ms), "p50_ms": round(ms[len(ms) // 2], 1),
                               "p99_ms": round(ms[int(len(ms) * 0.99)], 1),
                               "max_ms": round(ms[-1], 1)}}


def csv_file(path: str, rows: int) -> None:
    def initials(n: int) -> str:
        return "".join(chr(65 + n // 26 ** k % 26) for k in range(4))

    with open(path, "w", encoding="utf-8") as f:
        f.write("phone,name,city,date,time,report_time,a_number,whatsapp,consent\n")
        for n in range(rows):
            f.write(f"+52656{n:07d},{initials(n)},ciudad juarez,{1 + n % 28}/03/2027,8:30,"
                    f"4:30,,si,si\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=75_000)
    parser.add_argument("--inactive", type=int, default=10_000)
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-locks-")
    config = {"DATABASE": os.path.join(tmp, "db.sqlite3"), "SECRET_KEY": "bench",
              "ENCRYPTION_KEYS": Fernet.generate_key().decode(), "LOG_LEVEL": "WARNING",
              "OUTBOX_PATH": os.path.join(tmp, "out.jsonl"),
              "BACKUP_DIR": os.path.join(tmp, "backups")}
    app = create_app({"TESTING": True, **config}, instance_path=tmp)
    started = time.perf_counter()
    seed(app, args.people, args.inactive)
    seeded = time.perf_counter() - started
    safekeeping.write = importer.write = timed_write
    results = {}
    with app.app_context():
        db = get_db()
        # As the daily job finds it: yesterday's key-store backup, to which each batch's
        # deletions are applied at once.
        safekeeping.backup_key_store(db, app.extensions["vault"])
        HOLDS.clear()
        purged = []
        took, latencies = with_webhook(config, lambda: purged.append(
            safekeeping.purge_inactive(db, NOW, app.config["RETENTION_DAYS"])))
    results["purge"] = {"deleted": purged[0], **summary(HOLDS, latencies, took)}
    path = os.path.join(tmp, "people.csv")
    csv_file(path, args.rows)
    app.test_cli_runner().invoke(args=["shelters", "add", "Casa"])
    HOLDS.clear()
    outcome = {}

    def run_import() -> None:
        outcome["output"] = app.test_cli_runner().invoke(
            args=["contacts", "import", path, "--shelter", "Casa"]).output

    took, latencies = with_webhook(config, run_import)
    results["import"] = {"rows": args.rows, "result": outcome["output"].strip().splitlines()[-1],
                         "rows_per_second": round(args.rows / took), **summary(
                             HOLDS, latencies, took)}
    print(json.dumps({"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
                                 f"{platform.python_version()}",
                      "people": args.people, "seed_seconds": round(seeded, 1), **results},
                     indent=2))
    print(f"repeat: .venv/bin/python bench/locks.py --people {args.people} "
          f"--inactive {args.inactive} --rows {args.rows}")


if __name__ == "__main__":
    main()
