"""Reading what people write: accents, case and typos forgiven; commands and free phrases."""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from dataclasses import dataclass

from . import yamlfile

WORDS_PATH = os.path.join(os.path.dirname(__file__), "data", "words.yaml")
_NOT_WORD = re.compile(r"[^\w?/:.\-]+")
_CONTROL = {**dict.fromkeys(c for c in range(0x20) if c != 0x0A), 0x09: " ", 0x0D: " "}


def normalize(text: str) -> str:
    """Return text in lower case, without accents, control or format characters, spaces collapsed."""
    text = unicodedata.normalize("NFKD", (text or "").translate(_CONTROL))
    # Format characters (zero-width space, soft hyphen, joiners, bidi marks) are invisible:
    # "BA\u200bJA" and "ba\u00adja" are what the person sees and means, BAJA.
    text = "".join(c for c in text if not unicodedata.combining(c)
                   and unicodedata.category(c) != "Cf").lower()
    return " ".join(text.split())


def words(text: str) -> list[str]:
    """Split normalized text into words, dropping punctuation but keeping '?'."""
    cleaned = _NOT_WORD.sub(" ", normalize(text)).replace("_", " ")
    return [w.strip(".:-/") or w for w in cleaned.split() if w.strip(".:-/") or w == "?"]


def close(a: str, b: str) -> bool:
    """Tell whether two words are equal, or one typo apart when both are five letters or more."""
    if a == b:
        return True
    if min(len(a), len(b)) < 5 or abs(len(a) - len(b)) > 1:
        return False
    return _distance_at_most_one(a, b)


def _distance_at_most_one(a: str, b: str) -> bool:
    # One substitution, insertion, deletion or swap of neighbours (Damerau).
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1:] == b[i + 1:] or (
            i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2:] == b[i + 2:])
    return a[i:] == b[i + 1:]


@dataclass(frozen=True)
class Intent:
    name: str
    flow: str
    phrases: tuple[tuple[str, ...], ...]


class Vocabulary:
    """The commands, intents and misspellings of words.yaml."""

    def __init__(self, spellings: dict[str, str], commands: dict[str, list[str]],
                 intents: list[Intent], emergency: list[str] = (), courtesy: list[str] = ()):
        self.spellings = spellings
        # Longest first, so "muchas gracias" goes before "gracias" can leave "muchas" behind.
        self.courtesy = sorted((tuple(self.tokens(p)) for p in courtesy), key=len, reverse=True)
        self.emergency = [tuple(self.tokens(phrase)) for phrase in emergency]
        self.commands = {name: [tuple(self.tokens(form)) for form in forms]
                         for name, forms in commands.items()}
        self.intents = [Intent(i.name, i.flow, tuple(tuple(self.tokens(" ".join(p)))
                                                     for p in i.phrases)) for i in intents]
        # Every phrase word of five letters or more, indexed by its one-letter deletions, so a
        # typo is found with a few dictionary lookups instead of comparing with every word.
        self._typos: dict[str, set[str]] = {}
        lexicon = {w for i in self.intents for p in i.phrases for w in p} | {
            w for p in self.emergency for w in p}
        for word in lexicon:
            if len(word) >= 5:
                for variant in _deletions(word) | {word}:
                    self._typos.setdefault(variant, set()).add(word)

    @classmethod
    def load(cls, path: str = WORDS_PATH) -> Vocabulary:
        with open(path, encoding="utf-8") as f:
            data = yamlfile.load(f)
        _check_words(path, data)
        intents = [Intent(name, spec["flow"], tuple(tuple(p.split()) for p in spec["phrases"]))
                   for name, spec in data["intents"].items()]
        return cls(data.get("spellings", {}), data["commands"], intents, data.get("emergency", []),
                   data.get("courtesy", []))

    def tokens(self, text: str) -> list[str]:
        """Return the words of text with known misspellings corrected."""
        return list(self._tokens(text))

    @functools.lru_cache(maxsize=4096)   # noqa: B019 (one vocabulary lives as long as the app)
    def _tokens(self, text: str) -> tuple[str, ...]:
        # Each message is read for commands, danger words and intents: split it once.
        return tuple(self.spellings.get(w, w) for w in words(text))

    def command(self, text: str) -> str | None:
        """Return the command that the whole message is, if it is one ("por favor" aside)."""
        tokens = self._without_courtesy(self._tokens(text))
        for name, forms in self.commands.items():
            for form in forms:
                if len(form) == len(tokens) and all(map(close, form, tokens)):
                    return name
        return None

    def _without_courtesy(self, tokens: tuple[str, ...]) -> tuple[str, ...]:
        """Drop polite words before and after the message: "baja por favor" is BAJA. Only at
        the ends, so a sentence that mentions a command word in passing stays a sentence."""
        trimmed = True
        while tokens and trimmed:
            trimmed = False
            for phrase in self.courtesy:
                n = len(phrase)
                if len(tokens) > n and all(map(close, phrase, tokens[:n])):
                    tokens, trimmed = tokens[n:], True
                elif len(tokens) > n and all(map(close, phrase, tokens[-n:])):
                    tokens, trimmed = tokens[:-n], True
        return tokens

    def intent(self, text: str) -> Intent | None:
        """Return the first intent one of whose phrases has all its words in the message."""
        found = self._words_in(text)
        return next((i for i in self.intents if any(found.issuperset(p) for p in i.phrases)),
                    None)

    def is_emergency(self, text: str) -> bool:
        """Tell whether the message speaks of danger, wherever the person is in a flow."""
        found = self._words_in(text)
        return any(found.issuperset(phrase) for phrase in self.emergency)

    @functools.lru_cache(maxsize=4096)   # noqa: B019
    def _words_in(self, text: str) -> frozenset[str]:
        """The message's words, plus the phrase words they are one typo away from."""
        tokens = self._tokens(text)
        found = set(tokens)
        for token in tokens:
            if len(token) >= 5:
                candidates = set().union(*(self._typos.get(v, ()) for v in
                                           _deletions(token) | {token}))
                found.update(w for w in candidates if close(w, token))
        return frozenset(found)


def _check_words(path: str, data: dict) -> None:
    """Refuse a word that is not text (a number, true/false, an empty entry), naming where it is."""
    entries = [("spellings", k, [k, v]) for k, v in (data.get("spellings") or {}).items()]
    entries += [("commands", k, v) for k, v in (data.get("commands") or {}).items()]
    entries += [(s, "", data.get(s) or []) for s in ("courtesy", "emergency")]
    entries += [("intents", k, (v or {}).get("phrases")) for k, v in (data.get("intents") or {}).items()]
    bad = [f"{path}: {section} {name}: word {w!r} is not text; put it in quotes".replace("  ", " ")
           for section, name, found in entries for w in (found if isinstance(found, list) else [found])
           if not isinstance(w, str) or not w.strip()]
    if bad:
        raise ValueError("\n".join(bad))


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}
