"""A conversation's answers never outlive their task: each task starts from an empty draft and
writes only to the record that was confirmed on screen. Every other row stays byte for byte."""

from __future__ import annotations

import sqlite3

import pytest
from conftest import Phone, Pick, choose, opened
from test_shelters import VOLUNTEER, cli

X_PHONE, W_PHONE = "664 111 1111", "+52 656 222 2222"   # 656 alone could be a US number


def table(app, name: str) -> dict[int, tuple]:
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        return {row[0]: row for row in conn.execute(f"SELECT * FROM {name} ORDER BY id")}


def hearing_of(app, name: str) -> tuple:
    """The one hearing of the person with this (decrypted) name."""
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        found = [row for row in conn.execute(
            "SELECT h.*, p.name FROM hearings h JOIN people p ON p.id = h.person_id")
            if opened(app, row[-1]) == name]
    assert len(found) == 1
    return found[0][:-1]


def person_named(app, name: str) -> tuple:
    found = [r for r in table(app, "people").values() if opened(app, r[2]) == name]
    assert len(found) == 1
    return found[0]


def volunteer_desk(app) -> Phone:
    """A shelter's volunteer at the volunteer menu (its text kept in .menu)."""
    assert cli(app, "shelters", "add", "Casa del Migrante", "--city", "tijuana").exit_code == 0
    assert cli(app, "volunteers", "add", "664 555 0001", "--shelter", "Casa del Migrante"
               ).exit_code == 0
    volunteer = Phone(app, VOLUNTEER)
    volunteer.menu = volunteer.send("VOLUNTARIO")
    return volunteer


@pytest.fixture
def desk(app):
    return volunteer_desk(app)


def register(desk: Phone, phone: str, name: str, city: str, day: str, hour: str, report: str,
             a_number: str) -> str:
    """A volunteer registers one person from the volunteer menu, answering every question, and
    confirms; the reply ends back at the menu, where the next task starts without VOLUNTARIO."""
    reply = desk.send(choose(desk.menu, "Registrar a una persona"))
    assert "¿Cuál es el teléfono" in reply
    desk.talk(phone, "si", name, city, day, hour, report, a_number)
    reply = desk.send("si")                      # the person agreed
    assert "Revise los datos" in reply and name in reply
    desk.menu = desk.send("si")
    return desk.menu


def change(desk: Phone, name: str, day: str, hour: str, report: str) -> str:
    """A volunteer changes the date of one registration and confirms what is shown."""
    reply = desk.send(choose(desk.menu, "Cambiar o cancelar un registro"))
    reply = desk.send(choose(reply, name))
    reply = desk.send(choose(reply, "Cambiar la fecha o la hora"))
    reply = desk.talk(day, hour, report)
    assert "Revise el cambio" in reply and name in reply
    desk.menu = desk.send("si")
    return desk.menu


def test_registering_w_then_changing_x_leaves_x_with_its_own_city_and_a_number(app, desk):
    register(desk, X_PHONE, "Xochitl P", "tijuana", "15/3/2027", "8:30", "4:30", "A 111-111-111")
    register(desk, W_PHONE, "Wendy Q", "juarez", "20/4/2027", "9:00", "5:00", "A 222-222-222")
    people, x_before = table(app, "people"), hearing_of(app, "Xochitl P")
    w_before = hearing_of(app, "Wendy Q")

    assert "nueva fecha" in change(desk, "Xochitl P", "16/3/2027", "8:30", "4:30")

    assert table(app, "people") == people            # no A-number moved, byte for byte
    assert hearing_of(app, "Wendy Q") == w_before
    x_after = hearing_of(app, "Xochitl P")
    assert x_after[2] == "tijuana" == x_before[2]    # city
    assert x_after[3] == "2027-03-16T15:30:00+00:00"  # 8:30 in Tijuana, not in Ciudad Juárez
    assert opened(app, person_named(app, "Xochitl P")[3]) == "111111111"


