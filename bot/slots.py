"""Every hearing detail one message gives at once: date, times, city, name, A-number. Pure."""

from __future__ import annotations

import re
from datetime import date, time

from . import dates
from .inputs import Answer, Asking, date_answer, local_today, read_name, report_time_before
from .places import City
from .understanding import close, normalize, words

# Fields the registration asks one by one, each read here the way its own question reads it.
SLOTS = ("name", "city", "date", "time", "report_time", "a_number")

# The words that say which clock time a sentence gives: the hearing's, or when to be at the port.
HEARING_WORDS = frozenset({"corte", "audiencia", "cita", "juez", "jueza", "tribunal", "hearing",
                           "court", "judge", "scheduled"})
REPORT_WORDS = frozenset({"presento", "presentarme", "presentarse", "presentar", "presenta",
                          "presentamos", "presentarnos", "puerto", "puente", "garita", "cruzar",
                          "cruzo", "llegar", "report", "port", "entry", "bridge"})

# "a las 9", "at 08:30", "8:30", "9 am": the places a clock time starts in a sentence.
_CLOCK = re.compile(r"\b(?:a\s+las?|para\s+las?|at)\s+\d{1,2}(?:\s*[:.h]\s*\d{2})?(?!\d)"
                    r"|(?<![\d:.])\d{1,2}\s*:\s*\d{2}(?!\d)"
                    r"|(?<![\d:.])\d{1,2}\s*[ap]m\b")
# A clause ends at a comma (not "March 4, 2027"), a full stop, or "y"/"and" that does not go on
# with the clock ("8 y media").
_CLAUSE_END = re.compile(r",(?!\s*\d)|;|\.(?=\s|$)|\s(?:y|and)\s(?!media|cuarto|\d)")
# Dates are told apart clause by clause too: "el 4 o el 5 de marzo" is two days, and none is taken.
_DATE_CLAUSE = re.compile(_CLAUSE_END.pattern + r"|\s(?:o|or|u)\s")
_AM_PM = re.compile(r"\b([ap])\.\s?m\b\.?")

# Where the paper writes the A-number, and the ways people copy it: "Alien Number: 212-345-678",
# "A-212-345-678", "A#212345678", "número A 212345678".
_A_MARK = (r"(?:alien\s+(?:registration\s+)?(?:number|no\.?|#)|a[\s-]?(?:number|no\.?|#)"
           r"|n[uú]mero\s+(?:a|de\s+extranjero)|\ba)")
_A_NUMBER = re.compile(_A_MARK + r"\s*[:#.\-]?\s*#?\s*((?<![\d])\d[\d\s.\-]{6,12}\d)(?![\d])",
                       re.IGNORECASE)
# Without a mark, only the shape the paper prints it in: 212-345-678, 12-345-678.
_A_SHAPE = re.compile(r"(?<![\d\-])(\d{2,3}-\d{3}-\d{3})(?![\d\-])")
_DIGIT = re.compile(r"\d")

# How a name is introduced, and by whom: the paper's field names or the person.
_NAME_INTRO = re.compile(
    r"(?:\bme\s+llamo|\bmi\s+nombre\s+es|\bmy\s+name\s+is|\bsoy"
    r"|\b(?:full\s+name|name|nombre(?:\s+completo)?|respondent(?:'s)?(?:\s+name)?"
    r"|in\s+the\s+matter\s+of)\s*:)\s*", re.IGNORECASE)
# A word of a name, or an initial with its dot (M. R.).
_NAME_WORD = re.compile(r"[^\W\d_]\.(?!\w)|[^\W\d_][^\W\d_'’\-]*(?:['’\-][^\W\d_]+)*")
# Words inside names (María de la Cruz) that never end one.
_PARTICLES = frozenset({"de", "del", "la", "las", "los", "y"})
# Words that end a name or show the words after the introduction are not one ("soy de Honduras",
# "soy yo", "me llamo para registrar").
_NOT_NAME = frozenset({
    "yo", "de", "del", "la", "el", "los", "las", "un", "una", "su", "mi", "me", "tu", "y", "e", "o",
    "a", "en", "con", "para", "por", "que", "tengo", "tiene", "tenemos", "estoy", "esta", "vivo",
    "soy", "es", "muy", "mama", "madre", "papa", "padre", "hermano", "hermana", "esposo", "esposa",
    "hijo", "hija", "hondureno", "hondurena", "guatemalteco", "guatemalteca", "salvadoreno",
    "salvadorena", "mexicano", "mexicana", "cubano", "cubana", "venezolano", "venezolana",
    "nicaraguense", "haitiano", "haitiana", "colombiano", "colombiana", "ecuatoriano", "ecuatoriana",
    "peruano", "peruana", "migrante", "solicitante", "nuevo", "nueva", "audiencia", "corte", "cita",
    "fecha", "hora", "ciudad", "registrar", "guardar", "quiero", "necesito", "and", "i", "my", "the",
    "date", "hearing", "court", "time", "alien", "number", "numero", "ayuda", "help", "from",
})
MAX_NAME_WORDS = 6


