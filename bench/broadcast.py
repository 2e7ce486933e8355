"""A broadcast to the whole MPP population: 75,000 people, each on their own phone. Times the
dry run (choosing the phones and counting them) and the real run (that, plus queuing one row
per phone in one transaction), both through the `broadcast` command, then a dispatch pass of
broadcast rows at a per-second cap against a local fake Twilio.

    .venv/bin/python bench/broadcast.py [--people 75000] [--send 600] [--cap 50]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from reminders import NOW, seed, sending_config, twilio_stand_in  # noqa: E402

from bot import create_app  # noqa: E402
from bot.db import get_db  # noqa: E402
from bot.dispatch import Dispatcher  # noqa: E402
from bot.reminder_queue import claim_due  # noqa: E402


def command(app, message: str, *args: str) -> tuple[float, str]:
    """Run the broadcast command in-process; return its wall time and output."""
    runner = app.test_cli_runner()
    started = time.perf_counter()
    result = runner.invoke(args=["broadcast", "--message", message, "--now", NOW.isoformat(), *args])
    elapsed = time.perf_counter() - started
    if result.exit_code != 0:
        raise SystemExit(result.output)
    return elapsed, result.output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=75_000)
    parser.add_argument("--send", type=int, default=600, help="broadcast rows sent in the capped pass")
    parser.add_argument("--cap", type=int, default=50, help="SEND_RATE_PER_SECOND of that pass")
    parser.add_argument("--threads", type=int, default=4, help="SEND_THREADS")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-broadcast-")
    message = os.path.join(tmp, "message.yaml")
    with open(message, "w", encoding="utf-8") as f:
        f.write("es: Mi Audiencia, aviso importante: la corte de San Diego cambió sus horarios. "
                "Revise su caso en acis.eoir.justice.gov/es.\n"
                "en: Mi Audiencia, important: the San Diego court changed its hours. "
                "Check your case at acis.eoir.justice.gov/es.\n")
    with twilio_stand_in(8202) as api:
        config = sending_config(tmp, api, TWILIO_TEMPLATE_BROADCAST="HX" + "9" * 32,
                                SEND_THREADS=args.threads, SEND_RATE_PER_SECOND=args.cap,
                                DISPATCH_BATCH=args.send)
        app = create_app({"TESTING": True, **config}, instance_path=tmp)
        started = time.perf_counter()
        seed(app, args.people)
        seeded = time.perf_counter() - started
        dry, dry_output = command(app, message, "--dry-run")
        real, real_output = command(app, message, "--yes")
        with app.app_context():
            queued = get_db().execute("SELECT count(*) FROM reminders WHERE kind = 'broadcast'"
                                      ).fetchone()[0]
            # One claim of a pass's batch with every broadcast row due: reminders first means a
            # sort of all due rows, paid by each pass while the broadcast lasts. Rolled back.
            db = get_db()
            db.conn.execute("BEGIN IMMEDIATE")
            started = time.perf_counter()
            claim_due(db, NOW, 300, 500)
            claim = time.perf_counter() - started
            db.conn.rollback()
            started = time.perf_counter()
            report = Dispatcher(app).run(NOW)
            sending = time.perf_counter() - started
    sent = report.outcomes.get("sent", 0)
    print(json.dumps({
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
                   f"{platform.python_version()}",
        "people": args.people, "seed_seconds": round(seeded, 1),
        "dry_run_seconds": round(dry, 2), "reaches": dry_output.splitlines()[1],
        "queue_seconds": round(real, 2), "queued_rows": queued,
        "claim_500_of_all_due_ms": round(claim * 1000, 1),
        "capped_pass": {"cap_per_second": args.cap, "send_threads": args.threads,
                        "seconds": round(sending, 2), "outcomes": report.outcomes,
                        "messages_per_second": round(sent / sending, 1)},
        "whole_broadcast_at_cap_hours": round(queued / args.cap / 3600, 2),
    }, indent=2))
    print(f"repeat: .venv/bin/python bench/broadcast.py --people {args.people} --send {args.send} "
          f"--cap {args.cap} --threads {args.threads}")


if __name__ == "__main__":
    main()
