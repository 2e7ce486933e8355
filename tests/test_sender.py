"""The Twilio sender uses the real twilio client, pointed at a local server."""

from __future__ import annotations

from twilio_fake import ACCOUNT

from bot import create_app
from bot.sender import Outgoing, TwilioSender


def make_app(tmp_path, fake, **extra):
    return create_app({"TESTING": True, "DATABASE": str(tmp_path / "db.sqlite3"),
                       "SECRET_KEY": "k", "TWILIO_ACCOUNT_SID": ACCOUNT,
                       "TWILIO_AUTH_TOKEN": "token", "TWILIO_API_BASE_URL": fake.url, **extra},
                           instance_path=tmp_path)


def test_with_credentials_messages_go_through_the_twilio_client(tmp_path, twilio):
    app = make_app(tmp_path, twilio, TWILIO_SMS_FROM="+15005550006",
                   TWILIO_WHATSAPP_FROM="whatsapp:+14155238886")
    sender = app.extensions["sender"]
    assert isinstance(sender, TwilioSender)
    with app.app_context():
        sent = sender.send(Outgoing("whatsapp:+5216641234567", "whatsapp", "Hola"))
        sender.send(Outgoing("+526641234567", "sms", "Hola SMS"))
    assert sent.sid.startswith("SM") and sent.status == "queued"
    whatsapp, sms = twilio.requests
    assert whatsapp["path"] == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert whatsapp["form"] == {"To": "whatsapp:+5216641234567",
                                "From": "whatsapp:+14155238886", "Body": "Hola"}
    assert sms["form"]["From"] == "+15005550006"
    assert whatsapp["auth"].startswith("Basic ")


def test_a_messaging_service_replaces_the_from(tmp_path, twilio):
    app = make_app(tmp_path, twilio, TWILIO_MESSAGING_SERVICE_SID="MG" + "2" * 32)
    with app.app_context():
        app.extensions["sender"].send(Outgoing("+526641234567", "sms", "Hola"))
    assert twilio.requests[0]["form"] == {"To": "+526641234567", "Body": "Hola",
                                               "MessagingServiceSid": "MG" + "2" * 32}
