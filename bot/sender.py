"""Outbound messages: through Twilio when credentials exist, otherwise into a dry-run outbox file."""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass

from flask import Flask

from .eventlog import event, pseudonym
from .identity import parse_sender


@dataclass(frozen=True)
class Sent:
    sid: str | None
    status: str


class DryRunSender:
    """Append each message as a JSON line to a local file instead of sending it."""

    def __init__(self, path: str, key: str):
        self.path, self.key = path, key
        self._lock = threading.Lock()

    def send(self, to: str, channel: str, body: str) -> Sent:
        line = json.dumps({"to": to, "channel": channel, "body": body}, ensure_ascii=False)
        with self._lock, open(self.path, "a", encoding="utf-8") as f:
            f.write(line + "\n")
        event("message_out", contact=pseudonym(parse_sender(to).phone, self.key),
              channel=channel, sender="dry_run")
        return Sent(None, "dry_run")


class TwilioSender:
    """Send through the real Twilio client (pointed elsewhere by TWILIO_API_BASE_URL in tests)."""

    def __init__(self, config: dict):
        from twilio.rest import Client

        self.client = Client(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"])
        if config.get("TWILIO_API_BASE_URL"):
            self.client.api.base_url = config["TWILIO_API_BASE_URL"].rstrip("/")
        self.config, self.key = config, config["SECRET_KEY"]

    def send(self, to: str, channel: str, body: str) -> Sent:
        params = {"to": to, "body": body}
        if self.config.get("TWILIO_MESSAGING_SERVICE_SID"):
            params["messaging_service_sid"] = self.config["TWILIO_MESSAGING_SERVICE_SID"]
        else:
            params["from_"] = self.config[
                "TWILIO_WHATSAPP_FROM" if channel == "whatsapp" else "TWILIO_SMS_FROM"]
        message = self.client.messages.create(**params)
        event("message_out", contact=pseudonym(parse_sender(to).phone, self.key),
              channel=channel, sender="twilio", status=message.status)
        return Sent(message.sid, message.status)


def has_twilio_credentials(config: dict) -> bool:
    return bool(config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_AUTH_TOKEN"))


def init_app(app: Flask) -> None:
    if has_twilio_credentials(app.config):
        app.extensions["sender"] = TwilioSender(app.config)
    else:
        os.makedirs(os.path.dirname(app.config["OUTBOX_PATH"]) or ".", exist_ok=True)
        app.extensions["sender"] = DryRunSender(app.config["OUTBOX_PATH"], app.config["SECRET_KEY"])
