"""Broadcasts: an operator's message to every phone a change affects (a court that moves, a bridge
that closes), chosen by court, city, report place, hearing dates or shelter.

Each phone's copy is one row of `reminders` (kind `broadcast`), so it goes through the same
claim, send and confirm as a reminder: opt-outs, quiet hours, the rate cap and WhatsApp's window
hold, and a crash loses none. A family on one phone gets one message."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections import Counter
from dataclasses import asdict, dataclass, field
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from . import audit
from .places import City
from .reminders import BROADCAST
from .sms import cost, for_sms
from .text import clean
from .understanding import normalize
from .yamlfile import load as load_yaml

LANGUAGES = ("es", "en")


class BroadcastError(ValueError):
    """A message file or a filter the operator has to fix; the text says how."""


@dataclass(frozen=True)
class Message:
    """The operator's text in each language; a language without one gets the Spanish."""
    es: str
    en: str | None = None

    def text(self, language: str) -> str:
        return (self.en if language == "en" else None) or self.es


def read_message(raw: str) -> Message:
    """Read a message file: YAML with `es:` (and `en:`), or plain text, Spanish for everyone."""
    try:
        parsed = load_yaml(raw)
    except Exception:   # not YAML at all (a colon in the middle of a sentence): plain text
        parsed = None
    # "Aviso: el puente cierra" reads as YAML too: only a file that names a language is YAML.
    if isinstance(parsed, dict) and set(map(str, parsed)) & set(LANGUAGES):
        unknown = set(map(str, parsed)) - set(LANGUAGES)
        if unknown:
            raise BroadcastError(f"the message file has keys {sorted(unknown)}; only es: and en: "
                                 "are read")
        texts = {lang: clean(str(parsed[lang])).strip() if parsed.get(lang) is not None else ""
                 for lang in LANGUAGES}
        if not texts["es"]:
            raise BroadcastError("the message file has no es: text (Spanish is sent to everyone "
                                 "without a text in their language)")
        return Message(texts["es"], texts["en"] or None)
    text = clean(raw).strip()
    if not text:
        raise BroadcastError("the message file is empty")
    return Message(text)


@dataclass(frozen=True)
class Audience:
    """Whom a broadcast is for; an empty field does not narrow it."""
    court: str | None = None
    city: str | None = None
    report_place: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    shelter: str | None = None

    def described(self) -> dict:
        return {k: v.isoformat() if isinstance(v, dt.date) else v
                for k, v in asdict(self).items() if v is not None}


def _names(*values: str | None) -> set[str]:
    return {normalize(v) for v in values if v}


def city_keys(cities: dict[str, City], audience: Audience) -> set[str] | None:
    """The hearing city keys the place filters select (None: every city), matched without
    accents or case against the keys and names of the places data."""
    chosen = None
    tests = (
        (audience.court, "court", lambda c: _names(c.report.court, c.report.clock)),
        (audience.city, "city", lambda c: _names(c.key, c.key.split("@")[0], c.name, c.town)),
        (audience.report_place, "report place",
         lambda c: _names(c.report.key, c.report.port, c.report.label, c.report.local)),
    )
    for wanted, what, names_of in tests:
        if not wanted:
            continue
        keys = {key for key, city in cities.items() if normalize(wanted) in names_of(city)}
        if not keys:
            known = sorted({n for city in cities.values() for n in names_of(city)})
            raise BroadcastError(f"no {what} is called {wanted!r}; known: {', '.join(known)}")
        chosen = keys if chosen is None else chosen & keys
    return chosen


def shelter_id(db: Database, name: str | None) -> int | None:
    """The id of a shelter named without regard to accents or case."""
    if not name:
        return None
    shelters = {normalize(n): i for i, n in db.execute("SELECT id, name FROM shelters")}
    if normalize(name) not in shelters:
        raise BroadcastError(f"no shelter is called {name!r}; see `flask --app bot shelters list`")
    return shelters[normalize(name)]


