"""Control characters and non-characters never reach a stored name or a TwiML reply."""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
import xml.etree.ElementTree as ET

import pytest
from conftest import Pick, opened, sign, typed

from bot.text import clean, clean_line

DIRTY = "Ma\x00ri\x1ba\uffff"
URL = "http://localhost/twilio/messages"
VOLUNTEER = "whatsapp:+5216645550001"


def listing(client, sender: str, *bodies: str | Pick) -> list[str]:
    """Send messages through the signed webhook; return the last TwiML's texts, parsed as XML."""
    texts: list[str] = []
    for body in bodies:
        form = {"From": sender, "Body": typed("\n\n".join(texts), body),
                "MessageSid": f"SM{uuid.uuid4().hex}", "NumMedia": "0"}
        response = client.post("/twilio/messages", data=form,
                               headers={"X-Twilio-Signature": sign(URL, form)})
        assert response.status_code == 200
        root = ET.fromstring(response.data)   # raises on a NUL, an ESC or U+FFFF
        texts = [m.text or "" for m in root.iter("Message")]
    return texts


def names(app) -> list[str]:
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        return [opened(app, n) for (n,) in conn.execute("SELECT name FROM people ORDER BY id")]


def test_a_name_typed_with_control_characters_in_the_chat_is_stored_and_listed_clean(app, runner):
    # The chat reads all its input at once: options are named by their words, as a person may type them.
    lines = ["hola", "Guardar una audiencia", DIRTY, "tijuana", "15 de marzo de 2027", "8:30", "no se",
             "no", "Sí, guardar"]
    result = runner.invoke(args=["chat"], input="\n".join(lines) + "\n")
    assert "Guardado" in result.output and "\x00" not in result.output
    assert names(app) == ["Maria"]
    reply = listing(app.test_client(), "+526641234567", "cuando es mi audiencia")
    assert "1. Maria: lunes 15 de marzo de 2027" in reply[0]


def test_an_imported_name_with_control_characters_is_stored_and_listed_clean(app, runner,
                                                                              tmp_path):
    for args in (["shelters", "add", "Casa del Migrante", "--city", "tijuana"],
                 ["volunteers", "add", "664 555 0001", "--shelter", "Casa del Migrante"]):
        assert runner.invoke(args=args).exit_code == 0
    # The import and the webhook run on the real clock: hearings a few weeks after today.
    soon = [(dt.date.today() + dt.timedelta(days=d)).strftime("%d/%m/%Y") for d in (20, 21)]
    path = tmp_path / "people.csv"
    path.write_text("phone,name,city,date,time,report_time,a_number,whatsapp,consent\n"
                    f"664 123 4567,{DIRTY},tijuana,{soon[0]},8:30,4:30,,si,si\n"
                    f"664 123 4568,L\x00uis\x9b,tijua\x07na,{soon[1]},9:00,,,no,s\x1bi\n",
                    encoding="utf-8")
    result = runner.invoke(args=["contacts", "import", str(path), "--shelter",
                                 "Casa del Migrante"])
    assert "imported 2, already there 0, bad rows 0" in result.output, result.output
    assert names(app) == ["Maria", "Luis"]
    client = app.test_client()
    upcoming = " ".join(listing(client, VOLUNTEER, "VOLUNTARIO", Pick("Audiencias de los próximos días"),
                               "60"))
    assert "Maria" in upcoming and "Luis" in upcoming
    # The person registered by the shelter asks too: the same hearing, read back clean.
    mine = listing(client, "whatsapp:+5216641234567", "cuando es mi audiencia")
    assert "Maria" in " ".join(mine)


def test_a_name_stored_dirty_before_this_check_still_gives_valid_twiml(app, phone):
    """Rows written before the door was watched: the reply is cleaned on its way out too."""
    phone.talk("hola", Pick("Guardar una audiencia"), "Ana", "tijuana", "15/3/2027", "8:30", "no se", "no",
               Pick("Sí, guardar"))
    vault = app.extensions["vault"]
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        conn.execute("UPDATE people SET name = ?", [vault.seal("A\x00n\x1ba\uffff")])
    reply = listing(app.test_client(), "whatsapp:+5216641234567", "cuando es mi audiencia")
    assert "1. Ana: lunes 15 de marzo de 2027" in " ".join(reply)


@pytest.mark.parametrize("dirty,kept", [
    ("a\x00b\x01c\x1f\x7f\x80\x9fd", "abcd"), ("\ufffe\uffff\U0001fffe\U0010ffff\ufdd0x", "x"),
    ("lone \ud800surrogate\udfff", "lone surrogate"), ("\u202eevil\u2066", "evil"),
    ("línea\r\nuno\rdos\tfin", "línea\nuno\ndos fin"), ("Peña 😀 ü ¿¡", "Peña 😀 ü ¿¡")])
def test_clean_drops_what_xml_and_sqlite_cannot_hold_and_keeps_the_rest(dirty, kept):
    assert clean(dirty) == kept
    assert clean_line("a\nb") == "a b"
    cleaned = clean(dirty)
    ET.fromstring(f"<m>{cleaned}</m>")
    cleaned.encode("utf-8")


def test_a_body_full_of_controls_is_answered_and_nothing_dirty_is_stored(app, phone):
    assert phone.send("\x00\x1b\uffff")
    assert phone.talk("menu", Pick("Guardar una audiencia"))
    phone.talk("\x1bJo\x00sé\x07", "tijuana", "15/3/2027", "8:30", "no se", "no", Pick("Sí, guardar"))
    assert names(app) == ["José"]
