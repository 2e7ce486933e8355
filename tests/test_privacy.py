"""The event log names people only by a pseudonym: never a phone, name, A-number or body."""

from __future__ import annotations

import json
import re

from conftest import Phone

PHONE = re.compile(r"\+?\d(?:[\s-]?\d){7,}")


def test_a_whole_conversation_logs_no_phone_name_a_number_or_body(app, capsys):
    phone = Phone(app, "whatsapp:+5216641234567")
    phone.talk("hola", "1", "Rosalinda", "tijuana", "15 de marzo de 2027", "8:30", "4:30",
               "A 123-456-789", "si", "cuando es mi audiencia", "BAJA", "ALTA", "BORRAR", "1")
    out = capsys.readouterr().out
    events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert len(events) >= 14 and {e["event"] for e in events} >= {"message_in", "action"}
    logged = json.dumps([{k: v for k, v in e.items() if k != "ts"} for e in events])
    assert not PHONE.search(logged)
    for secret in ("6641234567", "Rosalinda", "123456789", "123-456-789", "marzo", "cuando es"):
        assert secret not in out
    # One pseudonym for the person across the whole conversation.
    assert len({e["contact"] for e in events if "contact" in e}) == 1
