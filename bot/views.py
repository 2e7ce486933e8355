"""The pieces a reply is made of, the values flows can show ({summary}, {hearings}...), and rendering."""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from . import reminders
from .context import Context, Hearing
from .i18n import N_, Catalogs
from .places import City, clock_changes, court_time, hours_apart, other_clock
from .reference import Reference
from .reminders import Schedule


@dataclass(frozen=True)
class Text:
    msgid: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Raw:
    """Text that is not translated: a name the person typed, a city's proper name."""
    text: str


@dataclass(frozen=True)
class Day:
    day: date


@dataclass(frozen=True)
class DayPart:
    """One part of a date in the person's language: its weekday ("EEEE") or month ("MMMM")."""
    day: date
    pattern: str


@dataclass(frozen=True)
class When:
    moment: datetime   # aware
    city: City
    time_only: bool = False


@dataclass(frozen=True)
class Lines:
    parts: tuple
    sep: str = "\n"


Part = Text | Raw | Day | DayPart | When | Lines


def render(part: Part | str, language: str, catalogs: Catalogs) -> str:
    """Write a part in the person's language."""
    if isinstance(part, str):
        return part
    if isinstance(part, Raw):
        return part.text
    if isinstance(part, Text):
        text = catalogs.gettext(language, part.msgid)
        if not part.params:
            return text
        return text.format(**{k: render(v, language, catalogs) for k, v in part.params.items()})
    if isinstance(part, Day):
        return catalogs.format_date(language, part.day)
    if isinstance(part, DayPart):
        return catalogs.format_date_part(language, part.day, part.pattern)
    if isinstance(part, When):
        return _render_when(part, language, catalogs)
    if isinstance(part, Lines):
        return part.sep.join(render(p, language, catalogs) for p in part.parts)
    raise TypeError(f"cannot render {type(part).__name__}")


def _render_when(part: When, language: str, catalogs: Catalogs) -> str:
    """The time on the court's clock, and on the person's own when their phone shows another."""
    city, zone = part.city, part.city.court_zone
    when = (catalogs.format_time(language, part.moment, zone) if part.time_only
            else catalogs.format_datetime(language, part.moment, zone))
    own = other_clock(city, part.moment)
    if own is None:
        return catalogs.gettext(language, N_("{when}, hora de {clock}")).format(
            when=when, clock=city.clock)
    if own.date() != part.moment.astimezone(ZoneInfo(zone)).date():
        msgid, other = (N_("{when}, hora de {clock}, que es el {other} en {town}"),
                        catalogs.format_datetime(language, own, city.zone))
    else:
        msgid = (N_("{when}, hora de {clock}, que es la {other} en {town}") if own.hour % 12 == 1
                 else N_("{when}, hora de {clock}, que son las {other} en {town}"))
        other = catalogs.format_time(language, own, city.zone)
    return catalogs.gettext(language, msgid).format(when=when, clock=city.clock, other=other,
                                                    town=city.town)


def report_place(city: City) -> Part:
    """Where to present on hearing day, never the port the person was returned through; where
    the data cannot name the crossing, the one on the person's sheet."""
    place = city.report
    town = Raw(place.town)
    if place.uncertain == "puente":
        return Text(N_("el puente que dice su hoja ({town})"), {"town": town})
    if place.uncertain == "puerto":
        return Text(N_("el puerto que dice su hoja ({town})"), {"town": town})
    if place.local:
        return Text(N_("{port}, o {local} ({town})"),
                    {"port": Raw(place.port), "local": Raw(place.local), "town": town})
    return Text(N_("{port} ({town})"), {"port": Raw(place.port), "town": town})


def render_reply(blocks: list[Part], language: str, catalogs: Catalogs) -> str:
    """Write the blocks of one step as one message, a blank line between them."""
    return "\n\n".join(t for t in (render(b, language, catalogs).strip() for b in blocks) if t)