@dataclass
class Recipient:
    contact_id: int
    hearing_id: int      # the hearing whose city gives the quiet hours of the send
    language: str
    channel: str
    people: set[int] = field(default_factory=set)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def recipients(db: Database, cities: dict[str, City], audience: Audience,
               now: dt.datetime, whatsapp: bool = True) -> list[Recipient]:
    """One entry per phone that has an open hearing ahead matching the audience; phones that
    opted out, cannot be reached or were deleted are left out. `whatsapp`: whether a WhatsApp
    sender is set (without one every phone gets SMS)."""
    keys = city_keys(cities, audience)
    if keys is not None and not keys:
        return []
    where, args = ["h.closed_at IS NULL", "h.starts_at > ?", "c.opted_out = 0",
                   "c.unreachable = 0",
                   # A person deleted after the snapshot this database came from: never written to.
                   "(c.key_id IS NULL OR c.key_id NOT IN (SELECT key_id FROM destroyed_keys))"], \
        [_iso(now)]
    # Hearing days are read on the court's clock below; a day's margin each side lets SQL
    # narrow the rows first whatever the zone.
    if audience.date_from:
        where.append("h.starts_at >= ?")
        args.append((audience.date_from - dt.timedelta(days=1)).isoformat())
    if audience.date_to:
        where.append("h.starts_at < ?")
        args.append((audience.date_to + dt.timedelta(days=2)).isoformat())
    if keys is not None:
        where.append(f"h.city IN ({', '.join('?' * len(keys))})")
        args.extend(sorted(keys))
    shelter = shelter_id(db, audience.shelter)
    if shelter is not None:
        where.append("p.shelter_id = ?")
        args.append(shelter)
    found: dict[int, Recipient] = {}
    zones: dict[str, ZoneInfo] = {}
    for contact_id, person_id, hearing_id, city, starts_at, language, channel in db.execute(f"""
            SELECT p.contact_id, p.id, h.id, h.city, h.starts_at, c.language,
                   (SELECT a.channel FROM contact_addresses a WHERE a.contact_id = c.id
                    ORDER BY a.last_seen_at DESC LIMIT 1)
            FROM hearings h JOIN people p ON p.id = h.person_id JOIN contacts c ON c.id = p.contact_id
            WHERE {' AND '.join(where)} ORDER BY h.id""", args):
        if audience.date_from or audience.date_to:
            place = cities.get(city)
            zone = zones.setdefault(place.court_zone if place else "UTC",
                                    ZoneInfo(place.court_zone if place else "UTC"))
            day = dt.datetime.fromisoformat(starts_at).astimezone(zone).date()
            if (audience.date_from and day < audience.date_from) or \
                    (audience.date_to and day > audience.date_to):
                continue
        entry = found.get(contact_id)
        if entry is None:
            entry = found[contact_id] = Recipient(
                contact_id, hearing_id, language if language in LANGUAGES else "es",
                channel if channel == "whatsapp" and whatsapp else "sms")
        entry.people.add(person_id)
    return list(found.values())


@dataclass(frozen=True)
class Summary:
    people: int
    phones: int
    by_channel: dict[str, int]
    by_language: dict[str, int]


def summarize(found: list[Recipient]) -> Summary:
    return Summary(people=sum(len(r.people) for r in found), phones=len(found),
                   by_channel=dict(Counter(r.channel for r in found)),
                   by_language=dict(Counter(r.language for r in found)))


def rendered(message: Message, languages: list[str], keep_accents: bool) -> list[tuple[str, str, int]]:
    """(language, text as an SMS carries it, its SMS segments) for each language reached."""
    out = []
    for language in languages:
        text = for_sms(message.text(language), keep_accents)
        out.append((language, text, cost(text).segments))
    return out


def queue(db: Database, message: Message, audience: Audience, found: list[Recipient],
          now: dt.datetime, actor: str = "operator") -> int:
    """Record the broadcast and queue one row per phone, due now; the caller holds the write
    transaction, so either every phone is queued or none is. Return the broadcast's id."""
    broadcast_id = db.execute(
        "INSERT INTO broadcasts (created_at, filter, text_es, text_en, phones) VALUES (?, ?, ?, ?, ?)",
        [_iso(now), json.dumps(audience.described()), message.es, message.en, len(found)]).lastrowid
    stamp = _iso(now)
    try:
        db.conn.executemany(
            "INSERT INTO reminders (hearing_id, kind, seq, due_at, created_at, updated_at, "
            "broadcast_id) VALUES (?, ?, 0, ?, ?, ?, ?)",
            [(r.hearing_id, BROADCAST, stamp, stamp, stamp, broadcast_id) for r in found])
    except sqlite3.IntegrityError:
        # Another broadcast queued at this very instant for the same hearing.
        raise BroadcastError("another broadcast was queued at the same instant; run it again") from None
    summary = summarize(found)
    audit.record(db, actor, "broadcast_queued", f"broadcast:{broadcast_id}", now,
                 filter=audience.described(), phones=summary.phones, people=summary.people,
                 unlogged=("filter",))
    return broadcast_id


def text_for(db: Database, broadcast_id: int, language: str) -> str:
    """The text a phone gets, in its language when the operator wrote one."""
    row = db.execute("SELECT text_es, text_en FROM broadcasts WHERE id = ?", [broadcast_id]).fetchone()
    return Message(row[0], row[1]).text(language)
