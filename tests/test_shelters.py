"""Shelters and volunteers: the volunteer conversation, its limits, consent and bulk import."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3

import pytest
from conftest import NOW, Phone, Pick, choose, opened

from bot.dispatch import Dispatcher

VOLUNTEER = "whatsapp:+5216645550001"
OTHER_VOLUNTEER = "whatsapp:+5216565550002"
EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "docs", "import-example.csv")
REGISTER_A_PERSON, YES, AGREED, SAVE = (Pick("Registrar a una persona"), Pick("Sí"), Pick("Sí, aceptó"),
                                         Pick("Sí, registrar"))
REGISTER = ("VOLUNTARIO", REGISTER_A_PERSON, "664 123 4567", YES, "M. R.", "tijuana", "15/3/2027", "8:30",
            "4:30", "A 123-456-789", AGREED)


class Result:
    """A command's output without the JSON event lines logged beside it."""

    def __init__(self, result):
        self.exit_code = result.exit_code
        self.output = "\n".join(line for line in result.output.splitlines()
                                if not line.startswith('{"ts"')) + "\n"


def cli(app, *args):
    return Result(app.test_cli_runner().invoke(args=list(args)))


@pytest.fixture
def shelters(app):
    assert cli(app, "shelters", "add", "Casa del Migrante", "--city", "tijuana").exit_code == 0
    assert cli(app, "shelters", "add", "Albergue del Norte", "--city", "ciudad_juarez"
               ).exit_code == 0
    assert cli(app, "volunteers", "add", "664 555 0001", "--shelter", "Casa del Migrante"
               ).exit_code == 0
    assert cli(app, "volunteers", "add", "+52 656 555 0002", "--shelter", "albergue del norte"
               ).exit_code == 0
    return app


def sql(app, query: str, args=()) -> list[tuple]:
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        return conn.execute(query, args).fetchall()


def test_operators_manage_shelters_and_volunteers(shelters):
    app = shelters
    listing = cli(app, "shelters", "list").output
    assert "Casa del Migrante  city=tijuana  volunteers=1  people=0" in listing
    assert "+526645550001  Casa del Migrante" in cli(app, "volunteers", "list").output
    only = cli(app, "volunteers", "list", "--shelter", "Albergue del Norte").output
    assert "+526565550002" in only and "+526645550001" not in only
    assert cli(app, "volunteers", "add", "664 555 0001", "--shelter", "Casa del Migrante"
               ).exit_code != 0                                        # already a volunteer
    assert "no shelter named" in cli(app, "volunteers", "add", "6645550003", "--shelter",
                                     "Nadie").output
    assert "not a valid number" in cli(app, "volunteers", "add", "abc", "--shelter",
                                       "Casa del Migrante").output
    assert cli(app, "shelters", "add", "casa del migrante").exit_code != 0   # same name
    assert cli(app, "volunteers", "remove", "664 555 0001").exit_code == 0
    assert "+526645550001" not in cli(app, "volunteers", "list").output


def test_anyone_else_writing_voluntario_learns_nothing(shelters):
    reply = Phone(shelters, "whatsapp:+5216649990000").talk("hola", "VOLUNTARIO")
    assert "no entendí" in reply.lower() and choose(reply, "Guardar una audiencia")
    assert "voluntarios" not in reply.lower() and "Casa del Migrante" not in reply