def _segments(text: str) -> list[str]:
    """The message's lines, normalized: a pasted notice puts each field on its own line."""
    found = []
    for line in (text or "").splitlines():
        line = _AM_PM.sub(r"\1m", normalize(line))
        found.extend(piece for piece in re.split(r"(?<=[!?])\s+|\.\s+(?=[a-z])", line) if piece)
    return found


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def find_a_number(text: str) -> tuple[str | None, list[tuple[int, int]]]:
    """The one A-number the text gives in any of the paper's forms, and where each one was;
    two different numbers give none: the question asks."""
    found, spans = set(), []
    for pattern in (_A_NUMBER, _A_SHAPE):
        for match in pattern.finditer(text):
            digits = "".join(_DIGIT.findall(match.group(1)))
            if len(digits) in (8, 9) and not any(s <= match.start(1) < e for s, e in spans):
                found.add(digits.zfill(9))
                spans.append((match.start(1), match.end(1)))
    return (found.pop() if len(found) == 1 else None), spans


def find_name(text: str) -> str | None:
    """A name only where it is introduced ("me llamo", "Name:"), never a word that follows "soy"
    and says something else (de Honduras, yo, la mamá)."""
    for line in (text or "").splitlines():
        for intro in _NAME_INTRO.finditer(line):
            said = intro.group(0).strip().lower()
            name = _name_after(line[intro.end():], soy=said == "soy", paper=said.endswith(":"))
            if name:
                return name
    return None


def _name_after(rest: str, soy: bool, paper: bool) -> str | None:
    taken: list[str] = []
    position, comma = 0, paper   # the paper writes "LOPEZ, MARIA ELENA": one comma inside
    for match in _NAME_WORD.finditer(rest):
        between = rest[position:match.start()].strip()
        if taken and between == "," and comma:
            comma = False
            taken[-1] += ","
        elif between or len(taken) == MAX_NAME_WORDS:
            break   # punctuation or a number ends the name
        word = match.group(0)
        if rest[match.end():].lstrip().startswith(":"):
            break   # the paper's next field ("DOB:"), not a part of the name
        plain = normalize(word)
        if plain in _NOT_NAME and not (taken and plain in _PARTICLES):
            break
        taken.append(word)
        position = match.end()
    while taken and normalize(taken[-1]).rstrip(",") in _PARTICLES:
        taken.pop()
    if taken:
        taken[-1] = taken[-1].rstrip(",")
    if not taken:
        return None
    # After "soy" only a capitalized word is a name: "soy Rosa", not "soy hondureña".
    if soy and not taken[0][0].isupper():
        return None
    name = " ".join(taken)
    return name if read_name(name, None).outcome == "ok" else None


def find_city(text: str, cities: dict[str, City]) -> str | None:
    """The city the message's place words name; a court that serves several cities (San Diego,
    El Paso, Laredo) settles nothing alone, and two cities give none: the question asks."""
    tokens = words(text)
    courts: dict[str, set[str]] = {}
    for key, city in cities.items():
        courts.setdefault(normalize(city.court), set()).add(key)
    phrases = sorted(((tuple(words(w)), key) for key, c in cities.items() for w in c.words),
                     key=lambda pk: -len(pk[0]))
    used: set[int] = set()
    named, served = set(), []
    for phrase, key in phrases:
        n = len(phrase)
        for i in range(len(tokens) - n + 1):
            span = set(range(i, i + n))
            if span & used or not all(map(close, phrase, tokens[i:i + n])):
                continue
            used |= span
            shared = courts.get(" ".join(phrase), set())
            if len(shared) > 1:
                served.append(shared)
            else:
                named.add(key)
    if len(named) != 1:
        return None
    (key,) = named
    return key if all(key in shared for shared in served) else None


def _telling(text: str) -> list[str]:
    return [w for w in words(text) if w in HEARING_WORDS | REPORT_WORDS]


