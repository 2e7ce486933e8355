"""Transcripts: what is saved, with the clock named; changing it; a family on one phone."""

from __future__ import annotations

import sqlite3

from conftest import Phone, Pick

SAVE_A_HEARING = Pick("Guardar una audiencia")
REGISTER_MR = ("hola", SAVE_A_HEARING, "MR", Pick("Tijuana / San Diego"), "15/3/2027", "8:30", "4:30", "no",
               Pick("Sí, guardar"))


def rows(app, sql: str) -> list[tuple]:
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        return conn.execute(sql).fetchall()


def test_my_hearing_with_nothing_saved_offers_to_save_one(phone):
    phone.send("hola")
    assert "No tiene audiencias guardadas" in phone.pick("Ver mi audiencia")
    assert "¿Cómo se llama" in phone.pick("Guardar una audiencia")


def test_my_hearing_shows_date_time_clock_court_and_port(phone):
    phone.talk(*REGISTER_MR)
    reply = phone.send("cuándo es mi corte?")
    assert ("1. MR: lunes 15 de marzo de 2027, 8:30 a. m., hora de San Diego. "
            "Puerto: San Ysidro (Tijuana).\n   Presentarse: 4:30 a. m., hora de San Diego") in reply


def test_nogales_hearing_names_the_el_paso_clock(phone):
    phone.talk("hola", SAVE_A_HEARING, "JL", "nogales", "15/3/2027", "8:30", "no se", "no",
               Pick("Sí, guardar"))
    assert "8:30 a. m., hora de El Paso" in phone.send("mi audiencia")


def test_change_the_date_replaces_the_hearing(app, phone):
    phone.talk(*REGISTER_MR)
    reply = phone.send("me cambiaron la fecha")
    assert "¿Cuál audiencia quiere cambiar?" in reply
    # MR gave no A-number the first time, so it is asked again before the read-back.
    reply = phone.talk(Pick("MR"), Pick("Tijuana / San Diego"), "20/4/2027", "9:00", "no se", "no")
    assert "Audiencia: martes 20 de abril de 2027, 9:00 a. m., hora de San Diego" in reply
    assert "Guardado" in phone.pick("Sí, guardar")
    assert rows(app, "SELECT starts_at FROM hearings") == [("2027-04-20T16:00:00+00:00",)]
    assert rows(app, "SELECT count(*) FROM people") == [(1,)]


def test_remove_a_hearing(app, phone):
    phone.talk(*REGISTER_MR, "menu", Pick("Ver mi audiencia"))
    phone.talk(Pick("Borrar una audiencia"), Pick("MR"))
    assert "Ya la borramos" in phone.pick("Sí, borrarla")
    assert rows(app, "SELECT count(*) FROM hearings") == [(0,)]


def test_a_family_on_one_phone(app, phone):
    phone.talk(*REGISTER_MR)
    reply = phone.talk("menu", Pick("Mi familia en este teléfono"))
    assert "Personas en este teléfono:\n1. MR" in reply
    phone.talk(Pick("Agregar una persona"), "Luis", "A 987654321")
    assert "guardamos a Luis" in phone.pick("Sí")
    reply = phone.send("quiero registrar mi audiencia")
    assert "¿Para quién es la audiencia?" in reply and "1. MR\n2. Luis\n3. Otra persona" in reply
    reply = phone.talk(Pick("Luis"), "matamoros", "16/3/2027", "8:30", "4")
    # Luis already has an A-number, so it is not asked again.
    assert "Número A: A 987-654-321" in reply
    phone.pick("Sí, guardar")
    reply = phone.send("mi audiencia")
    assert "1. MR: lunes 15 de marzo" in reply and "2. Luis: martes 16 de marzo" in reply
    assert "hora de Brownsville" in reply
    assert "A ***-***-321" in phone.talk("menu", Pick("Mi familia en este teléfono"))


def test_remove_a_family_member_removes_their_hearings(app, phone):
    phone.talk(*REGISTER_MR, "menu", Pick("Mi familia en este teléfono"), Pick("Quitar una persona"),
               Pick("MR"))
    assert "Listo, quitamos" in phone.pick("Sí, quitar")
    assert rows(app, "SELECT count(*) FROM people") == [(0,)]
    assert rows(app, "SELECT count(*) FROM hearings") == [(0,)]


def test_one_phone_never_sees_another_phones_hearings(app, phone):
    phone.talk(*REGISTER_MR)
    other = Phone(app, "+526649999999")
    reply = other.talk("hola", Pick("Ver mi audiencia"))
    assert "No tiene audiencias guardadas" in reply and "MR" not in reply