def placeholders(text: str) -> set[str] | None:
    """Return the {names} a message uses, or None when its braces are broken."""
    try:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
    except ValueError:
        return None


def format_a_number(digits: str) -> str:
    """Write an A-number the way it is typed on the EOIR hotline: 9 digits, grouped."""
    digits = digits.zfill(9)
    return f"A {digits[:3]}-{digits[3:6]}-{digits[6:]}"


def mask_a_number(digits: str) -> str:
    """Show only the last three digits, enough to tell family members apart."""
    return f"A ***-***-{digits.zfill(9)[6:]}"


@dataclass(frozen=True)
class ViewInput:
    vars: dict
    context: Context
    reference: Reference
    now: datetime
    schedule: Schedule = Schedule()

    @property
    def cities(self) -> dict[str, City]:
        return self.reference.cities

    def city(self) -> City | None:
        """Return the city being talked about, or that of the person's next hearing."""
        if self.vars.get("city") in self.cities:
            return self.cities[self.vars["city"]]
        upcoming = self.context.upcoming(self.now)
        return self.cities[upcoming[0].city] if upcoming else None


def draft_moment(vars: dict, cities: dict[str, City], clock_key: str) -> datetime | None:
    """Return the UTC moment of a draft's date with its "time" or "report_time", if both are known."""
    city = cities.get(vars.get("city", ""))
    if city and vars.get("date") and vars.get(clock_key):
        return court_time(city, date.fromisoformat(vars["date"]), time.fromisoformat(vars[clock_key]))
    return None


def hearing_day_moment(context, cities: dict[str, City], hearing_id, leave_time: str | None
                       ) -> datetime | None:
    """The UTC moment of a clock time on a saved hearing's day, on the hearing's clock."""
    hearing = context.hearing(hearing_id)
    city = cities.get(hearing.city) if hearing else None
    if not city or not leave_time:
        return None
    day = hearing.starts_at.astimezone(ZoneInfo(city.court_zone)).date()
    return court_time(city, day, time.fromisoformat(leave_time))


def view_leave_when(v: ViewInput) -> Part:
    """When the hearing-day reminder will come, with its clock named."""
    hearing = v.context.hearing(v.vars.get("hearing_id"))
    moment = hearing_day_moment(v.context, v.cities, v.vars.get("hearing_id"),
                                v.vars.get("leave_time"))
    return When(moment, v.cities[hearing.city]) if moment else Raw("")


def view_date(v: ViewInput) -> Part:
    return Day(date.fromisoformat(v.vars["date"]))


def _person_name(v: ViewInput) -> str:
    person = v.context.selected_person(v.vars)
    return person.name if person else v.vars.get("name", "")


def view_name(v: ViewInput) -> Part:
    return Raw(_person_name(v))


def _a_number_line(digits: str | None) -> Part:
    if digits:
        return Text(N_("Número A: {a_number}"), {"a_number": Raw(format_a_number(digits))})
    return Text(N_("Número A: no lo tiene guardado"))


def _draft_lines(name: str, draft: dict, cities: dict[str, City]) -> list[Part]:
    """Read back who, where and when, exactly as they will be saved."""
    city = cities[draft["city"]]
    report_at = draft_moment(draft, cities, "report_time")
    return [
        Text(N_("Persona: {name}"), {"name": Raw(name)}),
        Text(N_("Ciudad: {city}"), {"city": Raw(city.name) if city.town else Text(N_("otra ciudad"))}),
        Text(N_("Audiencia: {when}"), {"when": When(draft_moment(draft, cities, "time"), city)}),
        Text(N_("Lugar para presentarse: {place}"), {"place": report_place(city)}),
        Text(N_("Presentarse en el puerto: {when}"), {"when": When(report_at, city)})
        if report_at else Text(N_("Presentarse en el puerto: revise la hora en su hoja")),
    ]


def view_summary(v: ViewInput) -> Part:
    person = v.context.selected_person(v.vars)
    return Lines((*_draft_lines(_person_name(v), v.vars, v.cities),
                  _a_number_line(v.vars.get("a_number") or (person.a_number if person else None))))


