"""The Twilio webhook: a signed POST in, TwiML out."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from flask import Blueprint, Flask, Response, abort, current_app, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from werkzeug.exceptions import RequestEntityTooLarge

from . import dispatch, inbox
from .eventlog import event
from .text import clean

bp = Blueprint("twilio", __name__, url_prefix="/twilio")

# Twilio's largest inbound form: a WhatsApp text of 4,096 characters, percent-encoded UTF-8
# (up to 9 bytes a character: about 37 KB), plus about 40 named fields and up to 10 media
# (MediaUrlN, MediaContentTypeN) of a few hundred bytes each: under 45 KB in all. Four times
# that leaves room for fields Twilio adds later, and a forged multi-megabyte body is refused
# from its Content-Length before a byte of it is read or its signature computed.
MAX_BODY_BYTES = 192 * 1024
# Twilio sends 20 to 40 fields, 60 or so with ten media and a WhatsApp referral; 200 leaves
# room and still stops a body of tiny fields made to cost time and memory to parse.
MAX_FORM_FIELDS = 200


@bp.before_request
def limit_body() -> None:
    """Refuse an oversized body or too many fields (413) before parsing or signature check."""
    request.max_content_length = MAX_BODY_BYTES
    request.max_form_parts = MAX_FORM_FIELDS   # multipart; werkzeug counts these itself
    try:
        # A declared length over the limit is refused before reading; a body without one
        # (chunked) is read up to the limit, and one more byte means it was too large.
        data = request.get_data(cache=True)
        if request.content_length is None:
            request.stream.read(1)
        # Werkzeug applies no field limit to a urlencoded form: count its separators.
        if (request.mimetype == "application/x-www-form-urlencoded"
                and data.count(b"&") + 1 > MAX_FORM_FIELDS):
            raise RequestEntityTooLarge()
        request.form   # noqa: B018 (parse now, inside the limits, so a 413 comes before a 403)
    except RequestEntityTooLarge:
        length = request.content_length
        event("request_too_large", logging.WARNING, path=request.path,
              kib=length // 1024 if length is not None else None)
        raise


def signed_url() -> str | None:
    """Return the URL Twilio signed: PUBLIC_BASE_URL and our path.

    Without PUBLIC_BASE_URL it would be built from the Host header, which whoever sends the
    request chooses; only a test, which has no proxy in front, may rely on it."""
    base = current_app.config["PUBLIC_BASE_URL"]
    if base:
        return base.rstrip("/") + request.full_path.rstrip("?")
    return request.url if current_app.testing else None


def check_signature() -> None:
    """Refuse a request that Twilio did not sign with our auth token."""
    if not current_app.config["VALIDATE_TWILIO_SIGNATURE"]:
        return
    token = current_app.config["TWILIO_AUTH_TOKEN"]
    url = signed_url()
    signature = request.headers.get("X-Twilio-Signature", "")
    # Every value of a repeated field is signed: an added duplicate breaks the signature.
    if not token or not url or not signature or not RequestValidator(token).validate(
            url, request.form, signature):
        reason = ("no_token" if not token else "no_public_base_url" if not url
                  else "missing" if not signature else "invalid")
        event("signature_rejected", logging.WARNING, path=request.path, reason=reason)
        abort(403)


@bp.post("/messages")
def messages() -> Response:
    check_signature()
    if inbox.message_sid(request.form) is None:
        # Signed, yet without a well-formed MessageSid: a captured request cut up differently.
        event("message_rejected", logging.WARNING, reason="bad_message_sid")
        abort(403)
    response = MessagingResponse()
    for text in inbox.receive(request.form):
        # Names stored before control characters were stripped at the door must not break TwiML.
        response.message(clean(text))
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