def test_changing_x_then_adding_xs_daughter_adds_a_person_and_changes_nothing_else(app, desk):
    register(desk, X_PHONE, "Xochitl P", "tijuana", "15/3/2027", "8:30", "4:30", "A 111-111-111")
    change(desk, "Xochitl P", "16/3/2027", "8:30", "4:30")
    people, x_hearing = table(app, "people"), hearing_of(app, "Xochitl P")

    register(desk, X_PHONE, "Hija de X", "tijuana", "17/5/2027", "10:00", "no se", "no")

    assert hearing_of(app, "Xochitl P") == x_hearing
    after = table(app, "people")
    assert {k: v for k, v in after.items() if k in people} == people
    daughter = person_named(app, "Hija de X")
    assert daughter[3] is None                        # no A-number was given for her
    assert hearing_of(app, "Hija de X")[3] == "2027-05-17T17:00:00+00:00"
    assert len(table(app, "hearings")) == 2


def test_adding_a_family_member_then_saving_a_hearing_for_the_first_person(app, phone):
    reply = phone.talk("hola", Pick("Guardar una audiencia"), "Rosa", "tijuana", "15/3/2027", "8:30", "4:30",
                       "A 123-456-789")
    assert "Guardado" in phone.send("si")
    reply = phone.send("menu")
    reply = phone.send(choose(reply, "Mi familia en este teléfono"))
    phone.talk(choose(reply, "Agregar una persona"), "Hijo", "A 987-654-321")
    assert "guardamos a Hijo" in phone.send("si")
    people, rosa_first = table(app, "people"), table(app, "hearings")

    reply = phone.send("quiero registrar mi audiencia")
    reply = phone.talk(choose(reply, "Rosa"), "tijuana", "20/4/2027", "9:00", "5:00")
    # Rosa's own A-number is read back, not the one typed for her son.
    assert "Número A: A 123-456-789" in reply and "987" not in reply
    assert "Guardado" in phone.send("si")

    assert table(app, "people") == people
    hearings = table(app, "hearings")
    assert {k: v for k, v in hearings.items() if k in rosa_first} == rosa_first
    assert len(hearings) == 2


def test_an_action_receives_only_the_fields_it_needs(app):
    from bot.engine import Conversation

    engine = app.extensions["engine"]
    with app.app_context():
        from bot.context import Context
        stale = {"a_number": "222222222", "city": "ciudad_juarez", "phone": "+526562222222",
                 "name": "Wendy Q", "language": "en"}
        state = Conversation("family.confirm_add", {**stale, "name": "Hijo"}, 0, None)
        outcome = engine.step(state, Context(), "si", __import__("conftest").NOW)
    [effect] = outcome.effects
    assert effect.name == "add_person" and set(effect.data) == {"name", "a_number"}


@pytest.mark.parametrize("vanishes_before", ["the read-back", "the yes"])
def test_a_registration_deleted_while_a_volunteer_changes_it_is_said_not_crashed(
        app, desk, vanishes_before):
    register(desk, X_PHONE, "Xochitl P", "tijuana", "15/3/2027", "8:30", "4:30", "no")
    reply = desk.send(choose(desk.menu, "Cambiar o cancelar un registro"))
    reply = desk.send(choose(reply, "Xochitl P"))
    desk.talk(choose(reply, "Cambiar la fecha o la hora"), "16/3/2027", "8:30")
    person = Phone(app, "whatsapp:+5216641111111")
    if vanishes_before == "the read-back":
        person.talk("BORRAR", Pick("Sí, borrar todo"))
        reply = desk.send("4:30")
    else:
        assert "Revise el cambio" in desk.send("4:30")
        person.talk("BORRAR", Pick("Sí, borrar todo"))
        assert "Ese registro ya no está" in desk.send("ayuda")   # the question shown again
        reply = desk.send("si")
    assert "Ese registro ya no está" in reply and "No cambié nada" in reply
    assert "Menú de voluntarios" in reply
    assert table(app, "hearings") == {}
