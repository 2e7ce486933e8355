"""Shared fixtures: an app on a temporary database, and a phone that talks to it."""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import sys
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from twilio.request_validator import RequestValidator

from bot import create_app, settings
from bot.db import close_all
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
    }, instance_path=tmp_path)
    yield app


FLASK = os.path.join(os.path.dirname(sys.executable), "flask")
CHECKOUT_INSTANCE = Path(__file__).resolve().parent.parent / "instance"


def flask_command(instance_path, *args: str) -> list[str]:
    """A `flask` command line for the production app, in the test's own instance folder."""
    return [FLASK, "--app", f"bot:create_app(instance_path={str(instance_path)!r})", *args]


def clean_environ(**config) -> dict[str, str]:
    """The environment for a process under test: none of the developer's settings (an exported
    TWILIO_ACCOUNT_SID would reach the real API), only the given ones."""
    names = {s.name for s in settings.SETTINGS}
    env = {k: v for k, v in os.environ.items() if k not in names and not k.startswith("FLASK_")}
    return {**env, **{k: str(v) for k, v in config.items()}}


@pytest.fixture
def bare_environment(monkeypatch):
    """For tests that build the production app: none of the machine's settings apply."""
    for name in {s.name for s in settings.SETTINGS}:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _instance_files() -> dict[str, tuple[int, int]]:
    if not CHECKOUT_INSTANCE.is_dir():
        return {}
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in CHECKOUT_INSTANCE.iterdir()}


_before_session: dict = {}


def pytest_sessionstart(session):
    _before_session.update(_instance_files())


def pytest_sessionfinish(session, exitstatus):
    """No test may write into the checkout: instance/ is the developer's own."""
    written = {name for name, stat in _instance_files().items() if _before_session.get(name) != stat}
    if written:
        print(f"\ntests wrote into the checkout's instance folder: {sorted(written)}", file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def sign(url: str, form: dict, token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, form)


@dataclass(frozen=True)
class Pick:
    """In a transcript, the option of the previous reply that starts with label (never a position)."""

    label: str


class Phone:
    """One person writing to the bot (on WhatsApp unless told); send() returns the reply ("" for none)."""

    def __init__(self, app, address: str = "whatsapp:+5216641234567", now: datetime = NOW):
        self.app, self.address, self.now = app, address, now
        self.last = ""

    def send(self, body: str, **extra) -> str:
        form = {"From": self.address, "Body": body, "MessageSid": f"SM{next(_sids):032d}",
                "NumMedia": "0", **extra}
        with self.app.app_context():
            self.last = "\n\n".join(receive(form, now=self.now))
        return self.last

    def pick(self, label: str) -> str:
        """Answer the last reply with the number it gives to the option that starts with label."""
        return self.send(choose(self.last, label))

    def talk(self, *bodies: str | Pick) -> str:
        """Send several messages (typed text, or a Pick of the previous reply) and return the last reply."""
        for body in bodies:
            self.send(typed(self.last, body))
        return self.last


def _unaccented(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def choose(reply: str, label: str) -> str:
    """Return the number a reply gives to the option that starts with label (never by position).
    Accents are not compared: an SMS spells "Sí, guardar" as "Si, guardar" to stay in GSM-7."""
    found = re.findall(rf"^(\d+)\. {re.escape(_unaccented(label))}", _unaccented(reply), re.MULTILINE)
    assert len(found) == 1, f"no single option {label!r} in:\n{reply}"
    return found[0]


def typed(reply: str, body: str | Pick) -> str:
    """What a person types: the text itself, or the number reply gives to a Pick's option."""
    return choose(reply, body.label) if isinstance(body, Pick) else body


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


def errors(lines: list[str]) -> list[str]:
    """Return the log lines that report an error (the webhook's polite fallback logs one)."""
    return [line for line in lines
            if (entry := json.loads(line))["level"] in ("error", "critical")
            or entry["event"] == "error"]


@pytest.fixture(autouse=True)
def closed_connections():
    """Close what each test opened, so the suite runs within a small file-descriptor limit."""
    yield
    close_all()


@pytest.fixture(autouse=True)
def no_numbers_in_logs(request):
    handler = _Collect()
    logger = logging.getLogger("mi_audiencia")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    if "allows_bodies_in_logs" not in request.keywords:
        assert leaks(handler.lines) == []
    # A reply can look fine while the code behind it crashed: an error nobody expected fails.
    if "expects_error" not in request.keywords:
        assert errors(handler.lines) == []


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
