"""Measuring the notice reading on synthetic phone photos (tests/notice_pictures.py): each field
read right, asked (left out), or read WRONG. A wrong date is the one outcome never allowed: a
reading that is not sure must turn into a question."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from notice_pictures import notice

from bot import notice as paper
from bot import ocr
from bot.context import Context
from bot.inputs import Asking

FIELDS = ("date", "time", "report_time", "a_number", "city")


@dataclass
class Tally:
    images: int = 0
    right: Counter = field(default_factory=Counter)
    asked: Counter = field(default_factory=Counter)
    wrong: Counter = field(default_factory=Counter)
    present: Counter = field(default_factory=Counter)   # images whose paper gives the field
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)   # all threads: the load it puts on the cores
    wrong_dates: list[int] = field(default_factory=list)   # seeds

    def accuracy(self, key: str) -> float:
        return self.right[key] / self.present[key] if self.present[key] else 1.0


def expected(shot, asking: Asking) -> dict[str, object]:
    """What the paper says, as the reader would take it from perfect print: the city only where
    the paper's place names one waiting city (a court shared by two is asked)."""
    truth = {"date": shot.day.isoformat(), "time": shot.clock, "a_number": shot.a_number}
    if shot.report:
        truth["report_time"] = shot.report
    clean = paper.read([(line, 1.0) for line in shot.lines], asking)
    if "city" in clean.found:
        truth["city"] = clean.found["city"].value
    return truth


def measure(seeds, cities, now: datetime | None = None) -> Tally:
    now = now or datetime.now(UTC)
    asking = Asking({}, Context(), cities, (), now)
    tally = Tally()
    for seed in seeds:
        shot = notice(seed, now.date() if isinstance(now, datetime) else date.today())
        truth = expected(shot, asking)
        started, cpu = time.perf_counter(), time.process_time()
        lines = ocr.read_lines(shot.jpeg)
        tally.seconds.append(time.perf_counter() - started)
        tally.cpu_seconds.append(time.process_time() - cpu)
        found = paper.read([(line.text, line.confidence) for line in lines], asking).found
        tally.images += 1
        for key in FIELDS:
            if key not in truth:
                continue
            tally.present[key] += 1
            if key not in found:
                tally.asked[key] += 1
            elif found[key].value == truth[key]:
                tally.right[key] += 1
            else:
                tally.wrong[key] += 1
                if key == "date":
                    tally.wrong_dates.append(seed)
    return tally