def view_registration_change(v: ViewInput) -> Part:
    """What a volunteer is about to save over a registration: its own person and city, the new
    date and times."""
    registration = v.context.volunteer.registration(v.vars.get("hearing_id"))
    if registration is None:   # cancelled, or deleted by the person, since it was picked
        return Text(REGISTRATION_GONE)
    return Lines(tuple(_draft_lines(registration.name, {**v.vars, "city": registration.city},
                                    v.cities)))


REGISTRATION_GONE = N_("Ese registro ya no está: lo cancelaron o la persona borró sus datos. "
                       "No cambié nada.")


def view_hearings(v: ViewInput) -> Part:
    """List the upcoming hearings of everyone on this phone, soonest first."""
    upcoming = v.context.upcoming(v.now)
    if not upcoming:
        return Text(N_("No tiene audiencias guardadas."))
    parts = []
    for number, hearing in enumerate(upcoming, start=1):
        city = v.cities[hearing.city]
        person = v.context.person(hearing.person_id)
        parts.append(Text(N_("{number}. {name}: {when}. Puerto: {port}."), {
            "number": Raw(str(number)), "name": Raw(person.name if person else ""),
            "when": When(hearing.starts_at, city), "port": report_place(city)}))
        if hearing.report_at:
            # The report time is on the hearing's day, so its hour is enough.
            parts.append(Text(N_("   Presentarse: {time}"),
                              {"time": When(hearing.report_at, city, time_only=True)}))
        if hearing.official:
            parts.append(Text(N_("   Fecha de un aviso oficial: revísela en acis.eoir.justice.gov/es.")))
    return Lines(tuple(parts))


def _report_line(hearing: Hearing, person_name: str, city: City) -> Part:
    names = {"name": Raw(person_name), "port": report_place(city)}
    if hearing.report_at:
        return Text(N_("{name}: preséntese en {port} el {when}."),
                    {**names, "when": When(hearing.report_at, city)})
    return Text(N_("{name}: la audiencia es el {when}. Preséntese en {port} a la hora de su "
                   "hoja: por lo general, unas 4 horas antes, a veces más temprano."),
                {**names, "when": When(hearing.starts_at, city)})


def view_port_times(v: ViewInput) -> Part:
    """Tell each upcoming hearing's report time: the saved one, or how to find it."""
    return Lines(tuple(_report_line(h, _name_of(v, h), v.cities[h.city])
                       for h in v.context.upcoming(v.now)))


def _name_of(v: ViewInput, hearing: Hearing) -> str:
    person = v.context.person(hearing.person_id)
    return person.name if person else ""


def _this(v: ViewInput) -> Hearing:
    return v.context.hearing(v.vars.get("hearing_id"))


def view_this_hearing(v: ViewInput) -> Part:
    """Name the hearing a reminder is about, with its date, time and clock; {this_report} says
    where to report."""
    hearing = _this(v)
    return Text(N_("{name}: {when}."), {
        "name": Raw(_name_of(v, hearing)), "when": When(hearing.starts_at, v.cities[hearing.city])})


def view_this_report(v: ViewInput) -> Part:
    """Where to report, and when: the saved time, or that it is on the sheet (the date is
    already in the reminder, so it is not said twice)."""
    hearing = _this(v)
    city = v.cities[hearing.city]
    if hearing.report_at:
        return Text(N_("Preséntese en {port} ese día: {time}."), {
            "port": report_place(city), "time": When(hearing.report_at, city, time_only=True)})
    return Text(N_("Preséntese en {port} a la hora de su hoja: por lo general, unas 4 horas "
                   "antes, a veces más temprano."), {"port": report_place(city)})