def test_a_volunteer_registers_a_person_with_their_consent(shelters):
    app = shelters
    volunteer = Phone(app, VOLUNTEER)
    assert "Menú de voluntarios de Casa del Migrante" in volunteer.talk("hola", "VOLUNTARIO")
    reply = volunteer.talk(*REGISTER[1:])
    assert "Teléfono: +526641234567, por WhatsApp" in reply
    assert "Audiencia: lunes 15 de marzo de 2027, 8:30 a. m., hora de San Diego" in reply
    assert sql(app, "SELECT count(*) FROM hearings") == [(0,)]          # nothing before yes
    assert "ya quedó registrada" in volunteer.pick("Sí, registrar")
    person = sql(app, "SELECT p.name, p.a_number, s.name FROM people p "
                      "JOIN shelters s ON s.id = p.shelter_id")
    assert [(opened(app, n), opened(app, a), s) for n, a, s in person] == [
        ("M. R.", "123456789", "Casa del Migrante")]
    consent = sql(app, "SELECT c.phone, k.method, k.volunteer_id IS NOT NULL FROM consents k "
                       "JOIN contacts c ON c.id = k.contact_id WHERE k.method = 'volunteer'")
    assert [(opened(app, p), m, v) for p, m, v in consent] == [("+526641234567", "volunteer", 1)]
    assert ("welcome", "pending") in sql(app, "SELECT kind, status FROM reminders")
    actions = [r[0] for r in sql(app, "SELECT action FROM audit")]
    assert "person_registered" in actions


def test_without_consent_nothing_is_saved(shelters):
    volunteer = Phone(shelters, VOLUNTEER)
    reply = volunteer.talk(*REGISTER[:-1], Pick("No"))
    assert "Sin su permiso no la registramos" in reply
    assert sql(shelters, "SELECT count(*) FROM people") == [(0,)]


def test_the_first_message_names_the_shelter_and_how_to_stop(shelters, tmp_path):
    app = shelters
    Phone(app, VOLUNTEER).talk(*REGISTER, SAVE)
    with app.app_context():
        Dispatcher(app, sleep=lambda s: None).run(NOW + dt.timedelta(minutes=1))
    with open(app.config["OUTBOX_PATH"]) as f:
        sent = [json.loads(line) for line in f]
    # They never wrote, so WhatsApp's window is closed; with no template set, SMS.
    assert len(sent) == 1 and sent[0]["to"] == "+526641234567"
    assert "Casa del Migrante nos dio su numero, con su permiso" in sent[0]["body"]
    assert "BAJA" in sent[0]["body"] and "BORRAR" in sent[0]["body"]
    # The person can stop everything at once.
    Phone(app, "+526641234567").send("BAJA")
    assert {s for (s,) in sql(app, "SELECT status FROM reminders WHERE kind <> 'welcome'")} == {
        "cancelled"}


def test_on_whatsapp_the_first_message_is_a_template(tmp_path):
    from bot import create_app

    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "db.sqlite3"),
                      "OUTBOX_PATH": str(tmp_path / "out.jsonl"), "SECRET_KEY": "k",
                      "TWILIO_TEMPLATE_WELCOME": "HX" + "9" * 32}, instance_path=tmp_path)
    cli(app, "shelters", "add", "Casa del Migrante")
    cli(app, "volunteers", "add", "664 555 0001", "--shelter", "Casa del Migrante")
    Phone(app, VOLUNTEER).talk(*REGISTER, SAVE)
    with app.app_context():
        Dispatcher(app, sleep=lambda s: None).run(NOW + dt.timedelta(minutes=1))
    with open(app.config["OUTBOX_PATH"]) as f:
        sent = json.loads(f.readline())
    assert sent["template"] == "HX" + "9" * 32
    assert sent["variables"] == {"1": "Casa del Migrante"}


