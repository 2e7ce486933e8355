"""Spanish dates and times as people type them ("15/3", "el lunes", "8 y media de la mañana"). Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta

from text_to_num import alpha2digit

from .understanding import close, normalize

MONTHS = {
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
    "ene": 1, "feb": 2, "mar": 3, "abr": 4, "may": 5, "jun": 6, "jul": 7, "ago": 8, "sep": 9,
    "sept": 9, "set": 9, "oct": 10, "nov": 11, "dic": 12,
    "january": 1, "february": 2, "march": 3, "april": 4, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
}
WEEKDAY_TYPOS = {"juebes": "jueves", "biernes": "viernes", "miercole": "miercoles",
                 "mierkoles": "miercoles", "savado": "sabado", "lune": "lunes"}
WEEKDAYS = {"lunes": 0, "martes": 1, "miercoles": 2, "jueves": 3, "viernes": 4, "sabado": 5,
            "domingo": 6, "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
            "saturday": 5, "sunday": 6}
NUMBERS = {"una": 1, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7,
           "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12, "quince": 15, "veinte": 20,
           "veinticinco": 25, "treinta": 30, "cuarenta": 40, "cincuenta": 50}

_NUMERIC_DATE = re.compile(r"(?<![\d:.])(\d{1,2})\s*([/\-.])\s*(\d{1,2})(?:\s*[/\-.]\s*(\d{2,4}))?(?![\d:])")
_DAY_MONTH = re.compile(r"(?<![\d:])(\d{1,2})\s*(?:de\s+)?([a-z]{3,12})\.?(?:\s*(?:de|del|,)?\s*(\d{4}))?")
_MONTH_DAY = re.compile(r"\b([a-z]{3,12})\.?\s+(\d{1,2})(?![\d:])(?:\s*(?:de|del|,)?\s*(\d{4}))?")
_WORD = re.compile(r"[a-z]+")
_DAY_OF_MONTH = re.compile(r"(?<![\d:])(\d{1,2})\s+del?\s+(\d{1,2})(?![\d:])(?:\s+(?:de|del)\s+(\d{4}))?")
# "el 15" alone is the next 15th; a bare "15" is too little to be a date.
_DAY_ONLY = re.compile(r"\bel\s+(\d{1,2})(?![\d:./-])(?!\s*(?:horas?|am|pm|a\.?\s?m|p\.?\s?m)\b)")


@dataclass(frozen=True)
class DateResult:
    value: date | None
    problem: str | None = None     # None, "past", "far" or "ambiguous" (then value is None)
    readings: tuple[date, ...] = ()   # every date the text can mean that is not past, soonest first
    paper: bool = False            # read month first because the text looks copied from the notice
    doubt: str | None = None       # "weekday" (another weekday was written), "holiday" or "weekend"


@dataclass(frozen=True)
class TimeResult:
    value: time | None
    assumed: bool = False          # a.m. or p.m. was not said; a default was applied


_ORDINAL = re.compile(r"\b(\d{1,2})(?:ero|ro|er|ra|o|°)(?![a-z0-9])")   # 1ro, 1er, 1o (1º)
# Read as the words they are: "cuarto" (a quarter hour, not "4th"), "media" (half).
_KEEP = re.compile(r"\b(cuartos?|media)\b")


# Normalized text has no accents, but the number reader knows only "veintidós" and "veintitrés".
_UNACCENTED = re.compile(r"\bveinti(dos|tres)\b")


def number_words(text: str) -> str:
    """Write numbers and ordinals as digits in normalized text: "el quince" -> "el 15"."""
    text = re.sub(r"\bprimer[oa]?\b", "1", text)
    text = _UNACCENTED.sub(lambda m: "veinti" + {"dos": "dós", "tres": "trés"}[m[1]], text)
    pieces = _KEEP.split(text)
    # threshold=0: "el dos de marzo" is a date, so small numbers are digits too.
    text = "".join(p if i % 2 else alpha2digit(p, "es", threshold=0) for i, p in enumerate(pieces))
    return _ORDINAL.sub(r"\1", text)


def _month(word: str) -> int | None:
    if word in MONTHS:
        return MONTHS[word]
    # One typo is forgiven in the long names only: "marso", "febrro", "setiembre".
    return next((n for name, n in MONTHS.items() if len(name) >= 5 and close(word, name)), None)


def _make(year: int | None, month: int, day: int, today: date) -> date | None:
    if year is not None and year < 100:
        year += 2000
    if year is not None:
        try:
            return date(year, month, day)
        except ValueError:
            return None   # 31 de febrero, 31/4, a month 15
    # Without a year: the next such day on or after today (29 February may be years away).
    for ahead in range(5):
        try:
            candidate = date(today.year + ahead, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    return None


_ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")


# Words and marks that only text copied from the English notice has: month first there.
_PAPER = re.compile(r"(?<![a-z])(?:[ap]\.?\s?m\b|date|hearing|time|court|judge|notice|immigration"
                    r"|january|february|march|april|june|july|august|september|october|november"
                    r"|december|monday|tuesday|wednesday|thursday|friday)\b")


def _numeric(day_first: tuple[int, int], sep: str, year: int | None, today: date,
             paper: bool) -> tuple[list[date], bool]:
    """Return every date "a/b" can be, and whether the paper's order decided between two."""
    a, b = day_first
    day_month = _make(year, b, a, today)
    # Only slashes and dashes come from US papers; "8.30" is a time far more often than 30 August.
    month_day = _make(year, a, b, today) if sep in "/-" and a != b else None
    if paper and day_month and month_day:
        return [month_day], True
    return [d for d in (day_month, month_day) if d], False