def _label(earlier: str, clause: str, start: int) -> str | None:
    """Say whose clock a time at `start` of its clause is: by the nearest telling word before
    it in the clause, else after it ("a las 4 me presento"), else in the clauses before it
    ("me presento en el puente, a las 4")."""
    before, after, further = _telling(clause[:start]), _telling(clause[start:]), _telling(earlier)
    if before:
        word = before[-1]
    elif after:
        word = after[0]
    elif further:
        word = further[-1]
    else:
        return None
    return "time" if word in HEARING_WORDS else "report_time"


def find_times(segments: list[str]) -> dict[str, time]:
    """The hearing's time and the time to report, told apart by their words; a time without
    such words is the hearing's; two different times for one of them give none."""
    seen: dict[str | None, set[time]] = {"time": set(), "report_time": set(), None: set()}
    for segment in segments:
        segment = dates.number_words(segment)
        starts = [0, *(m.end() for m in _CLAUSE_END.finditer(segment))]
        for begin, end_of_clause in zip(starts, [*starts[1:], len(segment)], strict=True):
            clause = segment[begin:end_of_clause]
            clocks = list(_CLOCK.finditer(clause))
            for n, clock in enumerate(clocks):
                end = clocks[n + 1].start() if n + 1 < len(clocks) else len(clause)
                label = _label(segment[:begin], clause, clock.start())
                period = "report" if label == "report_time" else "hearing"
                value = dates.parse_time(clause[clock.start():end], default_period=period).value
                if value is not None:
                    seen[label].add(value)
    found = {}
    hearing = seen["time"] or seen[None]
    if len(hearing) == 1:
        found["time"] = next(iter(hearing))
    if len(seen["report_time"]) == 1:
        found["report_time"] = next(iter(seen["report_time"]))
    return found


def _find_date(segments: list[str], a: Asking) -> Answer | None:
    """The hearing's date where one is written; dates already past (the notice's own date) are
    not it, and two different ones give none. A written date that is only past is refused."""
    today = local_today(a)
    answers, days, past = {}, set(), False
    for segment in segments:
        for clause in _DATE_CLAUSE.split(segment):
            each = dates.parse_date(clause, today, relative=False)
            if each.value and not each.problem:   # a two-way day is no other day
                days.add(each.value)
        result = dates.parse_date(segment, today, relative=False)
        past = past or result.problem == "past"
        if result.value is None and result.problem != "ambiguous" or result.problem == "past":
            continue
        answer = date_answer(result)
        answers[str(answer.value)] = answer
    if not answers and past:
        # Only a day gone by (an old notice): the date question says so when it comes.
        return Answer(None, reason="past")
    if len(answers) != 1 or days - set(_readings(answers)):
        return None
    return next(iter(answers.values()))


def _readings(answers: dict[str, Answer]) -> list[date]:
    (answer,) = answers.values()
    values = answer.value if isinstance(answer.value, list) else [answer.value]
    return [date.fromisoformat(v) for v in values]


def scan(text: str, a: Asking) -> dict[str, Answer]:
    """Read every hearing detail a message gives, each as its own question would read it."""
    found: dict[str, Answer] = {}
    a_number, spans = find_a_number(text or "")
    if a_number:
        found["a_number"] = Answer("ok", a_number)
    rest = _without(text or "", spans)   # the A-number's digits are no date or time
    name = find_name(rest)
    if name:
        found["name"] = Answer("ok", name)
        rest = rest.replace(name, " ")   # Benito Juárez is a name, not the city
    city = find_city(rest, a.cities)
    if city:
        found["city"] = Answer("ok", city)
    segments = _segments(rest)
    day = _find_date(segments, a)
    if day:
        found["date"] = day
    times = find_times(segments)
    if "time" in times:
        found["time"] = Answer("ok", times["time"].isoformat("minutes"))
    hearing = times.get("time") or _given_time(a)
    report = times.get("report_time")
    if report and (hearing is None or report < hearing):
        found["report_time"] = Answer("ok", report.isoformat("minutes"), fields={"report_before": None})
    elif report is None and hearing and set(words(rest)) & REPORT_WORDS:
        before = dates.minutes_before(rest)
        at = report_time_before(hearing.isoformat("minutes"), before) if before else None
        if at:
            found["report_time"] = Answer("ok", at, fields={"report_before": before})
    return found


def _given_time(a: Asking) -> time | None:
    typed = a.vars.get("time")
    return time.fromisoformat(typed) if isinstance(typed, str) else None
