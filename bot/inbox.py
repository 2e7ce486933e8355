"""One inbound message, start to finish: who wrote, the flow step, what to store, the reply to send."""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Mapping
from datetime import UTC, datetime

from flask import current_app

from . import audit, guard, media, outcomes, postponement, shelters, store, unknown
from . import photo_queue as photos
from . import reminder_queue as queue
from .context import Desk
from .db import flush_wal, get_db, write
from .engine import ERROR, SLOW_DOWN, Effect, Engine, Outcome
from .eventlog import contact_ref, event
from .i18n import DEFAULT_LANGUAGE, N_
from .identity import UnknownAddress, parse_sender
from .sms import MAX_SMS_SEGMENTS, cost, for_sms, pack
from .text import clean
from .views import render_reply

# A photo of the notice is read by the scheduler, never here: the answer says it is coming.
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
PDF = "application/pdf"
MAX_MEDIA = 10   # Twilio sends at most ten per message
PHOTO_FIRST = N_("Recibí la foto de su hoja. La leo y le escribo en un momento. "
                 "La foto se borra después de leerla.")
PHOTO_AGAIN = N_("Recibí la foto de su hoja. La leo y le escribo en un momento.")
PHOTO_PDF = N_("Todavía no puedo leer archivos PDF. Mande una foto de su hoja, o escriba sus datos aquí.")
PHOTO_REFUSED = N_("No pude abrir esa foto. Mándela otra vez, o escriba sus datos aquí.")


def notice_media(form: Mapping[str, str]) -> tuple[str, str] | None:
    """The first image or PDF the message carries: (content type, MediaUrl)."""
    count = (form.get("NumMedia") or "0").strip()
    # ASCII digits only: "²" passes str.isdigit() and breaks int().
    for n in range(min(int(count) if re.fullmatch(r"[0-9]{1,3}", count) else 0, MAX_MEDIA)):
        kind = (form.get(f"MediaContentType{n}") or "").split(";")[0].strip().lower()
        if kind in IMAGE_TYPES or kind == PDF:
            return kind, form.get(f"MediaUrl{n}") or ""
    return None


def _take_photo(db, contact: dict, kind: str, url: str, now: datetime, ref: str) -> str:
    """Queue a notice photo for the scheduler; return the answer's msgid."""
    if kind == PDF:
        event("photo_refused", contact=ref, reason="pdf")
        return PHOTO_PDF
    try:
        path = media.media_path(url, current_app.config)
    except media.Refused as exc:
        # Not a photo of ours at Twilio: nothing is ever requested from that address.
        event("photo_refused", logging.WARNING, contact=ref, reason=str(exc))
        return PHOTO_REFUSED
    first = not photos.seen_before(db, contact["id"])
    photo = photos.add(db, contact["id"], path, kind, now)
    event("photo_queued", contact=ref, photo=photo, first=first)
    return PHOTO_FIRST if first else PHOTO_AGAIN


def _apply(db, contact_id: int, effect: Effect, engine: Engine, now: datetime,
           desk: Desk | None) -> None:
    data = effect.data
    if effect.name in VOLUNTEER_EFFECTS:
        _apply_volunteer(db, effect, engine, now, desk)
    elif effect.name == "save_hearing":
        hearing = store.hearing_row(db, store.save_hearing(db, contact_id, data, now))
        queue.schedule_hearing(db, hearing, engine.cities[hearing["city"]], engine.schedule, now)
    elif effect.name == "set_hearing_day":
        hearing = store.set_hearing_day(db, contact_id, data.get("hearing_id"),
                                        data.get("hearing_day_at"), now)
        if hearing:
            queue.schedule_hearing(db, hearing, engine.cities[hearing["city"]], engine.schedule, now)
    elif effect.name == "delete_hearing":
        store.delete_hearing(db, contact_id, data.get("hearing_id"))   # its reminders cascade
    elif effect.name == "close_hearing":
        store.close_hearing(db, contact_id, data.get("hearing_id"), now)
        queue.cancel_pending(db, now, "hearing_closed", hearing_id=data.get("hearing_id"))
    elif effect.name == "keep_own_date":
        postponement.keep_own_date(db, contact_id, data.get("hearing_id"), engine.cities,
                                   engine.schedule, now)
    elif effect.name == "add_person":
        store.add_person(db, contact_id, data["name"], data.get("a_number"), now)
    elif effect.name == "remove_person":
        store.remove_person(db, contact_id, data.get("person_id"))
    elif effect.name == "set_language":
        store.set_language(db, contact_id, data["language"])
    elif effect.name == "opt_out":
        store.set_opted_out(db, contact_id, True, now)
        queue.cancel_pending(db, now, "opted_out", contact_id=contact_id)
    elif effect.name == "opt_in":
        store.set_opted_out(db, contact_id, False, now)
        _replan_all(db, contact_id, engine, now)
    elif effect.name == "delete_contact":
        store.delete_contact(db, contact_id)   # people, hearings and reminders cascade
        audit.record(db, "person", "deleted_own_data", f"contact:{contact_id}", now)
    else:
        raise ValueError(f"unknown action {effect.name}")


