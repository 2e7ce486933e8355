"""Configuration that a request or a stray file cannot spoof: the signed URL and TESTING."""

from __future__ import annotations

import json
import os
import re
import uuid

import pytest
from conftest import TOKEN, sign
from flask.cli import FlaskGroup

from bot import create_app, settings


@pytest.fixture
def production(tmp_path, monkeypatch):
    """Build an app as a deployment does: instance/config.py and the environment, no test config."""
    for setting in settings.SETTINGS:
        monkeypatch.delenv(setting.name, raising=False)
    instance = tmp_path / "instance"
    instance.mkdir()
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(instance))

    def build(**config):
        values = {"DATABASE": str(tmp_path / "db.sqlite3"), "SECRET_KEY": "k",
                  "TWILIO_AUTH_TOKEN": TOKEN, "OUTBOX_PATH": str(tmp_path / "outbox.jsonl"),
                  "BACKUP_DIR": str(tmp_path / "backups"),
                  # The webhook with its token alone, as in development: outbound goes to the outbox.
                  "SENDER": "dry_run", **config}
        (instance / "config.py").write_text("".join(f"{k} = {v!r}\n" for k, v in values.items()))
        return create_app()
    return build


def form(body: str = "hola") -> dict:
    return {"From": "+526641234567", "Body": body, "MessageSid": f"SM{uuid.uuid4().hex}",
            "NumMedia": "0"}


def post(app, data: dict, url: str, host: str = "localhost"):
    return app.test_client().post("/twilio/messages", data=data, base_url=f"http://{host}",
                                  headers={"X-Twilio-Signature": sign(url, data)})


def events(handler, name: str) -> list[dict]:
    return [e for e in map(json.loads, handler.lines) if e["event"] == name]


def test_without_public_base_url_the_host_header_chooses_nothing(production,
                                                                  no_numbers_in_logs):
    app = production()
    data = form()
    # Signed for the URL the request's own Host header names: refused all the same.
    response = post(app, data, "http://bot.attacker.example/twilio/messages",
                    host="bot.attacker.example")
    assert response.status_code == 403
    assert events(no_numbers_in_logs, "signature_rejected")[-1]["reason"] == "no_public_base_url"


def test_with_public_base_url_only_its_url_is_accepted(production):
    app = production(PUBLIC_BASE_URL="https://bot.example.org")
    public = "https://bot.example.org/twilio/messages"
    assert post(app, form(), public, host="anything.example").status_code == 200
    spoofed = form()
    assert post(app, spoofed, "http://evil.example/twilio/messages",
                host="evil.example").status_code == 403


def test_testing_in_instance_config_does_not_make_a_test_app(production):
    app = production(TESTING=True, VALIDATE_TWILIO_SIGNATURE=False,
                     PUBLIC_BASE_URL="https://bot.example.org")
    assert app.testing is False and app.config["VALIDATE_TWILIO_SIGNATURE"] is True
    response = app.test_client().post("/twilio/messages", data=form())
    assert response.status_code == 403


@pytest.mark.parametrize("name", ["TESTING", "FLASK_TESTING"])
def test_testing_in_the_environment_does_not_make_a_test_app(production, monkeypatch, name):
    monkeypatch.setenv(name, "1")
    monkeypatch.setenv("VALIDATE_TWILIO_SIGNATURE", "false")
    app = production()
    assert app.testing is False and app.config["VALIDATE_TWILIO_SIGNATURE"] is True


def test_the_chat_works_without_public_base_url(production):
    app = production()
    result = app.test_cli_runner().invoke(args=["chat"], input="hola\n")
    assert result.exit_code == 0 and "Mi Audiencia" in result.output


def test_the_banner_says_why_the_webhook_refuses(production):
    assert "until PUBLIC_BASE_URL is set" in production().test_cli_runner().invoke(
        args=["banner"]).output
    public = production(PUBLIC_BASE_URL="http://127.0.0.1:5000")
    assert "against http://127.0.0.1:5000" in public.test_cli_runner().invoke(
        args=["banner"]).output


def test_the_banner_says_the_host_and_port_the_bot_listens_on(production):
    said = production().test_cli_runner().invoke(args=["banner", "--host", "0.0.0.0", "--port", "8080"])
    assert "starting on http://0.0.0.0:8080" in said.output


def test_every_command_in_the_readme_table_exists(production):
    with open(os.path.join(os.path.dirname(__file__), "..", "README.md"), encoding="utf-8") as f:
        readme = f.read()
    table = readme.split("## Commands", 1)[1].split("\n## ", 1)[0]
    commands = set()
    for cell in re.findall(r"^\| `flask --app bot ([^`]+)`", table, re.MULTILINE):
        words = [w for w in cell.split() if re.fullmatch(r"[a-z][a-z-]*", w)]
        commands.add(tuple(words[:2]) if words[0] in GROUPS else (words[0],))
    assert len(commands) >= 14
    app = production()
    # As `flask --app bot` sees them: the app's commands and those of the package's entry points.
    cli, runner = FlaskGroup(create_app=lambda: app), app.test_cli_runner()
    for command in sorted(commands):
        result = runner.invoke(cli, args=[*command, "--help"])
        assert result.exit_code == 0, (command, result.output)


GROUPS = {"flows", "reminders", "shelters", "volunteers", "contacts", "keys"}
