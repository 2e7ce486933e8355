"""Reading a notice's lines of print (bot/notice.py): month first, nothing guessed."""

from __future__ import annotations

import pytest
from conftest import NOW

from bot.context import Context
from bot.inputs import Asking
from bot.notice import MIN_CONFIDENCE, read


@pytest.fixture
def asking(app):
    return Asking({}, Context(), app.extensions["engine"].cities, (), NOW)


def test_the_papers_numeric_date_is_month_first(asking):
    reading = read([("Hearing Date: 03/04/2027", 0.99), ("Hearing Time: 08:30 AM", 0.99)], asking)
    assert reading.found["date"].value == "2027-03-04"
    assert reading.found["time"].value == "08:30"


def test_words_the_reader_ran_together_are_read(asking):
    reading = read([("HearingDate:02/19/2027", 0.98), ("HearingTime:01:00PM", 0.97),
                    ("Report to:SanYsidroPortofEntry", 0.98), ("Reporttime:09:00AM", 0.98),
                    ("A#:247481261", 0.98)], asking)
    assert {k: a.value for k, a in reading.found.items()} == {
        "date": "2027-02-19", "time": "13:00", "report_time": "09:00", "city": "tijuana",
        "a_number": "247481261"}


def test_a_clock_run_into_the_next_word_keeps_its_afternoon(asking):
    reading = read([("on Tuesday, April 13, 2027", 0.95), ("at01:00PMat:2009 W.JeffersonAve", 0.95)],
                   asking)
    assert reading.found["time"].value == "13:00"


def test_a_field_on_a_doubtful_line_is_asked_not_guessed(asking):
    reading = read([("Hearing Date: 03/04/2027", MIN_CONFIDENCE - 0.2),
                    ("Hearing Time: 08:30 AM", 0.99)], asking)
    assert "date" not in reading.found and "date" in reading.doubtful
    assert reading.found["time"].value == "08:30"


def test_two_dates_that_disagree_give_none(asking):
    reading = read([("Hearing Date: 03/04/2027", 0.99), ("on March 9, 2027 at 8:30 AM", 0.99)], asking)
    assert "date" not in reading.found


def test_a_month_that_cannot_be_is_not_read_day_first(asking):
    # 13/04/2027 on a US paper is a misread digit, not 13 April.
    reading = read([("Hearing Date: 13/04/2027", 0.99)], asking)
    assert "date" not in reading.found


def test_the_ntas_file_number_is_the_a_number(asking):
    reading = read([("File No: A 212 345 678", 0.99)], asking)
    assert reading.found["a_number"].value == "212345678"
