"""The terminal chat, the database command and the settings registry."""

from __future__ import annotations

import json
import os
import sqlite3

import pytest
from conftest import opened

from bot import settings
from bot.db import connect, migrations
from bot.sender import Outgoing


def test_chat_with_piped_input_registers_a_hearing_by_free_text_and_reads_it_back(runner):
    lines = ["hola", "quiero registrar mi audiencia", "Maria", "tijuana", "15 de marzo de 2027",
             "8 y media de la mañana", "no se", "no tengo", "si", "cuando es mi audiencia"]
    result = runner.invoke(args=["chat"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    assert "Guardado" in result.output
    assert "1. Maria: lunes 15 de marzo de 2027, 8:30 a. m., hora de San Diego" in result.output


def test_chat_as_whatsapp_from_another_number(app, runner):
    result = runner.invoke(args=["chat", "--whatsapp", "--from", "+5216641111111"], input="hola\n")
    assert "Mi Audiencia" in result.output
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        rows = conn.execute("SELECT channel, address FROM contact_addresses").fetchall()
    assert [(c, opened(app, a)) for c, a in rows] == [("whatsapp", "whatsapp:+5216641111111")]


def test_init_db_is_idempotent_and_the_database_uses_wal(app, runner):
    result = runner.invoke(args=["init-db"])
    assert "0 migration(s) applied" in result.output
    db = connect(app.config["DATABASE"])
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    assert migrations.pending(db) == []


def test_create_app_makes_the_database_on_a_fresh_folder(tmp_path):
    from bot import create_app

    path = tmp_path / "new" / "bot.sqlite3"
    os.makedirs(path.parent)
    create_app({"TESTING": True, "DATABASE": str(path), "SECRET_KEY": "k"}, instance_path=tmp_path)
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"contacts", "people", "hearings", "conversations", "inbound_messages"} <= tables


def test_config_order_defaults_instance_file_environment_then_test_config(tmp_path,
                                                                         bare_environment):
    monkeypatch = bare_environment
    from bot import create_app

    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("MAX_ATTEMPTS = 5\nCONVERSATION_TTL_MINUTES = 10\n")
    monkeypatch.setenv("CONVERSATION_TTL_MINUTES", "20")
    monkeypatch.setenv("DATABASE", str(tmp_path / "env.sqlite3"))
    monkeypatch.setenv("SECRET_KEY", "k")
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(instance))
    app = create_app()
    assert app.config["MAX_ATTEMPTS"] == 5                 # instance/config.py over the default
    assert app.config["CONVERSATION_TTL_MINUTES"] == 20    # environment over instance/config.py
    assert app.config["MAX_BODY_CHARS"] == 1600            # default
    tested = create_app({"TESTING": True, "CONVERSATION_TTL_MINUTES": 30,
                         "DATABASE": str(tmp_path / "t.sqlite3")}, instance_path=tmp_path)
    assert tested.config["CONVERSATION_TTL_MINUTES"] == 30


def test_every_setting_has_help_and_the_settings_page_is_current():
    with open(os.path.join(os.path.dirname(__file__), "..", "docs", "SETTINGS.md")) as f:
        page = f.read()
    assert all(setting.help for setting in settings.SETTINGS)
    assert page == settings.markdown(), "run `make docs`"


def test_the_dry_run_sender_writes_the_outbox(app):
    with app.app_context():
        sender = app.extensions["sender"]
        sender.send(Outgoing("whatsapp:+5216641234567", "whatsapp", "Recordatorio"))
        sender.send(Outgoing("whatsapp:+5216641234567", "whatsapp", content_sid="HX1",
                             variables={"1": "Ana"}))
    with open(app.config["OUTBOX_PATH"]) as f:
        assert [json.loads(line) for line in f] == [
            {"to": "whatsapp:+5216641234567", "channel": "whatsapp", "body": "Recordatorio"},
            {"to": "whatsapp:+5216641234567", "channel": "whatsapp", "body": None,
             "template": "HX1", "variables": {"1": "Ana"}}]


CSV = ("phone,name,city,date,time,report_time,a_number,whatsapp,consent\n"
       "664 123 4567,M. R.,tijuana,15/03/2027,8:30,4:30,,si,si\n"
       "664 123 4568,José Peña,tijuana,16/03/2027,9:00,,,si,si\n")


@pytest.mark.parametrize("encoding,says", [
    ("cp1252", "line 3 has byte 0xe9"), ("latin-1", "line 3 has byte 0xe9"),
    ("utf-16", "the file is UTF-16")])
def test_a_csv_that_is_not_utf8_gets_a_clear_message_naming_utf8(app, runner, tmp_path,
                                                                 encoding, says):
    runner.invoke(args=["shelters", "add", "Casa del Migrante", "--city", "tijuana"])
    path = tmp_path / "people.csv"
    path.write_bytes(CSV.encode(encoding))
    result = runner.invoke(args=["contacts", "import", str(path), "--shelter", "Casa del Migrante"])
    assert result.exit_code != 0
    assert says in result.output and "CSV UTF-8" in result.output
    assert "Traceback" not in result.output and result.exception.__class__ is SystemExit
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        assert conn.execute("SELECT count(*) FROM people").fetchone() == (0,)


def test_a_utf8_csv_with_or_without_a_byte_order_mark_imports(app, runner, tmp_path):
    runner.invoke(args=["shelters", "add", "Casa del Migrante", "--city", "tijuana"])
    path = tmp_path / "people.csv"
    path.write_bytes(CSV.encode("utf-8-sig"))
    result = runner.invoke(args=["contacts", "import", str(path), "--shelter", "Casa del Migrante"])
    assert "imported 2, already there 0, bad rows 0" in result.output, result.output
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        names = [opened(app, n) for (n,) in conn.execute("SELECT name FROM people ORDER BY id")]
    assert names == ["M. R.", "José Peña"]
