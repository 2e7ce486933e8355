"""Outbound messages: through Twilio, or into a dry-run outbox file when that is chosen."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import threading
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from flask import Flask

from .eventlog import event, pseudonym
from .identity import UnknownAddress, parse_sender

try:
    import fcntl
except ImportError:   # not on Windows: there the outbox is guarded within one process only
    fcntl = None

# Any of these means Twilio was meant: the app then sends through Twilio or does not start.
TWILIO_SETTINGS = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_SMS_FROM",
                   "TWILIO_WHATSAPP_FROM", "TWILIO_MESSAGING_SERVICE_SID")
# Twilio's clock and ours may differ a little; a message created this much before the send
# we are looking for can still be it.
CLOCK_SKEW = dt.timedelta(minutes=5)
LOOKUP_LIMIT = 50


@dataclass(frozen=True)
class Sent:
    sid: str
    status: str
    error_code: int | None = None


class SendError(Exception):
    """Twilio refused or could not be reached; code and status say why (None when unknown).

    `unknown` is true when the request may have reached Twilio all the same (a timeout, a
    connection dropped before the answer): the message may be on its way."""

    def __init__(self, code: int | None, status: int | None, unknown: bool = False):
        super().__init__(f"send failed: code={code} status={status}")
        self.code, self.status, self.unknown = code, status, unknown


class SenderSettingsError(RuntimeError):
    """The settings ask for Twilio but lack something it needs: starting would only pretend to send."""


@dataclass(frozen=True)
class Outgoing:
    to: str                          # the exact address: "+52..." or "whatsapp:+52..."
    channel: str                     # "sms" or "whatsapp"
    body: str | None = None          # free text
    content_sid: str | None = None   # an approved WhatsApp template, instead of a body
    variables: dict | None = None    # the template's {{1}}, {{2}}...
    reminder: int | None = None      # the reminder it carries, named in the status callback


class DryRunSender:
    """Append each message as a JSON line to a local file (mode 600) instead of sending it."""

    name = "dry_run"

    def __init__(self, path: str, key: str):
        self.path, self.key = path, key
        self._lock = threading.Lock()
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        # The outbox holds phone numbers and message texts: only the bot's user may read it.
        # It is created so on the first message; one left by an older version is closed now.
        if os.path.exists(path):
            os.chmod(path, 0o600)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the outbox against this process's threads and the other processes."""
        with self._lock:
            fd = os.open(self.path + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                if fcntl:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)

    def can_send(self, channel: str) -> bool:
        return True

    def send(self, message: Outgoing) -> Sent:
        record = {"to": message.to, "channel": message.channel, "body": message.body}
        if message.content_sid:
            record.update(template=message.content_sid, variables=message.variables)
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._locked():
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as f:
                f.write(line)
        event("message_out", contact=pseudonym(parse_sender(message.to).phone, self.key),
              channel=message.channel, sender="dry_run", template=bool(message.content_sid))
        return Sent("DR" + uuid.uuid4().hex, "dry_run")

    def find(self, message: Outgoing, since: dt.datetime) -> list[Sent]:
        """Nothing to look up: the outbox keeps no time, so this month's line cannot be told
        from last month's, and a line written twice after a crash harms no one."""
        return []

    def forget(self, phones: Iterable[str]) -> int:
        """Remove every line written to these phones (BORRAR, retention); return how many."""
        phones = set(phones)
        if not phones:
            return 0
        with self._locked():
            try:
                with open(self.path, encoding="utf-8") as f:
                    lines = f.readlines()
            except FileNotFoundError:
                return 0
            keep = [line for line in lines if not _addressed_to(line, phones)]
            removed = len(lines) - len(keep)
            if removed:
                # A new file beside the old one, then a rename: a crash leaves either the old
                # outbox or the new one, never half of one.
                temporary = f"{self.path}.{os.getpid()}.tmp"
                fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    f.writelines(keep)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(temporary, self.path)
        event("outbox_forgotten", lines=removed)
        return removed


def _addressed_to(line: str, phones: set[str]) -> bool:
    try:
        return parse_sender(json.loads(line)["to"]).phone in phones
    except (ValueError, KeyError, TypeError, UnknownAddress):
        # A line that cannot be read: drop it if it names one of the phones at all.
        return any(phone in line or phone.lstrip("+") in line for phone in phones)


