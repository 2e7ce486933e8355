"""/healthz: the database must take a write; the heartbeat is read against the database's clock."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from bot.db import get_db
from bot.dispatch import Dispatcher


def beat(app, moment: dt.datetime) -> None:
    with app.app_context():
        Dispatcher(app).run(moment)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def test_healthz_commits_a_write_each_time(app):
    beat(app, now())
    assert app.test_client().get("/healthz").status_code == 200
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        assert conn.execute("SELECT name FROM heartbeats WHERE name = 'web'").fetchall() == [
            ("web",)]


@pytest.mark.expects_error
def test_a_database_that_cannot_be_written_is_503(app):
    beat(app, now())
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    with app.app_context():
        # The worker's own connection, as a read-only file or mount would leave it.
        get_db().execute("PRAGMA query_only = ON")
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json["ok"] is False
    # The kind of error only: anyone can call /healthz; the operator has the event.
    assert response.json["database"] == "not writable: OperationalError"


@pytest.mark.expects_error
@pytest.mark.parametrize("damage", ["header", "truncated"])
def test_a_corrupted_database_file_is_503(app, damage):
    beat(app, now())
    path = app.config["DATABASE"]
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with open(path, "r+b") as f:
        if damage == "header":
            f.write(b"not a database at all, sorry" * 4)
        else:
            f.truncate(4096 * 2)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.json["ok"] is False


def test_a_heartbeat_stamped_ahead_of_the_database_clock_proves_nothing(app):
    # A pass run by hand with --now a day ahead, then the scheduler died: not "fresh" for a day.
    beat(app, now() + dt.timedelta(days=1))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["scheduler"] == "heartbeat ahead of the database clock"
    beat(app, now())   # the scheduler's next real pass puts it right
    assert app.test_client().get("/healthz").status_code == 200


def test_the_heartbeat_is_compared_with_the_databases_clock_not_the_web_processs(app,
                                                                                 monkeypatch):
    beat(app, now())
    real = dt.datetime

    class SkewedClock(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return real.now(tz) + dt.timedelta(hours=1)

    # The web process's clock an hour off: the scheduler's beat is still seen as fresh.
    monkeypatch.setattr("bot.health.dt.datetime", SkewedClock)
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert abs(response.json["scheduler_heartbeat_age_seconds"]) < 60