def test_the_next_days_by_date_and_bridge_only_for_the_volunteers_shelter(shelters):
    app = shelters
    mine = Phone(app, VOLUNTEER)
    mine.talk("VOLUNTARIO", REGISTER_A_PERSON, "664 123 4567", YES, "M. R.", "tijuana", "25/11/2026",
              "8:30", "4:30", "no", AGREED, SAVE)
    mine.talk(REGISTER_A_PERSON, "664 123 9999", Pick("No, solo mensajes de texto"), "J. L.", "tijuana",
              "25/11/2026", "9:00", "no se", "no", AGREED, SAVE)
    mine.talk(REGISTER_A_PERSON, "664 123 8888", YES, "A. P.", "matamoros", "27/11/2026", "8:00", "4",
              "no", AGREED, SAVE)
    theirs = Phone(app, OTHER_VOLUNTEER)
    theirs.talk("VOLUNTARIO", REGISTER_A_PERSON, "656 123 4567", YES, "X. Y.", "juarez", "25/11/2026",
                "8:30", "no se", "no", AGREED, SAVE)
    reply = mine.talk(Pick("Audiencias de los próximos días"), "7")
    assert ("miércoles 25 de noviembre de 2026 - San Ysidro (Tijuana):\n"
            "- M. R.: presentarse 4:30 a. m., hora de San Diego\n"
            "- J. L.: hora para presentarse: ver su hoja\n"
            "viernes 27 de noviembre de 2026 - puente Gateway, o Puente Nuevo (Matamoros):\n"
            "- A. P.: presentarse 4:00 a. m., hora de Brownsville") in reply
    assert "X. Y." not in reply
    other = theirs.talk(Pick("Audiencias de los próximos días"), "7")
    assert "X. Y." in other and "M. R." not in other and "A. P." not in other


def test_a_volunteer_changes_and_cancels_only_their_own_registrations(shelters):
    app = shelters
    mine = Phone(app, VOLUNTEER)
    mine.talk(*REGISTER, SAVE)
    theirs = Phone(app, OTHER_VOLUNTEER)
    assert "Por ahora no hay audiencias de su albergue" in theirs.talk(
        "VOLUNTARIO", Pick("Cambiar o cancelar un registro"))
    reply = mine.talk(Pick("Cambiar o cancelar un registro"))
    assert "1. M. R.: lunes 15 de marzo de 2027, 8:30 a. m., hora de San Diego" in reply
    mine.talk(Pick("M. R."), Pick("Cambiar la fecha o la hora"), "20/4/2027", "9:00")
    assert "Revise el cambio:\nPersona: M. R.\nCiudad: Tijuana" in mine.send("no se")
    assert "Sus recordatorios ya tienen la nueva fecha" in mine.send("si")
    assert sql(app, "SELECT starts_at FROM hearings") == [("2027-04-20T16:00:00+00:00",)]
    assert ("week_before", "2027-04-13T16:00:00+00:00") in sql(
        app, "SELECT kind, due_at FROM reminders WHERE status = 'pending'")
    mine.talk(Pick("Cambiar o cancelar un registro"), Pick("M. R."), Pick("Cancelar el registro"))
    assert "Ya no está ese registro" in mine.pick("Sí, cancelar")
    assert sql(app, "SELECT count(*) FROM hearings") == [(0,)]
    actions = [r[0] for r in sql(app, "SELECT action FROM audit ORDER BY id")]
    assert actions[-2:] == ["registration_changed", "registration_cancelled"]


def test_a_removed_volunteer_loses_the_desk_at_once(shelters):
    app = shelters
    volunteer = Phone(app, VOLUNTEER)
    volunteer.talk("VOLUNTARIO", REGISTER_A_PERSON)          # half-way through a registration
    cli(app, "volunteers", "remove", "664 555 0001")
    reply = volunteer.send("664 123 4567")
    assert "¿Qué quiere hacer?" in reply and "voluntarios" not in reply
    assert "Casa del Migrante" not in volunteer.send("VOLUNTARIO")


