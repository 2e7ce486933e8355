"""Every command works from the middle of a flow, with or without accents, in any case."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from conftest import NOW, Phone, Pick

SAVE_A_HEARING = Pick("Guardar una audiencia")
# Waiting for the hearing time.
MID_FLOW = ("hola", SAVE_A_HEARING, "MR", Pick("Tijuana / San Diego"), "15/3/2027")


def count(app, table: str) -> int:
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


@pytest.mark.parametrize("word", ["MENU", "menú", "Inicio", "HOLA", "Menu."])
def test_menu_from_the_middle_of_a_flow(phone, word):
    phone.talk(*MID_FLOW)
    reply = phone.send(word)
    assert "¿Qué quiere hacer?" in reply
    assert "¿Cómo se llama" in phone.pick("Guardar una audiencia")


@pytest.mark.parametrize("word", ["AYUDA", "ayuda", "ayuad", "?"])
def test_help_answers_and_asks_the_same_question_again(phone, word):
    phone.talk(*MID_FLOW)
    reply = phone.send(word)
    assert "CANCELAR" in reply and "¿A qué hora es la audiencia" in reply
    assert "presentarse en el puerto" in phone.send("8:30")


@pytest.mark.parametrize("word", ["CANCELAR", "cancelar", "Cancelr"])
def test_cancel_leaves_the_step_and_saves_nothing(app, phone, word):
    phone.talk(*MID_FLOW, "8:30", "no se", "no")
    reply = phone.send(word)
    assert "No guardé nada" in reply and "¿Qué quiere hacer?" in reply
    assert count(app, "hearings") == 0 and count(app, "people") == 0


@pytest.mark.parametrize("word", ["BAJA", "baja", "STOP", "alto", "PARAR", "ya no quiero mensajes"])
def test_opt_out_is_confirmed_then_silence_until_alta(app, phone, word):
    phone.talk(*MID_FLOW)
    assert "ALTA" in phone.send(word)
    assert phone.send("hola") == ""
    assert phone.send("1") == ""
    reply = phone.send("ALTA")
    assert "mensajes otra vez" in reply and "¿Qué quiere hacer?" in reply
    assert "¿Cómo se llama" in phone.pick("Guardar una audiencia")


def test_start_also_opts_back_in(phone):
    phone.talk("hola", "STOP")
    assert "mensajes otra vez" in phone.send("START")


@pytest.mark.parametrize("word", ["BORRAR", "borrar mis datos", "eliminen mi numero"])
def test_delete_asks_first_then_deletes_everything(app, phone, word):
    phone.talk(*MID_FLOW, "8:30", "no se", "no", Pick("Sí, guardar"))
    assert count(app, "hearings") == 1
    phone.talk(*MID_FLOW)
    assert "¿Quiere borrar todos sus datos?" in phone.send(word)
    assert "Borramos todos sus datos" in phone.pick("Sí, borrar todo")
    for table in ("contacts", "contact_addresses", "people", "hearings", "conversations"):
        assert count(app, table) == 0, table
    # A new first message starts from zero, with the introduction again.
    assert "gratis" in phone.send("hola")


def test_delete_answered_no_keeps_everything(app, phone):
    phone.talk(*MID_FLOW, "8:30", "no se", "no", Pick("Sí, guardar"))
    phone.send("borrar")
    assert "No borramos nada" in phone.send("no")
    assert count(app, "hearings") == 1


def test_delete_works_even_after_opting_out(app, phone):
    phone.talk("hola", "BAJA")
    assert "¿Quiere borrar" in phone.send("BORRAR")
    phone.send("si")
    assert count(app, "contacts") == 0


@pytest.mark.parametrize("word,expected", [("English", "What do you want to do?"),
                                            ("ingles", "What do you want to do?")])
def test_english_from_the_middle_of_a_flow(phone, word, expected):
    phone.talk(*MID_FLOW)
    reply = phone.send(word)
    assert "We will write to you in English" in reply and expected in reply
    assert "What is the name" in phone.pick("Save a hearing")


def test_idioma_offers_both_languages_and_espanol_comes_back(phone):
    phone.talk(*MID_FLOW)
    assert "1. Español\n2. English" in phone.send("IDIOMA")
    assert "Type the number" in phone.pick("English")
    assert "Le vamos a escribir en español" in phone.send("español")


def test_english_read_back_uses_english_dates(phone):
    phone.talk("hola", "english", Pick("Save a hearing"), "MR", Pick("Ciudad Juárez / El Paso"), "15/3/2027",
               "8:30", "no", "no")
    reply = phone.send("")
    assert reply  # a message without text still gets an answer
    summary = phone.send("?")
    assert "Monday, March 15, 2027, 8:30 AM, El Paso time" in summary


def test_a_half_finished_conversation_waits_a_day_then_expires(app):
    early = Phone(app, now=NOW)
    early.talk(*MID_FLOW)
    assert "presentarse en el puerto" in Phone(app, now=NOW + timedelta(hours=3)).send("8:30")
    reply = Phone(app, now=NOW + timedelta(hours=28)).send("4:30")
    assert "se cerró sin guardar" in reply and "¿Qué quiere hacer?" in reply


@pytest.mark.parametrize("word", ["baja por favor", "STOP ALL", "BA\u200bJA", "ba\u00adja",
                                  "Por favor, BAJA.", "muchas gracias baja", "B\u200cA\u200dJ\u2060A"])
def test_polite_spaced_or_invisibly_split_opt_outs_work(app, phone, word):
    phone.talk(*MID_FLOW)
    assert "ALTA" in phone.send(word)
    assert phone.send("hola") == ""
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        assert conn.execute("SELECT opted_out FROM contacts").fetchall() == [(1,)]


@pytest.mark.parametrize("sentence", ["me dieron de baja en el trabajo", "no me den de baja",
                                      "Baja California", "gracias"])
def test_a_sentence_that_mentions_a_command_word_is_not_that_command(app, phone, sentence):
    phone.send("hola")
    assert phone.send(sentence)   # answered, not a silent opt-out
    assert "¿Qué quiere hacer?" in phone.send("menu")
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        assert conn.execute("SELECT opted_out FROM contacts").fetchall() == [(0,)]


@pytest.mark.parametrize("text,command", [
    ("ayuda porfa", "help"), ("borrar mis datos por favor, gracias", "delete"),
    ("MENU\u200b", "menu"), ("gracias", "thanks"), ("por favor", None), ("baja mis datos", None)])
def test_courtesy_is_trimmed_only_at_the_ends_and_never_becomes_a_command(app, text, command):
    assert app.extensions["engine"].vocabulary.command(text) == command
