"""Context first: while a question waits, the answer's reader gets the message before any topic
word; "no sé" inside a sentence answers the "I don't know" way; a name is a name."""

from __future__ import annotations

import sqlite3

import pytest

TO_REPORT = ("hola", "quiero registrar mi audiencia", "Rosa", "tijuana", "15/3/2027", "8:30")


def people(app) -> list[str]:
    from conftest import opened
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        return [opened(app, n) for (n,) in conn.execute("SELECT name FROM people")]


@pytest.mark.parametrize("answer", ["no se, esta en mi hoja del puente", "la verdad no lo se",
                                    "no me acuerdo de la hora de la garita", "ni idea"])
def test_i_dont_know_in_a_sentence_at_the_report_question(phone, answer):
    phone.talk(*TO_REPORT)
    reply = phone.send(answer)
    assert "número A" in reply and "quedó a medias" not in reply


@pytest.mark.parametrize("answer", ["no lo tengo aqui", "no tengo ese numero", "no se cual es"])
def test_i_dont_know_in_a_sentence_at_the_a_number_question(phone, answer):
    phone.talk(*TO_REPORT, "4:30")
    assert "Revise sus datos" in phone.send(answer)


@pytest.mark.parametrize("name", ["Juan Puente", "Socorro Cruz Paz", "Maria de la Corte",
                                  "María Guadalupe de la Cruz Hernández"])
def test_a_name_is_a_name_even_with_a_topic_word_or_many_words(app, phone, name):
    phone.talk("hola", "quiero registrar mi audiencia")
    assert "¿En qué ciudad" in phone.send(name)
    phone.talk("tijuana", "15/3/2027", "8:30", "4:30", "no")
    assert "Guardado" in phone.send("si")
    assert people(app) == [name]


@pytest.mark.parametrize("said", ["no lo tengo aqui pero es 123456789",
                                  "Alien Number: A-123-456-789", "es el A#123456789 creo"])
def test_an_a_number_in_a_sentence_or_in_the_papers_form_is_read(phone, said):
    phone.talk(*TO_REPORT, "4:30")
    assert "Número A: A 123-456-789" in phone.send(said)


def test_two_numbers_in_a_sentence_are_asked_about_not_guessed(phone):
    phone.talk(*TO_REPORT, "4:30")
    assert "Revise sus datos" not in phone.send("es 123456789 o 987654321")


def test_a_request_at_the_name_question_is_still_a_request(phone):
    phone.talk("hola", "quiero registrar mi audiencia")
    reply = phone.send("cuando es mi audiencia")
    assert "¿En qué ciudad" not in reply and "No tiene audiencias guardadas" in reply


@pytest.mark.parametrize("said", ["es para mi hijo", "para mi esposa", "la de mi hija",
                                  "es de otra persona", "para mi mama"])
def test_a_relative_named_at_the_who_question_is_a_new_person(phone, said):
    phone.talk(*TO_REPORT, "4:30", "no", "si", "hola")
    assert "¿Para quién es la audiencia?" in phone.send("quiero registrar mi audiencia")
    assert "¿Cómo se llama" in phone.send(said)