class TwilioSender:
    """Send through the real Twilio client (pointed elsewhere by TWILIO_API_BASE_URL in tests)."""

    name = "twilio"

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

    def can_send(self, channel: str) -> bool:
        """Whether a sender for this channel is set (a Messaging Service chooses its own)."""
        return bool(self.config.get("TWILIO_MESSAGING_SERVICE_SID") or self.config.get(
            "TWILIO_WHATSAPP_FROM" if channel == "whatsapp" else "TWILIO_SMS_FROM"))

    def status_callback(self, message: Outgoing) -> str | None:
        """Where Twilio reports on the message; it names the reminder, so a report on a send
        whose answer never came still finds its reminder."""
        base = self.config.get("PUBLIC_BASE_URL")
        if not base:
            return None
        url = base.rstrip("/") + "/twilio/status"
        return url if message.reminder is None else f"{url}?reminder={message.reminder}"

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
        callback = self.status_callback(message)
        if callback:
            params["status_callback"] = callback
        ref = pseudonym(parse_sender(message.to).phone, self.key)
        try:
            sent = self.client.messages.create(**params)
        except TwilioRestException as exc:
            event("send_refused", contact=ref, channel=message.channel, code=exc.code,
                  status=exc.status)
            raise SendError(exc.code, exc.status) from None
        except (TwilioException, OSError) as exc:   # timeouts and refused connections
            # The request may have reached Twilio before the answer was lost: say so, so the
            # message is looked up before it is sent again.
            event("send_unreachable", contact=ref, channel=message.channel,
                  error=type(exc).__name__)
            raise SendError(None, None, unknown=True) from None
        event("message_out", contact=ref, channel=message.channel, sender="twilio",
              template=bool(message.content_sid), status=sent.status)
        return Sent(sent.sid, sent.status)

    def find(self, message: Outgoing, since: dt.datetime) -> list[Sent]:
        """Return the messages Twilio took for this one since `since`, newest first.

        Twilio lists messages by the day they were sent (DateSent, GMT), so a message still in
        Twilio's queue is not listed yet; its status callback names the reminder instead.
        Raise SendError when Twilio cannot be asked."""
        from twilio.base.exceptions import TwilioException, TwilioRestException

        earliest = (since - CLOCK_SKEW).astimezone(dt.UTC)
        first_day = earliest.replace(hour=0, minute=0, second=0, microsecond=0)
        ref = pseudonym(parse_sender(message.to).phone, self.key)
        try:
            listed = self.client.messages.list(to=message.to, date_sent_after=first_day,
                                               limit=LOOKUP_LIMIT)
        except TwilioRestException as exc:
            event("lookup_refused", contact=ref, code=exc.code, status=exc.status)
            raise SendError(exc.code, exc.status) from None
        except (TwilioException, OSError) as exc:
            answer = exc.args[1] if len(exc.args) > 1 else None
            if hasattr(answer, "status_code"):    # the client's "Unable to fetch page"
                code = _error_code(answer.text)
                event("lookup_refused", contact=ref, code=code, status=answer.status_code)
                raise SendError(code, answer.status_code) from None
            event("lookup_unreachable", contact=ref, error=type(exc).__name__)
            raise SendError(None, None, unknown=True) from None
        found = [Sent(m.sid, m.status, m.error_code) for m in listed
                 if m.direction == "outbound-api"
                 and (m.date_created is None or m.date_created >= earliest)
                 and _same_message(message, m.body)]
        event("lookup", contact=ref, listed=len(listed), matching=len(found))
        return found

    def forget(self, phones: Iterable[str]) -> int:
        """Nothing local to forget: Twilio keeps its own message log (see docs/DEPLOY.md)."""
        return 0


def _error_code(text: str) -> int | None:
    try:
        code = json.loads(text).get("code")
    except (ValueError, AttributeError):
        return None
    return code if isinstance(code, int) else None


def _same_message(message: Outgoing, body: str | None) -> bool:
    """Whether a body listed by Twilio is this message's: the same text, or for a template
    (whose text Twilio fills in) every value put into it."""
    if body is None:
        return False
    if message.content_sid:
        values = [str(value) for value in (message.variables or {}).values()]
        # A template with nothing of its own in it (the monthly one) cannot be told from another
        # message to the same phone: better a second "check your case" than none at all.
        return bool(values) and all(value in body for value in values)
    return " ".join(body.split()) == " ".join((message.body or "").split())


def missing_settings(config: dict) -> list[str]:
    """Name what Twilio sending still needs."""
    missing = [name for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN") if not config.get(name)]
    if not (config.get("TWILIO_SMS_FROM") or config.get("TWILIO_MESSAGING_SERVICE_SID")):
        missing.append("TWILIO_SMS_FROM or TWILIO_MESSAGING_SERVICE_SID")
    # Without it no status callback is requested, and an undelivered reminder goes unnoticed.
    if not config.get("TESTING") and not config.get("PUBLIC_BASE_URL"):
        missing.append("PUBLIC_BASE_URL")
    return missing


def choose(config: dict) -> str:
    """Say which sender the settings ask for, "twilio" or "dry_run"; raise SenderSettingsError,
    naming every missing setting, when they ask for Twilio without what it needs."""
    chosen = config.get("SENDER") or None
    if chosen not in (None, "twilio", "dry_run"):
        raise SenderSettingsError(f"SENDER must be 'twilio' or 'dry_run', not {chosen!r}.")
    if chosen == "dry_run":
        return "dry_run"
    if chosen is None and not any(config.get(name) for name in TWILIO_SETTINGS):
        return "dry_run"     # a fresh checkout: `make run` with nothing set
    missing = missing_settings(config)
    if not missing:
        return "twilio"
    if chosen is None and config.get("TESTING"):
        return "dry_run"     # tests set TWILIO_AUTH_TOKEN alone, to sign webhooks
    raise SenderSettingsError(
        "Twilio settings are incomplete, so no message could be sent. Missing: "
        + "; ".join(missing) + ". Set them (docs/DEPLOY.md), or set SENDER=dry_run to write "
        "outbound messages to the outbox file instead of sending them.")


def init_app(app: Flask) -> None:
    if choose(app.config) == "twilio":
        app.extensions["sender"] = TwilioSender(app.config)
        return
    app.extensions["sender"] = DryRunSender(app.config["OUTBOX_PATH"],
                                            app.config["LOG_PSEUDONYM_KEY"])
    if not app.testing:
        # Nothing leaves the machine: make that visible to whoever reads the log.
        event("sender_dry_run", logging.WARNING, explicit=bool(app.config.get("SENDER")))
