"""Reading photographed hearing notices: seconds per 1600-pixel photo, the process's peak memory,
and per-field accuracy over synthetic phone photos (tests/notice_pictures.py).

    .venv/bin/python bench/notice_ocr.py [IMAGES]     (default 120; docs/PERFORMANCE.md)
"""

from __future__ import annotations

import os
import resource
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

from notice_accuracy import FIELDS, measure  # noqa: E402

from bot.places import DATA_DIR  # noqa: E402
from bot.reference import load_reference  # noqa: E402


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 120
    tally = measure(range(count), load_reference(DATA_DIR).cities)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    seconds = sorted(tally.seconds[1:])   # the first read also loads the models
    print(f"images: {tally.images}  cpus: {os.cpu_count()}")
    print(f"first photo (loads the models): {tally.seconds[0]:.2f} s")
    print(f"seconds per photo: median {statistics.median(seconds):.2f}, "
          f"p95 {seconds[int(len(seconds) * 0.95) - 1]:.2f}, max {seconds[-1]:.2f}")
    cpu = sorted(tally.cpu_seconds[1:])
    print(f"CPU seconds per photo (all threads): median {statistics.median(cpu):.2f}, max {cpu[-1]:.2f}; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"peak memory of the process: {peak_mb:.0f} MB")
    print(f"{'field':12} {'present':>7} {'right':>6} {'asked':>6} {'WRONG':>6} {'accuracy':>9}")
    for key in FIELDS:
        print(f"{key:12} {tally.present[key]:7} {tally.right[key]:6} {tally.asked[key]:6} "
              f"{tally.wrong[key]:6} {tally.accuracy(key):9.1%}")
    print(f"images whose read date differs from the paper's: {len(tally.wrong_dates)} {tally.wrong_dates}")


if __name__ == "__main__":
    main()