def _explicit(text: str, today: date) -> tuple[list[date], bool]:
    """Return the dates written in text, with every reading of a numeric one."""
    iso = _ISO_DATE.search(text)   # 2027-03-15, as spreadsheets export dates
    if iso:
        found = _make(int(iso[1]), int(iso[2]), int(iso[3]), today)
        return ([found] if found else []), False
    paper = bool(_PAPER.search(text))
    for match in _NUMERIC_DATE.finditer(text):
        first, sep, second, year = match.groups()
        before = text[:match.start()].rstrip()
        if sep == "." and before.endswith(("las", "la")):
            continue   # "a las 8.30" is a time
        return _numeric((int(first), int(second)), sep, int(year) if year else None, today, paper)
    of_month = _DAY_OF_MONTH.search(text)   # "el 3 del 12": Spanish, so day first
    if of_month:
        year = of_month[3]
        found = _make(int(year) if year else None, int(of_month[2]), int(of_month[1]), today)
        return ([found] if found else []), False
    for match in _DAY_MONTH.finditer(text):
        month = _month(match.group(2))
        if month:
            year = match.group(3)
            found = _make(int(year) if year else None, month, int(match.group(1)), today)
            return ([found] if found else []), False
    for match in _MONTH_DAY.finditer(text):
        month = _month(match.group(1))
        if month:
            year = match.group(3)
            found = _make(int(year) if year else None, month, int(match.group(2)), today)
            return ([found] if found else []), False
    day_only = _DAY_ONLY.search(text)
    if day_only:
        found = _next_day_of_month(int(day_only[1]), today)
        return ([found] if found else []), False
    return [], False


def _next_day_of_month(day: int, today: date) -> date | None:
    """Return the next such day of a month on or after today: "el 15"."""
    for ahead in range(3):
        month = (today.month - 1 + ahead) % 12 + 1
        year = today.year + (today.month - 1 + ahead) // 12
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    return None


# "hoy no", "no es mañana", "el lunes no": a day denied is no date at all.
_DAY_WORDS = r"(?:hoy|manana|pasado\s+manana|lunes|martes|miercoles|jueves|viernes|sabado|domingo)"
_DENIED = re.compile(rf"\bno\s+(?:es\s+|sera\s+)?(?:el\s+|este\s+)?{_DAY_WORDS}\b|\b{_DAY_WORDS}\s+no\b")


