"""One message can say it all: every detail a message gives fills the draft, only what is missing
is asked, and everything is read back before it is saved; a pasted English notice works too."""

from __future__ import annotations

import sqlite3
from datetime import date, time

import pytest
from conftest import NOW, choose, opened
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.inputs import Asking
from bot.places import court_time, load_places
from bot.slots import find_a_number, find_city, find_name, scan

CITIES = load_places().cities
ASK_NAME, ASK_CITY, ASK_DATE = "¿Cómo se llama", "¿En qué ciudad", "¿Qué día"
ASK_TIME, ASK_REPORT, ASK_A = "¿A qué hora es la audiencia", "¿A qué hora tiene que presentarse", "número A"
READ_BACK = "Revise sus datos"
MATAMOROS = ("buenas tardes tengo corte el 2 de febrero a las 1 de la tarde en matamoros y me "
             "presento a las 9 en el puente nuevo")


def hearings(app) -> list[tuple]:
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        rows = conn.execute("SELECT p.name, p.a_number, h.city, h.starts_at, h.report_at "
                            "FROM hearings h JOIN people p ON p.id = h.person_id").fetchall()
    return [(opened(app, name), opened(app, a_number), *rest) for name, a_number, *rest in rows]


def at_court(city: str, day: date, clock: time) -> str:
    return court_time(CITIES[city], day, clock).isoformat()


def found(text: str, **vars) -> dict:
    answers = scan(text, Asking(vars, None, CITIES, (), NOW))
    return {key: (answer.outcome, answer.value) for key, answer in answers.items()}


QUESTIONS = {ASK_NAME: "name", ASK_CITY: "city", ASK_DATE: "date", ASK_TIME: "time",
             ASK_REPORT: "report", "Si tiene el número A": "a_number", READ_BACK: "read-back"}


def asked(reply: str) -> list[str]:
    return [what for words, what in QUESTIONS.items() if words in reply]


def test_the_matamoros_example_asks_only_name_and_a_number_then_reads_back_and_saves(app, phone):
    assert asked(phone.send(MATAMOROS)) == ["name"]
    assert asked(phone.send("Rosa")) == ["a_number"]
    reply = phone.send("A 212-345-678")
    assert asked(reply) == ["read-back"]
    for line in ("Persona: Rosa", "Ciudad: Matamoros / Brownsville",
                 "Audiencia: martes 2 de febrero de 2027, 1:00 p. m.",
                 "Presentarse en el puerto: martes 2 de febrero de 2027, 9:00 a. m.",
                 "Número A: A 212-345-678"):
        assert line in reply
    assert hearings(app) == []
    assert "Guardado" in phone.send("si")
    assert hearings(app) == [("Rosa", "212345678", "matamoros",
                              at_court("matamoros", date(2027, 2, 2), time(13, 0)),
                              at_court("matamoros", date(2027, 2, 2), time(9, 0)))]


# The notice of hearing as the court prints it; only San Diego is named, and that court serves
# Tijuana and Mexicali: the city is asked, never guessed.
EOIR_SAN_DIEGO = """U.S. Department of Justice
Executive Office for Immigration Review
Immigration Court
401 West A Street, Suite 800
San Diego, CA 92101
Date: Nov 10, 2026
In the Matter of: JOSE LUIS MARTINEZ
Alien Number: A 212-345-678
NOTICE OF HEARING IN REMOVAL PROCEEDINGS
Your case has been scheduled for a MASTER hearing before the Immigration Judge on March 4, 2027 \
at 08:30 AM at: 401 West A Street, Suite 800, San Diego, CA 92101"""

# The tear sheet given with it: the port and the time to be there, the date month first.
MPP_TEAR_SHEET = """MIGRANT PROTECTION PROTOCOLS
Name: MARIA ELENA LOPEZ
A-Number: 212-345-678
You have been scheduled for a hearing before an immigration judge on 03/04/2027 at 08:30 AM.
Please report to the San Ysidro port of entry at 4:30 AM on 03/04/2027 to be transported to \
your hearing."""

BROWNSVILLE = """NOTICE OF HEARING IN REMOVAL PROCEEDINGS
Immigration Court, Brownsville, Texas
Respondent: PEDRO RAMIREZ
A# 212-345-678
Your case has been scheduled for a hearing on February 2, 2027 at 1:00 PM.
Please report to the Gateway International Bridge at 9:00 AM."""

EL_PASO = """Immigration Court
700 E. San Antonio Ave, Suite 750, El Paso, TX 79901
Alien Number: 212-345-678
Your case has been scheduled for a hearing before the Immigration Judge on March 4, 2027 at 8:30 AM."""


