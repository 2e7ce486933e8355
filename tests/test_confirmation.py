"""A confirmation saves only on a clear yes; anything else asks what to fix and fixes only that."""

from __future__ import annotations

import sqlite3

import pytest
from conftest import opened

from bot.inputs import read_yes_no


def hearings(app) -> list[tuple]:
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        rows = conn.execute("SELECT p.name, p.a_number, h.city, h.starts_at, h.report_at "
                            "FROM hearings h JOIN people p ON p.id = h.person_id").fetchall()
    return [(opened(app, name), opened(app, a_number), *rest) for name, a_number, *rest in rows]

CLEAR_YES = ["1", "si", "Sí", "SI!", "siii", "sí, guardar", "correcto", "está bien", "esta bien",
             "ok", "Ok.", "sí, está todo bien, gracias", "claro que sí", "sí, registrar"]
NOT_YES = ["2", "no", "No.", "mal", "no es", "incorrecto", "la fecha no es esa",
           "sí, pero la hora no", "si pero", "sí?", "¿sí?", "?si", "ok pero la hora",
           "sí, la hora está mal", "no, es el 4 de marzo", "si no", "1 no", "ni modo",
           "si, es otra fecha", "nooo"]


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
        reply = phone.talk("CANCELAR", "hola", "1", "MR", "1", "15/3/2027", "9", "no se", "no")
        assert "¿Está todo bien?" in reply
        assert "Guardado" not in phone.send(answer)
        assert hearings(app) == []
