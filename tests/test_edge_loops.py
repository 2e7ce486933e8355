"""Auto-responder loops, short or counting, and the daily reply cap; people and volunteers are
still answered."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest
from conftest import NOW, Phone, Pick, typed

from bot.guard import shape

VOLUNTEER = "whatsapp:+5216645550001"


def events(handler, name: str) -> list[dict]:
    return [e for e in map(json.loads, handler.lines) if e["event"] == name]


def later(app, minutes: float, address: str = "whatsapp:+5216641234567") -> Phone:
    return Phone(app, address, now=NOW + dt.timedelta(minutes=minutes))


@pytest.mark.parametrize("replies", [
    ["OK"] * 8,
    ["Ok.", "OK", "ok!", "OK", "Ok", "OK", "ok"],
    [f"Gracias por su mensaje {n}" for n in range(1, 9)],
    [f"Auto-reply {n}" for n in range(2, 10)],
    [f"Recibido a las 10:{n:02d}. Le contestamos pronto." for n in range(8)],
    ["👍"] * 8,
])
def test_short_or_counting_auto_replies_are_met_with_silence(app, no_numbers_in_logs, replies):
    phone = Phone(app)
    phone.send("hola")
    answered = [bool(later(app, n / 6).send(text)) for n, text in enumerate(replies, start=1)]
    assert answered[:4] == [True] * 4 and not any(answered[4:])
    assert events(no_numbers_in_logs, "loop_detected")
    # Once the auto-responder stops, the person is answered at once.
    assert "¿Qué quiere hacer?" in later(app, 3).send("menu")


def test_a_person_answering_1_si_1_through_flows_is_never_silenced(app):
    # A family saving three hearings in a row, the same answers each time, one message every
    # 20 seconds: 34 messages within the loop window, "1" again and again.
    # (Three days: the same person's hearing on the same day saved again is one hearing.)
    answers = ["hola"] + [a for day in (15, 16, 17) for a in (
        Pick("Guardar una audiencia"), "MR", Pick("Tijuana / San Diego"), f"{day}/3/2027", "8:30",
        "4:30", "no", "si", "menu", Pick("Ver mi audiencia"), "menu")]
    replies = [""]
    for n, answer in enumerate(answers):
        replies.append(later(app, n / 3).send(typed(replies[-1], answer)))
    replies = replies[1:]
    assert all(replies)
    assert later(app, 12).send("cuando es mi audiencia").count("MR") == 3


def test_a_person_browsing_the_menu_by_number_is_never_silenced(app):
    choices = ["hola", Pick("Hora para ir al puerto"), "menu", Pick("Mis derechos"), "menu",
               Pick("Mis derechos"), "menu", Pick("Mis derechos"), "menu", Pick("Mis derechos"), "menu",
               Pick("Mis derechos")]
    reply = ""
    for n, choice in enumerate(choices):
        reply = later(app, n / 3).send(typed(reply, choice))
        assert reply, choice


def test_a_person_stuck_on_a_question_is_answered_until_the_help(app):
    phone = Phone(app)
    phone.talk("hola", Pick("Guardar una audiencia"), "MR")
    # Wrong answers get their retries and then the way out, as before: no silence in between.
    assert all(phone.send("1234") for _ in range(4))


def test_baja_and_borrar_work_even_from_a_looping_phone(app):
    phone = Phone(app)
    phone.send("hola")
    for _ in range(6):
        phone.send("Fuera de la oficina")
    assert phone.send("Fuera de la oficina") == ""
    assert "ALTA" in phone.send("BAJA")
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        assert conn.execute("SELECT opted_out FROM contacts").fetchall() == [(1,)]


@pytest.fixture
def capped(app):
    app.config["DAILY_REPLY_CAP"] = 12
    app.config["LOOP_REPEATS"] = 1000   # the cap alone, whatever the loop detector would catch
    return app


def test_the_daily_cap_gives_one_notice_then_silence_until_the_next_day(capped,
                                                                        no_numbers_in_logs):
    app = capped
    replies = [later(app, 2 * n).send(f"hola {chr(ord('a') + n)}") for n in range(12)]
    assert all(replies)
    notice = later(app, 30).send("hola otra vez")
    assert "Hoy ya no podemos contestar más mensajes" in notice
    assert [later(app, 31 + n).send(f"menu {n}") for n in range(5)] == [""] * 5
    assert later(app, 60 * 12).send("menu") == ""
    reached = events(no_numbers_in_logs, "reply_cap_reached")
    assert len(reached) == 7 and sum(e["notice"] for e in reached) == 1
    # A day after the first of those messages, the count is below the cap again.
    assert "¿Qué quiere hacer?" in later(app, 60 * 24 + 25).send("menu")


def test_the_cap_notice_is_in_the_persons_language(capped):
    app = capped
    later(app, 0).talk("hola", "english")
    for n in range(10):
        later(app, 1 + n).send(f"menu {n}")
    assert "We cannot answer more messages today" in later(app, 20).send("menu")


def test_baja_borrar_and_danger_words_pass_the_cap(capped):
    app = capped
    for n in range(14):
        later(app, n).send(f"hola {n}")
    assert later(app, 20).send("hola") == ""
    assert "911" in later(app, 21).send("auxilio, me quieren secuestrar")
    assert "ALTA" in later(app, 22).send("BAJA")
    assert "¿Quiere borrar" in later(app, 23).send("BORRAR")


def test_a_volunteer_registering_many_people_hits_neither_the_cap_nor_the_loop(capped, runner):
    app = capped
    app.config["LOOP_REPEATS"] = 5
    assert runner.invoke(args=["shelters", "add", "Casa del Migrante", "--city",
                               "tijuana"]).exit_code == 0
    assert runner.invoke(args=["volunteers", "add", "664 555 0001", "--shelter",
                               "Casa del Migrante"]).exit_code == 0
    volunteer = Phone(app, VOLUNTEER)
    replies = [volunteer.send("VOLUNTARIO")]
    for n in range(7):   # seven people in one sitting: far more than the cap of 12 messages
        replies += [volunteer.talk(text) for text in (
            Pick("Registrar a una persona"), f"664 123 45{n:02d}", Pick("Sí"), "M. R.", "tijuana",
            "15/3/2027", "8:30", "4:30", "no", Pick("Sí, aceptó"), Pick("Sí, registrar"))]
    assert all(replies)
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        assert conn.execute("SELECT count(*) FROM people").fetchone() == (7,)


@pytest.mark.parametrize("a,b", [("Auto-reply 2", "auto reply 3"), ("OK", "ok."),
                                 ("Gracias por su mensaje 1", "gracias, por su mensaje #12")])
def test_one_shape_for_texts_that_differ_only_in_numbers_case_or_punctuation(a, b):
    assert shape(a) == shape(b)


@pytest.mark.parametrize("a,b", [("1", "2"), ("si", "no"), ("👍", "🙏"), ("OK", "okey")])
def test_different_answers_have_different_shapes(a, b):
    assert shape(a) != shape(b)


def test_a_person_repeating_a_danger_word_is_always_answered(app):
    phone = Phone(app)
    phone.send("hola")
    replies = [later(app, n).send("peligro") for n in range(8)]
    assert all("llame al 911" in r for r in replies), replies


def test_a_confused_person_repeating_a_command_is_answered(app):
    phone = Phone(app)
    phone.send("hola")
    replies = [later(app, n).send("ayuda") for n in range(7)]
    assert all("Mi Audiencia le ayuda" in r for r in replies), replies


def test_baja_borrar_and_danger_words_pass_the_rate_limit(app):
    app.config["RATE_LIMIT_MESSAGES"] = 3
    phone = Phone(app)
    for n in range(6):
        phone.send(f"mensaje {n}")
    assert phone.send("otro") == ""                   # past the limit: silence
    assert "llame al 911" in phone.send("peligro")
    assert "ALTA" in phone.send("BAJA")
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        assert conn.execute("SELECT opted_out FROM contacts").fetchall() == [(1,)]
