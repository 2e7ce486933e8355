"""Reading what people write, accents and typos forgiven: commands, danger, stop, free phrases."""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from dataclasses import dataclass

from . import yamlfile

WORDS_PATH = os.path.join(os.path.dirname(__file__), "data", "words.yaml")
_NOT_WORD = re.compile(r"[^\w?/:.\-]+")
# "bajaa", "holaaa", "auxilioo": a last letter held down is the same word ("ee" is left alone:
# "lee", "cree").
_HELD = re.compile(r"([aiouys])\1+$|(e)\2{2,}$")
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


class Phrases:
    """Phrases whose words must come in order, a few words apart at most: "me estan siguiendo"
    is also found in "me andan siguiendo". A word ending in * is a stem ("amenaz*" is
    "amenazaron", "amenasan"); "@relative" is any word of that group."""

    GAP = 2   # words allowed between two words of a phrase

    def __init__(self, phrases: list[tuple[str, ...]], groups: dict[str, list[str]] | None = None):
        self.phrases = phrases
        self.groups = {name: set(forms) for name, forms in (groups or {}).items()}
        unknown = {p for phrase in phrases for p in phrase
                   if p.startswith("@") and p[1:] not in self.groups}
        if unknown:
            raise ValueError(f"words.yaml: unknown word groups {sorted(unknown)}")
        if any(not phrase for phrase in phrases):
            raise ValueError("words.yaml: a phrase without words")
        # A word or one of its one-letter deletions -> (phrase word, the label it gives).
        self._words: dict[str, set[tuple[str, str]]] = {}
        self._stems: dict[str, set[str]] = {}   # a stem or a one-letter deletion -> stems
        self._stem_lengths: set[int] = set()
        for phrase in phrases:
            for pattern in phrase:
                if pattern.endswith("*"):
                    stem = pattern[:-1]
                    self._stem_lengths.update((len(stem), len(stem) + 1, len(stem) - 1))
                    variants = _deletions(stem) | {stem} if len(stem) >= 5 else {stem}
                    for variant in variants:
                        self._stems.setdefault(variant, set()).add(stem)
                elif not pattern.startswith("@"):
                    self._index(pattern, pattern)
        for name, forms in self.groups.items():
            for form in forms:
                self._index(form, "@" + name)
        self._by_first: dict[str, list[tuple[str, ...]]] = {}
        for phrase in phrases:
            self._by_first.setdefault(phrase[0], []).append(phrase)

    def _index(self, word: str, label: str) -> None:
        for variant in _deletions(word) | {word} if len(word) >= 5 else {word}:
            self._words.setdefault(variant, set()).add((word, label))

    @functools.lru_cache(maxsize=8192)   # noqa: B019 (one set of phrases lives as long as the app)
    def labels(self, token: str) -> frozenset[str]:
        """Every phrase word, stem ("x*") or group ("@g") that token is, typos forgiven."""
        found = set()
        for variant in _deletions(token) | {token} if len(token) >= 5 else {token}:
            for word, label in self._words.get(variant, ()):
                if close(word, token):
                    found.add(label)
        for length in self._stem_lengths:
            prefix = token[:length]
            if len(prefix) < length - 1:
                continue
            for variant in _deletions(prefix) | {prefix} if len(prefix) >= 5 else {prefix}:
                found.update(stem + "*" for stem in self._stems.get(variant, ())
                             if _stem_fits(stem, token))
        return frozenset(found)

    def spans(self, tokens: tuple[str, ...]) -> list[tuple[int, int]]:
        """Return (first, last) token positions of every phrase found in tokens."""
        labels = [self.labels(t) for t in tokens]
        found = []
        for start, first in enumerate(labels):
            for phrase in (p for label in first for p in self._by_first.get(label, ())):
                end = self._rest(phrase[1:], labels, start)
                if end is not None:
                    found.append((start, end))
        return found

    def _rest(self, rest: tuple[str, ...], labels: list[frozenset[str]], at: int) -> int | None:
        if not rest:
            return at
        for i in range(at + 1, min(at + 2 + self.GAP, len(labels))):
            if rest[0] in labels[i]:
                end = self._rest(rest[1:], labels, i)
                if end is not None:
                    return end
        return None


def _let_go(word: str) -> str:
    return _HELD.sub(lambda m: m[1] or m[2], word) if len(word) > 2 else word


