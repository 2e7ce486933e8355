"""The Twilio webhook: a signed POST in, TwiML out."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from flask import Blueprint, Flask, Response, abort, current_app, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from . import dispatch, inbox
from .eventlog import event

bp = Blueprint("twilio", __name__, url_prefix="/twilio")


def signed_url() -> str:
    """Return the URL Twilio signed: the public one behind a TLS proxy, else the one we saw."""
    base = current_app.config["PUBLIC_BASE_URL"]
    if base:
        return base.rstrip("/") + request.full_path.rstrip("?")
    return request.url


def check_signature() -> None:
    """Refuse a request that Twilio did not sign with our auth token."""
    if not current_app.config["VALIDATE_TWILIO_SIGNATURE"]:
        return
    token = current_app.config["TWILIO_AUTH_TOKEN"]
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature or not RequestValidator(token).validate(
            signed_url(), request.form.to_dict(), signature):
        event("signature_rejected", logging.WARNING, path=request.path,
              reason="no_token" if not token else "missing" if not signature else "invalid")
        abort(403)


@bp.post("/messages")
def messages() -> Response:
    check_signature()
    response = MessagingResponse()
    for text in inbox.receive(request.form):
        response.message(text)
    return Response(str(response), mimetype="text/xml")


@bp.post("/status")
def status() -> Response:
    """Twilio's delivery report for a message we sent."""
    check_signature()
    try:
        dispatch.record_status(request.form, datetime.now(UTC), request.args.get("reminder"))
    except Exception as exc:   # Twilio gets its 204 whatever it sent; the operator gets the event
        event("error", logging.ERROR, where="status", error=type(exc).__name__)
    return Response(status=204)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
