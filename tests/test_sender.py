"""The Twilio sender uses the real twilio client, pointed at a local server."""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot import create_app
from bot.sender import Outgoing, TwilioSender

ACCOUNT = "AC" + "0" * 32


class FakeTwilio(BaseHTTPRequestHandler):
    requests: list = []

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        FakeTwilio.requests.append((self.path, form, self.headers.get("Authorization")))
        body = json.dumps({"sid": "SM" + "1" * 32, "status": "queued", "account_sid": ACCOUNT,
                           "to": form.get("To"), "body": form.get("Body")}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_twilio():
    FakeTwilio.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTwilio)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_with_credentials_messages_go_through_the_twilio_client(tmp_path, fake_twilio):
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "db.sqlite3"), "SECRET_KEY": "k",
                      "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": "token",
                      "TWILIO_SMS_FROM": "+15005550006",
                      "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886",
                      "TWILIO_API_BASE_URL": fake_twilio})
    sender = app.extensions["sender"]
    assert isinstance(sender, TwilioSender)
    with app.app_context():
        sent = sender.send(Outgoing("whatsapp:+5216641234567", "whatsapp", "Hola"))
        sender.send(Outgoing("+526641234567", "sms", "Hola SMS"))
    assert sent.sid.startswith("SM") and sent.status == "queued"
    (path, form, auth), (_, sms, _) = FakeTwilio.requests
    assert path == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert form == {"To": "whatsapp:+5216641234567", "From": "whatsapp:+14155238886",
                    "Body": "Hola"}
    assert sms["From"] == "+15005550006"
    assert auth.startswith("Basic ")


def test_a_messaging_service_replaces_the_from(tmp_path, fake_twilio):
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "db.sqlite3"), "SECRET_KEY": "k",
                      "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": "token",
                      "TWILIO_MESSAGING_SERVICE_SID": "MG" + "2" * 32,
                      "TWILIO_API_BASE_URL": fake_twilio})
    with app.app_context():
        app.extensions["sender"].send(Outgoing("+526641234567", "sms", "Hola"))
    assert FakeTwilio.requests[0][1] == {"To": "+526641234567", "Body": "Hola",
                                         "MessagingServiceSid": "MG" + "2" * 32}
