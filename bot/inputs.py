"""Reading one answer (a choice, a city, a date, an A-number...) and the checks flows branch on."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from . import dates
from .context import Context
from .i18n import N_
from .identity import format_phone, read_typed_phone
from .places import OTHER, City, ReportPlace, elsewhere_key
from .understanding import close, word_group, words
from .views import Day, Part, Raw, Text

NUMBER_WORDS = {"uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
                "siete": 7, "ocho": 8, "nueve": 9, "one": 1, "two": 2, "three": 3, "four": 4,
                "five": 5}
YES = {"si", "s", "sip", "simon", "ok", "okay", "oki", "okey", "correcto", "correcta", "claro",
       "bien", "yes", "y", "dale", "exacto", "confirmo", "esta", "asi", "1", "perfecto", "listo",
       "sale", "acepto", "acepta", "eso", "correct", "right", "sure", "yep", "yeah", "fine", "afirmativo"}
# Words that may come with a yes without changing it: "sí, está todo bien, gracias", "sí, guardar".
YES_COMPANY = {"todo", "todos", "los", "datos", "es", "eso", "gracias", "muchas", "por", "favor",
               "porfa", "de", "acuerdo", "guardar", "guardalo", "guardala", "registrar", "registrala",
               "registralo", "cambiar", "borrar", "borrarla", "quitar", "cancelar", "usa",
               "whatsapp", "senor", "senora", "muy", "que", "ya", "opcion", "option", "numero", "el",
               "estan", "estoy", "seguro", "segura", "dice", "senorita", "joven",
               "please", "thanks", "thank", "you", "all", "is", "it", "its", "good", "save",
               "register", "dicen", "mi", "hoja", "papel"}
NO = {"no", "n", "nop", "nel", "incorrecto", "incorrecta", "mal", "nope", "equivocado",
      "equivocada", "2"}
# Anywhere in an answer, these make it something other than a yes: a negative, a correction or
# a doubt ("sí, pero la hora no", "la fecha no es esa", "¿sí?").
NOT_YES = NO | {"pero", "error", "corregir", "cambio", "ni", "tampoco", "nunca", "otra", "otro",
                "diferente", "distinta", "distinto", "falta", "excepto", "menos", "sino", "equivoque",
                "quizas", "tal", "creo", "but", "wrong", "not", "incorrect", "maybe", "change"}
_REPEATED = re.compile(r"(.)\1+")
DONT_KNOW = ("no se", "no lo se", "no tengo", "no dice", "no viene", "no aparece", "no",
             "nada", "ninguno", "ninguna", "no hay", "no sabe", "saltar", "omitir", "despues",
             "luego", "skip", "dont know", "i don t know", "don t know", "none")
_A_NUMBER = re.compile(r"^\s*(?:a|numero a|num a|no\.? a|#)?\s*[:#]?\s*([\d][\d\s.\-]{6,14}\d)\s*$")
_DIGITS = re.compile(r"\d")


@dataclass(frozen=True)
class Option:
    value: str
    label: str                    # a msgid
    words: tuple[str, ...] = ()
    pattern: re.Pattern | None = None


@dataclass(frozen=True)
class Answer:
    """What an input made of a message: an outcome to route on and a value to save, or a reason."""
    outcome: str | None
    value: object = None
    reason: str = "unknown"
    fields: dict = field(default_factory=dict)   # other draft fields the message gave at once


@dataclass(frozen=True)
class Asking:
    """What an input may look at: the conversation's variables and the person's snapshot."""
    vars: dict
    context: Context
    cities: dict[str, City]
    options: tuple[Option, ...]
    now: datetime


def _number(text: str) -> int | None:
    tokens = words(text)
    if tokens and tokens[0] in ("opcion", "option", "numero", "el", "la") and len(tokens) > 1:
        tokens = tokens[1:]
    if len(tokens) != 1:
        return None
    token = tokens[0].rstrip(".)")
    if token.isdigit():
        return int(token)
    return NUMBER_WORDS.get(token)


def _matches(phrase: str, tokens: list[str]) -> bool:
    return all(any(close(w, t) for t in tokens) for w in words(phrase))


def local_today(a: Asking) -> date:
    city = a.cities.get(a.vars.get("city", ""))
    zone = ZoneInfo(city.zone if city else "America/Mexico_City")
    return a.now.astimezone(zone).date()


def read_choice(text: str, a: Asking) -> Answer:
    number = _number(text)
    if number is not None:
        if 1 <= number <= len(a.options):
            return Answer(a.options[number - 1].value, a.options[number - 1].value)
        return Answer(None)
    tokens = words(text)
    for option in a.options:
        if (option.pattern and option.pattern.search(" ".join(tokens))) or any(
                _matches(w, tokens) for w in option.words):
            return Answer(option.value, option.value)
    return Answer(None)


# A thumbs-up is "ok": sent to a read-back it means save, not a thank-you that saves nothing.
_OK_SYMBOLS = re.compile("[\U0001F44D\U0001F44C]\ufe0f?(?:[\U0001F3FB-\U0001F3FF])?")


def _yes_no_words(text: str) -> list[str]:
    # "siii", "noooo", "okk": a letter held down is the same word.
    text = _OK_SYMBOLS.sub(" ok ", text)
    return [w if w in YES | NOT_YES | YES_COMPANY else _REPEATED.sub(r"\1", w) for w in words(text)]


def is_clear_yes(text: str) -> bool:
    """Tell whether the message is a yes and nothing else: no negative, correction or question."""
    tokens = _yes_no_words(text)
    if "?" in text or "¿" in text or any(t in NOT_YES for t in tokens):
        return False
    return any(t in YES for t in tokens) and all(t in YES or t in YES_COMPANY for t in tokens)


def read_yes_no(text: str, a: Asking) -> Answer:
    """Yes only for a clear yes; a negative or a doubt anywhere is a no; anything else is unclear."""
    if is_clear_yes(text):
        return Answer("yes", "yes")
    if "?" in text or "¿" in text or any(t in NOT_YES for t in _yes_no_words(text)):
        return Answer("no", "no")
    return Answer(None)


# A number alone ("no es el 15") is a day as often as an hour: a time is read from a correction
# only when the message says it is one.
_TIME_WORDS = {"hora", "horas", "las", "am", "pm", "mediodia", "medianoche"}
# "el 4 de marzo por la mañana" says when in the day, not an hour; "10 de la mañana" does.
_PERIOD_WORDS = {"manana", "tarde", "noche"}
_REPORT_WORDS = {"presentarse", "presentarme", "presento", "presentar", "presenta", "puerto",
                 "puente", "garita"}
_CLOCK = re.compile(r"\d:\d\d")


def _corrections(text: str, a: Asking) -> dict:
    """The date and times a message gives; nothing unless every one it mentions reads cleanly."""
    found: dict = {}
    tokens = set(words(text))
    day = read_date(text, a)
    if day.outcome == "ok" and _names_the_month(text):
        found["date"] = day.value
    elif day.outcome == "ok":
        return {}   # "no es el 15" denies a day; it does not say which month: ask, never guess
    elif day.outcome or day.reason != "unknown":
        return {}   # a past or far date is asked about at the date question
    if tokens & _TIME_WORDS or _CLOCK.search(text) or (tokens & _PERIOD_WORDS and not found):
        if tokens & _REPORT_WORDS:
            clock = read_report_time(text, a)
            key = "report_time"
        else:
            clock, key = read_time(text, a), "time"
        if clock.outcome != "ok":
            return {}
        found[key] = clock.value
    # "no es el 4 de marzo" when the read-back says 4 March denies it: ask what to fix.
    if all(a.vars.get(key) == value for key, value in found.items()):
        return {}
    return found


_NUMERIC_DAY_MONTH = re.compile(r"\d{1,2}\s*[/.-]\s*\d{1,2}|\d{1,2}\s+del?\s+\d{1,2}")


def _names_the_month(text: str) -> bool:
    """Whether a date in a message says its month, in words or in numbers (4 de marzo, 4/3)."""
    return bool(set(words(text)) & set(dates.MONTHS) or _NUMERIC_DAY_MONTH.search(text.lower()))


def read_confirmation(text: str, a: Asking) -> Answer:
    """At a read-back: a clear yes, a date or time that corrects it, or else: what to fix?"""
    if is_clear_yes(text):
        return Answer("yes", "yes")
    fields = _corrections(text, a)
    return Answer("corrected", fields=fields) if fields else Answer("fix")


def _listed(a: Asking) -> list[City]:
    return [c for c in a.cities.values() if c.listed]


def _report_places(a: Asking) -> list[ReportPlace]:
    # The "otra@..." cities hold every report place once, in the data's order.
    return [c.report for c in a.cities.values() if c.key.startswith(f"{OTHER}@")]


def _matching(tokens: list[str], named: list[tuple[str, str]]) -> str | None:
    # Longest names first, so "nuevo laredo" wins over "laredo".
    for phrase, key in sorted(named, key=lambda wk: -len(wk[0].split())):
        if _matches(phrase, tokens):
            return key
    return None


def read_city(text: str, a: Asking) -> Answer:
    """A city of the list ("ok"), or one away from it, by name or "otra": then the port on the
    paper is asked ("elsewhere", the city kept in the draft's "home")."""
    listed = _listed(a)
    if text.strip().lower() in a.cities:   # a key as written in an import file
        return Answer("ok", text.strip().lower())
    number = _number(text)
    if number is not None:
        if 1 <= number <= len(listed):
            return Answer("ok", listed[number - 1].key)
        if number == len(listed) + 1:
            return Answer("elsewhere", a.vars.get("city"), fields={"home": OTHER})
        return Answer(None)
    tokens = words(text)
    # A city away from the list first: "Monterrey, mi corte es en Laredo" waits in Monterrey.
    home = _matching(tokens, [(w, c.key.split("@")[0]) for c in a.cities.values()
                              if not c.listed for w in c.words])
    if home:
        place = _matching(tokens, [(w, p.key) for p in _report_places(a) for w in p.words])
        return (Answer("ok", elsewhere_key(home, place)) if place else
                Answer("elsewhere", a.vars.get("city"), fields={"home": home}))
    key = _matching(tokens, [(w, c.key) for c in listed for w in c.words])
    if key:
        return Answer("ok", key)
    if _matching(tokens, [(w, OTHER) for w in OTHER_WORDS]):
        return Answer("elsewhere", a.vars.get("city"), fields={"home": OTHER})
    return Answer(None)


# "Otra ciudad", "otro lugar", "ninguna de esas": a city the list does not have.
OTHER_WORDS = ("otra", "otro", "ninguna", "ninguno", "other")


def read_report_place(text: str, a: Asking) -> Answer:
    """The port or court the paper names, for a person who waits away from the list."""
    places = _report_places(a)
    home = a.vars.get("home") or OTHER
    number = _number(text)
    if number is not None:
        if 1 <= number <= len(places):
            return Answer("ok", elsewhere_key(home, places[number - 1].key))
        return Answer(None)
    key = _matching(words(text), [(w, p.key) for p in places for w in p.words])
    return Answer("ok", elsewhere_key(home, key)) if key else Answer(None)


def read_date(text: str, a: Asking) -> Answer:
    """A hearing date; "3/4" that can be either of two days keeps both for the next question."""
    return date_answer(dates.parse_date(text, local_today(a)))


def date_answer(result: dates.DateResult) -> Answer:
    """What the date question makes of a date read: the outcome its flow routes on."""
    if result.problem == "ambiguous":
        return Answer("ambiguous", [d.isoformat() for d in result.readings])
    if result.value is None:
        return Answer(None)
    if result.problem == "past":
        return Answer(None, reason="past")
    if result.problem == "far":
        return Answer("far", result.value.isoformat())
    # A weekend, a US holiday or a weekday that is not the date's own: asked, then kept or retyped;
    # so is the notice's month-first order when day first would have been another valid day.
    return Answer(result.doubt or ("paper" if result.paper else "ok"), result.value.isoformat())


def _candidates(a: Asking, key: str) -> list[str]:
    """What an unclear answer could be (a date's readings, a phone's countries), kept in the
    draft under that answer's own key until the person picks one."""
    found = a.vars.get(key)
    return list(found) if isinstance(found, list) else []


def _picked(text: str, candidates: list[str]) -> Answer | None:
    """A candidate chosen by its option number, or the option after them ("type it again");
    None when the message is not a number."""
    number = _number(text)
    if number is None:
        return None
    if 1 <= number <= len(candidates):
        return Answer("ok", candidates[number - 1])
    return Answer("retype", None) if number == len(candidates) + 1 else Answer(None)


def read_date_reading(text: str, a: Asking) -> Answer:
    """Which of the readings of an ambiguous date is meant: its option number or its day."""
    readings = _candidates(a, "date")
    picked = _picked(text, readings)
    if picked is not None:
        return picked
    # The day written out again ("4 de marzo") or its weekday ("el jueves") settles it.
    said = dates.parse_date(text, local_today(a))
    chosen = [r for r in readings if r in {d.isoformat() for d in said.readings}]
    if not chosen:
        weekday = dates.weekday_written(" ".join(words(text)))
        chosen = [r for r in readings if date.fromisoformat(r).weekday() == weekday]
    return Answer("ok", chosen[0]) if len(chosen) == 1 else Answer(None)


# Inside a whole sentence ("no sé, está en mi hoja del puente"), these still say "I don't know".
DONT_KNOW_IN_A_SENTENCE = ("no se", "no lo se", "no la se", "no dice", "no lo dice", "no lo tengo",
                           "no la tengo", "no tengo", "no recuerdo", "no me acuerdo", "ni idea",
                           "no estoy seguro", "no estoy segura", "dont know", "don t know")


def _says_dont_know(text: str) -> bool:
    said = " ".join(words(text))
    # A number in the sentence ("no lo tengo aquí pero es A 123...") is read, not dropped.
    return said in DONT_KNOW or not _DIGITS.search(said) and any(
        f" {phrase} " in f" {said} " for phrase in DONT_KNOW_IN_A_SENTENCE)


def read_time(text: str, a: Asking) -> Answer:
    """A hearing time; "no sé" is its own answer, so the flow can say where to find it."""
    if _says_dont_know(text):
        return Answer("unknown_time", None)
    result = dates.parse_time(text, default_period="hearing")
    return Answer("ok", result.value.isoformat("minutes")) if result.value else Answer(None)


def report_time_before(hearing_time: str | None, minutes: int) -> str | None:
    """The clock time `minutes` before the hearing's, on the same day; None when there is none."""
    if not hearing_time:
        return None
    hearing = time.fromisoformat(hearing_time)
    at = hearing.hour * 60 + hearing.minute - minutes
    return time(at // 60, at % 60).isoformat("minutes") if at >= 0 else None


def _before_hearing(minutes: int, a: Asking) -> Answer:
    """The report time "4 horas antes" of the hearing time already given, on the same day. The
    "hours before" is kept too: a hearing time corrected later moves the report time with it."""
    at = report_time_before(a.vars.get("time"), minutes)
    return Answer("ok", at, fields={"report_before": minutes}) if at else Answer(None)


def read_report_time(text: str, a: Asking) -> Answer:
    if _says_dont_know(text):
        return Answer("unknown_time", None)
    before = dates.minutes_before(text)
    if before is not None:
        return _before_hearing(before, a)
    result = dates.parse_time(text, default_period="report")
    if result.value is None:
        return Answer(None)
    hearing_time = a.vars.get("time")
    if hearing_time and result.value >= time.fromisoformat(hearing_time):
        return Answer(None, reason="after_hearing")
    return Answer("ok", result.value.isoformat("minutes"), fields={"report_before": None})


def read_a_number(text: str, a: Asking) -> Answer:
    if _says_dont_know(text):
        return Answer("skip", None)
    match = _A_NUMBER.match(" ".join(words(text))) or _one_a_number_in(text)
    if not match:
        return Answer(None, reason="digits" if _DIGITS.search(text) else "unknown")
    digits = "".join(_DIGITS.findall(match.group(1)))
    if len(digits) not in (8, 9):
        return Answer(None, reason="digits")
    return Answer("ok", digits.zfill(9))


_DIGIT_RUN = re.compile(r"(\d[\d\s.\-]{6,14}\d)")


def _one_a_number_in(text: str) -> re.Match | None:
    """The A-number in a sentence ("no lo tengo aquí pero es 212-345-678", "Alien Number:
    A-212-345-678"), when exactly one run of 8 or 9 digits is there; otherwise ask."""
    runs = [m for m in _DIGIT_RUN.finditer(text) if len(_DIGITS.findall(m.group(1))) in (8, 9)]
    return runs[0] if len(runs) == 1 and len(_DIGITS.findall(text)) == len(
        _DIGITS.findall(runs[0].group(1))) else None


def read_name(text: str, a: Asking) -> Answer:
    # Whole names are long: "María Guadalupe de la Cruz Hernández" is six words.
    name = " ".join((text or "").split())
    if (not name or len(name) > 60 or len(name.split()) > 8 or _DIGITS.search(name)
            or not any(c.isalpha() for c in name)):
        return Answer(None)
    return Answer("ok", name)


# Words a name is not made of: a message with one of them asks for something.
_ASKING = frozenset({"quiero", "queria", "necesito", "tengo", "como", "cuando", "donde", "que",
                     "cual", "cuanto", "puedo", "hay", "hacer", "saber", "ayuda", "ayudar", "mi",
                     "mis", "me", "no", "es", "son", "esta", "estoy", "ver", "registrar", "guardar",
                     "informacion", "please", "want", "need", "my", "when", "where", "what"})


def looks_like_a_name(text: str) -> bool:
    """Whether an answer to "¿Cómo se llama?" reads as a name even when it holds a topic word
    (Juan Puente, Socorro Cruz Paz) rather than a request (quiero registrar mi audiencia)."""
    return "?" not in text and not _ASKING & set(words(text)) and read_name(text, None).outcome == "ok"


def read_person(text: str, a: Asking) -> Answer:
    number = _number(text)
    people = a.context.people
    if number is not None:
        if 1 <= number <= len(people):
            return Answer("ok", people[number - 1].id)
        return Answer("new") if number == len(people) + 1 else Answer(None)
    said = " ".join(words(text))
    for person in people:
        if said == " ".join(words(person.name)):
            return Answer("ok", person.id)
    said_words = words(text)
    # "es para mi hijo", "la de mi esposa": someone not listed yet is a new person, whose name
    # is asked next; the family topic must not take the answer away.
    if (_matches("otra", said_words) or _matches("nueva", said_words)
            or any(w in word_group("relative") for w in said_words)):
        return Answer("new")
    return Answer(None)


def read_member(text: str, a: Asking) -> Answer:
    answer = read_person(text, a)
    return answer if answer.outcome == "ok" else Answer(None)


def read_hearing(text: str, a: Asking) -> Answer:
    number = _number(text)
    upcoming = a.context.upcoming(a.now)
    if number is not None and 1 <= number <= len(upcoming):
        return Answer("ok", upcoming[number - 1].id)
    return Answer(None)


def read_leave_time(text: str, a: Asking) -> Answer:
    """The clock time of the hearing-day reminder, before the person leaves; a no is none.
    Read like a report time (before dawn without a.m. or p.m.), on the hearing's clock."""
    if any(t in NO for t in _yes_no_words(text)):
        return Answer("no", None)
    result = dates.parse_time(text, default_period="report")
    if not result.value:
        return Answer(None)
    hearing = a.context.hearing(a.vars.get("hearing_id"))
    city = a.cities.get(hearing.city) if hearing else None
    if city and result.value >= hearing.starts_at.astimezone(ZoneInfo(city.court_zone)).time():
        return Answer(None, reason="after_hearing")
    return Answer("ok", result.value.isoformat("minutes"))


def read_phone(text: str, a: Asking) -> Answer:
    """A typed number; one that could be from the US is asked about, never made Mexican."""
    typed = read_typed_phone(text)
    if typed.phone:
        return Answer("ok", typed.phone)
    if typed.candidates:
        return Answer("ambiguous", list(typed.candidates))
    return Answer(None)


COUNTRY_WORDS = {"+52": ("mexico", "mex", "mx", "mexicano"),
                 "+1": ("estados unidos", "eu", "eeuu", "usa", "us", "gringo", "americano")}


def read_phone_country(text: str, a: Asking) -> Answer:
    """Which of the numbers a typed phone could be: by its option number or the country's name."""
    candidates = _candidates(a, "phone")
    picked = _picked(text, candidates)
    if picked is not None:
        return picked
    said = " ".join(words(text))
    for candidate in candidates:
        code = "+52" if candidate.startswith("+52") else "+1"
        if said in COUNTRY_WORDS[code]:
            return Answer("ok", candidate)
    return Answer(None)


def read_days(text: str, a: Asking) -> Answer:
    number = _number(text)
    if number is None and "semana" in words(text):
        number = 7
    return Answer("ok", number) if number is not None and 1 <= number <= 60 else Answer(None)


def read_registration(text: str, a: Asking) -> Answer:
    number = _number(text)
    upcoming = a.context.volunteer.upcoming(a.now) if a.context.volunteer else []
    if number is not None and 1 <= number <= len(upcoming):
        return Answer("ok", upcoming[number - 1].hearing_id)
    return Answer(None)


def date_reading_options(a: Asking) -> list[Part]:
    days: list[Part] = [Day(date.fromisoformat(d)) for d in _candidates(a, "date")]
    return [*days, Text(N_("Ninguna, la escribo otra vez"))]


def choice_options(a: Asking) -> list[Part]:
    return [Text(o.label) for o in a.options]


def city_options(a: Asking) -> list[Part]:
    return [*(Raw(c.name) for c in _listed(a)), Text(N_("Otra ciudad"))]


def report_place_options(a: Asking) -> list[Part]:
    return [Raw(p.label) for p in _report_places(a)]


def member_options(a: Asking) -> list[Part]:
    return [Raw(p.name) for p in a.context.people]


def person_options(a: Asking) -> list[Part]:
    return [*member_options(a), Text(N_("Otra persona"))]


def phone_country_options(a: Asking) -> list[Part]:
    options: list[Part] = [
        Text(N_("México: {number}") if c.startswith("+52") else N_("Estados Unidos: {number}"),
             {"number": Raw(format_phone(c))}) for c in _candidates(a, "phone")]
    return [*options, Text(N_("Ninguno, lo escribo otra vez"))]


@dataclass(frozen=True)
class InputType:
    read: Callable[[str, Asking], Answer]
    outcomes: frozenset[str]
    options: Callable[[Asking], list[Part]] | None = None


INPUTS: dict[str, InputType] = {
    "choice": InputType(read_choice, frozenset(), choice_options),
    "yesno": InputType(read_yes_no, frozenset({"yes", "no"})),
    "confirmation": InputType(read_confirmation, frozenset({"yes", "fix", "corrected"})),
    "city": InputType(read_city, frozenset({"ok", "elsewhere"}), city_options),
    "report_place": InputType(read_report_place, frozenset({"ok"}), report_place_options),
    "date": InputType(read_date, frozenset({"ok", "far", "ambiguous", "weekday", "holiday", "weekend",
                                                   "paper"})),
    "date_reading": InputType(read_date_reading, frozenset({"ok", "retype"}), date_reading_options),
    "time": InputType(read_time, frozenset({"ok", "unknown_time"})),
    "report_time": InputType(read_report_time, frozenset({"ok", "unknown_time"})),
    "a_number": InputType(read_a_number, frozenset({"ok", "skip"})),
    "name": InputType(read_name, frozenset({"ok"})),
    "person": InputType(read_person, frozenset({"ok", "new"}), person_options),
    "member": InputType(read_member, frozenset({"ok"}), member_options),
    "hearing": InputType(read_hearing, frozenset({"ok"})),
    "leave_time": InputType(read_leave_time, frozenset({"ok", "no"})),
    "phone": InputType(read_phone, frozenset({"ok", "ambiguous"})),
    "phone_country": InputType(read_phone_country, frozenset({"ok", "retype"}),
                               phone_country_options),
    "days": InputType(read_days, frozenset({"ok"})),
    "registration": InputType(read_registration, frozenset({"ok"})),
}
# Reasons an answer can be refused, beyond "unknown", per input.
REASONS = {"date": {"past"}, "report_time": {"after_hearing"}, "a_number": {"digits"},
           "leave_time": {"after_hearing"}}


def _needs_a_number(vars: dict, context: Context, now: datetime) -> bool:
    person = context.selected_person(vars)
    return person is None or not person.a_number


def _report_before_hearing(vars: dict, context: Context, now: datetime) -> bool:
    report, hearing = vars.get("report_time"), vars.get("time")
    return not report or not hearing or time.fromisoformat(report) < time.fromisoformat(hearing)


CHECKS: dict[str, Callable[[dict, Context, datetime], bool]] = {
    # Set by a read-back's "what to fix?": the answer goes straight back to the read-back.
    "fixing": lambda v, c, now: bool(v.get("fixing")),
    "report_before_hearing": _report_before_hearing,
    "has_people": lambda v, c, now: bool(c.people),
    "has_hearings": lambda v, c, now: bool(c.upcoming(now)),
    "many_hearings": lambda v, c, now: len(c.upcoming(now)) > 1,
    "needs_a_number": _needs_a_number,
    "knows_city": lambda v, c, now: bool(v.get("city") or c.upcoming(now)),
    "has_registrations": lambda v, c, now: bool(c.volunteer and c.volunteer.upcoming(now)),
    # A registration can go while a volunteer changes it (cancelled, BORRAR, the purge).
    "still_registered": lambda v, c, now: bool(
        c.volunteer and c.volunteer.registration(v.get("hearing_id"))),
}