def test_the_notice_scanned_gives_date_time_name_and_a_number_but_not_a_city_two_courts_share():
    assert found(EOIR_SAN_DIEGO) == {"a_number": ("ok", "212345678"), "name": ("ok", "JOSE LUIS MARTINEZ"),
                                     "date": ("ok", "2027-03-04"), "time": ("ok", "08:30")}


def test_a_pasted_notice_asks_only_the_city_and_the_time_to_report(app, phone):
    reply = phone.send(EOIR_SAN_DIEGO)
    assert asked(reply) == ["city"]
    assert asked(phone.send(choose(reply, "Tijuana"))) == ["report"]
    reply = phone.send("4:30")
    assert asked(reply) == ["read-back"] and "Número A: A 212-345-678" in reply
    assert "Guardado" in phone.pick("Sí, guardar")
    assert hearings(app) == [("JOSE LUIS MARTINEZ", "212345678", "tijuana",
                              at_court("tijuana", date(2027, 3, 4), time(8, 30)),
                              at_court("tijuana", date(2027, 3, 4), time(4, 30)))]


def test_a_pasted_tear_sheet_asks_only_about_its_month_first_date(app, phone):
    reply = phone.send(MPP_TEAR_SHEET)
    assert "pone primero el mes: jueves 4 de marzo de 2027" in reply
    reply = phone.pick("Sí")
    assert asked(reply) == ["read-back"]
    assert "Presentarse en el puerto: jueves 4 de marzo de 2027, 4:30 a. m." in reply
    assert "Guardado" in phone.send("si")
    assert hearings(app) == [("MARIA ELENA LOPEZ", "212345678", "tijuana",
                              at_court("tijuana", date(2027, 3, 4), time(8, 30)),
                              at_court("tijuana", date(2027, 3, 4), time(4, 30)))]


def test_a_pasted_notice_with_its_port_goes_straight_to_the_read_back(app, phone):
    reply = phone.send(BROWNSVILLE)
    assert asked(reply) == ["read-back"] and "Persona: PEDRO RAMIREZ" in reply
    assert "Guardado" in phone.send("si")
    assert hearings(app) == [("PEDRO RAMIREZ", "212345678", "matamoros",
                              at_court("matamoros", date(2027, 2, 2), time(13, 0)),
                              at_court("matamoros", date(2027, 2, 2), time(9, 0)))]


def test_a_court_that_serves_two_cities_is_asked_about(app, phone):
    assert asked(phone.send(EL_PASO)) == ["name"]
    reply = phone.send("Rosa")
    assert asked(reply) == ["city"] and "Nogales" in reply
    assert asked(phone.send(choose(reply, "Nogales"))) == ["report"]


def test_the_two_readings_are_the_question_after_a_one_message_registration(phone):
    reply = phone.send("me llamo Rosa, tengo corte el 3/4 a las 9 en tijuana")
    assert "se puede leer de dos formas" in reply and ASK_CITY not in reply
    reply = phone.send(choose(reply, "jueves 4 de marzo de 2027"))
    assert asked(reply) == ["report"]
    reply = phone.talk("4:30", "no")
    assert "Audiencia: jueves 4 de marzo de 2027, 9:00 a. m." in reply


@pytest.mark.parametrize("form", ["Alien Number: 212-345-678", "A-212-345-678", "A#212345678",
                                  "A 212-345-678", "A212345678", "número A 212345678"])
def test_the_a_number_in_each_of_the_papers_forms(app, phone, form):
    reply = phone.send(f"me llamo Rosa, tengo audiencia el 4 de marzo a las 8:30 en tijuana y me "
                       f"presento a las 4:30. {form}")
    assert asked(reply) == ["read-back"] and "Número A: A 212-345-678" in reply


def test_two_different_a_numbers_are_asked_about():
    assert find_a_number("A 212-345-678 o A 987-654-321")[0] is None
    assert find_a_number("A 212-345-678, A#212345678")[0] == "212345678"


def test_an_answer_at_the_date_question_that_gives_the_time_skips_the_time_question(phone):
    phone.talk("quiero registrar mi audiencia", "Rosa")
    assert asked(phone.send("tijuana")) == ["date"]
    assert asked(phone.send("el 4 de marzo a las 8:30 en tijuana")) == ["report"]
    reply = phone.talk("4:30", "no")
    assert "Audiencia: jueves 4 de marzo de 2027, 8:30 a. m." in reply


def test_details_at_a_question_they_do_not_answer_are_kept(phone):
    phone.send("quiero registrar mi audiencia")
    reply = phone.send("tengo corte el 4 de marzo a las 8:30 y me presento a las 4:30")
    assert asked(reply) == [] and "nombre" in reply   # the name is asked again
    assert asked(phone.send("Rosa")) == ["city"]
    assert asked(phone.send("tijuana")) == ["a_number"]


