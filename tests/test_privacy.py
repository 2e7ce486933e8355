"""The event log names people only by a pseudonym: never a phone, name, A-number or body."""

from __future__ import annotations

import json
import re

import pytest
from conftest import Phone, Pick

PHONE = re.compile(r"\+?\d(?:[\s-]?\d){7,}")


def test_a_whole_conversation_logs_no_phone_name_a_number_or_body(app, capsys):
    phone = Phone(app, "whatsapp:+5216641234567")
    phone.talk("hola", Pick("Guardar una audiencia"), "Rosalinda", "tijuana", "15 de marzo de 2027", "8:30",
               "4:30", "A 123-456-789", "si", "cuando es mi audiencia", "BAJA", "ALTA", "BORRAR",
               Pick("Sí, borrar todo"))
    out = capsys.readouterr().out
    events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert len(events) >= 14 and {e["event"] for e in events} >= {"message_in", "action"}
    logged = json.dumps([{k: v for k, v in e.items() if k != "ts"} for e in events])
    assert not PHONE.search(logged)
    for secret in ("6641234567", "Rosalinda", "123456789", "123-456-789", "marzo", "cuando es"):
        assert secret not in out
    # One pseudonym for the person across the whole conversation.
    assert len({e["contact"] for e in events if "contact" in e}) == 1


def test_the_log_scan_catches_a_phone_or_an_a_number():
    from conftest import leaks

    clean = json.dumps({"ts": "2026-11-22T20:00:00.000+00:00", "event": "message_in",
                        "contact": "abcdefghijkl", "segments": 2})
    assert leaks([clean]) == []
    for secret in ("+526641234567", "664 123 4567", "A 123-456-789", "123456789"):
        line = json.dumps({"ts": "2026-11-22T20:00:00.000+00:00", "event": "x", "v": secret})
        assert leaks([line]) == [line], secret


@pytest.mark.allows_bodies_in_logs
def test_bodies_are_logged_only_when_a_setting_asks(tmp_path, no_numbers_in_logs):
    from bot import create_app

    quiet = Phone(create_app({"TESTING": True, "DATABASE": str(tmp_path / "a.db"),
                              "SECRET_KEY": "k"}, instance_path=tmp_path))
    quiet.send("mi numero es 664 123 4567")
    assert not any("664 123 4567" in line for line in no_numbers_in_logs.lines)
    loud = Phone(create_app({"TESTING": True, "DATABASE": str(tmp_path / "b.db"),
                             "SECRET_KEY": "k", "LOG_MESSAGE_BODIES": True}, instance_path=tmp_path))
    loud.send("mi numero es 664 123 4567")
    assert any("664 123 4567" in line for line in no_numbers_in_logs.lines)
