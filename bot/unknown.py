"""What the bot did not understand: scrubbed of numbers and names, kept a while, reported."""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from collections.abc import Iterable

import click
from babel.messages.pofile import read_po
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlite_utils import Database

from . import yamlfile
from .db import get_db
from .i18n import LOCALES_DIR
from .places import DATA_DIR
from .understanding import words

NUMBER = "#"
MAX_CHARS = 160
# Words after which people give a name ("me llamo Rosa", "soy Juan", "mi hijo se llama Luis"):
# everything from there on is dropped, whatever it looks like.
NAME_INTRODUCTIONS = (("me", "llamo"), ("llamo",), ("mi", "nombre"), ("nombre",), ("soy",),
                      ("se", "llama"), ("se", "llaman"), ("me", "dicen"), ("apellido",),
                      ("apellidos",), ("my", "name"), ("name",), ("i", "am"), ("im",))
# Short words inside names ("María de la Cruz") that are not names themselves.
NAME_PARTICLES = frozenset({"de", "del", "la", "las", "los", "y", "e", "da", "do", "dos", "van"})
WORDS_FILE = os.path.join(DATA_DIR, "words.yaml")
SPANISH_CATALOG = os.path.join(LOCALES_DIR, "es", "LC_MESSAGES", "messages.po")
_SENTENCE_END = re.compile(r"[.!?¡¿:;\n]")
_HAS_DIGIT = re.compile(r"\d")


def _name_words(names: Iterable[str | None]) -> set[str]:
    return {w for name in names if name for w in words(name)
            if len(w) > 1 and w not in NAME_PARTICLES}


def _strings(value) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@functools.cache
def lexicon() -> frozenset[str]:
    """The words the bot itself writes or reads (its Spanish catalog and words.yaml): a word
    with a capital that is one of them may be a sentence's first word, not a name."""
    with open(SPANISH_CATALOG, "rb") as file:
        texts = [m.id for m in read_po(file) if isinstance(m.id, str)]
    with open(WORDS_FILE, encoding="utf-8") as file:
        texts += list(_strings(yamlfile.load(file)))
    return frozenset(w for text in texts for w in words(text))


def _introduces_a_name(folded: list[str], at: int) -> bool:
    return any(tuple(folded[at:at + len(phrase)]) == phrase for phrase in NAME_INTRODUCTIONS)


def scrub(text: str, names: Iterable[str | None] = (), asked_for_a_name: bool = False) -> str:
    """Return a message with no digit and no name: lower case, accents folded; "" when nothing
    is left to keep. Dropped: the whole answer to a name question, everything after a phrase
    that gives a name, the names the person gave the bot, words written with a capital inside a
    sentence or in a run of capitals (a name's shape), a capitalized first word (or, in a
    message all in capitals, any word) that is not one the bot knows, e-mail addresses; a word
    with a digit becomes "#" (phones, A-numbers, dates)."""
    if asked_for_a_name:
        return ""
    known = _name_words(names)
    tokens = (text or "").split()
    # In a message written all in capitals a capital says nothing about a name.
    shouting = not any(c.islower() for c in text or "")
    kept: list[str] = []
    starts_sentence = True
    for n, token in enumerate(tokens):
        after = starts_sentence
        starts_sentence = bool(_SENTENCE_END.search(token[-1:]))
        if "@" in token or _HAS_DIGIT.search(token):
            if not kept or kept[-1] != NUMBER:
                kept.append(NUMBER)
            continue
        folded = words(token)
        if not folded:
            continue
        rest = folded + [w for t in tokens[n + 1:] for w in words(t)]
        cut = next((i for i in range(len(folded)) if _introduces_a_name(rest, i)), None)
        if cut is not None:
            kept.extend(folded[:cut] + _phrase(rest[cut:]))
            break
        if any(w in known for w in folded):
            continue
        if _capitalized(token):
            # Inside a sentence, or in a run of capitals, a capital marks a name; a sentence's
            # first word (or a word in a message all in capitals) stays only when the bot knows
            # it as a word.
            next_capital = n + 1 < len(tokens) and _capitalized(tokens[n + 1])
            if not shouting and (not after or next_capital):
                continue
            if not all(w in lexicon() or w == "?" for w in folded):
                continue
        kept.extend(folded)
    return " ".join(kept)[:MAX_CHARS].strip()


def _phrase(folded: list[str]) -> list[str]:
    """The words of the name introduction itself ("me llamo"), which say what was dropped."""
    return next(list(p) for p in sorted(NAME_INTRODUCTIONS, key=len, reverse=True)
                if tuple(folded[:len(p)]) == p)


def _capitalized(token: str) -> bool:
    letters = [c for c in token if c.isalpha()]
    return bool(letters) and letters[0].isupper()


def keep(db: Database, contact_id: int, node: str, text: str, names: Iterable[str | None],
         asked_for_a_name: bool, now: dt.datetime) -> bool:
    """Store a message the bot did not understand, scrubbed; False when nothing was left."""
    scrubbed = scrub(text, names, asked_for_a_name)
    if not scrubbed or scrubbed == NUMBER:
        return False
    db.execute("INSERT INTO unknown_messages (contact_id, node, text, received_at) "
               "VALUES (?, ?, ?, ?)", [contact_id, node, scrubbed, now.isoformat()])
    return True


def forget_contact(db: Database, contact_id: int) -> None:
    """Drop what one contact wrote that was kept (after BAJA: they asked to be left alone)."""
    db.execute("DELETE FROM unknown_messages WHERE contact_id = ?", [contact_id])


def purge(db: Database, now: dt.datetime, keep_days: int) -> int:
    """Delete what was kept longer than keep_days; return how many rows went."""
    cutoff = (now - dt.timedelta(days=keep_days)).isoformat()
    return db.execute("DELETE FROM unknown_messages WHERE received_at < ?", [cutoff]).rowcount


def report(db: Database, now: dt.datetime, days: int) -> list[dict]:
    """Group the last `days` of kept messages by text and node, most frequent first."""
    since = (now - dt.timedelta(days=days)).isoformat()
    rows = db.execute("SELECT text, node, count(*) AS n, max(received_at) AS last "
                      "FROM unknown_messages WHERE received_at >= ? GROUP BY text, node "
                      "ORDER BY n DESC, last DESC", [since]).fetchall()
    return [{"text": text, "node": node, "count": n, "last": last} for text, node, n, last in rows]


@click.command("unknown")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1),
              help="Only what arrived in the last N days.")
@with_appcontext
def unknown_command(days: int) -> None:
    """List the messages the bot did not understand, scrubbed, grouped with their counts and
    the step where they arrived, so words.yaml can grow (needs UNKNOWN_MESSAGES_KEEP on)."""
    rows = report(get_db(), dt.datetime.now(dt.UTC), days)
    if not current_app.config["UNKNOWN_MESSAGES_KEEP"]:
        click.echo("UNKNOWN_MESSAGES_KEEP is off: no new message is being kept.")
    if not rows:
        click.echo(f"Nothing kept from the last {days} day(s).")
    for row in rows:
        click.echo(f"{row['count']:5}  {row['node']:28} {row['text']}")


def init_app(app: Flask) -> None:
    app.cli.add_command(unknown_command)
