"""How hearings went: the day-after answers counted per court and week by `stats`."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest
from conftest import Phone, choose
from test_reminders import make_app

from bot import outcomes

UTC = dt.UTC
DAY_AFTER = dt.datetime(2027, 3, 16, 17, 0, tzinfo=UTC)     # 10:00 in Tijuana, 15 March's hearing
SAVED = dt.datetime(2027, 3, 14, 18, 0, tzinfo=UTC)


def save(app, number: str, city: str, name: str) -> Phone:
    """Save a hearing for 15 March 2027 from a phone, and return that phone a day after it."""
    Phone(app, number, now=SAVED).talk("hola", "1", name, city, "15/3/2027", "8:30", "no se",
                                       "A12345678", "1")
    return Phone(app, number, now=DAY_AFTER + dt.timedelta(hours=2))


def dispatch(app, now):
    from bot.dispatch import Dispatcher

    with app.app_context():
        return Dispatcher(app, sleep=lambda s: None).run(now)


@pytest.fixture
def app(tmp_path, twilio):
    return make_app(tmp_path, twilio)


def stats(app, *args: str):
    result = app.test_cli_runner().invoke(args=["stats", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_stats_count_the_day_after_answers_per_court_and_week(app, twilio):
    went = save(app, "whatsapp:+5216641110001", "tijuana", "Ana")
    new_date = save(app, "whatsapp:+5216861110002", "mexicali", "Bea")
    missed = save(app, "whatsapp:+5218681110003", "matamoros", "Carla")
    save(app, "whatsapp:+5216641110004", "tijuana", "Dora")             # never answers
    dispatch(app, DAY_AFTER)
    question = twilio.bodies()[-1]
    assert went.send(choose(question, "Ya no tengo mas audiencias"))
    assert new_date.send(choose(question, "Me dieron otra fecha"))
    assert missed.send(choose(question, "No pude ir"))

    found = json.loads(stats(app, "--json"))["hearing_outcomes"]
    rows = {row["court"]: row for row in found["by_court_and_week"]}
    assert set(rows) == {"San Diego", "Brownsville"}
    assert {row["week"] for row in rows.values()} == {"2027-W11"}
    assert rows["San Diego"] | {"week": None} == {
        "court": "San Diego", "week": None, "went": 1, "new_date": 1, "missed": 0,
        "no_answer": 1, "missed_share": 0.0}
    assert rows["Brownsville"]["missed"] == 1 and rows["Brownsville"]["missed_share"] == 1.0
    assert found["total"] == {"went": 1, "new_date": 1, "missed": 1, "no_answer": 1,
                              "missed_share": 0.333}
    table = stats(app)
    assert "Brownsville" in table and "100%" in table and "33%" in table


def test_a_corrected_answer_counts_once(app, twilio):
    person = save(app, "whatsapp:+5216641110001", "tijuana", "Ana")
    dispatch(app, DAY_AFTER)
    question = twilio.bodies()[-1]
    person.send(choose(question, "No pude ir"))
    with app.app_context():
        from bot.db import get_db, write
        db = get_db()
        with write(db):
            hearing = db.execute("SELECT id FROM hearings").fetchone()[0]
            assert outcomes.record(db, hearing, "done", DAY_AFTER)
    total = json.loads(stats(app, "--json"))["hearing_outcomes"]["total"]
    assert (total["went"], total["missed"], total["no_answer"]) == (1, 0, 0)


def test_an_answer_without_a_day_after_sent_is_not_counted(app, twilio):
    save(app, "whatsapp:+5216641110001", "tijuana", "Ana")
    with app.app_context():
        from bot.db import get_db
        db = get_db()
        hearing = db.execute("SELECT id FROM hearings").fetchone()[0]
        assert not outcomes.record(db, hearing, "missed", DAY_AFTER)
    assert json.loads(stats(app, "--json"))["hearing_outcomes"]["by_court_and_week"] == []


def test_the_answers_go_with_the_person(app, twilio):
    person = save(app, "whatsapp:+5216641110001", "tijuana", "Ana")
    dispatch(app, DAY_AFTER)
    person.send(choose(twilio.bodies()[-1], "No pude ir"))
    person.talk("BORRAR", "1")
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        assert conn.execute("SELECT count(*) FROM day_after_answers").fetchone() == (0,)


def test_the_hearing_week_is_the_day_before_the_question():
    assert outcomes.hearing_week("2027-03-16T17:00:00+00:00") == "2027-W11"
    assert outcomes.hearing_week("2027-03-15T17:00:00+00:00") == "2027-W10"   # Sunday's hearing
