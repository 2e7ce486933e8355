"""Who gets an answer: the per-phone rate limit, auto-responder loops and the daily reply cap."""

from __future__ import annotations

import itertools
import logging
import re
import unicodedata
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from . import store
from .eventlog import event, pseudonym
from .i18n import N_
from .understanding import Vocabulary, normalize

ANSWER, SILENCE, SLOW_DOWN, CAPPED = "answer", "silence", "slow_down", "capped"
CAP_NOTICE = N_("Hoy ya no podemos contestar más mensajes. Escriba otra vez mañana.")
# The person's own ways out: a looping or capped phone can still stop or delete everything.
ALWAYS_ANSWERED = frozenset({"opt_out", "delete"})
MENU = "menu.menu"
_DIGITS = re.compile(r"\d+")


def cap_notice(catalogs, language: str) -> str:
    """The one notice a phone gets when it reaches the daily cap, in its language."""
    return catalogs.gettext(language, CAP_NOTICE)


def shape(said: str) -> str:
    """Return what stays the same between an auto-responder's messages: the words without
    spaces or punctuation, every number as '#' ("Auto-reply 2" and "auto reply 3" are one).
    A lone digit stays itself: it is a menu choice, and "1" then "2" is a person choosing."""
    kept = "".join(c for c in normalize(said) if unicodedata.category(c)[0] not in "PZ")
    return kept if len(kept) == 1 and kept.isdigit() else _DIGITS.sub("#", kept)


def check(db: Database, sid: str, contact_id: int, volunteer: bool, text: str,
          node: str | None, now: datetime, vocabulary: Vocabulary, config: dict[str, Any],
          ref: str) -> str:
    """Record one inbound message and say whether to answer it, silence it or send a notice.

    A loop is a run of messages of one shape, nothing else between them, all at the same step
    of the conversation: an auto-responder answering each of our replies never moves on. A
    person who writes "1", "si", "1" through a flow is at a new step each time, and a
    volunteer's "1" for each new registration has a whole registration between them."""
    # Idle and the menu are one place: a message outside any question is read as a menu answer.
    place = node or MENU
    key = pseudonym(f"{place}\n{shape(text)}", config["SECRET_KEY"])
    recent, today = store.note_inbound(db, sid, contact_id, key, now,
                                       config["RATE_LIMIT_WINDOW_SECONDS"])
    latest = store.latest_inbound_hashes(
        db, contact_id, now - timedelta(seconds=config["LOOP_WINDOW_SECONDS"]),
        config["LOOP_REPEATS"])
    run = sum(1 for _ in itertools.takewhile(key.__eq__, latest))
    said = normalize(text)
    command = vocabulary.command(text) if said else None
    if command in ALWAYS_ANSWERED or (said and vocabulary.is_emergency(text)):
        # A person in danger repeats the word, and BAJA or BORRAR must work from any phone in
        # any state: no loop, rate limit or cap ever silences them.
        return ANSWER
    if run >= config["LOOP_REPEATS"] and command in (None, "thanks"):
        # Answering an auto-responder feeds the loop: say nothing. A command ("ayuda",
        # "menu") typed again and again is a confused person, not a machine; "OK" or "👍"
        # again and again is what an auto-responder sends.
        event("loop_detected", logging.WARNING, contact=ref, repeats=run)
        return SILENCE
    if volunteer:
        return ANSWER   # a volunteer registering a shelter's people writes a lot, on purpose
    if recent > config["RATE_LIMIT_MESSAGES"]:
        event("rate_limited", logging.WARNING, contact=ref, recent=recent)
        return SLOW_DOWN if recent == config["RATE_LIMIT_MESSAGES"] + 1 else SILENCE
    cap = config["DAILY_REPLY_CAP"]
    if today > cap:
        # Whatever a loop detector misses, this bounds what one phone can cost in a day.
        notice = today == cap + 1
        event("reply_cap_reached", logging.WARNING, contact=ref, messages=today, notice=notice)
        return CAPPED if notice else SILENCE
    return ANSWER
