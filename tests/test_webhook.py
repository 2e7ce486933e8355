"""The signed webhook: signatures, TwiML, Twilio's retries, identities and bad input."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import xml.etree.ElementTree as ET

import pytest
from conftest import TOKEN, Pick, choose, opened, sign, typed

from bot import create_app

URL = "http://localhost/twilio/messages"


def post(client, form: dict, url: str = URL, signature: str | None = None, **kw):
    headers = {"X-Twilio-Signature": sign(url, form) if signature is None else signature}
    return client.post("/twilio/messages", data=form, headers=headers, **kw)


def texts(response) -> list[str]:
    return [m.text or "" for m in ET.fromstring(response.data).iter("Message")]


def message_sid(label: str) -> str:
    """A well-formed MessageSid ("SM" and 32 hex digits), the same for the same label."""
    return "SM" + hashlib.md5(label.encode()).hexdigest()


def form(body: str = "hola", sid: str = "1", sender: str = "+526641234567", **extra) -> dict:
    return {"From": sender, "To": "+15005550006", "Body": body, "MessageSid": message_sid(sid),
            "NumMedia": "0", **extra}


def count(app, table: str) -> int:
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_a_signed_message_gets_twiml(client):
    response = post(client, form())
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    assert "Mi Audiencia" in texts(response)[0]


@pytest.mark.parametrize("signature", ["", "bm90IGEgc2lnbmF0dXJl", sign(URL, form("otro"))])
def test_a_missing_or_wrong_signature_is_refused_and_changes_nothing(app, client, signature):
    response = post(client, form(), signature=signature)
    assert response.status_code == 403
    assert count(app, "contacts") == 0 and count(app, "inbound_messages") == 0


def test_a_signature_made_with_another_token_is_refused(client):
    response = post(client, form(), signature=sign(URL, form(), token="someone-else"))
    assert response.status_code == 403


def test_behind_a_tls_proxy_the_public_url_is_what_twilio_signed(tmp_path):
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "db.sqlite3"),
                      "SECRET_KEY": "k", "TWILIO_AUTH_TOKEN": TOKEN,
                      "PUBLIC_BASE_URL": "https://bot.example.org/"}, instance_path=tmp_path)
    client = app.test_client()
    public = "https://bot.example.org/twilio/messages"
    assert post(client, form(), url=public).status_code == 200
    # Signed for the URL the proxy forwarded to, not the public one: refused.
    assert post(client, form(sid="2"), url=URL).status_code == 403


def test_without_an_auth_token_every_request_is_refused(tmp_path):
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "db.sqlite3"),
                      "SECRET_KEY": "k"}, instance_path=tmp_path)
    assert post(app.test_client(), form(), signature="anything").status_code == 403


def test_only_a_testing_app_may_switch_validation_off(tmp_path, bare_environment):
    monkeypatch = bare_environment
    monkeypatch.setenv("VALIDATE_TWILIO_SIGNATURE", "false")
    monkeypatch.setenv("DATABASE", str(tmp_path / "db.sqlite3"))
    monkeypatch.setenv("SECRET_KEY", "k")
    app = create_app(instance_path=tmp_path)
    assert app.config["VALIDATE_TWILIO_SIGNATURE"] is True
    testing = create_app({"TESTING": True, "DATABASE": str(tmp_path / "t.sqlite3"),
                          "VALIDATE_TWILIO_SIGNATURE": False}, instance_path=tmp_path)
    assert testing.test_client().post("/twilio/messages", data=form()).status_code == 200


def test_a_repeated_message_sid_changes_nothing_and_gets_no_second_reply(app, client):
    first = post(client, form("hola", sid="replay"))
    assert texts(first)
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        before = conn.execute("SELECT node, vars, attempts FROM conversations").fetchall()
    again = post(client, form("1", sid="replay"))
    assert again.status_code == 200 and texts(again) == []
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        assert conn.execute("SELECT node, vars, attempts FROM conversations").fetchall() == before


def test_whatsapp_521_and_sms_52_are_one_person_answered_on_each_channel(app, client):
    post(client, form("hola", sid="1", sender="whatsapp:+5216641234567"))
    reply = texts(post(client, form("hola", sid="2", sender="+526641234567")))
    assert "gratis" not in reply[0]   # not introduced twice: the same person
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        phones = conn.execute("SELECT phone FROM contacts").fetchall()
        addresses = conn.execute("SELECT channel, address FROM contact_addresses").fetchall()
    assert [opened(app, p) for (p,) in phones] == ["+526641234567"]
    assert sorted((c, opened(app, a)) for c, a in addresses) == [
        ("sms", "+526641234567"), ("whatsapp", "whatsapp:+5216641234567")]


@pytest.mark.parametrize("sender", ["+16195551234", "whatsapp:+50212345678", "+50431234567",
                                    "+50370123456", "whatsapp:+50588123456"])
def test_us_and_central_american_numbers_work(app, client, sender):
    assert "Mi Audiencia" in texts(post(client, form(sender=sender)))[0]


BAD_BODIES = ["", "   ", "😀😀😀", "🙏", "x" * 1600, "ñ" * 5000, "مرحبا كيف حالك",
              "你好，我的听证会是什么时候", "\x00\x01\x02\x1b[31m", "hola\x00mundo", "\u202e\u200b",
              "{summary} {0} %s %(x)s", "<Message>hola</Message>", "1" * 400]


@pytest.mark.parametrize("body", BAD_BODIES)
def test_any_body_gets_a_short_spanish_answer(client, body):
    response = post(client, form(body))
    assert response.status_code == 200
    reply = texts(response)
    assert len(reply) == 1 and 0 < len(reply[0]) < 1600
    assert "Traceback" not in reply[0]


@pytest.mark.parametrize("extra", [
    {"NumMedia": "1", "MediaContentType0": "video/mp4", "MediaUrl0": "https://x/1"},
    {"NumMedia": "1", "MediaContentType0": "audio/ogg", "MediaUrl0": "https://x/2"},
    {"Latitude": "32.5", "Longitude": "-117.0", "Address": "Tijuana"},
    {"NumMedia": "not a number"},
])
def test_media_voice_notes_and_locations_get_a_text_only_answer(client, extra):
    post(client, form("hola", sid="0"))
    response = post(client, form("", sid="media", **extra))
    assert response.status_code == 200
    assert "Solo puedo leer mensajes de texto" in texts(response)[0]


def test_a_broken_from_gets_200_and_no_reply(app, client):
    response = post(client, form(sender="not-a-phone"))
    assert response.status_code == 200 and texts(response) == []
    assert count(app, "contacts") == 0


@pytest.mark.expects_error
def test_a_failure_inside_stores_nothing_and_answers_in_spanish(app, client, monkeypatch):
    from bot import store

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    reply = texts(post(client, form("hola", sid="1")))
    monkeypatch.setattr(store, "save_hearing", broken)
    for n, answer in enumerate([Pick("Guardar una audiencia"), "MR", Pick("Tijuana / San Diego"),
                                "15/3/2027", "8:30", "no se", "no", Pick("Sí, guardar")]):
        body = typed("\n\n".join(reply), answer)
        reply = texts(post(client, form(body, sid=f"x{n}")))
    assert "tuvimos un problema" in reply[0]
    assert count(app, "hearings") == 0 and count(app, "people") == 0
    # The failed message was not recorded, so Twilio's retry of it is processed again.
    monkeypatch.undo()
    assert "Guardado" in texts(post(client, form(body, sid="x7")))[0]


def test_two_messages_from_one_person_at_once_are_processed_one_after_the_other(app):
    menu = texts(post(app.test_client(), form("hola", sid="0")))[0]
    barrier = threading.Barrier(2)
    replies = []

    def send(n: int) -> None:
        client = app.test_client()
        barrier.wait()
        replies.append(texts(post(client, form(choose(menu, "Guardar una audiencia"), sid=f"c{n}")))[0])

    threads = [threading.Thread(target=send, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # The first number picks the menu option; the second arrives at the name question, where a
    # digit is refused. Interleaved, both would have read the menu and left attempts at 0.
    assert sorted("¿Como se llama" in r for r in replies) == [False, True]
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        assert conn.execute("SELECT node, attempts FROM conversations").fetchall() == [
            ("register.ask_name", 1)]


@pytest.mark.parametrize("form", [{}, {"MessageSid": "SMx", "MessageStatus": "undelivered",
                                       "ErrorCode": "abc"},
                                  {"MessageSid": "", "MessageStatus": "\x00" * 50}])
def test_odd_status_callbacks_get_204_never_a_500(client, form):
    url = "http://localhost/twilio/status"
    response = client.post("/twilio/status", data=form,
                           headers={"X-Twilio-Signature": sign(url, form)})
    assert response.status_code == 204
