"""Official postponement rules: only matching hearings move, each person is told their own new
date, reminders follow the date, a person's paper wins over the rule, and --undo restores all."""

from __future__ import annotations

import datetime as dt
import sqlite3
from zoneinfo import ZoneInfo

import pytest
from conftest import Phone
from test_broadcast import MORNING, QUEUED_AT, person
from test_reminders import dispatch, make_app

from bot import reminder_queue, store
from bot.db import get_db, write
from bot.postponement import PostponementError, Rule, shifted

UTC = dt.UTC
SAN_DIEGO = ZoneInfo("America/Los_Angeles")


def at(day: str, clock: str = "8:30") -> dt.datetime:
    """A moment on San Diego's clock (the court's), in UTC."""
    hour, minute = map(int, clock.split(":"))
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute),
                               tzinfo=SAN_DIEGO).astimezone(UTC)


def hearing(app, phone: str, name: str, city: str, day: str, *, report: str | None = "4:30") -> int:
    """A person with an open hearing and its planned reminders; return the hearing id."""
    contact_id = person(app, phone, name, city, at(day))
    with app.app_context():
        db = get_db()
        with write(db):
            hearing_id = db.execute("SELECT max(h.id) FROM hearings h JOIN people p ON p.id = h.person_id "
                                    "WHERE p.contact_id = ?", [contact_id]).fetchone()[0]
            if report:
                db.execute("UPDATE hearings SET report_at = ? WHERE id = ?",
                           [at(day, report).isoformat(), hearing_id])
            engine = app.extensions["engine"]
            reminder_queue.schedule_hearing(db, store.hearing_row(db, hearing_id), engine.cities[city],
                                            engine.schedule, QUEUED_AT)
            return hearing_id


def dates(app, hearing_id: int) -> tuple:
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        return conn.execute("SELECT starts_at, report_at, postponement_id FROM hearings WHERE id = ?",
                            [hearing_id]).fetchone()


def pending(app, hearing_id: int, kind: str = "day_before") -> list[str]:
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        return [d for (d,) in conn.execute("SELECT due_at FROM reminders WHERE hearing_id = ? AND kind = ? "
                                           "AND status = 'pending'", [hearing_id, kind])]


def postpone(app, *args: str, now: dt.datetime = QUEUED_AT):
    return app.test_cli_runner().invoke(args=["postpone", *args, "--now", now.isoformat()])


RULE = ("--court", "san diego", "--from", "2027-03-01", "--to", "2027-03-31", "--months", "1",
        "--source", "EOIR, aviso del 1 de marzo")


@pytest.fixture
def app(tmp_path, twilio):
    return make_app(tmp_path, twilio)


@pytest.fixture
def people(app) -> dict[str, int]:
    found = {
        "ana": hearing(app, "+526640000001", "Ana", "tijuana", "2027-03-15"),
        "beto": hearing(app, "+526860000002", "Beto", "mexicali", "2027-03-31", report=None),
        "gil": hearing(app, "+526560000003", "Gil", "ciudad_juarez", "2027-03-15"),   # El Paso
        "hugo": hearing(app, "+526640000004", "Hugo", "tijuana", "2027-04-02"),       # April
        "eva": hearing(app, "+526640000005", "Eva", "tijuana", "2027-03-16"),
        "carla": hearing(app, "+526640000006", "Carla", "tijuana", "2027-03-10"),
    }
    with app.app_context():
        db = get_db()
        with write(db):
            store.set_opted_out(db, found_contact(db, found["eva"]), True, QUEUED_AT)
    return found


def found_contact(db, hearing_id: int) -> int:
    return db.execute("SELECT p.contact_id FROM hearings h JOIN people p ON p.id = h.person_id "
                      "WHERE h.id = ?", [hearing_id]).fetchone()[0]


def test_the_rule_keeps_the_time_on_the_courts_clock_and_the_last_day_of_a_month():
    # 10 March 2027 is before the clock change in San Diego, 17 March after: still 8:30.
    later = shifted(at("2027-03-10").isoformat(), SAN_DIEGO, 7)
    assert dt.datetime.fromisoformat(later) == at("2027-03-17")
    assert Rule(months=1).new_day(dt.date(2027, 1, 31)) == dt.date(2027, 2, 28)
    assert Rule(months=2).new_day(dt.date(2027, 11, 30)) == dt.date(2028, 1, 30)
    assert Rule(to_date=dt.date(2027, 6, 1)).new_day(dt.date(2027, 3, 3)) == dt.date(2027, 6, 1)
    with pytest.raises(PostponementError):
        Rule(days=3, months=1)


