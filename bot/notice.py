"""What a hearing notice's lines of print say: the hearing's date and time, the time and place to
report, the A-number and the name, read the way a typed message is (bot/slots.py). Pure.

The paper is American: a numeric date is month first. Nothing is guessed: a field read from a
line of low confidence, or that two lines give differently, is left out, and the registration's
own question asks for it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from .inputs import Answer, Asking
from .slots import scan

# Below this a line's reading is a guess: what it carries is asked instead.
MIN_CONFIDENCE = 0.85
# "03/04/2027", "3-4-27": month, day, year, as every US form prints them.
_US_DATE = re.compile(r"(?<![\d/\-])(\d{1,2})\s*([/\-])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})(?![\d/\-])")
# The NTA's "File No: A 212 345 678", the number in groups of digits after the file mark.
_FILE_NO = re.compile(r"\b(?:file|case)\s*(?:no|number|#)\.?\s*:?\s*a?\s*(?=\d)", re.IGNORECASE)


# The reader often runs the paper's words together ("HearingDate:02/19/2027",
# "onJanuary28,2027at08:00AM"): its labels and the places' names get their spaces back.
PAPER_PHRASES = ("in the matter of", "hearing date", "hearing time", "report to", "report time",
                 "report date", "file no", "port of entry", "immigration court", "immigration judge",
                 "alien number", "a-number", "date of hearing", "time of hearing", "full name")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])"
                    r"|(?<=[:,])(?=[^\d\s])|(?<=[A-Za-z]:)(?=\d)")


def phrase_patterns(place_words) -> list[tuple[re.Pattern, str]]:
    """Each label and place name of more than one word, matched with or without its spaces."""
    phrases = {p for p in PAPER_PHRASES} | {w for w in place_words if " " in w}
    return [(re.compile(r"\s*".join(re.escape(part) for part in phrase.split()), re.IGNORECASE),
             f" {phrase} ") for phrase in sorted(phrases, key=len, reverse=True)]


_MERIDIEM = re.compile(r"(\d)\s*([AaPp])\.?\s?([Mm])\.?(?=[^A-Za-z]|$|at|to|on)")


def spaced(line: str, patterns: list[tuple[re.Pattern, str]]) -> str:
    """Put back the spaces between words the reader ran together."""
    line = _MERIDIEM.sub(lambda m: f"{m[1]} {m[2].lower()}m ", line)
    line = _CAMEL.sub(" ", line)
    for pattern, phrase in patterns:
        line = pattern.sub(phrase, line)
    return re.sub(r"[ \t]+", " ", line).strip()


@dataclass
class Reading:
    """The fields read, each as the question would have read it, with the confidence of the
    lines that gave it; `doubtful` names the fields left for the chat to ask."""
    found: dict[str, Answer] = field(default_factory=dict)
    confidence: dict[str, float] = field(default_factory=dict)
    doubtful: list[str] = field(default_factory=list)

    @property
    def has_hearing(self) -> bool:
        return "date" in self.found or "time" in self.found


def month_first(line: str) -> str:
    """Write the paper's numeric dates as ISO dates, month first; one that cannot be a date
    (month 13: a misread digit) is blanked rather than read day first."""
    def iso(match: re.Match) -> str:
        month, day, year = int(match[1]), int(match[3]), int(match[4])
        year += 2000 if year < 100 else 0
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            return " "
    return _US_DATE.sub(iso, line)


def _clean(line: str, patterns: list[tuple[re.Pattern, str]]) -> str:
    return _FILE_NO.sub("A-Number: ", spaced(month_first(line), patterns))


def read(lines: list[tuple[str, float]], asking: Asking) -> Reading:
    """Read the notice's lines (text, confidence), top to bottom."""
    patterns = phrase_patterns(w for city in asking.cities.values() for w in city.words)
    texts = [(_clean(text, patterns), confidence) for text, confidence in lines]
    everything = scan("\n".join(t for t, _ in texts), asking)
    sure = scan("\n".join(t for t, c in texts if c >= MIN_CONFIDENCE), asking)
    reading = Reading()
    for key, answer in everything.items():
        if not answer.outcome:
            continue   # refused (a date gone by): its question says why
        confident = sure.get(key)
        if confident is None or confident.value != answer.value or confident.outcome != answer.outcome:
            reading.doubtful.append(key)   # carried by a doubtful line: asked, not guessed
            continue
        reading.found[key] = answer
        carriers = [c for t, c in texts if key in scan(t, asking)]
        reading.confidence[key] = min(carriers) if carriers else min(c for _, c in texts)
    return reading