def test_a_later_message_does_not_change_what_the_draft_holds_unless_it_is_asked(phone):
    phone.talk("quiero registrar mi audiencia", "Rosa", "tijuana")
    assert asked(phone.send("el 4 de marzo en mexicali")) == ["time"]
    reply = phone.talk("8:30", "4:30", "no")
    assert "Ciudad: Tijuana / San Diego" in reply


@pytest.mark.parametrize("said", ["soy de Honduras, tengo corte el 4 de marzo a las 8:30 en tijuana",
                                  "soy yo, tengo corte el 4 de marzo a las 8:30 en tijuana",
                                  "soy hondureña y tengo corte el 4 de marzo a las 8:30 en tijuana"])
def test_a_name_is_never_taken_from_soy_de_or_soy_yo(phone, said):
    assert asked(phone.send(said)) == ["name"]


@pytest.mark.parametrize("text,name", [
    ("me llamo Rosa y tengo corte", "Rosa"),
    ("mi nombre es María de la Cruz, tengo cita", "María de la Cruz"),
    ("Soy Juan Pérez", "Juan Pérez"), ("Name: JOSE LUIS MARTINEZ\nA# 212345678", "JOSE LUIS MARTINEZ"),
    ("Respondent: ANA GOMEZ", "ANA GOMEZ"), ("me llamo M. R. y tengo cita", "M. R."),
    ("Respondent Name: LOPEZ, MARIA ELENA", "LOPEZ, MARIA ELENA"),
    ("Name: JOSE LUIS MARTINEZ, DOB: 01/01/1990", "JOSE LUIS MARTINEZ"),
    ("soy de Honduras", None), ("soy yo", None),
    ("soy la mamá de Luis", None), ("me llamo para registrar mi audiencia", None),
    ("tengo corte en tijuana", None),
])
def test_a_name_only_where_it_is_introduced(text, name):
    assert find_name(text) == name


def test_the_hearing_time_and_the_time_to_report_are_told_apart():
    assert found("me presento a las 5 y la audiencia es a las 9") == {
        "time": ("ok", "09:00"), "report_time": ("ok", "05:00")}
    assert found("be at the port at 4:30 am, your hearing is at 8:30 am") == {
        "time": ("ok", "08:30"), "report_time": ("ok", "04:30")}
    # A time to report at or after the hearing's is no time to report: its question asks.
    assert found("la audiencia es a las 8 y me presento a las 9") == {"time": ("ok", "08:00")}
    assert found("me presento 4 horas antes", time="09:00") == {"report_time": ("ok", "05:00")}


def test_a_city_only_when_its_words_name_one():
    assert find_city("vivo en matamoros", CITIES) == "matamoros"
    assert find_city("la corte de San Diego", CITIES) is None          # Tijuana or Mexicali
    assert find_city("San Diego, puerto de San Ysidro", CITIES) == "tijuana"
    assert find_city("de tijuana me mandaron a mexicali", CITIES) is None
    assert find_city("¿que paso? el puente esta cerrado", CITIES) is None
    assert found("me llamo Benito Juárez")["name"] == ("ok", "Benito Juárez")
    assert "city" not in found("me llamo Benito Juárez")


def test_the_hearing_and_report_times_by_words_before_after_or_in_the_clause_before():
    assert found("a las 9 es mi audiencia y a las 4 me presento en el puente") == {
        "time": ("ok", "09:00"), "report_time": ("ok", "04:00")}
    assert found("me presento en el puente, a las 4") == {"report_time": ("ok", "04:00")}
    assert found("tengo corte el 4 de marzo, a las 8:30")["time"] == ("ok", "08:30")
    assert found("a las 8:30") == {"time": ("ok", "08:30")}


PIECES = ["a las", "at", "8:30", "4", "am", "pm", "de la tarde", ",", ".", "y", "o", "me presento",
          "corte", "puente", "hearing", "report to the port", "el 4 de marzo", "3/4/2027", "March 4,",
          "2027", "tijuana", "san diego", "me llamo", "soy", "Rosa", "Name:", "A#", "212-345-678",
          "4 horas antes", "\n", " ", "y media", "DOB:", "M.", "¿", "?"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=14).map(" ".join) | st.text(max_size=80))
def test_the_scan_never_fails_on_any_message(text):
    for answer in scan(text, Asking({"time": "09:00"}, None, CITIES, (), NOW)).values():
        assert answer.outcome or answer.reason


