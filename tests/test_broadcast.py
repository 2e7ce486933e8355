"""Broadcasts: exactly the people a filter selects, one message per phone, in its language,
within quiet hours, through the reminder queue."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time

import pytest
from test_crash import environment, register, send_due
from test_reminders import dispatch, make_app

from bot import create_app, store
from bot.broadcast import BroadcastError, read_message
from bot.db import get_db, write
from bot.shelters import add_shelter

UTC = dt.UTC
QUEUED_AT = dt.datetime(2026, 12, 1, 17, 0, tzinfo=UTC)      # 09:00 in Tijuana
NIGHT = dt.datetime(2026, 12, 2, 6, 0, tzinfo=UTC)           # 22:00 in Tijuana
MORNING = dt.datetime(2026, 12, 2, 15, 0, tzinfo=UTC)        # 07:00 in Tijuana
MARCH_15 = dt.datetime(2027, 3, 15, 15, 30, tzinfo=UTC)      # 8:30 in San Diego
TEMPLATE = "HX" + "7" * 32


def person(app, phone: str, name: str, city: str = "tijuana", starts_at: dt.datetime = MARCH_15,
           *, channel: str = "sms", language: str = "es", shelter: str | None = None) -> int:
    """Save a person and an open hearing on a phone (a second call adds a family member)."""
    with app.app_context():
        db = get_db()
        with write(db):
            contact = store.find_contact(db, phone)
            contact_id = contact["id"] if contact else store.create_contact(db, phone, QUEUED_AT)
            store.remember_address(db, contact_id, channel,
                                   f"whatsapp:{phone}" if channel == "whatsapp" else phone, QUEUED_AT)
            store.set_language(db, contact_id, language)
            person_id = store.add_person(db, contact_id, name, None, QUEUED_AT)
            if shelter:
                row = db.execute("SELECT id FROM shelters WHERE name = ?", [shelter]).fetchone()
                shelter_id = row[0] if row else add_shelter(db, shelter, None, QUEUED_AT)
                db.execute("UPDATE people SET shelter_id = ? WHERE id = ?", [shelter_id, person_id])
            store.save_hearing(db, contact_id, {"person_id": person_id, "city": city,
                                                "starts_at": starts_at.isoformat()}, QUEUED_AT)
            return contact_id


def change(app, sql: str, args=()) -> None:
    with app.app_context():
        db = get_db()
        with write(db):
            db.execute(sql, args)


def crowd(app) -> None:
    """Who is there: four people on three phones match San Diego in March; the rest do not."""
    person(app, "+526640000001", "Ana")                                        # selected
    person(app, "+526640000002", "Beto", channel="whatsapp", language="en")    # selected
    person(app, "+526640000002", "Carla", channel="whatsapp", language="en")   # same phone
    person(app, "+526860000003", "Dora", "mexicali", shelter="Casa Pérez")    # San Diego court too
    out = person(app, "+526640000004", "Eva")
    change(app, "UPDATE contacts SET opted_out = 1 WHERE id = ?", [out])      # BAJA
    gone = person(app, "+526640000005", "Fina")
    with app.app_context():
        db = get_db()
        with write(db):
            store.delete_contact(db, gone)                                     # BORRAR
    person(app, "+526560000006", "Gil", "ciudad_juarez")                       # El Paso court
    person(app, "+526640000007", "Hugo", starts_at=dt.datetime(2027, 4, 2, 15, tzinfo=UTC))
    closed = person(app, "+526640000008", "Iris")
    change(app, "UPDATE hearings SET closed_at = ? WHERE person_id IN "
                "(SELECT id FROM people WHERE contact_id = ?)", [QUEUED_AT.isoformat(), closed])
    # 23:59 on 31 March in San Diego is already 1 April in UTC: still March on the paper.
    person(app, "+526640000009", "Juan", starts_at=dt.datetime(2027, 4, 1, 6, 59, tzinfo=UTC))


def run(app, tmp_path, *args: str, text: str = "es: Aviso de la corte.\nen: Court notice.\n",
        input: str | None = None):
    path = tmp_path / "message.yaml"
    path.write_text(text, encoding="utf-8")
    return app.test_cli_runner().invoke(args=["broadcast", "--message", str(path),
                                              "--now", QUEUED_AT.isoformat(), *args], input=input)


def broadcast_rows(app) -> list[tuple]:
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        return conn.execute("SELECT status, channel FROM reminders WHERE kind = 'broadcast'").fetchall()


@pytest.fixture
def app(tmp_path, twilio):
    return make_app(tmp_path, twilio)


def test_a_dry_run_counts_exactly_the_people_a_filter_selects(app, tmp_path):
    crowd(app)
    result = run(app, tmp_path, "--court", "SAN DIEGO", "--from", "2027-03-01", "--to", "2027-03-31",
                 "--dry-run")
    assert result.exit_code == 0, result.output
    # Ana, Beto and Carla (one phone), Dora, Juan; not the opted-out, deleted, El Paso,
    # April or closed ones.
    assert "reaches 5 people on 4 phones" in result.output
    assert "by channel: sms 3, whatsapp 1" in result.output
    assert "by language: en 1, es 3" in result.output
    assert "--- es, 1 SMS segment(s) ---\nAviso de la corte." in result.output
    assert "--- en, 1 SMS segment(s) ---\nCourt notice." in result.output
    assert "nothing queued" in result.output and broadcast_rows(app) == []


@pytest.mark.parametrize(("args", "reached"), [
    (("--city", "Ciudad Juárez"), "1 people on 1 phones"),
    (("--city", "mexicali"), "1 people on 1 phones"),
    (("--report-place", "san ysidro"), "6 people on 5 phones"),
    (("--court", "el paso"), "1 people on 1 phones"),
    (("--shelter", "casa perez"), "1 people on 1 phones"),
    (("--to", "2027-03-31"), "6 people on 5 phones"),
    (("--from", "2027-04-01"), "1 people on 1 phones"),
    ((), "7 people on 6 phones"),
])
def test_each_filter_matches_names_and_keys_without_accents_or_case(app, tmp_path, args, reached):
    crowd(app)
    result = run(app, tmp_path, *args, "--dry-run")
    assert result.exit_code == 0, result.output
    assert f"reaches {reached}" in result.output


def test_an_unknown_place_or_shelter_is_refused_with_the_known_names(app, tmp_path):
    crowd(app)
    result = run(app, tmp_path, "--court", "Sandiego", "--dry-run")
    assert result.exit_code != 0 and "no court is called 'Sandiego'" in result.output
    assert "san diego" in result.output
    result = run(app, tmp_path, "--shelter", "Casa Nadie", "--dry-run")
    assert result.exit_code != 0 and "no shelter is called" in result.output


def test_a_message_file_is_plain_spanish_or_yaml_with_es_and_en():
    assert read_message("Cerrado el puente: vaya por el otro.\n").text("en") == \
        "Cerrado el puente: vaya por el otro."
    both = read_message("es: Hola.\nen: Hello.\n")
    assert (both.text("es"), both.text("en")) == ("Hola.", "Hello.")
    assert read_message("es: Solo español.\n").text("en") == "Solo español."
    for bad in ("", "en: Only English.\n", "es: Hola.\nfr: Bonjour.\n"):
        with pytest.raises(BroadcastError):
            read_message(bad)


def test_a_real_run_asks_before_queuing(app, tmp_path):
    crowd(app)
    result = run(app, tmp_path, "--court", "san diego", input="n\n")
    assert result.exit_code != 0 and "Queue this message to 5 phones?" in result.output
    assert broadcast_rows(app) == []


def test_a_broadcast_sends_each_phone_once_in_its_language_within_quiet_hours(tmp_path, twilio):
    app = make_app(tmp_path, twilio, TWILIO_TEMPLATE_BROADCAST=TEMPLATE)
    crowd(app)
    result = run(app, tmp_path, "--court", "san diego", "--from", "2027-03-01", "--to", "2027-03-31",
                 input="y\n")
    assert result.exit_code == 0, result.output
    assert len(broadcast_rows(app)) == 4
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        action, detail = conn.execute("SELECT action, detail FROM audit "
                                      "WHERE action = 'broadcast_queued'").fetchone()
    assert json.loads(detail) == {"filter": {"court": "san diego", "date_from": "2027-03-01",
                                             "date_to": "2027-03-31"}, "phones": 4, "people": 5}

    # 22:00 in Tijuana and Mexicali: nobody is written to at night.
    dispatch(app, NIGHT)
    assert twilio.requests == []
    dispatch(app, MORNING)
    dispatch(app, MORNING + dt.timedelta(minutes=5))      # a second pass sends nothing more
    sends = {}
    for request in twilio.requests:
        sends.setdefault(request["form"]["To"], []).append(request["form"])
    assert sorted(sends) == ["+526640000001", "+526640000009", "+526860000003",
                             "whatsapp:+526640000002"]
    assert all(len(forms) == 1 for forms in sends.values())
    assert sends["+526640000001"][0]["Body"] == "Aviso de la corte."
    # Beto's phone last wrote months ago: the approved template, in English, once for the family.
    family = sends["whatsapp:+526640000002"][0]
    assert family["ContentSid"] == TEMPLATE
    assert json.loads(family["ContentVariables"]) == {"1": "Court notice."}
    assert {status for status, _ in broadcast_rows(app)} == {"sent"}


def test_a_broadcast_skips_a_phone_that_opted_out_after_it_was_queued(app, tmp_path, twilio):
    ana = person(app, "+526640000001", "Ana")
    person(app, "+526640000002", "Beto")
    assert run(app, tmp_path, "--yes").exit_code == 0
    change(app, "UPDATE contacts SET opted_out = 1 WHERE id = ?", [ana])
    dispatch(app, MORNING)
    assert [r["form"]["To"] for r in twilio.requests] == ["+526640000002"]
    assert sorted(broadcast_rows(app)) == [("cancelled", None), ("sent", "sms")]


def test_a_broadcast_does_not_supersede_the_reminders_due_with_it(app, tmp_path, twilio):
    person(app, "+526640000001", "Ana", starts_at=dt.datetime(2026, 12, 8, 16, 30, tzinfo=UTC))
    with app.app_context():
        db = get_db()
        with write(db):
            from bot import reminder_queue
            from bot.reminders import Planned
            hearing = db.execute("SELECT id FROM hearings").fetchone()[0]
            reminder_queue.add(db, hearing, [Planned("week_before", QUEUED_AT)], QUEUED_AT)
    assert run(app, tmp_path, "--yes").exit_code == 0
    dispatch(app, MORNING)
    bodies = twilio.bodies()
    assert "Aviso de la corte." in bodies
    assert any(b and "se acerca" in b for b in bodies)


def test_a_broadcast_killed_mid_send_loses_no_phone_and_doubles_none(tmp_path, twilio):
    """Real processes, as tests/test_crash.py does for reminders: the pass dies with SIGKILL
    while Twilio holds the first send; after the lease every phone has the message once."""
    env = environment(tmp_path, twilio)
    twilio.clock = lambda: MORNING
    register(tmp_path, env, 3)
    app = create_app({"TESTING": True, "DATABASE": env["DATABASE"], "SECRET_KEY": env["SECRET_KEY"]},
                     instance_path=tmp_path)
    assert run(app, tmp_path, "--yes", text="Aviso: el puente cierra el lunes.").exit_code == 0
    twilio.script = [("hang", 30)]
    process = send_due(env, MORNING)
    deadline = time.monotonic() + 60
    while not twilio.requests and time.monotonic() < deadline:
        time.sleep(0.05)
    assert twilio.requests, "the scheduler never reached Twilio"
    process.kill()
    process.wait(timeout=10)
    in_flight = twilio.requests[0]["form"]["To"]
    after = send_due(env, MORNING + dt.timedelta(seconds=301))
    out, err = after.communicate(timeout=60)
    assert after.returncode == 0, err
    sends = {}
    for request in twilio.requests:
        assert request["form"]["Body"] == "Aviso: el puente cierra el lunes."
        sends[request["form"]["To"]] = sends.get(request["form"]["To"], 0) + 1
    assert set(sends) == {f"+5266400{n:05d}" for n in range(3)}
    assert sorted(sends.values()) == [1, 1, 1] and sends[in_flight] == 1
    with sqlite3.connect(env["DATABASE"]) as conn:
        assert conn.execute("SELECT status, count(*) FROM reminders WHERE kind = 'broadcast' "
                            "GROUP BY status").fetchall() == [("sent", 3)]


def test_a_hearings_reminder_is_sent_before_a_broadcast_queued_earlier(tmp_path, twilio):
    # One row a pass: the order of claims is the order of sends.
    app = make_app(tmp_path, twilio, DISPATCH_BATCH=1)
    for n in range(3):
        person(app, f"+52664000000{n}", f"P{n}")
    assert run(app, tmp_path, "--yes").exit_code == 0
    with app.app_context():
        db = get_db()
        with write(db):
            from bot import reminder_queue
            from bot.reminders import Planned
            reminder_queue.add(db, 1, [Planned("day_before", MORNING - dt.timedelta(minutes=1))], MORNING)
    dispatch(app, MORNING)
    assert "Aviso de la corte." not in twilio.bodies() and len(twilio.requests) == 1
    for _ in range(3):
        dispatch(app, MORNING)
    assert twilio.bodies().count("Aviso de la corte.") == 3


def test_a_broadcast_queued_before_a_person_changes_their_date_still_goes_out(app, tmp_path, twilio):
    contact = person(app, "+526640000001", "Ana")
    assert run(app, tmp_path, "--yes").exit_code == 0
    with app.app_context():
        db = get_db()
        with write(db):
            from bot import reminder_queue
            hearing = db.execute("SELECT id FROM hearings").fetchone()[0]
            store.save_hearing(db, contact, {"hearing_id": hearing, "city": "tijuana",
                                             "starts_at": "2027-05-03T16:00:00+00:00"}, QUEUED_AT)
            reminder_queue.schedule_hearing(db, store.hearing_row(db, hearing),
                                            app.extensions["engine"].cities["tijuana"],
                                            app.extensions["engine"].schedule, QUEUED_AT)
    dispatch(app, MORNING)
    assert "Aviso de la corte." in twilio.bodies()


def test_inside_whatsapps_window_a_broadcast_is_free_text_in_the_phones_language(tmp_path, twilio):
    app = make_app(tmp_path, twilio, TWILIO_TEMPLATE_BROADCAST=TEMPLATE)
    beto = person(app, "+526640000002", "Beto", channel="whatsapp", language="en")
    change(app, "UPDATE contacts SET last_inbound_at = ? WHERE id = ?",
           [(MORNING - dt.timedelta(hours=2)).isoformat(), beto])
    assert run(app, tmp_path, "--yes").exit_code == 0
    dispatch(app, MORNING)
    (sent,) = [r["form"] for r in twilio.requests]
    assert sent["To"] == "whatsapp:+526640000002" and sent["Body"] == "Court notice."
    assert "ContentSid" not in sent
