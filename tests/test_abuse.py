"""Abuse and arbitrary input: rate limits, auto-responder loops, and a fuzzed webhook."""

from __future__ import annotations

import datetime as dt
import itertools
import xml.etree.ElementTree as ET

from conftest import NOW, Phone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import create_app
from bot.sms import MAX_SMS_SEGMENTS, cost, pack


def test_a_flood_gets_one_slow_down_then_silence_until_it_passes(app):
    phone = Phone(app)
    for n in range(30):
        # Each text different: a flood, not the same text again (that is a loop, below).
        assert phone.send(f"hola {chr(ord('a') + n)}")   # within the limit: answered
    assert "Espere un minuto" in phone.send("hola")
    assert phone.send("hola") == "" and phone.send("1") == ""
    later = Phone(app, now=NOW + dt.timedelta(minutes=2))
    assert "¿Qué quiere hacer?" in later.send("menu")


def test_an_auto_responder_loop_is_met_with_silence(app):
    phone = Phone(app)
    away = "Gracias por su mensaje, en este momento no puedo contestar."
    replies = [phone.send(away) for _ in range(6)]
    assert all(replies[:4]) and replies[4:] == ["", ""]
    # People repeating a short answer are not a loop.
    assert all(phone.send("1") for _ in range(6))


def test_long_steps_go_out_as_several_sms_none_above_budget():
    texts = ["a" * 300, "b" * 300, "c" * 100]
    packed = pack(texts, MAX_SMS_SEGMENTS)
    assert all(cost(t).segments <= MAX_SMS_SEGMENTS for t in packed)
    assert "".join(packed).replace("\n", "") == "".join(texts)
    huge = "\n".join(f"linea {n} " + "x" * 80 for n in range(40))
    assert all(cost(t).segments <= MAX_SMS_SEGMENTS for t in pack([huge], MAX_SMS_SEGMENTS))


_app = None
_phones = itertools.count(1)


def fuzz_app(tmp_path_factory):
    global _app
    if _app is None:
        path = tmp_path_factory.mktemp("fuzz")
        _app = create_app({"TESTING": True, "DATABASE": str(path / "db.sqlite3"),
                           "OUTBOX_PATH": str(path / "out.jsonl"), "SECRET_KEY": "k",
                           "VALIDATE_TWILIO_SIGNATURE": False}, instance_path=path)
    return _app


FIELD_NAMES = st.sampled_from(["Body", "NumMedia", "MediaUrl0", "MediaContentType0", "Latitude",
                               "Longitude", "ProfileName", "WaId", "SmsStatus", "To",
                               "MessageSid", "ButtonText", "x"])


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=st.text(max_size=2000), extra=st.dictionaries(FIELD_NAMES, st.text(max_size=50),
                                                          max_size=5),
       sms=st.booleans())
def test_fuzzed_webhook_never_fails_and_always_answers_within_budget(tmp_path_factory, body,
                                                                     extra, sms):
    app = fuzz_app(tmp_path_factory)
    number = f"+52664{next(_phones):07d}"
    form = {**extra, "From": number if sms else f"whatsapp:{number}", "Body": body,
            "MessageSid": f"SM{next(_phones):032x}"}
    response = app.test_client().post("/twilio/messages", data=form)
    assert response.status_code == 200
    messages = [m.text or "" for m in ET.fromstring(response.data).iter("Message")]
    assert messages and all(m.strip() for m in messages)
    if sms:
        assert all(cost(m).segments <= MAX_SMS_SEGMENTS for m in messages)