def view_late(v: ViewInput) -> Part:
    """For a hearing saved late, say now what the reminders already past would have said."""
    city = v.cities[v.vars["city"]]
    starts_at = draft_moment(v.vars, v.cities, "time")
    missed = reminders.missed(starts_at, city.zone, v.now, v.schedule, travel=city.travel is not None)
    if reminders.DAY_BEFORE in missed:
        report_at = draft_moment(v.vars, v.cities, "report_time")
        when = (Text(N_("Preséntese en {port} el {when}."),
                     {"port": report_place(city), "when": When(report_at, city)}) if report_at else
                Text(N_("La hora para presentarse en {port} está en su hoja. Por lo general es "
                        "unas 4 horas antes, a veces más temprano."), {"port": report_place(city)}))
        return Lines((Text(N_("Su audiencia es muy pronto.")), when, Text(N_(
            "Lleve su Aviso de Comparecencia (NTA), la hoja del programa MPP, una "
            "identificación con foto y sus pruebas."))))
    if reminders.TRAVEL in missed:
        return Lines((Text(N_("Su audiencia es en pocos días.")),
                      Text(N_("Preséntese en {port}."), {"port": report_place(city)}),
                      *_travel_lines(city)), sep=" ")
    if reminders.WEEK_BEFORE in missed:
        return Text(N_("Su audiencia es en pocos días. Un día antes le mandaremos la hora y qué "
                       "llevar."))
    return Raw("")


KIND_LABELS = {"legal": N_("ayuda legal"), "shelter": N_("albergue"),
               "humanitarian": N_("ayuda humanitaria")}


def view_organizations(v: ViewInput) -> Part:
    """Name the organizations of the city; a phone only when someone has verified it."""
    city = v.city()
    found = v.reference.organizations_in(city.key) if city else []
    if not found:
        return Text(N_("No tenemos grupos de ayuda de esa ciudad. Pregunte en su albergue."))
    lines: list[Part] = [Text(N_("Grupos que ayudan en {city}:"), {"city": Raw(city.name)})]
    for org in found:
        kind = Text(KIND_LABELS[org.kind])
        if org.verified and org.phone:
            lines.append(Lines((Raw(f"- {org.name} ("), kind, Raw(f"): {org.phone}")), sep=""))
        else:
            lines.append(Lines((Raw(f"- {org.name} ("), kind, Raw(")")), sep=""))
    if not all(o.verified and o.phone for o in found):
        lines.append(Text(N_("No tenemos sus teléfonos. Pregunte por ellos en su albergue.")))
    return Lines(tuple(lines))


def view_a_number_steps(v: ViewInput) -> Part:
    """Say how the line wants the A-number; a saved one is shown only when asked for."""
    if any(p.a_number for p in v.context.people):
        return Text(N_("Le pedirá el número A: escriba 1 para verlo."))
    return Text(N_("Le pedirá su número A: marque sus 9 números. Si tiene 8, marque un 0 antes."))


def view_a_numbers(v: ViewInput) -> Part:
    """Show each saved A-number in full, as the hotline wants it: the person asked for it."""
    people = [p for p in v.context.people if p.a_number]
    if not people:
        return Text(N_("No hay un número A guardado en este teléfono."))
    return Lines(tuple(Raw(f"- {p.name}: {p.a_number.zfill(9)}") for p in people))


def view_people(v: ViewInput) -> Part:
    if not v.context.people:
        return Text(N_("Todavía no hay personas guardadas en este teléfono."))
    return Lines(tuple(
        Raw(f"{n}. {p.name}" + (f" ({mask_a_number(p.a_number)})" if p.a_number else ""))
        for n, p in enumerate(v.context.people, start=1)))


def view_shelter(v: ViewInput) -> Part:
    """The shelter: the volunteer's own, or the one that registered the person written to."""
    if v.context.volunteer:
        return Raw(v.context.volunteer.shelter)
    person = v.context.selected_person(v.vars)
    return Raw(person.shelter if person and person.shelter else "")


def view_registration(v: ViewInput) -> Part:
    channel = N_("por WhatsApp") if v.vars.get("whatsapp") == "yes" else N_("por SMS")
    return Lines((Text(N_("Teléfono: {phone}, {channel}"), {
        "phone": Raw(v.vars["phone"]), "channel": Text(channel)}), view_summary(v)))


