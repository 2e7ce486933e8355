"""Shared fixtures: an app on a temporary database, and a phone that talks to it."""

from __future__ import annotations

import itertools
import json
import logging
import re
from datetime import UTC, datetime

import pytest
from twilio.request_validator import RequestValidator

from bot import create_app
from bot.eventlog import JsonLines
from bot.inbox import receive

TOKEN = "test-auth-token"
# A fixed "now" for transcripts: Sunday 22 November 2026, 18:00 in Tijuana.
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
_sids = itertools.count(1)


@pytest.fixture
def app(tmp_path):
    app = create_app({
        "TESTING": True,
        "DATABASE": str(tmp_path / "test.sqlite3"),
        "OUTBOX_PATH": str(tmp_path / "outbox.jsonl"),
        "SECRET_KEY": "test-secret",
        "TWILIO_AUTH_TOKEN": TOKEN,
        "BACKUP_DIR": str(tmp_path / "backups"),
    })
    yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def sign(url: str, form: dict, token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, form)


class Phone:
    """One person writing to the bot (on WhatsApp unless told); send() returns the reply ("" for none)."""

    def __init__(self, app, address: str = "whatsapp:+5216641234567", now: datetime = NOW):
        self.app, self.address, self.now = app, address, now

    def send(self, body: str, **extra) -> str:
        form = {"From": self.address, "Body": body, "MessageSid": f"SM{next(_sids):032d}",
                "NumMedia": "0", **extra}
        with self.app.app_context():
            return "\n\n".join(receive(form, now=self.now))

    def talk(self, *bodies: str) -> str:
        """Send several messages and return the last reply."""
        reply = ""
        for body in bodies:
            reply = self.send(body)
        return reply


@pytest.fixture
def phone(app):
    return Phone(app)


# Every event any test logs is scanned for phone numbers and A-numbers: the whole suite's log
# output must have none (message bodies are logged only when a test turns LOG_MESSAGE_BODIES on).
_NUMBER = re.compile(r"\+?\d(?:[\s.-]?\d){7,}")
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T[\d:.]+(?:[+-]\d{2}:\d{2}|Z)?")


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []
        self.setFormatter(JsonLines())

    def emit(self, record):
        self.lines.append(self.format(record))


def leaks(lines: list[str]) -> list[str]:
    """Return the log lines that hold something shaped like a phone or an A-number."""
    found = []
    for line in lines:
        fields = {k: v for k, v in json.loads(line).items() if k != "ts"}
        if _NUMBER.search(_ISO_TIME.sub("", json.dumps(fields, ensure_ascii=False))):
            found.append(line)
    return found


@pytest.fixture(autouse=True)
def no_numbers_in_logs(request):
    handler = _Collect()
    logger = logging.getLogger("mi_audiencia")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    if "allows_bodies_in_logs" not in request.keywords:
        assert leaks(handler.lines) == []


def opened(app, value):
    """Decrypt a value read raw from the database (phones, names, A-numbers are encrypted)."""
    return app.extensions["vault"].open(value)


@pytest.fixture
def twilio():
    """Twilio's API on loopback; afterwards, every request must have matched Twilio's spec."""
    from twilio_fake import FakeTwilio

    fake = FakeTwilio()
    yield fake
    fake.close()
    assert fake.violations == [], fake.violations


def edit(path, old: str, new: str) -> None:
    """Change a copied data file once, failing if the text to change is not there."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
