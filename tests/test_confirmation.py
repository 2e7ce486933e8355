"""A confirmation saves only on a clear yes; anything else asks what to fix and fixes only that."""

from __future__ import annotations

import sqlite3

import pytest
from conftest import Phone, Pick, choose, opened

from bot.inputs import read_yes_no


def hearings(app) -> list[tuple]:
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        rows = conn.execute("SELECT p.name, p.a_number, h.city, h.starts_at, h.report_at "
                            "FROM hearings h JOIN people p ON p.id = h.person_id").fetchall()
    return [(opened(app, name), opened(app, a_number), *rest) for name, a_number, *rest in rows]

CLEAR_YES = ["1", "si", "Sí", "SI!", "siii", "sí, guardar", "correcto", "está bien", "esta bien",
             "ok", "Ok.", "sí, está todo bien, gracias", "claro que sí", "sí, registrar",
             "yes", "Yes, save", "it's all correct, thanks"]
NOT_YES = ["2", "no", "No.", "mal", "no es", "incorrecto", "la fecha no es esa",
           "sí, pero la hora no", "si pero", "sí?", "¿sí?", "?si", "ok pero la hora",
           "sí, la hora está mal", "no, es el 4 de marzo", "si no", "1 no", "ni modo",
           "si, es otra fecha", "nooo",
           "yes but the time is wrong", "not right"]


@pytest.mark.parametrize("text", CLEAR_YES)
def test_a_clear_yes_is_yes(text):
    assert read_yes_no(text, None).outcome == "yes"


@pytest.mark.parametrize("text", NOT_YES)
def test_a_negative_correction_or_question_anywhere_is_a_no(text):
    assert read_yes_no(text, None).outcome == "no"


@pytest.mark.parametrize("text", ["hola", "gracias", "la hora", "sí, a las 9", "sí el 4 de marzo"])
def test_anything_else_is_not_a_yes(text):
    assert read_yes_no(text, None).outcome != "yes"


def test_a_yes_with_a_doubt_at_the_read_back_saves_nothing(app, phone):
    for answer in ("sí, pero la hora no", "la fecha no es esa", "¿sí?"):
        reply = phone.talk("CANCELAR", "hola", Pick("Guardar una audiencia"), "MR",
                           Pick("Tijuana / San Diego"), "15/3/2027", "9", "no se", "no")
        assert "¿Está todo bien?" in reply
        assert "Guardado" not in phone.send(answer)
        assert hearings(app) == []


FIELDS = ["Fecha", "Hora de la audiencia", "Hora para presentarse", "Ciudad", "Nombre", "Número A"]
# 15 March 2027 in San Diego is PDT (UTC-7).
SAVED = ("MR", None, "tijuana", "2027-03-15T16:00:00+00:00", "2027-03-15T14:00:00+00:00")


def read_back(phone) -> str:
    """Register MR in Tijuana on 15 March 2027 at 9:00, reporting at 7:00, with no A-number."""
    reply = phone.talk("hola", Pick("Guardar una audiencia"), "MR", Pick("Tijuana / San Diego"), "15/3/2027",
                       "9", "7", "no")
    assert "¿Está todo bien?" in reply and choose(reply, "No, corregir algo")
    return reply


@pytest.mark.parametrize("answer", ["sí, pero la hora no", "la fecha no es esa", "mal", "no es",
                                    "incorrecto", "¿sí?", Pick("No, corregir algo"), "no",
                                    "no es el 15"])
def test_anything_but_a_clear_yes_asks_what_to_fix(app, phone, answer):
    read_back(phone)
    reply = phone.talk(answer)
    assert "¿Qué quiere corregir?" in reply
    assert [choose(reply, label) for label in FIELDS] == ["1", "2", "3", "4", "5", "6"]
    assert hearings(app) == []


def test_fixing_the_time_changes_only_the_time_and_reads_back_again(app, phone):
    before = read_back(phone)
    reply = phone.send("sí, pero la hora no")
    assert "¿A qué hora es la audiencia?" in phone.send(choose(reply, "Hora de la audiencia"))
    reply = phone.send("10:30")
    # Straight back to the read-back: nothing else is asked, and only the time changed.
    assert "¿Está todo bien?" in reply and "¿A qué hora tiene que presentarse" not in reply
    assert reply == before.replace("9:00 a. m.", "10:30 a. m.")
    assert hearings(app) == []
    assert "Guardado" in phone.send("sí")
    assert hearings(app) == [(*SAVED[:3], "2027-03-15T17:30:00+00:00", SAVED[4])]


