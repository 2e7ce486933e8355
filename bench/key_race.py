"""Key files under a stampede: thousands of processes start at once on a fresh folder and
each reads the instance's four key files; all must read the same non-empty keys.

    .venv/bin/python bench/key_race.py [--processes 2000]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import secrets
import tempfile
import time

from bot.keyring import key_file

NAMES = ("secret_key", "encryption_key", "lookup_key", "log_key")


def _start(folder: str, go, results) -> None:
    go.wait()
    try:
        results.put(tuple(key_file(os.path.join(folder, name), lambda: secrets.token_hex(32))
                          for name in NAMES))
    except Exception as exc:
        results.put(f"{type(exc).__name__}: {exc}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=2000)
    args = parser.parse_args()
    folder = os.path.join(tempfile.mkdtemp(prefix="bench-keys-"), "instance")
    context = multiprocessing.get_context("fork")
    go, results = context.Event(), context.Queue()
    racers = [context.Process(target=_start, args=(folder, go, results))
              for _ in range(args.processes)]
    for racer in racers:
        racer.start()
    started = time.perf_counter()
    go.set()
    seen = [results.get(timeout=300) for _ in racers]
    took = time.perf_counter() - started
    for racer in racers:
        racer.join(timeout=60)
    failures = [s for s in seen if isinstance(s, str)]
    keys = {s for s in seen if not isinstance(s, str)}
    print(json.dumps({"processes": args.processes, "seconds": round(took, 2),
                      "distinct_key_sets": len(keys), "failures": failures[:5],
                      "empty_keys": sum(1 for s in keys for k in s if not k),
                      "files": sorted(os.listdir(folder))}, indent=2))
    print(f"repeat: .venv/bin/python bench/key_race.py --processes {args.processes}")


if __name__ == "__main__":
    main()
