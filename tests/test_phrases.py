"""How people actually write (from the shelters' phrase corpus) reaches the right flow."""

from __future__ import annotations

import pytest
from conftest import Phone, Pick

# intent, phrase: the corpus rows this part of the bot answers.
PHRASES = [
    ("register", "quiero registrar mi audiencia"),
    ("register", "registrar mi cita de corte"),
    ("register", "me dieron fecha de corte"),
    ("register", "tengo audiencia y quiero que me recuerden"),
    ("register", "kiero apuntar mi fecha"),
    ("register", "Tengo una cita en la corte de San Diego"),
    ("register", "tengo cita en la corte"),
    ("my_hearing", "cuando es mi audiencia"),
    ("my_hearing", "cuándo es mi corte?"),
    ("my_hearing", "q dia es mi cita"),
    ("my_hearing", "mi audiencia"),
    ("my_hearing", "no me acuerdo de mi fecha"),
    ("change", "me cambiaron la fecha"),
    ("change", "cambiar mi audiencia"),
    ("change", "el juez me dio otra fecha"),
    ("change", "tengo nueva cita"),
    ("menu", "Hola"),
    ("menu", "hola buenas tardes"),
    ("menu", "buenos dias"),
    ("menu", "ola"),
    ("menu", "Buenas noches, me dieron este numero en el albergue"),
    ("menu", "menu"),
    ("menu", "MENÚ"),
    ("menu", "inicio"),
    ("menu", "volver al inicio"),
    ("family", "somos familia, mis hijos tambien tienen audiencia"),
]
FIRST_QUESTION = {
    "register": "¿Cómo se llama la persona que tiene la audiencia?",
    "my_hearing": "No tiene audiencias guardadas.",
    "change": "No tiene audiencias guardadas.",
    "menu": "¿Qué quiere hacer?",
    "family": "Personas en este teléfono:",
}


@pytest.mark.parametrize("intent,phrase", PHRASES)
def test_a_phrase_as_the_first_message(app, intent, phrase):
    reply = Phone(app).send(phrase)
    assert "Mi Audiencia" in reply                  # the introduction always comes first
    assert FIRST_QUESTION[intent] in reply


@pytest.mark.parametrize("intent,phrase", [p for p in PHRASES if p[0] != "menu"])
def test_a_phrase_in_the_middle_of_another_question(app, intent, phrase):
    phone = Phone(app)
    # Waiting for the date.
    phone.talk("hola", Pick("Guardar una audiencia"), "MR", Pick("Tijuana / San Diego"))
    assert FIRST_QUESTION[intent] in phone.send(phrase)


def test_with_a_saved_hearing_change_phrases_ask_which_one(app):
    phone = Phone(app)
    phone.talk("hola", Pick("Guardar una audiencia"), "MR", Pick("Tijuana / San Diego"), "15/3/2027", "8:30",
               "no se", "no", Pick("Sí, guardar"))
    assert "¿Cuál audiencia quiere cambiar?" in phone.send("me cambiaron la fecha")
