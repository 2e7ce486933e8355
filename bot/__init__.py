"""Mi Audiencia: a Spanish SMS and WhatsApp bot for people waiting for a US immigration hearing."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from . import settings


def create_app(test_config: dict[str, Any] | None = None, *,
               instance_path: str | os.PathLike | None = None) -> Flask:
    """Build the app: defaults, then instance/config.py, then the environment; or, for a test,
    defaults then test_config alone, in an instance folder of the test's own."""
    if test_config is not None and instance_path is None:
        # A test that fell back to ./instance would write keys and outboxes into the checkout.
        raise ValueError("a test app needs its own instance_path")
    app = Flask(__name__, instance_relative_config=True,
                instance_path=os.fspath(instance_path) if instance_path else None)
    app.config.from_mapping(settings.defaults())
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_mapping(settings.from_environment())
        # A test may relax the webhook's checks; instance/config.py cannot claim to be one.
        app.config["TESTING"] = False
    else:
        # A developer's exported TWILIO_* must never reach a test: it would call the real API.
        app.config.from_mapping(test_config)

    os.makedirs(app.instance_path, exist_ok=True)
    app.config["DATABASE"] = app.config["DATABASE"] or os.path.join(
        app.instance_path, "mi_audiencia.sqlite3")
    app.config["OUTBOX_PATH"] = app.config["OUTBOX_PATH"] or os.path.join(
        app.instance_path, "outbox.jsonl")
    app.config["KEY_DIR"] = app.config["KEY_DIR"] or app.instance_path
    if not app.config["SECRET_KEY"]:
        from .keyring import secret_key

        app.config["SECRET_KEY"] = secret_key(app.config["KEY_DIR"])
    if not app.testing:
        # Only a test may accept unsigned webhooks.
        app.config["VALIDATE_TWILIO_SIGNATURE"] = True

    from . import (
        admin,
        announce,
        cli,
        db,
        engine,
        eventlog,
        health,
        i18n,
        keyring,
        safekeeping,
        scheduler,
        sender,
        unknown,
        webhook,
    )

    eventlog.init_app(app)
    i18n.init_app(app)
    engine.init_app(app)
    db.init_app(app)
    keyring.init_app(app)   # after db: it checks the key store against the database
    sender.init_app(app)
    webhook.init_app(app)
    cli.init_app(app)
    announce.init_app(app)
    scheduler.init_app(app)
    admin.init_app(app)
    health.init_app(app)
    safekeeping.init_app(app)
    unknown.init_app(app)
    return app