VOLUNTEER_EFFECTS = {"register_for_shelter", "update_registration", "cancel_registration"}


def _apply_volunteer(db, effect: Effect, engine: Engine, now: datetime, desk: Desk | None) -> None:
    """Act for a volunteer, on their own shelter's people only."""
    if desk is None:
        raise PermissionError("volunteer action from a phone that is not a volunteer's")
    data = effect.data
    city = engine.cities.get(data.get("city"))
    if effect.name == "register_for_shelter":
        channel = "whatsapp" if data.get("whatsapp") == "yes" else "sms"
        shelters.register(db, desk.shelter_id, f"volunteer:{desk.volunteer_id}",
                          {**data, "channel": channel}, city, engine.schedule, now,
                          volunteer_id=desk.volunteer_id)
    elif effect.name == "update_registration":
        shelters.update_registration(db, desk, data, city, engine.schedule, now)
    else:
        shelters.cancel_registration(db, desk, data.get("hearing_id"), now)


def _replan_all(db, contact_id: int, engine: Engine, now: datetime) -> None:
    """After ALTA, plan again the reminders still ahead of every open hearing."""
    for hearing in store.open_hearings(db, contact_id):
        queue.schedule_hearing(db, hearing, engine.cities[hearing["city"]], engine.schedule, now)


def _say(engine: Engine, catalogs, node_id: str, language: str) -> str:
    """A fixed answer (slow down, error) in the person's language."""
    return "\n".join(catalogs.gettext(language, m) for m in engine.flows[node_id].say)


def _body(form: Mapping[str, str]) -> str:
    limit = current_app.config["MAX_BODY_CHARS"]
    return (form.get("Body") or "")[:limit]


# Twilio's message SIDs: "SM" (or "MM" with media) and 32 hex digits, the pattern of Twilio's
# OpenAPI description. The signature covers names and values run together, so a captured
# request can be re-cut to drop or bend the SID and still be "signed": anything else is
# refused, and the SID stays the key that drops a replay.
_MESSAGE_SID = re.compile(r"(?:SM|MM)[0-9a-fA-F]{32}")


def message_sid(form: Mapping[str, str]) -> str | None:
    """Return the form's MessageSid if it is well formed, else None."""
    sid = form.get("MessageSid") or ""
    return sid if _MESSAGE_SID.fullmatch(sid) else None


