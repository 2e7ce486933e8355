"""The suite itself: a crash behind the webhook's polite reply fails it, the developer's
environment cannot reach it, and it writes nothing into the checkout."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import clean_environ, errors

from bot import create_app

TESTS = os.path.dirname(os.path.abspath(__file__))
BROKEN_ENGINE = '''
import pytest

@pytest.fixture(autouse=True)
def broken_engine(monkeypatch):
    from bot.engine import Engine

    def step(*args, **kwargs):
        raise RuntimeError("the engine is broken")

    monkeypatch.setattr(Engine, "step", step)
'''


def test_an_engine_that_always_raises_fails_the_webhook_tests(tmp_path):
    # The webhook answers every exception with a polite Spanish reply; without the log check,
    # these tests passed with an engine that could not answer anything.
    (tmp_path / "broken_engine_plugin.py").write_text(BROKEN_ENGINE)
    env = clean_environ(PYTHONPATH=os.pathsep.join([str(tmp_path), TESTS]))
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-rfE", "-p", "broken_engine_plugin", "-p", "no:cacheprovider",
         os.path.join(TESTS, "test_webhook.py"), os.path.join(TESTS, "test_abuse.py")],
        env=env, capture_output=True, text=True, timeout=600, cwd=os.path.dirname(TESTS))
    assert run.returncode == 1, run.stdout[-2000:]
    failed = {line.split(" ", 1)[1].split(" - ")[0] for line in run.stdout.splitlines()
              if line.startswith(("FAILED tests/", "ERROR tests/"))}
    # These passed before, whatever the engine did: the reply was always a polite Spanish text.
    polite = {t for t in failed if "test_any_body_gets_a_short_spanish_answer[" in t}
    assert len(polite) == 14, run.stdout[-3000:]
    assert "tests/test_abuse.py::test_fuzzed_webhook_never_fails_and_always_answers_within_budget" in failed


def test_errors_are_found_by_level_or_by_name():
    lines = ['{"ts": "t", "level": "error", "event": "reminder_error"}',
             '{"ts": "t", "level": "warning", "event": "error"}',
             '{"ts": "t", "level": "info", "event": "message_in"}']
    assert errors(lines) == lines[:2]


def test_a_test_app_ignores_the_developers_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "1" * 32)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "a-real-looking-token")
    monkeypatch.setenv("DATABASE", str(tmp_path / "elsewhere.sqlite3"))
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "db.sqlite3")},
                     instance_path=tmp_path)
    assert app.config["TWILIO_ACCOUNT_SID"] is None and app.config["TWILIO_AUTH_TOKEN"] is None
    assert app.config["DATABASE"] == str(tmp_path / "db.sqlite3")


def test_a_test_app_must_name_its_own_instance_folder(tmp_path):
    with pytest.raises(ValueError, match="instance_path"):
        create_app({"TESTING": True, "DATABASE": str(tmp_path / "db.sqlite3")})


def test_processes_under_test_get_none_of_the_developers_settings(monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "1" * 32)
    monkeypatch.setenv("FLASK_APP", "somewhere_else")
    env = clean_environ(SECRET_KEY="k")
    assert "TWILIO_ACCOUNT_SID" not in env and "FLASK_APP" not in env and env["SECRET_KEY"] == "k"
