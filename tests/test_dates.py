"""Spanish dates and times as people type them, read day first, never crashing."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.dates import parse_date, parse_time

TODAY = date(2026, 11, 22)   # a Sunday

DATES = [
    ("15 de marzo", date(2027, 3, 15)),
    ("15 de marzo de 2027", date(2027, 3, 15)),
    ("15 marzo 2027", date(2027, 3, 15)),
    ("marzo 15", date(2027, 3, 15)),
    ("15 de marzo del 2027", date(2027, 3, 15)),
    ("mi audiencia es el 15 de marzo", date(2027, 3, 15)),
    ("15 mar", date(2027, 3, 15)),
    ("15 sept", date(2027, 9, 15)),
    ("15 set", date(2027, 9, 15)),
    ("15 de marso", date(2027, 3, 15)),
    ("15 de febrro", date(2027, 2, 15)),
    ("15 de setiembre", date(2027, 9, 15)),
    ("15/3", date(2027, 3, 15)),
    ("15/03", date(2027, 3, 15)),
    ("15-3", date(2027, 3, 15)),
    ("15.3", date(2027, 3, 15)),
    ("15/3/2027", date(2027, 3, 15)),
    ("15/03/27", date(2027, 3, 15)),
    ("3/15", date(2027, 3, 15)),           # a second number above 12 puts the month first
    ("22 de noviembre", TODAY),
    ("21 de noviembre", date(2027, 11, 21)),
    ("hoy", TODAY),
    ("mañana", date(2026, 11, 23)),
    ("manana", date(2026, 11, 23)),
    ("pasado mañana", date(2026, 11, 24)),
    ("pasado manana", date(2026, 11, 24)),
    ("el lunes", date(2026, 11, 23)),
    ("lunes", date(2026, 11, 23)),
    ("el proximo lunes", date(2026, 11, 23)),
    ("el lunes que viene", date(2026, 11, 23)),
    ("el domingo", date(2026, 11, 29)),
    ("miércoles", date(2026, 11, 25)),
    ("miercoles", date(2026, 11, 25)),
    ("el sabado", date(2026, 11, 28)),
    ("el lunes a las 8", date(2026, 11, 23)),
    ("el 15 de marzo a las 8 de la mañana", date(2027, 3, 15)),
    ("March 15", date(2027, 3, 15)),
    ("2027-03-15", date(2027, 3, 15)),
    ("29 de febrero", date(2028, 2, 29)),       # the next one, years away
    ("el juebes", date(2026, 11, 26)),
]


@pytest.mark.parametrize("text,expected", DATES)
def test_dates(text, expected):
    assert parse_date(text, TODAY).value == expected


@pytest.mark.parametrize("text", ["15", "", "   ", "😀", "13/15", "31 de febrero", "31/4",
                                  "a las 8.30", "8 de la mañana", "no se", "x" * 1600,
                                  "\x00\x1b[2J", "مرحبا", "99/99/9999",
                                  "los jueces me dieron papeles"])     # not "jueves"
def test_not_a_date(text):
    assert parse_date(text, TODAY).value is None


def test_a_past_date_is_flagged():
    result = parse_date("15/3/2026", TODAY)
    assert result.value == date(2026, 3, 15) and result.problem == "past"


def test_a_date_more_than_two_years_ahead_is_flagged():
    result = parse_date("15/3/2029", TODAY)
    assert result.value == date(2029, 3, 15) and result.problem == "far"
    assert parse_date("22/11/2028", TODAY).problem is None
    assert parse_date("23/11/2028", TODAY).problem == "far"


TIMES = [
    ("a las 8", time(8, 0), True),
    ("8", time(8, 0), True),
    ("8:30", time(8, 30), True),
    ("8.30", time(8, 30), True),
    ("08:30", time(8, 30), False),
    ("8 30", time(8, 30), True),
    ("20:00", time(20, 0), False),
    ("13:00", time(13, 0), False),
    ("8:30 am", time(8, 30), False),
    ("8:30 a.m.", time(8, 30), False),
    ("8 a. m.", time(8, 0), False),
    ("8am", time(8, 0), False),
    ("8 pm", time(20, 0), False),
    ("8:30 p. m.", time(20, 30), False),
    ("8 y media", time(8, 30), True),
    ("8 y media de la mañana", time(8, 30), False),
    ("ocho y media", time(8, 30), True),
    ("las ocho", time(8, 0), True),
    ("las ocho y veinte", time(8, 20), True),
    ("8 y cuarto", time(8, 15), True),
    ("8 y cuarto de la tarde", time(20, 15), False),
    ("9 menos cuarto", time(8, 45), True),
    ("cuarto para las 9", time(8, 45), True),
    ("mediodía", time(12, 0), False),
    ("medio dia", time(12, 0), False),
    ("medianoche", time(0, 0), False),
    ("3 de la tarde", time(15, 0), False),
    ("8 de la noche", time(20, 0), False),
    ("4 de la madrugada", time(4, 0), False),
    ("12 del dia", time(12, 0), False),
    ("a las 2", time(14, 0), True),          # courts sit by day
    ("0:30", time(0, 30), False),
    ("mi audiencia es a las 8 y media de la mañana", time(8, 30), False),
    ("el 15 de marzo a las 8", time(8, 0), True),
    ("el 15/3 a las 9", time(9, 0), True),
    ("la una menos cuarto", time(12, 45), True),
    ("cuarto para la una", time(12, 45), True),
    ("llego tarde, a las 8", time(8, 0), True),   # "tarde" alone is "late", not p.m.
    ("8 por la noche", time(20, 0), False),
]


@pytest.mark.parametrize("text,expected,assumed", TIMES)
def test_hearing_times(text, expected, assumed):
    result = parse_time(text)
    assert (result.value, result.assumed) == (expected, assumed)


@pytest.mark.parametrize("text,expected", [("a las 4", time(4, 0)), ("3:30", time(3, 30)),
                                           ("4 de la tarde", time(16, 0)), ("12", time(12, 0))])
def test_report_times_default_to_before_dawn(text, expected):
    assert parse_time(text, default_period="report").value == expected


@pytest.mark.parametrize("text", ["", "😀", "25:00", "8:75", "hola", "x" * 1600, "\x00", "mañana"])
def test_not_a_time(text):
    assert parse_time(text).value is None
