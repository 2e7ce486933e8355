"""The notice reading measured on synthetic phone photos: a seeded subset here (the full run of
120 is bench/notice_ocr.py, recorded in docs/PERFORMANCE.md). No date may ever be read wrong."""

from __future__ import annotations

import pytest
from notice_accuracy import measure

SEEDS = range(1000, 1009)   # three of each layout, photographed differently from the bench's


@pytest.fixture(scope="module")
def tally():
    from bot.places import DATA_DIR
    from bot.reference import load_reference

    return measure(SEEDS, load_reference(DATA_DIR).cities)


def test_no_photo_gives_a_date_other_than_the_papers(tally):
    assert tally.images == len(SEEDS)
    assert tally.wrong["date"] == 0, tally.wrong_dates


def test_no_photo_gives_a_wrong_clock_or_a_number(tally):
    assert tally.wrong["time"] == tally.wrong["report_time"] == tally.wrong["a_number"] == 0


def test_most_fields_are_read_rather_than_asked(tally):
    # Floors under the bench's measured rates (docs/PERFORMANCE.md), not the goals.
    assert tally.accuracy("date") >= 0.75
    assert tally.accuracy("time") >= 0.75
    assert tally.accuracy("a_number") >= 0.9
    assert tally.accuracy("city") >= 0.8
