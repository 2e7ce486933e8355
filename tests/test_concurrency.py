"""Web workers and the scheduler writing one database at once, as real processes."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time

from conftest import clean_environ, flask_command

from bot import create_app

WORKER = os.path.join(os.path.dirname(__file__), "concurrency_worker.py")
WORKERS, PEOPLE = 4, 12


def test_no_lock_error_reaches_twilio_and_no_update_is_lost(tmp_path):
    database = str(tmp_path / "db.sqlite3")
    create_app({"TESTING": True, "DATABASE": database, "SECRET_KEY": "k"},   # migrate once
        instance_path=tmp_path)
    env = clean_environ(DATABASE=database, SECRET_KEY="k", OUTBOX_PATH=database + ".out",
                        BACKUP_DIR=tmp_path / "backups")
    workers = [subprocess.Popen([sys.executable, WORKER, database, str(n), str(PEOPLE)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for n in range(WORKERS)]
    # A scheduler pass after another, writing claims and heartbeats meanwhile.
    passes = 0
    while any(w.poll() is None for w in workers):
        scheduler = subprocess.run(flask_command(tmp_path, "send-due", "--now",
                                                 "2027-03-15T00:00:00+00:00"), env=env, capture_output=True,
                                   text=True, timeout=120)
        assert scheduler.returncode == 0, scheduler.stderr
        passes += 1
        time.sleep(0.05)
    results = []
    for w in workers:
        out, err = w.communicate(timeout=120)
        assert w.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert passes >= 1
    assert all(r["statuses"] == [200] and r["errors"] == 0 for r in results), results
    assert sum(r["sent"] for r in results) == WORKERS * PEOPLE * 9
    with sqlite3.connect(database) as conn:
        # Every person's every step landed: one hearing each, each fully planned.
        assert conn.execute("SELECT count(*) FROM hearings").fetchone() == (WORKERS * PEOPLE,)
        assert conn.execute("SELECT count(*) FROM inbound_messages").fetchone() == (
            WORKERS * PEOPLE * 9,)
        per_hearing = conn.execute("SELECT count(*) FROM reminders GROUP BY hearing_id").fetchall()
        assert {n for (n,) in per_hearing} == {6}