def test_import_reports_bad_rows_imports_good_ones_once(shelters, tmp_path):
    app = shelters
    path = tmp_path / "people.csv"
    path.write_text(
        "phone,name,city,date,time,report_time,a_number,whatsapp,consent\n"
        "664 123 4567,M. R.,tijuana,15/03/2027,8:30,4:30,A 123-456-789,si,si\n"
        "not a phone,A. B.,tijuana,15/03/2027,8:30,,,si,si\n"
        "6641112222,A. B.,tijuana,15/03/2027,8:30,,,si,no\n"
        "6641113333,A. B.,la luna,15/03/2027,8:30,,,si,si\n"
        "6641114444,A. B.,tijuana,15/03/2020,8:30,,,si,si\n"
        "6641115555,A. B.,tijuana,15/03/2027,8:30,9:00,,si,si\n"
        "6641116666,,tijuana,15/03/2027,8:30,,,si,si\n"
        "6641117777,C. D.,matamoros,16/03/2027,9:00,,12,no,si\n"
        "6641118888,E. F.,nogales,17/03/2027,8:00,,,no,si\n", encoding="utf-8")
    dry = cli(app, "contacts", "import", str(path), "--shelter", "Casa del Migrante", "--dry-run")
    assert "would import 2, already there 0, bad rows 7" in dry.output
    assert sql(app, "SELECT count(*) FROM people") == [(0,)]
    result = cli(app, "contacts", "import", str(path), "--shelter", "Casa del Migrante")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:7] == [
        "line 3: phone is not a valid number (outside Mexico, write the country code, e.g. +502)",
        "line 4: no recorded consent: the person must agree to receive messages",
        "line 5: city not understood",
        "line 6: date is in the past",
        "line 7: report_time is not before the hearing",
        "line 8: missing name",
        "line 9: a_number must be 8 or 9 digits"]
    assert "imported 2, already there 0, bad rows 7" in result.output
    assert "6641112222" not in result.output           # reasons never quote the row
    again = cli(app, "contacts", "import", str(path), "--shelter", "Casa del Migrante")
    assert "imported 0, already there 2, bad rows 7" in again.output
    assert sql(app, "SELECT count(*) FROM people") == [(2,)]
    assert sql(app, "SELECT count(*) FROM consents WHERE method = 'import'") == [(2,)]
    assert "contacts_imported" in cli(app, "audit").output


def test_the_documented_example_file_imports_cleanly(shelters):
    result = cli(shelters, "contacts", "import", EXAMPLE, "--shelter", "Casa del Migrante")
    assert "imported 3, already there 0, bad rows 0" in result.output, result.output


def test_stats_counts_without_naming_anyone(shelters, monkeypatch):
    from bot import admin

    # The week counted is the transcript's own (from NOW), not the machine's: 25 November is in it.
    monkeypatch.setattr(admin, "_now", lambda: NOW)
    app = shelters
    Phone(app, VOLUNTEER).talk(*REGISTER, SAVE)
    Phone(app, "whatsapp:+5216640000009").talk("hola", "BAJA")
    Phone(app, VOLUNTEER).talk("VOLUNTARIO", REGISTER_A_PERSON, "686 123 4567",
                               Pick("No, solo mensajes de texto"), "J. P.", "mexicali", "25/11/2026",
                               "8:30", "no se", "no", AGREED, SAVE)
    stats = json.loads(cli(app, "stats", "--json").output)
    assert stats["people"] == 4 and stats["opted_out"] == 1
    assert stats["hearings_next_7_days"] == {"San Diego": 1}
    assert set(stats) == {"people", "active", "opted_out", "hearings_next_7_days",
                          "reminders_sent_24h", "reminders_failed_24h",
                          "delivery_failure_rate_24h", "hearing_outcomes"}


def test_healthz_reports_the_scheduler_heartbeat(app):
    client = app.test_client()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "ok" and response.json["migrations"] == "current"
    assert response.json["scheduler_heartbeat_age_seconds"] is None
    with app.app_context():
        Dispatcher(app).run(dt.datetime.now(dt.UTC))
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json["ok"] is True
    with app.app_context():
        Dispatcher(app).run(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10))
    assert client.get("/healthz").status_code == 503                  # too old


def test_the_audit_trail_names_actors_and_targets_by_id(shelters):
    app = shelters
    Phone(app, VOLUNTEER).talk(*REGISTER, SAVE)
    cli(app, "reminders", "list", "--phone", "664 123 4567")
    Phone(app, "whatsapp:+5216641234567").talk("BORRAR", Pick("Sí, borrar todo"))
    trail = cli(app, "audit").output
    for action in ("shelter_added", "volunteer_added", "person_registered", "reminders_viewed",
                   "deleted_own_data"):
        assert action in trail
    assert "664" not in trail and "M. R." not in trail
