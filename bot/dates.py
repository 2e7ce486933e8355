"""Read hearing dates and times as people type them in Spanish: day first, accents and typos forgiven."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time, timedelta

# Longer than any SMS or WhatsApp message; bounds the work done on junk.
MAX_CHARS = 2000
# "far": more than two years ahead, counted as 730 days.
FAR_DAYS = 730

MONTHS: dict[str, int] = {
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "agosto": 8,
    "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
    "ene": 1, "feb": 2, "mar": 3, "abr": 4, "may": 5, "jun": 6, "jul": 7, "ago": 8, "sep": 9,
    "sept": 9, "set": 9, "oct": 10, "nov": 11, "dic": 12,
    # Some people answer in English.
    "january": 1, "february": 2, "march": 3, "april": 4, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
}
WEEKDAYS: dict[str, int] = {
    "lunes": 0, "martes": 1, "miercoles": 2, "jueves": 3, "viernes": 4, "sabado": 5, "domingo": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
}
# Real words one typo away from a weekday: "los jueces" is not Thursday.
NOT_WEEKDAYS = frozenset({"jueces", "partes", "mares", "marte", "lunas", "salado", "nueves"})
NUMBERS: dict[str, int] = {
    "primero": 1, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7,
    "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12, "trece": 13, "catorce": 14,
    "quince": 15, "dieciseis": 16, "diecisiete": 17, "dieciocho": 18, "diecinueve": 19, "veinte": 20,
    "veintiuno": 21, "veintidos": 22, "veintitres": 23, "veinticuatro": 24, "veinticinco": 25,
    "veintiseis": 26, "veintisiete": 27, "veintiocho": 28, "veintinueve": 29, "treinta": 30,
    "cuarenta": 40, "cincuenta": 50,
}
# Words that say a relative day, longest first so "pasado mañana" is never read as tomorrow.
RELATIVE_DAYS = (
    (re.compile(r"\bpasado\s+manana\b|\bday after tomorrow\b", re.A), 2),
    # "de la mañana" and "esta mañana" are a morning, not tomorrow.
    (re.compile(r"(?<!\bla )(?<!\besta )\bmanana\b|\btomorrow\b", re.A), 1),
    (re.compile(r"\b(?:hoy|today)\b", re.A), 0),
)
# What says a.m. or p.m., and how each turns a 12-hour clock hour (1..12) into 0..23.
PERIODS = (
    (re.compile(r"(?<![a-z])a\.?\s?m\b|\bmadrugada\b", re.A), lambda h: h % 12),
    (re.compile(r"\b(?:la|esta)\s+manana\b|\bmorning\b", re.A), lambda h: h),
    (re.compile(r"(?<![a-z])p\.?\s?m\b|\b(?:la|esta)\s+tarde\b|\bafternoon\b", re.A), lambda h: h % 12 + 12),
    # "3 de la noche" is before dawn; "12 de la noche" is midnight.
    (re.compile(r"\b(?:la|esta)\s+noche\b|\b(?:evening|night|tonight)\b", re.A),
     lambda h: h if h <= 5 else h % 12 + 12 if h < 12 else 0),
    (re.compile(r"\bdel\s+dia\b|\bmedio\s?dia\b|\bnoon\b", re.A), lambda h: h if h >= 7 else h + 12),
    (re.compile(r"\bmedia\s?noche\b|\bmidnight\b", re.A), lambda h: h % 12),
)
_MIDDAY = re.compile(r"\bmedio\s?dia\b|\bnoon\b", re.A)
_MIDNIGHT = re.compile(r"\bmedia\s?noche\b|\bmidnight\b", re.A)

_ISO = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)", re.A)
_NUMERIC = re.compile(r"(?<![\d/.:-])(\d{1,2})(\s*[/-]\s*|\.)(\d{1,2})"
                      r"(?:(?:\s*[/-]\s*|\.)(\d{4}|\d{2}))?(?!\d|:\d|[/.-]\d)", re.A)
_DAY_MONTH = re.compile(r"(?<![\d/.:-])(\d{1,2})(?:ro|o|er)?\s*(?:[-/.]\s*)?(?:del?\s+)?(?:mes\s+de\s+)?"
                        r"([a-z]{3,})(?![a-z])\.?(?:\s*[-/,]?\s*(?:del?\s+)?(\d{4})(?!\d)"
                        r"|\s*(?:del|[-/])\s*(\d{2})(?![\d:]))?", re.A)
_MONTH_DAY = re.compile(r"\b([a-z]{3,})\.?\s*(?:[-/]\s*)?(\d{1,2})(?!\d|:\d|[/.]\d)"
                        r"(?:\s*,?\s*(?:del?\s+)?(\d{4})(?!\d))?", re.A)
# What may follow a number that makes it an hour rather than a day of the month.
_TIMEISH = (r"\s*(?:[:.h]\s*\d|a\.?\s?m\b|p\.?\s?m\b|hrs?\b|horas?\b|de\s+la\b|del\s+dia\b"
            r"|y\b|menos\b|en\s+punto\b)")
_AFTER_ANCHOR = re.compile(r"\b(?:las?|at)\s*$", re.A)
_WORD_DAY = re.compile(rf"\b([a-z]{{5,}})\b(?:\s+(?:el\s+|dia\s+)?(\d{{1,2}})(?!\d)(?!{_TIMEISH}))?", re.A)
_DAY_NUMBER = re.compile(r"\b(?:el|dia|del)\s+\d{1,2}\b(?!\s*[:.h]\s*\d)", re.A)

_COMPOUND = re.compile(r"\b(veinte|treinta|cuarenta|cincuenta)\s+y\s+"
                       r"(uno|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve)\b", re.A)
# "una" is an hour only in "a la una", "una y media"...; otherwise it is "a" ("una cita").
_UNA = re.compile(r"(?<=\bla )una\b|\buna(?=\s+(?:y|menos|de\s+la|del|en\s+punto|am|pm)\b)|^una$", re.A)
_CLOCK = re.compile(r"(?<![\d/.:-])(\d{1,2})(?:\s*[:.h]\s*(\d{2})|\s+(\d{2}))?(?!\d|[/:-]|\.\d)", re.A)
_MINUTES_AFTER = re.compile(r"\s*(?:horas?\s+|hrs?\s+)?y\s+(media|cuarto|\d{1,2})\b", re.A)
_MINUTES_BEFORE = re.compile(r"\s*(?:horas?\s+)?menos\s+(?:un\s+)?(cuarto|\d{1,2})\b", re.A)
_MINUTES_TO = re.compile(r"\b(cuarto|\d{1,2})\s+(?:minutos\s+)?para\s+(?:las?\s+)?(\d{1,2})(?!\d)", re.A)
_SAYS_PERIOD = re.compile(r"\s*(?:a\.?\s?m\b|p\.?\s?m\b|hrs?\b|horas?\b|de\s+la\b|del\s+dia\b"
                          r"|y\s+(?:media|cuarto|\d)|menos\b)", re.A)


@dataclass(frozen=True)
class DateResult:
    """A date read from a message, or None, with "past" or "far" when it needs a second look."""

    value: date | None
    problem: str | None = None


@dataclass(frozen=True)
class TimeResult:
    """A time read from a message, or None; assumed when a.m. or p.m. was guessed."""

    value: time | None
    assumed: bool = False


def normalize(text: str) -> str:
    """Lower-case text, strip accents and punctuation (but / : . -) and collapse whitespace."""
    text = unicodedata.normalize("NFKD", str(text or "").lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = "".join(c if c.isalnum() or c in "/:.-" else " " for c in text)
    return " ".join(text.split())


def _one_edit_apart(a: str, b: str) -> bool:
    # At most one insertion, deletion, substitution or swap of neighbours.
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if i == len(b):
        return True
    if len(a) < len(b):
        return a[i:] == b[i + 1:]
    return a[i + 1:] == b[i + 1:] or (a[i:i + 2] == b[i:i + 2][::-1] and a[i + 2:] == b[i + 2:])


def _lookup(word: str, table: dict[str, int], not_these: frozenset[str] = frozenset()) -> int | None:
    if word in table:
        return table[word]
    if len(word) < 5 or word in not_these:
        return None
    # Only names of five letters or more forgive a typo; "jumio" is as near June as July, so neither.
    found = {n for name, n in table.items() if len(name) >= 5 and _one_edit_apart(word, name)}
    return found.pop() if len(found) == 1 else None


def _prepare(text: str) -> str:
    return normalize(text)[:MAX_CHARS]


def _make(day: int, month: int, year: int | None, today: date) -> date | None:
    if year is None:
        # No year: the next such day on or after today (29 February may be years away).
        for candidate_year in range(today.year, today.year + 9):
            try:
                candidate = date(candidate_year, month, day)
            except ValueError:
                continue
            if candidate >= today:
                return candidate
        return None
    try:
        return date(year + 2000 if year < 100 else year, month, day)
    except ValueError:
        return None   # 31 de febrero, 31/4, month 15


def _looks_like_time(text: str, start: int, end: int) -> bool:
    return bool(_AFTER_ANCHOR.search(text, 0, start) or _SAYS_PERIOD.match(text, end))


def _explicit_dates(text: str, today: date) -> Iterator[date | None]:
    """Yield every date written with a month, in the order tried; None for impossible ones."""
    for m in _ISO.finditer(text):
        yield _make(int(m[3]), int(m[2]), int(m[1]), today)
    for m in _NUMERIC.finditer(text):
        if not _looks_like_time(text, m.start(), m.end()):   # "a las 8.30", "8-9 am"
            yield _make(int(m[1]), int(m[3]), int(m[4]) if m[4] else None, today)
    for m in _DAY_MONTH.finditer(text):
        month = _lookup(m[2], MONTHS)
        if month:
            year = m[3] or m[4]
            yield _make(int(m[1]), month, int(year) if year else None, today)
    for m in _MONTH_DAY.finditer(text):
        month = _lookup(m[1], MONTHS)
        if month:
            yield _make(int(m[2]), month, int(m[3]) if m[3] else None, today)


def _relative_date(text: str, today: date) -> date | None:
    for pattern, days in RELATIVE_DAYS:
        if pattern.search(text):
            return today + timedelta(days=days)
    for m in _WORD_DAY.finditer(text):
        weekday = _lookup(m[1], WEEKDAYS, NOT_WEEKDAYS)
        if weekday is None:
            continue
        if m[2]:
            # "el lunes 15": the next Monday that is a 15th.
            return next((today + timedelta(days=n) for n in range(1, FAR_DAYS + 1)
                         if (today + timedelta(days=n)).day == int(m[2])
                         and (today + timedelta(days=n)).weekday() == weekday), None)
        # "el lunes", "el próximo lunes": the next one after today, never today itself.
        return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
    return None


def parse_date(text: str, today: date) -> DateResult:
    """Read a day-first date from a message; a date without a year is the next one on or after today."""
    text = _prepare(text)
    candidates = list(_explicit_dates(text, today))
    # A month was written but no such day exists ("31/4"): ask again rather than guess.
    value = next((d for d in candidates if d), None) if candidates else _relative_date(text, today)
    if value is None:
        return DateResult(None)
    if value < today:
        return DateResult(value, "past")
    if (value - today).days > FAR_DAYS:
        return DateResult(value, "far")
    return DateResult(value)


def _words_to_digits(text: str) -> str:
    text = _COMPOUND.sub(lambda m: str(NUMBERS[m[1]] + NUMBERS.get(m[2], 1)), text)
    text = _UNA.sub("1", text)
    return re.sub(r"\b[a-z]+\b", lambda m: str(NUMBERS.get(m[0], m[0])), text, flags=re.A)


def _without_dates(text: str) -> str:
    """Blank out dates so their numbers are not read as hours; "8.30" stays, it is a time."""
    text = _ISO.sub(" ", text)
    text = _NUMERIC.sub(lambda m: m[0] if m[2] == "." and len(m[3]) == 2 and not m[4] else " ", text)
    text = _DAY_MONTH.sub(lambda m: " " if _lookup(m[2], MONTHS) else m[0], text)
    text = _MONTH_DAY.sub(lambda m: " " if _lookup(m[1], MONTHS) else m[0], text)
    text = _WORD_DAY.sub(lambda m: " " if m[2] and _lookup(m[1], WEEKDAYS, NOT_WEEKDAYS) is not None
                         else m[0], text)
    return _DAY_NUMBER.sub(" ", text)   # "el 15" is a day; Spanish says "las 8" for an hour


def _minutes(word: str) -> int:
    return {"media": 30, "cuarto": 15}.get(word) or int(word)


def _clock(text: str) -> tuple[int, int, bool, int] | None:
    """Find the time said: (hour, minute, hour written as 0..23 unambiguously, where it ends)."""
    to = _MINUTES_TO.search(text)
    if to:   # "cuarto para las 9"
        hour = int(to[2])
        return hour, -_minutes(to[1]), hour == 0 or hour > 12, to.end()
    best, best_rank = None, 0
    for m in _CLOCK.finditer(text):
        # The number after "a las" wins; then one with minutes or a.m./p.m.; then any number.
        rank = 3 if _AFTER_ANCHOR.search(text, 0, m.start()) else (
            2 if m[2] or m[3] or _SAYS_PERIOD.match(text, m.end()) else 1)
        if rank > best_rank:
            best, best_rank = m, rank
    if best is None:
        return None
    hour, minute, end = int(best[1]), int(best[2] or best[3] or 0), best.end()
    if not (best[2] or best[3]):
        after, before = _MINUTES_AFTER.match(text, end), _MINUTES_BEFORE.match(text, end)
        if after:
            minute, end = _minutes(after[1]), after.end()
        elif before:
            minute, end = -_minutes(before[1]), before.end()
    explicit = hour == 0 or hour > 12 or (len(best[1]) == 2 and best[1].startswith("0"))
    return hour, minute, explicit, end


def _period(text: str, end: int):
    """Return how to read the hour: the a.m./p.m. words nearest after the time, else before it."""
    found = [(m.start(), to_24) for pattern, to_24 in PERIODS for m in pattern.finditer(text)]
    after = [f for f in found if f[0] >= end]
    if after:
        return min(after, key=lambda f: f[0])[1]
    return max(found, key=lambda f: f[0])[1] if found else None


def parse_time(text: str, default_period: str = "hearing") -> TimeResult:
    """Read a clock time from a message; without a.m. or p.m., guess by what the time is for."""
    text = _without_dates(_words_to_digits(_prepare(text)))
    found = _clock(text)
    if found is None:
        if _MIDDAY.search(text):
            return TimeResult(time(12, 0))
        if _MIDNIGHT.search(text):
            return TimeResult(time(0, 0))
        return TimeResult(None)
    hour, minute, explicit, end = found
    if not (0 <= hour <= 23 and -59 <= minute <= 59):
        return TimeResult(None)
    if minute < 0:   # "9 menos cuarto" is 8:45; "la una menos cuarto" is 12:45
        hour, minute = (hour - 1) % 24 if explicit or hour != 1 else 12, minute + 60
    to_24 = _period(text, end)
    if hour == 0 or hour > 12:
        return TimeResult(time(hour, minute))
    if to_24:
        return TimeResult(time(to_24(hour), minute))
    if explicit:   # "08:30"
        return TimeResult(time(hour, minute))
    # Courts sit by day, so 1..6 is afternoon; people report to the port hours before dawn.
    if default_period == "report" or hour >= 7:
        return TimeResult(time(hour, minute), assumed=True)
    return TimeResult(time(hour + 12, minute), assumed=True)
