"""Replays: a captured, signed request cut up differently is still refused, and changes nothing."""

from __future__ import annotations

import sqlite3
import uuid

import pytest
from conftest import TOKEN, sign
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

URL = "http://localhost/twilio/messages"
TABLES = ("contacts", "contact_addresses", "conversations", "inbound_messages", "people",
          "hearings", "reminders", "consents", "audit")


def twilio_form(body: str) -> dict:
    """An inbound SMS as Twilio posts it, every field it sends."""
    sid = f"SM{uuid.uuid4().hex}"
    return {"ToCountry": "US", "ToState": "CA", "SmsMessageSid": sid, "NumMedia": "0",
            "ToCity": "", "FromZip": "", "SmsSid": sid, "FromState": "", "SmsStatus": "received",
            "FromCity": "", "Body": body, "FromCountry": "MX", "To": "+15005550006",
            "MessagingServiceSid": f"MG{uuid.uuid4().hex}", "ToZip": "", "NumSegments": "1",
            "ReferralNumMedia": "0", "MessageSid": sid, "AccountSid": f"AC{uuid.uuid4().hex}",
            "From": "+526641234567", "ApiVersion": "2010-04-01"}


def signed_text(form: dict) -> str:
    """What Twilio's signature covers: every name and value run together, names sorted."""
    return "".join(name + form[name] for name in sorted(form))


def without_sid(form: dict) -> dict:
    """Fold MessageSid, SmsMessageSid and SmsSid into the values before them."""
    cut = {k: v for k, v in form.items() if k not in ("MessageSid", "SmsMessageSid", "SmsSid")}
    cut["FromZip"] = form["FromZip"] + "MessageSid" + form["MessageSid"]
    cut["ReferralNumMedia"] = (form["ReferralNumMedia"] + "SmsMessageSid" + form["SmsMessageSid"]
                               + "SmsSid" + form["SmsSid"])
    return cut


def sid_swallowing_the_next_field(form: dict) -> dict:
    """Make MessageSid's value run on over MessagingServiceSid: still signed, not a SID."""
    cut = {k: v for k, v in form.items() if k != "MessagingServiceSid"}
    cut["MessageSid"] = form["MessageSid"] + "MessagingServiceSid" + form["MessagingServiceSid"]
    return cut


def snapshot(app) -> dict:
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in TABLES}


def post(client, form: dict, signature: str):
    return client.post("/twilio/messages", data=form, headers={"X-Twilio-Signature": signature})


@pytest.mark.parametrize("recut", [without_sid, sid_swallowing_the_next_field])
def test_a_captured_opt_out_cut_up_again_is_refused_and_changes_nothing(app, client, recut):
    hello = twilio_form("hola")
    assert post(client, hello, sign(URL, hello)).status_code == 200
    captured = twilio_form("BAJA")
    signature = sign(URL, captured)
    assert post(client, captured, signature).status_code == 200
    back = twilio_form("ALTA")
    assert "mensajes otra vez" in post(client, back, sign(URL, back)).get_data(as_text=True)
    before = snapshot(app)

    replay = recut(captured)
    # The attack works on the signature: the cut-up form is, to Twilio's scheme, signed.
    assert signed_text(replay) == signed_text(captured)
    assert RequestValidator(TOKEN).validate(URL, replay, signature)
    assert post(client, replay, signature).status_code == 403
    assert snapshot(app) == before
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        assert conn.execute("SELECT opted_out FROM contacts").fetchall() == [(0,)]


def test_the_captured_request_itself_is_dropped_as_a_duplicate(app, client):
    captured = twilio_form("BAJA")
    signature = sign(URL, captured)
    post(client, captured, signature)
    before = snapshot(app)
    again = post(client, captured, signature)
    assert again.status_code == 200 and b"<Message>" not in again.data
    assert snapshot(app) == before


@pytest.mark.parametrize("sid", ["", "SM1", "SMchat" + "a" * 32, "MM" + "0" * 31, "SM" + "G" * 32,
                                 "XX" + "0" * 32, "SM" + "0" * 32 + "\n", " SM" + "0" * 32])
def test_an_inbound_message_without_a_well_formed_sid_never_reaches_the_bot(app, client, sid):
    form = {**twilio_form("hola"), "MessageSid": sid, "SmsMessageSid": "SM" + "1" * 32}
    assert post(client, form, sign(URL, form)).status_code == 403
    assert all(rows == [] for rows in snapshot(app).values())


def test_an_added_duplicate_field_breaks_the_signature(client):
    form = twilio_form("hola")
    signature = sign(URL, form)
    data = MultiDict([*form.items(), ("MessageSid", f"SM{uuid.uuid4().hex}")])
    response = client.post("/twilio/messages", data=data,
                           headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_sids_in_capitals_match_twilios_own_pattern(client):
    form = {**twilio_form("hola"), "MessageSid": f"SM{uuid.uuid4().hex.upper()}"}
    assert post(client, form, sign(URL, form)).status_code == 200


def test_media_messages_have_mm_sids_and_are_read(client):
    form = {**twilio_form(""), "MessageSid": f"MM{uuid.uuid4().hex}", "NumMedia": "1",
            "MediaUrl0": "https://api.twilio.com/x", "MediaContentType0": "image/jpeg"}
    response = post(client, form, sign(URL, form))
    # Read, and answered: that URL is no Media resource of ours, so the photo is refused.
    assert response.status_code == 200 and b"No pude abrir esa foto" in response.data


def test_a_replayed_message_after_borrar_does_not_bring_the_person_back(app):
    from conftest import Phone, Pick, choose

    phone = Phone(app)
    phone.talk("hola", Pick("Guardar una audiencia"), "Rosa", "tijuana", "15/3/2027", "8:30", "4:30",
               "no", "si")
    asked = phone.send("BORRAR")                          # asks to confirm
    confirm = {"From": phone.address, "Body": choose(asked, "Sí, borrar todo"),
               "MessageSid": "SM" + "ab" * 16, "NumMedia": "0"}
    with app.app_context():
        from bot.inbox import receive
        assert receive(confirm, now=phone.now)            # the deletion, confirmed
        # Twilio retries the confirmation, or someone replays it: a duplicate, nothing more.
        assert receive(confirm, now=phone.now) == []
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        assert conn.execute("SELECT count(*) FROM contacts").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM inbound_messages WHERE contact_id IS NOT NULL"
                            ).fetchone() == (0,)