def view_registrations(v: ViewInput) -> Part:
    """Number the shelter's upcoming hearings for a volunteer to pick one."""
    return Lines(tuple(
        Lines((Raw(f"{n}. {r.name}: "), When(r.starts_at, v.cities[r.city])), sep="")
        for n, r in enumerate(v.context.volunteer.upcoming(v.now), start=1)))


def view_shelter_upcoming(v: ViewInput) -> Part:
    """The shelter's hearings in the next days, by date and by where people must report (not where
    they were returned), for planning the trips."""
    days = int(v.vars.get("days") or 7)
    found = v.context.volunteer.upcoming(v.now, days)
    if not found:
        return Text(N_("No hay audiencias registradas en los próximos {days} días."),
                    {"days": Raw(str(days))})
    parts: list[Part] = [Text(N_("Audiencias de los próximos {days} días:"),
                              {"days": Raw(str(days))})]

    def court_day(r) -> date:
        return r.starts_at.astimezone(ZoneInfo(v.cities[r.city].court_zone)).date()

    order: dict[str, int] = {}   # the report places in the data's order
    for c in v.cities.values():
        order.setdefault(c.report.key, len(order))
    group = None
    for r in sorted(found, key=lambda r: (court_day(r), order[v.cities[r.city].report.key],
                                          r.starts_at)):
        city = v.cities[r.city]
        if (court_day(r), city.report.key) != group:
            group = (court_day(r), city.report.key)
            parts.append(Lines((Day(court_day(r)), Raw(" - "), report_place(city), Raw(":")), sep=""))
        report = (Text(N_("presentarse {when}"), {"when": When(r.report_at, city, time_only=True)})
                  if r.report_at else Text(N_("hora para presentarse: ver su hoja")))
        # Those who wait in another city must set out days before: the list says from where.
        who = f"- {r.name} ({city.town}): " if city.travel and city.town else f"- {r.name}: "
        parts.append(Lines((Raw(who), report), sep=""))
    return Lines(tuple(parts))


def _distance(city: City) -> Part | None:
    """How far the place to report is, only as the sources say it; None when they do not."""
    travel, to = city.travel, Raw(city.report.town)
    if travel.km_over and city.town:
        return Text(N_("{to} queda a más de {km} km de {town}."),
                    {"to": to, "km": Raw(str(travel.km_over)), "town": Raw(city.town)})
    if travel.hours and city.town:
        return Text(N_("De {town} a {to} son de {low} a {high} horas de camino."), {
            "town": Raw(city.town), "to": to, "low": Raw(str(travel.hours[0])),
            "high": Raw(str(travel.hours[1]))})
    return None


def _travel_lines(city: City) -> list[Part]:
    distance = _distance(city)
    return [distance or Text(N_("Tiene que llegar a {to}."), {"to": Raw(city.report.town)}),
            # The sources say so for Mexicali and Nogales: no transport to the place to report.
            *([Text(N_("Tiene que ir por su cuenta."))] if distance else []),
            Text(N_("Salga días antes: el día antes es tarde."))]


def view_this_travel(v: ViewInput) -> Part:
    """For a person who waits in another city than where they report: how far, leave early."""
    city = v.cities[_this(v).city]
    return Lines(tuple(_travel_lines(city)), sep=" ") if city.travel else Raw("")


def view_travel_note(v: ViewInput) -> Part:
    """The week before, the same in a line: how far, and to leave days before."""
    city = v.cities[_this(v).city]
    travel = city.travel
    if not travel:
        return Raw("")
    # The report line just above names the place: how far it is, in few words.
    if travel.km_over and city.town:
        far = Text(N_("Son más de {km} km de camino."), {"km": Raw(str(travel.km_over))})
    elif travel.hours and city.town:
        far = Text(N_("Son de {low} a {high} horas de camino."), {
            "low": Raw(str(travel.hours[0])), "high": Raw(str(travel.hours[1]))})
    else:
        far = Text(N_("Tiene que llegar a {to}."), {"to": Raw(city.report.town)})
    return Lines((far, Text(N_("Salga días antes."))), sep=" ")


