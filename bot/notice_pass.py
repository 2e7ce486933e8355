"""Reading the notice photos people sent, in the scheduler's dispatch pass: fetch the photo from
Twilio, read it, delete it at Twilio, and put the person's registration at its read-back with
what the paper says, sent as a reply in the conversation. The photo's bytes stay in this
process's memory only, and neither they nor the text read from them are stored or logged."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter

from flask import Flask

from . import media, notice, ocr, shelters, store
from . import photo_queue as photos
from .db import get_db, write
from .eventlog import contact_ref, event
from .inputs import Asking
from .sender import Outgoing, SendError
from .sms import MAX_SMS_SEGMENTS, for_sms, pack
from .views import render_reply

# A download that failed on the way (network, Twilio busy) is tried again at the next passes.
FETCH_ATTEMPTS = 3
RETRYABLE = ("ConnectionError", "Timeout", "ReadTimeout", "ConnectTimeout", "ChunkedEncodingError",
             "status_429", "status_500", "status_502", "status_503", "status_504")


def read_pending(app: Flask, now: dt.datetime) -> Counter:
    """Read the photos waiting, a few per pass; return how each ended."""
    db = get_db()
    with write(db):
        rows = photos.claim(db, now, app.config["CLAIM_LEASE_SECONDS"], app.config["NOTICE_PHOTO_BATCH"])
    outcomes: Counter = Counter()
    for row in rows:
        try:
            outcomes[read_one(app, db, row, now)] += 1
        except Exception as exc:   # one bad photo must not stop the others
            event("photo_error", logging.ERROR, photo=row["id"], error=type(exc).__name__)
            outcomes["error"] += 1
    if rows:
        event("notice_photos", claimed=len(rows), **outcomes)
    return outcomes


def read_one(app: Flask, db, row: dict, now: dt.datetime) -> str:
    """Read one photo and answer the person; return the outcome."""
    engine = app.extensions["engine"]
    lines, cause = None, None
    try:
        data = media.download(row["media_path"], app.config)
        try:
            lines = ocr.read_lines(data)
        finally:
            del data
    except media.FetchFailed as exc:
        cause = str(exc)
        if cause in RETRYABLE and row["attempts"] < FETCH_ATTEMPTS:
            with write(db):
                photos.retry(db, row["id"], cause)
            event("photo_retry", logging.WARNING, photo=row["id"], error=cause)
            return "retry"
    except (media.Refused, ocr.Unreadable) as exc:
        cause = type(exc).__name__
    _delete(app, row)
    contact = store.contact_by_id(db, row["contact_id"])
    ref = contact_ref(contact["phone"])
    with write(db):
        state = store.conversation_of(db, contact["id"])
        context = store.context_of(db, contact, False, shelters.desk_of(db, contact["phone"]))
        found = {}
        if lines is not None:
            asking = Asking({"city": state.vars.get("city")} if state.vars.get("city") else {},
                            context, engine.cities, (), now)
            reading = notice.read([(line.text, line.confidence) for line in lines], asking)
            found = reading.found
            event("photo_read", contact=ref, photo=row["id"], lines=len(lines),
                  fields=sorted(found), doubtful=sorted(reading.doubtful))
        status = "read" if found else "unreadable"
        photos.finish(db, row["id"], status, cause or ("fields" if found else "nothing_read"), now)
        if contact["opted_out"]:
            return "opted_out"
        outcome = engine.read_paper(state, context, found, now)
        store.save_conversation(db, contact["id"], outcome.state, now)
    _reply(app, db, contact, outcome, now, ref)
    return status


def _delete(app: Flask, row: dict) -> None:
    """Delete the photo at Twilio; a failure is logged (the photo's SIDs, never its place)."""
    try:
        media.delete(row["media_path"], app.config)
    except Exception as exc:
        event("photo_delete_failed", logging.WARNING, photo=row["id"], error=type(exc).__name__)


def _reply(app: Flask, db, contact: dict, outcome, now: dt.datetime, ref: str) -> None:
    """Send the read-back on the channel the person last wrote from: on WhatsApp as a message
    in the conversation (inside its 24-hour window), else by SMS."""
    catalogs, sender = app.extensions["catalogs"], app.extensions["sender"]
    addresses = store.addresses_of(db, contact["id"])
    channel = max(addresses, key=lambda c: addresses[c]["last_seen_at"]) if addresses else "sms"
    window = dt.timedelta(hours=app.config["WHATSAPP_WINDOW_HOURS"])
    last = contact["last_inbound_at"]
    if channel == "whatsapp" and not (sender.can_send("whatsapp") and last
                                      and now - dt.datetime.fromisoformat(last) < window):
        channel = "sms"
    if channel == "whatsapp":
        to, bodies = addresses["whatsapp"]["address"], [
            render_reply(outcome.replies, outcome.language, catalogs)]
    else:
        keep = app.config["SMS_KEEP_ACCENTS"]
        to = contact["phone"]
        bodies = pack([for_sms(render_reply([block], outcome.language, catalogs), keep)
                       for block in outcome.replies], MAX_SMS_SEGMENTS)
    for body in bodies:
        try:
            sender.send(Outgoing(to, channel, body))
        except SendError as exc:
            event("photo_reply_failed", logging.WARNING, contact=ref, channel=channel,
                  error=str(exc.code or exc.status or "network"))
            return
    event("photo_reply", contact=ref, channel=channel, messages=len(bodies))