def receive(form: Mapping[str, str], now: datetime | None = None) -> list[str]:
    """Handle one Twilio inbound message and return the texts to answer with."""
    now = now or datetime.now(UTC)
    engine: Engine = current_app.extensions["engine"]
    catalogs = current_app.extensions["catalogs"]
    # Nothing read from the form may carry a control character into a name or a reply.
    form = {key: clean(value) for key, value in form.items()}
    sid = message_sid(form)
    if sid is None:
        event("message_rejected", logging.WARNING, reason="bad_message_sid")
        return []
    try:
        sender = parse_sender(form.get("From", ""))
    except UnknownAddress:
        event("message_rejected", logging.WARNING, reason="unknown_sender")
        return []
    ref = contact_ref(sender.phone)
    db = get_db()
    try:
        # One write transaction per message: two messages from one phone queue up here
        # and run one after the other, and a failure leaves nothing half-stored.
        with write(db):
            if not store.first_time_seen(db, sid, now):
                event("message_duplicate", contact=ref, channel=sender.channel)
                return []
            contact, is_new = store.contact_for(db, sender.phone, sender.channel,
                                                sender.address, now)
            text = _body(form)
            desk = shelters.desk_of(db, sender.phone)
            state = store.conversation_of(db, contact["id"])
            verdict = guard.check(db, sid, contact["id"], desk is not None, text, state.node, now,
                                  engine.vocabulary, current_app.config, ref)
            if verdict == guard.SLOW_DOWN:
                return [_say(engine, catalogs, SLOW_DOWN, contact["language"])]
            if verdict == guard.CAPPED:
                return [guard.cap_notice(catalogs, contact["language"])]
            if verdict == guard.SILENCE:
                return []
            if is_new:
                shelters.record_consent(db, contact["id"], "self", now)
            # A volunteer's photo joins the registration they are typing for someone.
            photo = notice_media(form) if not contact["opted_out"] and (
                desk is None or engine.registering_for(state)) else None
            if photo:
                answer, language = _take_photo(db, contact, *photo, now, ref), contact["language"]
                return _answer(catalogs.gettext(language, answer), sender, ref)
            context = store.context_of(db, contact, is_new, desk)
            outcome: Outcome = engine.step(state, context, text, now)
            for effect in outcome.effects:
                _apply(db, contact["id"], effect, engine, now, desk)
                event("action", contact=ref, action=effect.name)
            deleted = any(e.name == "delete_contact" for e in outcome.effects)
            if not deleted:
                _learn(db, contact["id"], state, context, outcome, text, engine, now)
                store.save_conversation(db, contact["id"], outcome.state, now)
        if deleted:
            flush_wal(db)
            current_app.extensions["sender"].forget([sender.phone])   # the dry-run outbox too
        return _replies(outcome, form, sender, ref, is_new, catalogs)
    except Exception as exc:
        # Type and place only: an exception's message may quote what the person wrote.
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        event("error", logging.ERROR, contact=ref, where="inbound", error=type(exc).__name__,
              at=f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}")
        return [_say(engine, catalogs, ERROR, DEFAULT_LANGUAGE)]


def _learn(db, contact_id: int, state, context, outcome: Outcome, text: str, engine: Engine,
           now: datetime) -> None:
    """Keep what the step tells about how hearings go and what the bot could not read."""
    if outcome.answered and outcome.answered[0] == outcomes.DAY_AFTER_NODE:
        outcomes.record(db, state.vars.get("hearing_id"), outcome.answered[1], now)
    if any(e.name == "opt_out" for e in outcome.effects):
        unknown.forget_contact(db, contact_id)
    elif outcome.not_understood_at and current_app.config["UNKNOWN_MESSAGES_KEEP"]:
        node = engine.flows.nodes.get(outcome.not_understood_at)
        names = [p.name for p in context.people] + [state.vars.get("name"),
                                                     outcome.state.vars.get("name")]
        unknown.keep(db, contact_id, outcome.not_understood_at, text, names,
                     bool(node and node.wait and node.wait.input == "name"), now)


def _answer(text: str, sender, ref: str) -> list[str]:
    """One fixed answer, as SMS text when it goes by SMS."""
    if sender.channel == "sms":
        text = for_sms(text, current_app.config["SMS_KEEP_ACCENTS"])
    event("reply", contact=ref, channel=sender.channel, messages=1, segments=cost(text).segments)
    return [text]


def _replies(outcome: Outcome, form, sender, ref: str, is_new: bool, catalogs) -> list[str]:
    """Log the message and write the step's replies: one text, or several SMS within budget."""
    bodies = current_app.config["LOG_MESSAGE_BODIES"]   # off unless debugging
    event("message_in", contact=ref, channel=sender.channel, new=is_new,
          media=(form.get("NumMedia") or "0").strip() != "0", node=outcome.state.node,
          actions=[e.name for e in outcome.effects], **({"body": _body(form)} if bodies else {}))
    if not outcome.replies:
        return []
    if sender.channel == "sms":
        keep = current_app.config["SMS_KEEP_ACCENTS"]
        # Each SMS stays within the budget: a long step goes out as two messages, not one
        # message of five segments.
        replies = pack([for_sms(render_reply([block], outcome.language, catalogs), keep)
                        for block in outcome.replies], MAX_SMS_SEGMENTS)
    else:
        replies = [render_reply(outcome.replies, outcome.language, catalogs)]
    event("reply", contact=ref, channel=sender.channel, messages=len(replies),
          segments=sum(cost(r).segments for r in replies),
          **({"text": replies} if bodies else {}))
    return replies
