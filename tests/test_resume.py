"""Nothing is lost silently: a task left for another topic, MENU or three unclear answers is kept
for a day, the reply says so, and SEGUIR takes it up again at the question it was waiting on."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from conftest import NOW, Phone

HALF_WAY = ("hola", "quiero registrar mi audiencia", "Rosa", "tijuana", "15/3/2027")


def hearings(app) -> list[tuple]:
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        return conn.execute("SELECT city, starts_at FROM hearings").fetchall()


def finish_registration(phone: Phone) -> str:
    phone.talk("8:30", "4:30", "no")
    return phone.send("si")


def test_another_topic_keeps_the_registration_and_seguir_goes_on(app, phone):
    phone.talk(*HALF_WAY)
    reply = phone.send("que derechos tengo")
    assert "Su registro quedó a medias" in reply and "SEGUIR" in reply
    reply = phone.send("SEGUIR")
    assert "Seguimos donde se quedó" in reply and "¿A qué hora es la audiencia?" in reply
    assert "Guardado" in finish_registration(phone)
    assert hearings(app) == [("tijuana", "2027-03-15T15:30:00+00:00")]


def test_menu_keeps_it_too(app, phone):
    phone.talk(*HALF_WAY)
    assert "Su registro quedó a medias" in phone.send("menu")
    phone.pick("Ver mi audiencia")                     # looks at something else meanwhile
    assert "¿A qué hora es la audiencia?" in phone.send("seguir")
    assert "Guardado" in finish_registration(phone)


def test_three_unclear_answers_keep_what_was_typed(app, phone):
    phone.talk(*HALF_WAY)
    replies = [phone.send("xyz") for _ in range(3)]
    assert "no nos estamos entendiendo" in replies[-1] and "SEGUIR" in replies[-1]
    assert "¿A qué hora es la audiencia?" in phone.send("SEGUIR")
    assert "Guardado" in finish_registration(phone)


def test_an_answer_hours_later_still_counts(app):
    Phone(app).talk(*HALF_WAY)
    later = Phone(app, now=NOW + timedelta(hours=6))
    assert "presentarse en el puerto" in later.send("8:30")


def test_cancelar_drops_it_and_seguir_says_there_is_nothing(app, phone):
    phone.talk(*HALF_WAY)
    assert "No guardé nada" in phone.send("cancelar")
    reply = phone.send("seguir")
    assert "No hay nada a medias" in reply and "¿Qué quiere hacer?" in reply


def test_a_kept_task_lasts_a_day(app, phone):
    phone.talk(*HALF_WAY)
    phone.send("menu")
    reply = Phone(app, now=NOW + timedelta(hours=25)).send("seguir")
    assert "No hay nada a medias" in reply


def test_what_is_kept_is_sealed_like_the_rest(app, phone):
    phone.talk(*HALF_WAY)
    phone.send("menu")
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        (stored,) = conn.execute("SELECT vars FROM conversations").fetchone()
    assert "Rosa" not in stored and "tijuana" not in stored
    assert "¿A qué hora es la audiencia?" in phone.send("seguir")   # and it was kept


def test_saving_ends_what_was_kept(app, phone):
    phone.talk(*HALF_WAY)
    phone.send("menu")
    phone.talk("quiero registrar mi audiencia", "Rosa", "tijuana", "16/3/2027")
    assert "Guardado" in finish_registration(phone)
    assert "No hay nada a medias" in phone.send("seguir")