def _relative(text: str, today: date) -> date | None:
    if _DENIED.search(text):
        return None
    if re.search(r"\bpasado\s+manana\b", text):
        return today + timedelta(days=2)
    # "de la mañana" is the morning, not tomorrow.
    if re.search(r"(?<!la )\bmanana\b", text) or "tomorrow" in text:
        return today + timedelta(days=1)
    if re.search(r"\bhoy\b", text) or "today" in text:
        return today
    weekday = weekday_written(text)
    if weekday is not None:
        # "el lunes" is the next Monday after today, never today.
        return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
    return None


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """Return the nth given weekday of a month; n = -1 is the last one."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: date) -> date:
    # A fixed holiday on a Saturday is kept on the Friday before, on a Sunday the Monday after.
    return day + timedelta(days={5: -1, 6: 1}.get(day.weekday(), 0))


def us_federal_holidays(year: int) -> set[date]:
    """Return the days US federal courts keep as holidays in a year, observed days included."""
    fixed = [date(year, 1, 1), date(year, 6, 19), date(year, 7, 4), date(year, 11, 11),
             date(year, 12, 25)]
    by_rule = [_nth_weekday(year, 1, 0, 3), _nth_weekday(year, 2, 0, 3), _nth_weekday(year, 5, 0, -1),
               _nth_weekday(year, 9, 0, 1), _nth_weekday(year, 10, 0, 2), _nth_weekday(year, 11, 3, 4)]
    days = {*fixed, *(_observed(d) for d in fixed), *by_rule}
    if _observed(date(year + 1, 1, 1)).year == year:
        days.add(_observed(date(year + 1, 1, 1)))   # 1 January on a Saturday: 31 December
    return days


def weekday_written(text: str) -> int | None:
    """Return the weekday named in normalized text (0 is Monday), if any."""
    for word in _WORD.findall(text):
        # Exact names only: one typo away from "jueves" is "jueces" (judges).
        weekday = WEEKDAYS.get(WEEKDAY_TYPOS.get(word, word))
        if weekday is not None:
            return weekday
    return None


def _doubt(value: date, written: int | None) -> str | None:
    """Say why a hearing on this day is unlikely: courts sit on weekdays that are not holidays."""
    if written is not None and written != value.weekday():
        return "weekday"
    if value in us_federal_holidays(value.year):
        return "holiday"
    if value.weekday() >= 5:
        return "weekend"
    return None


def _two_years_after(today: date) -> date:
    try:
        return today.replace(year=today.year + 2)
    except ValueError:
        return today.replace(year=today.year + 2, day=28)   # from 29 February


def parse_date(text: str, today: date, relative: bool = True) -> DateResult:
    """Read a date, day first; return every reading of "3/4" that is not past, never a guess.
    Without `relative`, only a date written out counts ("mañana" or "el lunes" in a sentence
    about something else is not the hearing's day)."""
    text = number_words(normalize(text)[:200])
    readings, paper = _explicit(text, today)
    explicit = bool(readings)
    if relative and not readings and not _NUMERIC_DATE.search(text) and not _ISO_DATE.search(text):
        found = _relative(text, today)
        readings = [found] if found else []
    if not readings:
        return DateResult(None)
    ahead = sorted(r for r in readings if r >= today)
    if not ahead:
        return DateResult(readings[0], "past", ())
    written = weekday_written(text) if explicit else None
    if len(ahead) > 1:
        # "jueves 3/4": the weekday written settles which reading is meant.
        matching = [r for r in ahead if r.weekday() == written]
        if len(matching) != 1:
            return DateResult(None, "ambiguous", tuple(ahead))
        ahead = matching
    value = ahead[0]
    problem = "far" if value > _two_years_after(today) else None
    return DateResult(value, problem, (value,), paper, _doubt(value, written))


_AM = re.compile(r"(?<![a-z])(a\.?\s?m\b\.?|de la manana|en la manana|de la madrugada|madrugada|morning)")
# "tarde" alone also means "late" ("llego tarde"): only "de/en/por la tarde" is the afternoon.
_PM = re.compile(r"(?<![a-z])(p\.?\s?m\b\.?|de la tarde|en la tarde|por la tarde|de la noche"
                 r"|en la noche|por la noche|afternoon|evening)")
_CLOCK = re.compile(r"(?<![\d/])(\d{1,2})(?:\s*[:.h]\s*(\d{2})|\s+(\d{2})(?=\s|$))?(?![\d/])")
# "0915", "915 am", "1330" as on forms and the notice; "2030" only with am/pm or hrs, else it is a year.
_COMPACT = re.compile(r"(?<![\d/:.])([01]?\d|2[0-3])([0-5]\d)(?![\d/:.])"
                      r"(\s*(?:[ap]\.?\s?m\b|hrs?\b|horas\b))?")
_HOURS_BEFORE = re.compile(r"\b(?:(\d{1,2})(\s+y\s+media)?\s+horas?|(media)\s+hora)(\s+y\s+media)?"
                           r"\s+(?:de\s+|mas\s+)?antes\b")
_AFTER = re.compile(r"^\s*(?:horas?\s+)?y\s+(media|cuarto|\d{1,2})(?:\s+y\s+(\d))?")
_BEFORE = re.compile(r"^\s*(?:horas?\s+)?menos\s+(cuarto|\d{1,2})")
_TO = re.compile(r"\b(cuarto|\d{1,2})\s+(?:minutos\s+)?para\s+(?:las?\s+)?(\d{1,2})\b")


def _digits(text: str) -> str:
    """Write number words as digits: "ocho y media" -> "8 y media"."""
    text = re.sub(r"\b(veinte|treinta|cuarenta|cincuenta) y (uno|dos|tres|cuatro|cinco|seis|siete"
                  r"|ocho|nueve)\b", lambda m: str(NUMBERS[m[1]] + NUMBERS[m[2]]), text)
    return re.sub(r"\b[a-z]+\b", lambda m: str(NUMBERS.get(m[0], m[0])), text)


def _without_dates(text: str) -> str:
    # "8.30" is far more often a time than the 8th of a 30th month: leave dotted pairs alone.
    text = _NUMERIC_DATE.sub(lambda m: m[0] if m[2] == "." and not m[4] else " ", text)
    text = _DAY_MONTH.sub(lambda m: " " if _month(m[2]) else m[0], text)
    return _MONTH_DAY.sub(lambda m: " " if _month(m[1]) else m[0], text)


def _minutes(word: str) -> int:
    return {"media": 30, "cuarto": 15}.get(word) or int(word)


def _hour_minute(text: str) -> tuple[int, int, bool] | None:
    """Find the clock time in text: (hour, minute, written with a leading zero)."""
    to = _TO.search(text)
    if to:
        return (int(to[2]) - 1) or 12, 60 - _minutes(to[1]), False
    # The number after "a las" wins over any other number in the sentence.
    anchor = re.search(r"\b(?:a\s+las?|las?|at)\s+(?=\d)", text)
    match = _CLOCK.search(text, anchor.end() if anchor else 0)
    if not match:
        return None
    hour, minute = int(match[1]), int(match[2] or match[3] or 0)
    rest = text[match.end():]
    after, before = _AFTER.match(rest), _BEFORE.match(rest)
    if after and not (match[2] or match[3]):
        minute = _minutes(after[1]) + int(after[2] or 0)
    elif before and not (match[2] or match[3]):
        hour, minute = (hour - 1) or 12, 60 - _minutes(before[1])   # la una menos cuarto: 12:45
    return hour, minute, match[1].startswith("0") and len(match[1]) == 2


def _compact(match: re.Match) -> str:
    hour, minute, unit = match[1], match[2], match[3] or ""
    if len(hour) == 2 and hour.startswith("2") and not unit:
        return match[0]
    return f"{hour}:{minute}{unit}"


def minutes_before(text: str) -> int | None:
    """Read "4 horas antes" (of the hearing) as minutes; None when the text is not that."""
    found = _HOURS_BEFORE.search(number_words(normalize(text)[:200]))
    if not found:
        return None
    if found[3]:
        return 30
    half = 30 if (found[2] or found[4]) else 0
    return (int(found[1]) * 60 + half) or None   # "0 horas antes" says nothing


def parse_time(text: str, default_period: str = "hearing") -> TimeResult:
    """Read a clock time; without a.m. or p.m., courts sit by day and ports open before dawn."""
    text = normalize(text)[:200]
    if re.search(r"\bmedio\s?dia\b|\bnoon\b", text):
        return TimeResult(time(12, 0))
    if re.search(r"\bmedia\s?noche\b|\bmidnight\b", text):
        return TimeResult(time(0, 0))
    if minutes_before(text) is not None:
        return TimeResult(None)   # "4 horas antes" is not 4 a.m.
    clock = _COMPACT.sub(_compact, _without_dates(number_words(_digits(text))))
    clock = re.sub(r"\b(\d{1,2})\s+con\s+(\d{1,2})\b", lambda m: f"{m[1]}:{int(m[2]):02d}", clock)
    found = _hour_minute(clock)
    if not found:
        return TimeResult(None)
    hour, minute, zero_padded = found
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return TimeResult(None)
    am, pm = _AM.search(text), _PM.search(text)
    if hour == 0 or hour > 12:
        return TimeResult(time(hour, minute))
    # "08:30 PM" as the notice prints it: the a.m. or p.m. written wins over the leading zero.
    if pm:
        return TimeResult(time(0 if hour == 12 and "noche" in pm[0] else hour % 12 + 12, minute))
    if am:
        return TimeResult(time(hour % 12, minute))
    if zero_padded:
        return TimeResult(time(hour, minute))
    if re.search(r"\b(del dia|de la manana)\b", text) and hour == 12:
        return TimeResult(time(12, minute))
    if default_period == "report" or 7 <= hour <= 11 or hour == 12:
        return TimeResult(time(hour, minute), assumed=True)
    return TimeResult(time(hour + 12, minute), assumed=True)
