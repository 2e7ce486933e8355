"""Transcripts: welcome, menu, and saving a hearing by numbers and by free Spanish text."""

from __future__ import annotations

import shutil
import sqlite3

from conftest import TOKEN, Phone, Pick, choose, edit, opened

from bot import create_app
from bot.flows import FLOWS_DIR

SAVE_A_HEARING, TIJUANA = Pick("Guardar una audiencia"), Pick("Tijuana / San Diego")


def hearings(app) -> list[tuple]:
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        rows = conn.execute("SELECT p.name, p.a_number, h.city, h.starts_at, h.report_at "
                            "FROM hearings h JOIN people p ON p.id = h.person_id").fetchall()
    return [(opened(app, name), opened(app, a_number), *rest) for name, a_number, *rest in rows]


def test_first_message_says_who_writes_that_it_is_free_not_a_lawyer_and_how_to_stop(phone):
    reply = phone.send("Hola")
    assert "Mi Audiencia" in reply
    assert "gratis" in reply
    assert "No somos abogados" in reply
    assert "BAJA" in reply and "BORRAR" in reply
    assert choose(reply, "Guardar una audiencia")
    # Only the first message carries the introduction.
    assert "gratis" not in phone.send("hola")


def test_register_by_numbers_reads_back_in_words_and_saves_only_after_yes(app, phone):
    phone.send("hola")
    assert "¿Cómo se llama" in phone.pick("Guardar una audiencia")
    assert choose(phone.send("MR"), "Tijuana / San Diego")
    assert "¿Qué día" in phone.pick("Tijuana / San Diego")
    assert "¿A qué hora es la audiencia" in phone.send("15/3/2027")
    assert "presentarse en el puerto" in phone.send("8:30 am")
    assert "número A" in phone.send("4:30 am")
    reply = phone.send("A 123-456-789")
    assert "Persona: MR" in reply
    assert "Ciudad: Tijuana / San Diego" in reply
    assert "Audiencia: lunes 15 de marzo de 2027, 8:30 a. m., hora de San Diego" in reply
    assert "Presentarse en el puerto: lunes 15 de marzo de 2027, 4:30 a. m., hora de San Diego" \
        in reply
    assert "Número A: A 123-456-789" in reply
    assert hearings(app) == []
    assert "Guardado" in phone.send("si")
    # 8:30 in San Diego in March 2027 is PDT (UTC-7), the clocks having changed on 14 March.
    assert hearings(app) == [("MR", "123456789", "tijuana", "2027-03-15T15:30:00+00:00",
                              "2027-03-15T11:30:00+00:00")]


def test_register_by_free_text_in_one_go(app, phone):
    reply = phone.send("quiero registrar mi audiencia")
    assert "Mi Audiencia" in reply and "¿Cómo se llama" in reply
    phone.talk("Maria", "cd juarez", "15 de marzo", "a las 8 y media de la mañana")
    phone.send("no se")
    reply = phone.send("no tengo")
    assert "Audiencia: lunes 15 de marzo de 2027, 8:30 a. m., hora de El Paso" in reply
    assert "revise la hora en su hoja" in reply
    assert "no lo tiene guardado" in reply
    phone.send("sí")
    assert hearings(app) == [("Maria", None, "ciudad_juarez", "2027-03-15T14:30:00+00:00", None)]


def test_saying_no_at_the_read_back_saves_nothing_and_asks_again(app, phone):
    phone.talk("hola", SAVE_A_HEARING, "MR", TIJUANA, "15/3/2027", "9", "no se", "no")
    assert "¿Qué quiere corregir?" in phone.pick("No, corregir algo")
    assert hearings(app) == []


def test_a_past_date_is_questioned_not_accepted(app, phone):
    phone.talk("hola", SAVE_A_HEARING, "MR", TIJUANA)
    reply = phone.send("15/3/2026")
    assert "ya pasó" in reply
    assert "¿A qué hora es la audiencia" in phone.send("15/3/2027")


def test_a_date_more_than_two_years_ahead_must_be_confirmed(phone):
    phone.talk("hola", SAVE_A_HEARING, "MR", TIJUANA)
    reply = phone.send("15/3/2029")
    assert "más de dos años" in reply and "jueves 15 de marzo de 2029" in reply
    assert "¿Qué día" in phone.pick("No, la escribo otra vez")
    phone.send("15/3/2029")
    assert "¿A qué hora es la audiencia" in phone.pick("Sí")


def test_report_time_after_the_hearing_is_refused(phone):
    phone.talk("hola", SAVE_A_HEARING, "MR", TIJUANA, "15/3/2027", "8:30")
    assert "antes de la audiencia" in phone.send("9 am")


def test_an_a_number_with_eight_digits_gets_the_leading_zero(app, phone):
    phone.talk("hola", SAVE_A_HEARING, "MR", TIJUANA, "15/3/2027", "8:30", "no se")
    assert "A 012-345-678" in phone.send("A12345678")
    assert "número A tiene 8 o 9" in Phone(app, "whatsapp:+5216640000001").talk(
        "hola", SAVE_A_HEARING, "MR", TIJUANA, "15/3/2027", "8:30", "no se", "A 1234")


def test_wrong_answers_are_asked_again_a_bounded_number_of_times_then_help(phone):
    menu = phone.send("hola")
    phone.talk(SAVE_A_HEARING, "MR")
    assert "No encontré esa ciudad" in phone.send("la luna")
    assert choose(phone.send("marte"), "Tijuana")
    reply = phone.send("saturno")
    assert "no nos estamos entendiendo" in reply
    # The conversation is over: the next message is read from the menu again.
    assert "¿Cómo se llama" in phone.send(choose(menu, "Guardar una audiencia"))


def test_sms_replies_are_gsm7_where_spanish_allows(app):
    from bot.sms import cost

    reply = Phone(app, "+526641234567").talk("hola", SAVE_A_HEARING)
    assert "¿Como se llama" in reply
    assert cost(reply).encoding == "GSM-7"


def test_transcripts_follow_an_option_by_its_label_wherever_the_menu_lists_it(tmp_path):
    flows = tmp_path / "flows"
    shutil.copytree(FLOWS_DIR, flows)
    register = ('      - value: register\n        label: "Guardar una audiencia"\n'
                '        words: [guardar, registrar, nueva]\n')
    edit(flows / "menu.yaml", register, "")
    edit(flows / "menu.yaml", "        words: [ver, mi audiencia]\n",
         "        words: [ver, mi audiencia]\n" + register)
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "test.sqlite3"),
                      "OUTBOX_PATH": str(tmp_path / "outbox.jsonl"), "SECRET_KEY": "test-secret",
                      "TWILIO_AUTH_TOKEN": TOKEN, "BACKUP_DIR": str(tmp_path / "backups"),
                      "FLOWS_DIR": str(flows)}, instance_path=tmp_path)
    phone = Phone(app)
    menu = phone.send("hola")
    assert (choose(menu, "Ver mi audiencia"), choose(menu, "Guardar una audiencia")) == ("1", "2")
    assert "¿Cómo se llama" in phone.talk(Pick("Guardar una audiencia"))
    assert "Guardado" in phone.talk("MR", Pick("Tijuana / San Diego"), "15/3/2027", "8:30 am", "4:30 am",
                                    "no", Pick("Sí, guardar"))
    assert "MR: lunes 15 de marzo de 2027" in phone.talk("menu", Pick("Ver mi audiencia"))