def test_fixing_the_date_keeps_everything_else(app, phone):
    read_back(phone)
    reply = phone.send("la fecha no es esa")
    assert "¿Qué día es la audiencia?" in phone.send(choose(reply, "Fecha"))
    reply = phone.send("16/3/2027")
    assert "Audiencia: martes 16 de marzo de 2027, 9:00 a. m." in reply
    assert "Persona: MR" in reply and "Presentarse en el puerto: martes 16 de marzo de 2027, 7:00" \
        in reply and "¿Está todo bien?" in reply
    phone.pick("Sí, guardar")
    assert hearings(app) == [(*SAVED[:3], "2027-03-16T16:00:00+00:00", "2027-03-16T14:00:00+00:00")]


def test_fixing_the_city_and_the_report_time(app, phone):
    read_back(phone)
    phone.pick("No, corregir algo")
    reply = phone.pick("Ciudad")
    reply = phone.send(choose(reply, "Ciudad Juárez / El Paso"))
    assert "Ciudad: Ciudad Juárez / El Paso" in reply and "¿Está todo bien?" in reply
    reply = phone.send("la hora para presentarme está mal")
    assert "¿A qué hora tiene que presentarse" in phone.send(choose(reply, "Hora para presentarse"))
    reply = phone.send("6")
    assert "Presentarse en el puerto: lunes 15 de marzo de 2027, 6:00 a. m., hora de El Paso" \
        in reply and "Ciudad: Ciudad Juárez / El Paso" in reply
    phone.send("ok")
    # 9:00 and 6:00 in El Paso in March 2027 are MDT (UTC-6).
    assert hearings(app) == [("MR", None, "ciudad_juarez", "2027-03-15T15:00:00+00:00",
                              "2027-03-15T12:00:00+00:00")]


def test_a_hearing_time_moved_before_the_report_time_asks_that_again(app, phone):
    read_back(phone)
    phone.pick("No, corregir algo")
    phone.pick("Hora de la audiencia")
    assert "¿A qué hora tiene que presentarse" in phone.send("6:30 am")
    reply = phone.send("5")
    assert "Audiencia: lunes 15 de marzo de 2027, 6:30 a. m." in reply
    assert "Presentarse en el puerto: lunes 15 de marzo de 2027, 5:00 a. m." in reply


def test_the_name_and_the_a_number_can_be_fixed(app, phone):
    read_back(phone)
    assert "¿Cómo se llama" in phone.send(choose(phone.send("no"), "Nombre"))
    reply = phone.send("Ana R")
    assert "Persona: Ana R" in reply and "¿Está todo bien?" in reply
    assert "número A" in phone.send(choose(phone.send("no"), "Número A"))
    reply = phone.send("A 123-456-789")
    assert "Número A: A 123-456-789" in reply and "Persona: Ana R" in reply
    phone.send("sí")
    assert hearings(app) == [("Ana R", "123456789", *SAVED[2:])]


def test_choosing_another_person_while_fixing_asks_the_a_number_again(app, phone):
    phone.talk("hola", Pick("Guardar una audiencia"), "MR", Pick("Tijuana / San Diego"), "15/3/2027", "9",
               "7", "A 123-456-789", "sí")
    phone.talk("menu", Pick("Guardar una audiencia"), Pick("Otra persona"))
    reply = phone.talk("Ana", Pick("Tijuana / San Diego"), "16/3/2027", "9", "7", "A 987-654-321")
    assert "Persona: Ana" in reply and "Número A: A 987-654-321" in reply
    reply = phone.send(choose(phone.send("no"), "Nombre"))
    assert "número A" in phone.send(choose(reply, "MR"))
    reply = phone.send("no")
    assert "Persona: MR" in reply and "Número A: A 123-456-789" in reply
    phone.send("sí")
    assert [h[:2] for h in hearings(app)] == [("MR", "123456789"), ("MR", "123456789")]


def test_a_date_or_time_in_the_answer_is_applied_at_once(app, phone):
    before = read_back(phone)
    reply = phone.send("no, es el 4 de marzo")
    assert reply == before.replace("lunes 15 de marzo", "jueves 4 de marzo")
    reply = phone.send("la hora es 9:30")
    assert "Audiencia: jueves 4 de marzo de 2027, 9:30 a. m." in reply and "¿Está todo bien?" in reply
    reply = phone.send("no, me presento a las 6 de la mañana")
    assert "Presentarse en el puerto: jueves 4 de marzo de 2027, 6:00 a. m." in reply
    assert hearings(app) == []
    phone.send("correcto")
    assert hearings(app) == [(*SAVED[:3], "2027-03-04T17:30:00+00:00", "2027-03-04T14:00:00+00:00")]


