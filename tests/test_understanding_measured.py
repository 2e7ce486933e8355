"""Messages people write that the bot misread: danger, stop, dates and yes, as transcripts."""

from __future__ import annotations

import sqlite3

import pytest

# What the corpus found, as transcripts through the whole app.
ANSWER = "Si está en peligro ahora, llame al 911."
STOP_QUESTION = "¿Quiere dejar de recibir mensajes?"
STOPPED = "Ya no le vamos a mandar mensajes"
TO_TIME = ("hola", "1", "MR", "1")   # waiting for the hearing date in Tijuana


def opted_out(app) -> int:
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        return conn.execute("SELECT opted_out FROM contacts").fetchone()[0]


@pytest.mark.parametrize("message", [
    "me estan cobrando cuota", "me estan pidiendo cuota para dejarme vivir aqui",
    "unos tipos me piden 500 dolares de cuota cada semana", "quieren cobrarnos por dejarnos pasar",
    "mi hija tomo veneno", "me quiero morir ya no aguanto", "🆘 ayuda"])
def test_danger_the_corpus_found_missed_reaches_the_emergency_answer(phone, message):
    phone.send("hola")
    assert phone.send(message).startswith(ANSWER)


@pytest.mark.parametrize("message", ["Bajaa", "quiero darme de baja", "BAJAAA"])
def test_a_stop_with_a_held_letter_or_a_wish_stops(app, phone, message):
    phone.send("hola")
    assert STOPPED in phone.send(message)
    assert opted_out(app) == 1


@pytest.mark.parametrize("message", ["sí, ya no quiero", "si, baja", "Si ya no gracias"])
def test_a_yes_that_goes_on_to_say_stop_answers_the_stop_question(app, phone, message):
    assert STOP_QUESTION in phone.talk("hola", "ya no me interesa")
    assert STOPPED in phone.send(message)
    assert opted_out(app) == 1


def test_no_thanks_i_do_want_the_messages_does_not_stop_them(app, phone):
    phone.send("hola")
    reply = phone.send("no gracias, si quiero los mensajes")
    assert STOPPED not in reply and opted_out(app) == 0


@pytest.mark.parametrize("message", ["como me salgo de la lista", "I dont want messages anymore"])
def test_a_sentence_about_leaving_the_list_is_asked_about(app, phone, message):
    phone.send("hola")
    assert STOP_QUESTION in phone.send(message)
    assert opted_out(app) == 0


def test_me_quiero_salir_in_a_registration_is_asked_about_never_done(app, phone):
    phone.talk(*TO_TIME)
    assert STOP_QUESTION in phone.send("me quiero salir")
    assert opted_out(app) == 0


def test_a_date_in_words_without_accents_is_read(phone):
    phone.talk(*TO_TIME)
    reply = phone.send("veintidos de febrero")
    assert "¿A qué hora es la audiencia" in reply


@pytest.mark.parametrize("message", ["hoy no", "no es mañana", "el lunes no"])
def test_a_day_denied_is_no_date(phone, message):
    phone.talk(*TO_TIME)
    reply = phone.send(message)
    assert "No entendí la fecha" in reply


@pytest.mark.parametrize("message", ["afirmativo", "si, todos los datos estan bien"])
def test_these_yeses_save_at_the_read_back(app, phone, message):
    reply = phone.talk(*TO_TIME, "15/3/2027", "8:30", "no se", "no")
    assert "Revise sus datos" in reply
    assert "Guardado" in phone.send(message)