def test_a_dry_run_shows_the_moves_and_changes_nothing(app, people):
    before = {name: dates(app, h) for name, h in people.items()}
    result = postpone(app, *RULE, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "moves 4 hearings on 4 phones; 3 phones are told" in result.output
    assert "2027-03-15 08:30 -> 2027-04-15 08:30 (court's clock): 1" in result.output
    assert "2027-03-31 08:30 -> 2027-04-30 08:30 (court's clock): 1" in result.output
    assert {name: dates(app, h) for name, h in people.items()} == before


def test_a_postponement_moves_only_matching_hearings_replans_and_tells_each_person(app, people, twilio):
    result = postpone(app, *RULE, "--yes")
    assert result.exit_code == 0, result.output
    # Ana, Beto, Eva and Carla: San Diego's court, March. Not Gil (El Paso) nor Hugo (April).
    assert dates(app, people["ana"]) == (at("2027-04-15").isoformat(),
                                         at("2027-04-15", "4:30").isoformat(), 1)
    assert dates(app, people["beto"])[:2] == (at("2027-04-30").isoformat(), None)
    assert dates(app, people["eva"])[0] == at("2027-04-16").isoformat()
    assert dates(app, people["gil"])[2] is None and dates(app, people["hugo"])[2] is None
    # The day-before reminder follows: 17:00 the day before the new date, none for the old one.
    assert pending(app, people["ana"]) == [at("2027-04-14", "17:00").isoformat()]
    assert pending(app, people["eva"]) == []          # opted out: nothing planned, nothing sent

    dispatch(app, MORNING)
    bodies = {r["form"]["To"]: r["form"]["Body"] for r in twilio.requests}
    assert sorted(bodies) == ["+526640000001", "+526640000006", "+526860000002"]
    assert "aviso oficial" in bodies["+526640000001"]
    assert "15 de abril de 2027" in bodies["+526640000001"]
    assert "30 de abril de 2027" in bodies["+526860000002"]
    assert "10 de abril de 2027" in bodies["+526640000006"]
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        action, target = conn.execute("SELECT action, target FROM audit WHERE action = "
                                      "'hearings_postponed'").fetchone()
        moved = conn.execute("SELECT hearing_id, old_starts_at, new_starts_at FROM postponed_hearings "
                             "ORDER BY hearing_id").fetchall()
    assert target == "postponement:1"
    assert (people["ana"], at("2027-03-15").isoformat(), at("2027-04-15").isoformat()) in moved
    assert len(moved) == 4


def test_a_person_whose_paper_says_otherwise_keeps_their_own_date(app, people, twilio):
    assert postpone(app, *RULE, "--yes").exit_code == 0
    dispatch(app, MORNING)
    ana = Phone(app, "+526640000001", now=MORNING + dt.timedelta(hours=1))
    reply = ana.send("1")
    assert "Dejamos la fecha que usted tenia antes del aviso" in reply   # SMS: GSM-7
    assert dates(app, people["ana"]) == (at("2027-03-15").isoformat(),
                                         at("2027-03-15", "4:30").isoformat(), None)
    assert pending(app, people["ana"]) == [at("2027-03-14", "17:00").isoformat()]
    # Beto did not answer: his date stays the rule's.
    assert dates(app, people["beto"])[0] == at("2027-04-30").isoformat()


def test_undo_restores_every_date_and_reminder_and_tells_who_was_told(app, people, twilio):
    assert postpone(app, *RULE, "--yes").exit_code == 0
    dispatch(app, MORNING)
    Phone(app, "+526640000001", now=MORNING + dt.timedelta(hours=1)).send("1")   # Ana keeps hers
    with app.app_context():   # Carla saves a new date of her own since
        db = get_db()
        with write(db):
            store.save_hearing(db, found_contact(db, people["carla"]),
                               {"hearing_id": people["carla"], "city": "tijuana",
                                "starts_at": at("2027-05-05").isoformat()}, MORNING)
    told = len(twilio.requests)

    later = MORNING + dt.timedelta(days=1)
    result = postpone(app, "--undo", "1", "--yes", now=later)
    assert result.exit_code == 0, result.output
    assert "2 hearings back on their date, 1 already back" in result.output   # Beto, Eva; Ana
    assert "1 changed since and left as they are" in result.output
    assert dates(app, people["beto"]) == (at("2027-03-31").isoformat(), None, None)
    assert dates(app, people["eva"]) == (at("2027-03-16").isoformat(), at("2027-03-16", "4:30").isoformat(),
                                         None)
    assert dates(app, people["ana"])[0] == at("2027-03-15").isoformat()
    assert dates(app, people["carla"])[0] == at("2027-05-05").isoformat()
    assert pending(app, people["beto"]) == [at("2027-03-30", "17:00").isoformat()]

    dispatch(app, later)
    corrections = twilio.requests[told:]
    assert [r["form"]["To"] for r in corrections] == ["+526860000002"]
    assert "se corrigio el aviso" in corrections[0]["form"]["Body"]
    assert "31 de marzo de 2027" in corrections[0]["form"]["Body"]
    again = postpone(app, "--undo", "1", "--yes", now=later)
    assert again.exit_code != 0 and "was undone" in again.output


def test_a_postponement_message_not_sent_before_undo_is_never_sent(app, people, twilio):
    assert postpone(app, *RULE, "--yes").exit_code == 0
    assert postpone(app, "--undo", "1", "--yes").exit_code == 0
    dispatch(app, MORNING)
    assert [r for r in twilio.requests if "aviso" in r["form"].get("Body", "")] == []


def test_a_rule_needs_its_court_dates_source_and_one_way_to_move(app, people):
    result = postpone(app, "--court", "san diego", "--from", "2027-03-01", "--to", "2027-03-31",
                      "--days", "7", "--months", "1", "--source", "x", "--dry-run")
    assert result.exit_code != 0 and "exactly one of" in result.output
    result = postpone(app, "--court", "san diego", "--days", "7", "--dry-run")
    assert result.exit_code != 0 and "missing --from, --to, --source" in result.output
    result = postpone(app, *RULE[:-2], "--dry-run")
    assert result.exit_code != 0 and "--source" in result.output


def test_my_hearing_says_a_date_comes_from_the_announcement_until_the_person_saves_their_own(app, people):
    assert postpone(app, *RULE, "--yes").exit_code == 0
    beto = Phone(app, "+526860000002", now=QUEUED_AT + dt.timedelta(minutes=5))
    reply = beto.send("mi audiencia")
    assert "30 de abril de 2027" in reply and "Fecha de un aviso oficial" in reply
    assert "aviso oficial" not in Phone(app, "+526560000003",
                                        now=QUEUED_AT + dt.timedelta(minutes=5)).send("mi audiencia")
    with app.app_context():
        db = get_db()
        with write(db):
            store.save_hearing(db, found_contact(db, people["beto"]),
                               {"hearing_id": people["beto"], "city": "mexicali",
                                "starts_at": at("2027-04-30").isoformat()}, QUEUED_AT)
    assert "aviso oficial" not in Phone(app, "+526860000002",
                                        now=QUEUED_AT + dt.timedelta(hours=2)).send("mi audiencia")


def test_rule_upon_rule_the_paper_wins_over_both_and_undo_goes_back_one(app, people, twilio):
    assert postpone(app, *RULE, "--yes").exit_code == 0                       # March: a month later
    second = ("--court", "san diego", "--from", "2027-04-01", "--to", "2027-04-30", "--days", "7",
              "--source", "EOIR, segundo aviso")
    assert postpone(app, *second, "--yes").exit_code == 0                     # April: a week later
    assert dates(app, people["ana"])[::2] == (at("2027-04-22").isoformat(), 2)
    dispatch(app, MORNING)
    Phone(app, "+526860000002", now=MORNING + dt.timedelta(hours=1)).send("1")   # Beto's paper
    assert len(twilio.requests) == 4      # Ana, Beto, Carla, Hugo: each told once, of the latest rule
    assert dates(app, people["beto"]) == (at("2027-03-31").isoformat(), None, None)

    result = postpone(app, "--undo", "2", "--yes", now=MORNING + dt.timedelta(days=1))
    assert result.exit_code == 0, result.output
    # Ana is back on the first rule's date, still marked as the announcement's.
    assert dates(app, people["ana"])[::2] == (at("2027-04-15").isoformat(), 1)
    assert dates(app, people["hugo"])[::2] == (at("2027-04-02").isoformat(), None)
    assert dates(app, people["beto"]) == (at("2027-03-31").isoformat(), None, None)


def test_a_rule_can_move_every_hearing_to_one_day_at_its_own_time(app, people):
    gil = dates(app, people["gil"])
    result = postpone(app, "--court", "San Diego", "--from", "2027-03-01", "--to", "2027-03-31",
                      "--to-date", "2027-06-01", "--source", "EOIR", "--yes")
    assert result.exit_code == 0, result.output
    assert dates(app, people["ana"])[:2] == (at("2027-06-01").isoformat(),
                                             at("2027-06-01", "4:30").isoformat())
    assert dates(app, people["beto"])[0] == at("2027-06-01").isoformat()
    assert dates(app, people["gil"]) == gil      # El Paso's court
