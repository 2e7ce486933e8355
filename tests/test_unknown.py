"""What the bot did not understand: kept only when asked, scrubbed, reported, then forgotten."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3

import pytest
from conftest import NOW, Phone, choose

from bot import create_app, unknown
from bot.safekeeping import daily

NAME = "Rosalinda Pérez"
# What people write that the bot cannot read: names, phones and A-numbers among it.
UNCLEAR = ("mi celular es 664 123 4567 y el A 123-456-789",
           "me llamo Juana Gómez y no entiendo",
           "asdf qwer Rosalinda",
           "el licenciado Ernesto Salgado dice que sí",
           "pásenme con Martha por favor",
           "JUANA ROSALINDA PEREZ",
           "+52 664 123 4567")


def make(tmp_path, **extra):
    return create_app({
        "TESTING": True, "DATABASE": str(tmp_path / "test.sqlite3"),
        "OUTBOX_PATH": str(tmp_path / "outbox.jsonl"), "SECRET_KEY": "test-secret",
        "TWILIO_AUTH_TOKEN": "t", "BACKUP_DIR": str(tmp_path / "backups"), **extra},
        instance_path=tmp_path)


@pytest.fixture
def keeping(tmp_path):
    return make(tmp_path, UNKNOWN_MESSAGES_KEEP=True)


def registered(app, address: str = "whatsapp:+5216641234567") -> Phone:
    """A person who saved a hearing, typing a name with a number first (asked again)."""
    phone = Phone(app, address)
    reply = phone.talk("hola", "1")
    assert "¿Cómo se llama" in reply
    assert "sin números" in phone.send(f"{NAME} 55")
    phone.talk(NAME, "tijuana", "15/3/2027", "8:30", "no se", "A12345678", "1")
    return phone


def kept(app) -> list[tuple]:
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        return conn.execute("SELECT contact_id, node, text FROM unknown_messages").fetchall()


def unclear(phone: Phone) -> None:
    """Send each unclear message from the main menu, where each gets "no entendí"."""
    for body in UNCLEAR:
        phone.send("menu")
        assert "no entendí" in phone.send(body)


def test_nothing_is_kept_by_default(app):
    unclear(registered(app))
    assert kept(app) == []
    output = app.test_cli_runner().invoke(args=["unknown"]).output
    assert "UNKNOWN_MESSAGES_KEEP is off" in output and "Nothing kept" in output


def test_the_report_holds_no_digit_and_no_name(keeping, no_numbers_in_logs):
    unclear(registered(keeping))
    rows = kept(keeping)
    texts = {text for _, _, text in rows}
    assert texts == {"mi celular es # y el #", "me llamo", "asdf qwer", "el licenciado dice que si",
                     "pasenme con por favor"}
    assert {node for _, node, _ in rows} == {"menu.menu"}
    result = keeping.test_cli_runner().invoke(args=["unknown", "--days", "7"])
    assert result.exit_code == 0
    listed = [line.split(None, 2) for line in result.output.splitlines()]
    assert {text for _, _, text in listed} == texts and all(n == "1" for n, _, _ in listed)
    for text in texts:
        assert not re.search(r"\d", text)
        for name in ("rosalinda", "perez", "juana", "gomez", "ernesto", "salgado", "martha"):
            assert name not in text
    # Neither the raw message nor the scrubbed one reaches the log.
    log = "\n".join(no_numbers_in_logs.lines)
    assert "asdf" not in log and "licenciado" not in log


def test_a_name_given_at_the_name_question_is_never_kept(keeping):
    registered(keeping)
    assert all(node != "register.ask_name" for _, node, _ in kept(keeping))
    assert unknown.scrub("Rosa María 2", asked_for_a_name=True) == ""


def test_the_same_message_from_two_people_is_counted_together(keeping):
    for address in ("whatsapp:+5216641234567", "whatsapp:+5216641234568"):
        phone = registered(keeping, address)
        phone.send("menu")
        phone.send("asdf qwer")
    with keeping.app_context():
        from bot.db import get_db
        assert unknown.report(get_db(), NOW, 30) == [
            {"text": "asdf qwer", "node": "menu.menu", "count": 2, "last": NOW.isoformat()}]


def test_a_question_answered_with_something_unreadable_is_kept_at_that_question(keeping):
    phone = registered(keeping)
    phone.send(choose(phone.send("menu"), "Mi familia en este teléfono"))
    assert "Escriba el número de la opción" in phone.send("blorg")
    assert kept(keeping)[-1][1:] == ("family.start", "blorg")


def test_borrar_and_baja_take_what_was_kept(keeping):
    stays, goes, stops = (registered(keeping, f"whatsapp:+52166412345{n}") for n in (61, 62, 63))
    for phone in (stays, goes, stops):
        phone.talk("menu", "asdf qwer")
    goes.talk("BORRAR", "1")
    stops.send("BAJA")
    assert [text for _, _, text in kept(keeping)] == ["asdf qwer"]


def test_the_daily_purge_deletes_what_is_older_than_the_setting(keeping):
    registered(keeping).talk("menu", "asdf qwer")
    with keeping.app_context():
        daily(keeping, NOW + dt.timedelta(days=29))
        assert len(kept(keeping)) == 1
        daily(keeping, NOW + dt.timedelta(days=31))
        assert kept(keeping) == []


@pytest.mark.parametrize(("text", "scrubbed"), [
    ("Hola me llamo Rosa María López", "hola me llamo"),
    ("hola,soy juan", "hola soy"),
    ("quiero ver a mi abogado Roberto", "quiero ver a mi abogado"),
    ("Maria Lopez no pudo ir", "no pudo ir"),
    ("Juana no pudo ir", "no pudo ir"),
    ("JUANA NO ENTIENDO NADA", "no entiendo nada"),
    ("Qué pasó con mi caso?", "que paso con mi caso?"),
    ("correo rosa@ejemplo.com", "correo #"),
    ("la señora Cruz dice", "la senora dice"),
    ("cita el 15/3 a las 8:30", "cita el # a las #"),
])
def test_scrub(text, scrubbed):
    assert unknown.scrub(text) == scrubbed


def test_scrub_drops_the_names_the_person_gave_even_in_lower_case():
    assert unknown.scrub("rosalinda de la cruz no fue", ["Rosalinda de la Cruz"]) == "de la no fue"