def test_a_date_with_a_part_of_the_day_changes_only_the_date(app, phone):
    read_back(phone)
    reply = phone.send("es el 16 de marzo por la mañana")
    assert "Audiencia: martes 16 de marzo de 2027, 9:00 a. m." in reply and "¿Está todo bien?" in reply


def test_a_correction_that_does_not_fit_is_not_applied(app, phone):
    read_back(phone)
    # The read-back's own date, denied: there is nothing to apply.
    assert "¿Qué quiere corregir?" in phone.send("no es el 15 de marzo")
    phone.send("CANCELAR")
    read_back(phone)
    # Reporting after the hearing, or a date already past: asked, never taken.
    assert "¿Qué quiere corregir?" in phone.send("no, me presento a las 10 de la mañana")
    other = Phone(app, "whatsapp:+5216641234500")
    read_back(other)
    assert "¿Qué quiere corregir?" in other.send("no, es el 4/3/2026")
    assert hearings(app) == []


VOLUNTEER = "whatsapp:+5216645550001"


@pytest.fixture
def desk(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["shelters", "add", "Casa del Migrante", "--city", "tijuana"]
                         ).exit_code == 0
    assert runner.invoke(args=["volunteers", "add", "664 555 0001", "--shelter",
                               "Casa del Migrante"]).exit_code == 0
    return Phone(app, VOLUNTEER)


def registrations(app) -> list[tuple]:
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        rows = conn.execute("SELECT c.phone, p.name, h.starts_at FROM hearings h "
                            "JOIN people p ON p.id = h.person_id "
                            "JOIN contacts c ON c.id = p.contact_id").fetchall()
    return [(opened(app, phone), opened(app, name), at) for phone, name, at in rows]


def test_the_volunteer_read_back_asks_what_to_fix_including_the_phone(app, desk):
    reply = desk.talk("VOLUNTARIO", Pick("Registrar a una persona"), "664 123 4567", Pick("Sí"),
                      "M. R.", "tijuana", "15/3/2027", "8:30", "4:30", "no", Pick("Sí, aceptó"))
    assert "¿Está todo bien?" in reply and choose(reply, "No, corregir algo")
    reply = desk.send("sí, pero el teléfono no")
    assert [choose(reply, label) for label in ["Teléfono", *FIELDS]] == [
        "1", "2", "3", "4", "5", "6", "7"]
    assert "¿Cuál es el teléfono" in desk.send(choose(reply, "Teléfono"))
    assert "WhatsApp" in desk.send("664 123 4500")
    reply = desk.pick("Sí")
    assert "Teléfono: +526641234500, por WhatsApp" in reply and "¿Está todo bien?" in reply
    reply = desk.send("no, es el 16 de marzo a las 9")
    assert "Audiencia: martes 16 de marzo de 2027, 9:00 a. m." in reply
    assert registrations(app) == []
    assert "ya quedó registrada" in desk.send("sí, registrar")
    assert registrations(app) == [("+526641234500", "M. R.", "2027-03-16T16:00:00+00:00")]


def test_a_denied_day_without_its_month_is_never_turned_into_another_date(app, phone):
    read_back(phone)
    # "el 15" alone would be the next 15th: a guess. The person is asked what to fix.
    assert "¿Qué quiere corregir?" in phone.send("no es el 15")
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        assert conn.execute("SELECT count(*) FROM hearings").fetchone() == (0,)


def test_at_the_read_back_ok_saves_and_gracias_is_thanks(app, phone):
    read_back(phone)
    assert phone.send("gracias") == "Con gusto. Aquí estamos cuando nos necesite."
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        assert conn.execute("SELECT count(*) FROM hearings").fetchone() == (0,)
    assert "Guardado" in phone.send("ok")


def test_hours_before_follow_a_corrected_hearing_time(app, phone):
    phone.talk("hola", Pick("Guardar una audiencia"), "MR", "tijuana", "15/3/2027", "8:30", "4 horas antes",
               "no")
    reply = phone.send("no, la hora es 9:00")
    assert "9:00 a. m." in reply and "Presentarse en el puerto: lunes 15 de marzo de 2027, " \
        "5:00 a. m." in reply