def _stem_fits(stem: str, token: str) -> bool:
    """Tell whether token starts with stem, or with stem one typo apart (stems of five letters or
    more). Dropping a letter is forgiven only when six remain: "amena" is not "amenaz"."""
    if token.startswith(stem):
        return True
    if len(stem) < 5:
        return False
    for length in (len(stem), len(stem) + 1) + ((len(stem) - 1,) if len(stem) > 6 else ()):
        if len(token) >= length and _distance_at_most_one(stem, token[:length]):
            return True
    return False


class Vocabulary:
    """The commands, intents, danger words and misspellings of words.yaml."""

    def __init__(self, spellings: dict[str, str], commands: dict[str, list[str]],
                 intents: list[Intent], emergency: dict | list = (), courtesy: list[str] = (),
                 symbols: dict[str, str] | None = None, stopping: dict | None = None):
        self.spellings = spellings
        # An emoji is read as the word it stands for ("👍" is "ok"); the longest first, so a
        # sequence of several code points goes before a part of it.
        self.symbols = sorted((symbols or {}).items(), key=lambda kv: len(kv[0]), reverse=True)
        # Longest first, so "muchas gracias" goes before "gracias" can leave "muchas" behind.
        self.courtesy = sorted((tuple(self.tokens(p)) for p in courtesy), key=len, reverse=True)
        if isinstance(emergency, list | tuple):
            emergency = {"phrases": list(emergency)}
        self.danger = Phrases([self.pattern(p) for p in emergency.get("phrases", ())],
                              {name: [w for form in forms for w in self.tokens(form)]
                               for name, forms in emergency.get("groups", {}).items()})
        self.not_danger = [tuple(self.tokens(p)) for p in emergency.get("not", ())]
        stopping = stopping or {}
        self.stopping = Phrases([self.pattern(p) for p in stopping.get("phrases", ())])
        self.stop_ask = Phrases([self.pattern(p) for p in stopping.get("ask", ())])
        self.stop_filler = {w for form in stopping.get("filler", ()) for w in self.tokens(form)}
        self.after_yes = [tuple(self.tokens(p)) for p in stopping.get("after_yes", ())]
        self.commands = {name: [tuple(self.tokens(form)) for form in forms]
                         for name, forms in commands.items()}
        self.intents = [Intent(i.name, i.flow, tuple(tuple(self.tokens(" ".join(p)))
                                                     for p in i.phrases)) for i in intents]
        # Every phrase word of five letters or more, indexed by its one-letter deletions, so a
        # typo is found with a few dictionary lookups instead of comparing with every word.
        self._typos: dict[str, set[str]] = {}
        lexicon = {w for i in self.intents for p in i.phrases for w in p}
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
                   data.get("courtesy", []), data.get("symbols", {}), data.get("stopping", {}))

    def pattern(self, text: str) -> tuple[str, ...]:
        """Return the words of a phrase of words.yaml, keeping stems ("x*") and groups ("@g")."""
        found: list[str] = []
        for piece in text.split():
            if piece.startswith("@"):
                found.append(piece)
            elif piece.endswith("*"):
                found.extend(w + "*" for w in words(piece[:-1]))
            else:
                found.extend(self.tokens(piece))
        return tuple(found)

    def tokens(self, text: str) -> list[str]:
        """Return the words of text with known misspellings corrected."""
        return list(self._tokens(text))

    @functools.lru_cache(maxsize=4096)   # noqa: B019 (one vocabulary lives as long as the app)
    def _tokens(self, text: str) -> tuple[str, ...]:
        # Each message is read for commands, danger words and intents: split it once.
        for symbol, word in self.symbols:
            text = text.replace(symbol, f" {word} ")
        return tuple(self.spellings.get(w, w) for w in map(_let_go, words(text)))

    def command(self, text: str) -> str | None:
        """Return the command that the whole message is, if it is one ("por favor" aside)."""
        whole = self._tokens(text)
        tokens = self._without_courtesy(whole)
        if len(set(tokens)) == 1:
            tokens = tokens[:1]   # "BAJA BAJA BAJA" says it louder, not something else
        for name, forms in self.commands.items():
            for form in forms:
                # "muchas gracias" is thanks as a whole, before its courtesy is trimmed away.
                if any(len(form) == len(t) and all(map(close, form, t)) for t in (tokens, whole)):
                    return name
        return "opt_out" if self._stop(tokens) == "clear" else None

    def stop_wish(self, text: str) -> str | None:
        """How the message asks us to stop writing: "clear" (it is a way of saying stop and
        nothing else, "ya no me escriban mas"), "sentence" (a longer message says it), "soft"
        (a softer way, "ya no me interesa", perhaps not about our messages), or None."""
        return self._stop(self._without_courtesy(self._tokens(text)))

    def _stop(self, tokens: tuple[str, ...]) -> str | None:
        spans = self.stopping.spans(tokens)
        for start, end in spans:
            # The words a phrase lets in between count too: "no gracias, sí quiero los mensajes"
            # holds "no ... quiero ... mensajes" and is not a way of saying stop.
            inside = [t for t in tokens[start:end + 1] if not self.stopping.labels(t)]
            if all(any(close(w, t) for w in self.stop_filler)
                   for t in (*tokens[:start], *inside, *tokens[end + 1:])):
                return "clear"
        if spans:
            return "sentence"
        return "soft" if self.stop_ask.spans(tokens) else None

    def confirms_stop(self, text: str, yes_words: set[str]) -> bool:
        """At the question "stop the messages?": a yes that goes on to say it ("sí, baja", "sí,
        ya no quiero"), whose "no" is about the messages, not about the question."""
        tokens = self._without_courtesy(self._tokens(text))
        if len(tokens) < 2 or tokens[0] not in yes_words:
            return False
        rest = tuple(t for t in tokens[1:] if t not in yes_words)
        return any(len(form) == len(rest) and all(map(close, form, rest)) for form in self.after_yes)

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

    @functools.lru_cache(maxsize=4096)   # noqa: B019
    def is_emergency(self, text: str) -> bool:
        """Tell whether the message speaks of danger, wherever the person is in a flow."""
        tokens = self._tokens(text)
        # A few harmless sayings hold a danger word ("vos sos" is "you are", not SOS): only
        # their own words are set aside, so any other danger word in the message still counts.
        kept = list(tokens)
        for phrase in self.not_danger:
            n = len(phrase)
            for i in range(len(tokens) - n + 1):
                if all(map(close, phrase, tokens[i:i + n])):
                    kept[i:i + n] = [""] * n
        return bool(self.danger.spans(tuple(t for t in kept)))

    @functools.lru_cache(maxsize=4096)   # noqa: B019
    def _words_in(self, text: str) -> frozenset[str]:
        """The message's words, plus the phrase words they are one typo away from."""
        # "¿quién es?": a question mark kept for the "?" command must not hide a short word.
        tokens = tuple(t.rstrip("?") or t for t in self._tokens(text))
        found = set(tokens)
        for token in tokens:
            if len(token) >= 5:
                candidates = set().union(*(self._typos.get(v, ()) for v in
                                           _deletions(token) | {token}))
                found.update(w for w in candidates if close(w, token))
        return frozenset(found)