def view_clock_rule(v: ViewInput) -> Part:
    """When the person's clock and the court's part ways, with the days read from the tz database:
    the person's own city, or Nogales (the border city whose clock differs) when none is known."""
    city = v.city()
    if city is None or city.town is None or not _changes_apart(city, v.now.year):
        city = next((c for c in v.cities.values() if c.listed and _changes_apart(c, v.now.year)), None)
    if city is None:
        return Raw("")
    year = v.now.year
    if clock_changes(city.court_zone, year)[-1] < v.now.date():
        year += 1
    first, second = clock_changes(city.court_zone, year)[:2]
    clock, town = Raw(city.clock), Raw(city.town)
    lines: list[Part] = [
        Text(N_("Si espera en {town}: su corte es en {court}."), {"town": town, "court": Raw(city.court)}),
        Text(N_("En {year}, {clock} cambia la hora el {first} ({first_day}) y el {second} "
                "({second_day})."), {
            "year": Raw(str(year)), "clock": clock, "first": _nth_weekday(first),
            "first_day": _day_month(first), "second": _nth_weekday(second),
            "second_day": _day_month(second)})]
    between, rest = hours_apart(city, first), hours_apart(city, second)
    lines.append(Text(N_("Entre esas fechas, {clock} va {gap} {town}."), {
        "clock": clock, "gap": _gap(between), "town": town}) if between else
        Text(N_("Entre esas fechas es la misma hora.")))
    lines.append(Text(N_("El resto del año, {clock} va {gap} {town}."), {
        "clock": clock, "gap": _gap(rest), "town": town}) if rest else
        Text(N_("El resto del año es la misma hora.")))
    return Lines((*lines, Text(N_("Pregunte qué hora vale."))), sep=" ")


NTH = (N_("primer"), N_("segundo"), N_("tercer"), N_("cuarto"), N_("quinto"))


def _changes_apart(city: City, year: int) -> bool:
    return any(hours_apart(city, d) for d in clock_changes(city.court_zone, year))


def _gap(hours: int) -> Part:
    amount = (Text(N_("una hora")) if abs(hours) == 1 else
              Text(N_("{hours} horas"), {"hours": Raw(str(abs(hours)))}))
    return Text(N_("{amount} adelante de") if hours > 0 else N_("{amount} atrás de"), {"amount": amount})


def _day_month(day: date) -> Part:
    return Text(N_("{day} de {month}"), {"day": Raw(str(day.day)), "month": DayPart(day, "MMMM")})


def _nth_weekday(day: date) -> Part:
    """"segundo domingo de marzo": the rule, said from the date the tz database gives."""
    return Text(N_("{nth} {weekday} de {month}"), {
        "nth": Text(NTH[(day.day - 1) // 7]), "weekday": DayPart(day, "EEEE"),
        "month": DayPart(day, "MMMM")})


VIEWS: dict[str, Callable[[ViewInput], Part]] = {
    "date": view_date,
    "name": view_name,
    "summary": view_summary,
    "people": view_people,
    "hearings": view_hearings,
    "port_times": view_port_times,
    "organizations": view_organizations,
    "a_number_steps": view_a_number_steps,
    "a_numbers": view_a_numbers,
    "leave_when": view_leave_when,
    "this_hearing": view_this_hearing,
    "this_report": view_this_report,
    "late": view_late,
    "shelter": view_shelter,
    "registration": view_registration,
    "registrations": view_registrations,
    "registration_change": view_registration_change,
    "shelter_upcoming": view_shelter_upcoming,
    "this_travel": view_this_travel,
    "travel_note": view_travel_note,
    "clock_rule": view_clock_rule,
}