def test_a_date_only_where_one_is_written():
    assert "date" not in found("mañana me presento a las 4 en el puente")
    # The notice's own date is past: it is not the hearing's.
    assert found("Date: Nov 10, 2026\nhearing on March 4, 2027")["date"] == ("ok", "2027-03-04")
    assert "date" not in found("el 4 de marzo o el 5 de marzo")


def test_nothing_is_saved_without_the_read_backs_yes(app, phone):
    assert asked(phone.send(BROWNSVILLE)) == ["read-back"]
    assert "¿Qué quiere corregir" in phone.send("no")
    assert hearings(app) == []
    phone.send("menu")
    assert hearings(app) == []


def test_a_person_saved_before_is_not_asked_for_again(app, phone):
    phone.talk(MATAMOROS, "Rosa", "A 212-345-678", "si")
    reply = phone.send("me llamo Rosa, tengo corte el 4 de marzo a las 8:30 en tijuana y me presento "
                       "a las 4:30")
    assert asked(reply) == ["read-back"] and "Persona: Rosa" in reply
    assert "Guardado" in phone.send("si")
    assert [row[0] for row in hearings(app)] == ["Rosa", "Rosa"]


def test_a_one_message_registration_through_the_chat_command_as_a_new_user(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["chat"], input=f"{MATAMOROS}\nRosa\nno\nsi\n")
    assert result.exit_code == 0, result.output
    assert "Guardado" in result.output
    assert hearings(app)[0][2:] == ("matamoros", at_court("matamoros", date(2027, 2, 2), time(13, 0)),
                                    at_court("matamoros", date(2027, 2, 2), time(9, 0)))



def test_a_volunteer_registering_a_person_is_asked_only_what_is_missing(app):
    from conftest import Phone, Pick
    runner = app.test_cli_runner()
    assert runner.invoke(args=["shelters", "add", "Casa", "--city", "tijuana"]).exit_code == 0
    assert runner.invoke(args=["volunteers", "add", "664 555 0001", "--shelter", "Casa"]).exit_code == 0
    volunteer = Phone(app, "whatsapp:+5216645550001")
    volunteer.talk("hola", "VOLUNTARIO", Pick("Registrar a una persona"), "664 123 4567", Pick("Sí"))
    reply = volunteer.send(MPP_TEAR_SHEET)
    # The name question read the whole notice: the name it introduces, and every other detail.
    assert "pone primero el mes: jueves 4 de marzo de 2027" in reply
    reply = volunteer.pick("Sí")
    assert "aceptó" in reply and asked(reply) == []
    reply = volunteer.pick("Sí, aceptó")
    assert "Revise los datos" in reply and "MARIA ELENA LOPEZ" in reply
    assert "Presentarse en el puerto: jueves 4 de marzo de 2027, 4:30 a. m." in reply


def test_a_time_to_report_given_ahead_that_falls_after_the_hearing_is_asked_again(phone):
    phone.talk("quiero registrar mi audiencia", "Rosa")
    assert asked(phone.send("tijuana, me presento a las 9")) == ["date"]
    phone.send("4 de marzo")
    assert asked(phone.send("8:00")) == ["report"]
    reply = phone.talk("5:00", "no")
    assert "Presentarse en el puerto: jueves 4 de marzo de 2027, 5:00 a. m." in reply


def test_a_new_name_from_a_person_with_people_saved_adds_that_person(app, phone):
    phone.talk(MATAMOROS, "Rosa", "A 212-345-678", "si")
    reply = phone.send("me llamo Luis, tengo corte el 4 de marzo a las 8:30 en tijuana y me presento "
                       "a las 4:30")
    assert asked(reply) == ["a_number"] and "¿Para quién" not in reply
    assert "Persona: Luis" in phone.send("no")
    assert "Guardado" in phone.send("si")
    assert sorted(row[0] for row in hearings(app)) == ["Luis", "Rosa"]


def test_port_words_with_a_time_at_a_question_fill_the_draft_not_another_topic(phone):
    phone.talk("quiero registrar mi audiencia", "Rosa")
    reply = phone.send("me presento a las 4 en el puente")
    assert "No encontré esa ciudad" in reply and "quedó a medias" not in reply
    phone.send("tijuana")
    phone.send("4 de marzo")
    assert asked(phone.send("8:30")) == ["a_number"]
    assert "Presentarse en el puerto: jueves 4 de marzo de 2027, 4:00 a. m." in phone.send("no")


def test_a_date_gone_by_in_one_message_is_refused_when_its_question_comes(phone):
    reply = phone.send("me llamo Rosa, tengo corte el 4 de marzo de 2026 a las 8:30 en tijuana")
    assert "Esa fecha ya pasó" in reply and ASK_DATE not in reply
    assert asked(phone.send("4 de marzo de 2027")) == ["report"]
