"""Outbound messages: through Twilio when credentials exist, otherwise into a dry-run outbox file."""

from __future__ import annotations

import json
import os
import threading
import uuid
from dataclasses import dataclass

from flask import Flask

from .eventlog import event, pseudonym
from .identity import parse_sender


@dataclass(frozen=True)
class Sent:
    sid: str
    status: str


class SendError(Exception):
    """Twilio refused or could not be reached; code and status say why (None when unknown)."""

    def __init__(self, code: int | None, status: int | None):
        super().__init__(f"send failed: code={code} status={status}")
        self.code, self.status = code, status


@dataclass(frozen=True)
class Outgoing:
    to: str                          # the exact address: "+52..." or "whatsapp:+52..."
    channel: str                     # "sms" or "whatsapp"
    body: str | None = None          # free text
    content_sid: str | None = None   # an approved WhatsApp template, instead of a body
    variables: dict | None = None    # the template's {{1}}, {{2}}...


class DryRunSender:
    """Append each message as a JSON line to a local file instead of sending it."""

    def __init__(self, path: str, key: str):
        self.path, self.key = path, key
        self._lock = threading.Lock()

    def send(self, message: Outgoing) -> Sent:
        record = {"to": message.to, "channel": message.channel, "body": message.body}
        if message.content_sid:
            record.update(template=message.content_sid, variables=message.variables)
        with self._lock, open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
        event("message_out", contact=pseudonym(parse_sender(message.to).phone, self.key),
              channel=message.channel, sender="dry_run", template=bool(message.content_sid))
        return Sent("DR" + uuid.uuid4().hex, "dry_run")


class TwilioSender:
    """Send through the real Twilio client (pointed elsewhere by TWILIO_API_BASE_URL in tests)."""

    def __init__(self, config: dict):
        self.config, self.key = config, config["LOG_PSEUDONYM_KEY"]
        self._local = threading.local()

    @property
    def client(self):
        """This thread's Twilio client: a requests session is not shared between threads."""
        if not hasattr(self._local, "client"):
            from twilio.http.http_client import TwilioHttpClient
            from twilio.rest import Client

            config = self.config
            http = TwilioHttpClient(timeout=config["TWILIO_TIMEOUT_SECONDS"])
            # requests reads proxy settings from the environment on every request, a third
            # of the client's time; honour them only where a proxy is actually configured.
            http.session.trust_env = any(os.environ.get(v) for v in (
                "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"))
            client = Client(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"],
                            http_client=http)
            if config.get("TWILIO_API_BASE_URL"):
                client.api.base_url = config["TWILIO_API_BASE_URL"].rstrip("/")
            self._local.client = client
        return self._local.client

    def send(self, message: Outgoing) -> Sent:
        from twilio.base.exceptions import TwilioException, TwilioRestException

        params: dict = {"to": message.to}
        if message.content_sid:
            params.update(content_sid=message.content_sid,
                          content_variables=json.dumps(message.variables or {}))
        else:
            params["body"] = message.body
        if self.config.get("TWILIO_MESSAGING_SERVICE_SID"):
            params["messaging_service_sid"] = self.config["TWILIO_MESSAGING_SERVICE_SID"]
        else:
            params["from_"] = self.config[
                "TWILIO_WHATSAPP_FROM" if message.channel == "whatsapp" else "TWILIO_SMS_FROM"]
        if self.config.get("PUBLIC_BASE_URL"):
            params["status_callback"] = self.config["PUBLIC_BASE_URL"].rstrip("/") + "/twilio/status"
        ref = pseudonym(parse_sender(message.to).phone, self.key)
        try:
            sent = self.client.messages.create(**params)
        except TwilioRestException as exc:
            event("send_refused", contact=ref, channel=message.channel, code=exc.code,
                  status=exc.status)
            raise SendError(exc.code, exc.status) from None
        except (TwilioException, OSError) as exc:   # timeouts and refused connections
            event("send_unreachable", contact=ref, channel=message.channel,
                  error=type(exc).__name__)
            raise SendError(None, None) from None
        event("message_out", contact=ref, channel=message.channel, sender="twilio",
              template=bool(message.content_sid), status=sent.status)
        return Sent(sent.sid, sent.status)


def has_twilio_credentials(config: dict) -> bool:
    return bool(config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_AUTH_TOKEN"))


def init_app(app: Flask) -> None:
    if has_twilio_credentials(app.config):
        app.extensions["sender"] = TwilioSender(app.config)
    else:
        os.makedirs(os.path.dirname(app.config["OUTBOX_PATH"]) or ".", exist_ok=True)
        app.extensions["sender"] = DryRunSender(app.config["OUTBOX_PATH"],
                                                app.config["LOG_PSEUDONYM_KEY"])