@functools.cache
def word_group(name: str, path: str = WORDS_PATH) -> frozenset[str]:
    """The words of one group of words.yaml's danger section ("relative": hijo, esposa, mamá...)."""
    with open(path, encoding="utf-8") as f:
        return frozenset(yamlfile.load(f)["emergency"]["groups"][name])


def _check_words(path: str, data: dict) -> None:
    """Refuse a word that is not text (a number, true/false, an empty entry), naming where it is."""
    entries = [("spellings", k, [k, v]) for k, v in (data.get("spellings") or {}).items()]
    entries += [("commands", k, v) for k, v in (data.get("commands") or {}).items()]
    entries += [("courtesy", "", data.get("courtesy") or [])]
    # Danger and stop words are lists under their own keys (phrases, groups, exceptions).
    for section in ("emergency", "stopping"):
        found = data.get(section) or {}
        for key, value in (found.items() if isinstance(found, dict) else [("", found)]):
            groups = value.items() if isinstance(value, dict) else [("", value)]
            entries += [(section, f"{key} {name}".strip(), words) for name, words in groups]
    entries += [("symbols", k, [v]) for k, v in (data.get("symbols") or {}).items()]
    entries += [("intents", k, (v or {}).get("phrases")) for k, v in (data.get("intents") or {}).items()]
    bad = [f"{path}: {section} {name}: word {w!r} is not text; put it in quotes".replace("  ", " ")
           for section, name, found in entries for w in (found if isinstance(found, list) else [found])
           if not isinstance(w, str) or not w.strip()]
    if bad:
        raise ValueError("\n".join(bad))


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}
