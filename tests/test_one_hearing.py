"""One hearing is one hearing: a new date from anywhere changes the hearing that exists, and the
same person's hearing on the same day saved again updates it instead of doubling its reminders."""

from __future__ import annotations

import sqlite3

import pytest
from conftest import choose

SAVE_ROSA = ("hola", "quiero registrar mi audiencia", "Rosa", "tijuana", "15/3/2027", "8:30",
             "4:30", "no", "si")


def hearings(app) -> list[tuple]:
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        return conn.execute("SELECT person_id, city, starts_at FROM hearings ORDER BY id").fetchall()


def pending(app) -> list[tuple]:
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        return conn.execute("SELECT kind, due_at FROM reminders WHERE status = 'pending' "
                            "ORDER BY due_at").fetchall()


@pytest.mark.parametrize("said", ["tengo nueva fecha", "me reprogramaron", "me movieron la cita",
                                  "me dieron otra fecha", "me pospusieron la corte"])
def test_a_new_date_after_hola_changes_the_hearing_that_exists(app, phone, said):
    phone.talk(*SAVE_ROSA)
    phone.send("hola")
    reply = phone.send(said)
    assert "¿Cuál audiencia quiere cambiar?" in reply, reply
    reply = phone.talk(choose(reply, "Rosa"), "tijuana", "20/4/2027", "9:00", "5:00", "no")
    assert "Revise sus datos" in reply
    assert "Guardado" in phone.send("si")
    assert hearings(app) == [(1, "tijuana", "2027-04-20T16:00:00+00:00")]
    assert all(due > "2027-03-20" for kind, due in pending(app) if kind != "monthly")


def test_the_same_hearing_registered_twice_is_one_hearing_with_one_set_of_reminders(app, phone):
    phone.talk(*SAVE_ROSA)
    before = pending(app)
    reply = phone.talk("menu", "quiero registrar mi audiencia")
    phone.talk(choose(reply, "Rosa"), "tijuana", "15/3/2027", "8:30", "4:30", "no")
    assert "Guardado" in phone.send("si")
    assert len(hearings(app)) == 1
    assert pending(app) == before


def test_the_same_name_typed_again_for_the_same_day_updates_the_time(app, phone):
    phone.talk(*SAVE_ROSA)
    reply = phone.talk("menu", "quiero registrar mi audiencia")
    phone.talk(choose(reply, "Otra persona"), "rosa", "tijuana", "15/3/2027", "10:00", "no se",
               "no")
    assert "Guardado" in phone.send("si")
    assert hearings(app) == [(1, "tijuana", "2027-03-15T17:00:00+00:00")]
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        assert conn.execute("SELECT count(*) FROM people").fetchone() == (1,)


def test_another_day_is_another_hearing(app, phone):
    phone.talk(*SAVE_ROSA)
    reply = phone.talk("menu", "quiero registrar mi audiencia")
    phone.talk(choose(reply, "Rosa"), "tijuana", "16/3/2027", "8:30", "4:30", "no")
    assert "Guardado" in phone.send("si")
    assert len(hearings(app)) == 2
