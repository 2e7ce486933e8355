"""Where people wait, where they report on hearing day, its court and the clocks, from data/places.yaml."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import yamlfile

DATA_DIR = os.path.join(os.path.dirname(__file__), "data")
PLACE_KEYS = {"port", "uncertain", "local", "town", "zone", "court", "court_zone", "clock", "label",
              "sources", "verified_on", "words"}
PLACE_OPTIONAL = {"uncertain", "local", "sources", "verified_on"}
CITY_KEYS = {"name", "town", "zone", "returned_through", "report", "travel", "sources", "verified_on",
             "words"}
CITY_OPTIONAL = {"travel", "sources", "verified_on"}
ELSEWHERE_KEYS = {"town", "zone", "words"}
UNCERTAIN = {"puente", "puerto"}
# The key of a person who waits in a city the data does not know.
OTHER = "otra"


@dataclass(frozen=True)
class ReportPlace:
    """Where people present themselves on hearing day, and the court and clock that go with it."""
    key: str
    port: str                 # the port or bridge, as a proper name
    town: str                 # the Mexican city it is in
    zone: str                 # that city's clock
    court: str
    court_zone: str           # the clock hearing and report times are written in
    clock: str                # the city named with that clock: "hora de El Paso"
    label: str                # how it is listed when a person names the port on their paper
    words: tuple[str, ...]
    uncertain: str | None = None   # "puente" or "puerto": the sheet names it, the data cannot
    local: str | None = None       # the name people use for it in Mexico
    sources: tuple[str, ...] = ()
    verified_on: dt.date | None = None


@dataclass(frozen=True)
class Travel:
    """A report place in another city: how far, only as the sources say it."""
    km_over: int | None = None
    hours: tuple[int, int] | None = None
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class City:
    """Where a person waits and where they report: a city of the list, or one named with the
    port on the paper ("monterrey@laredo", "otra@el_paso")."""
    key: str
    name: str
    town: str | None            # None when the person waits in a city the data does not know
    zone: str                   # where the person waits: their own clock, and their reminders'
    report: ReportPlace
    words: tuple[str, ...] = ()
    returned_through: str | None = None   # never the place to report
    travel: Travel | None = None
    sources: tuple[str, ...] = ()
    verified_on: dt.date | None = None
    listed: bool = True

    @property
    def port(self) -> str:
        return self.report.port

    @property
    def court(self) -> str:
        return self.report.court

    @property
    def court_zone(self) -> str:
        return self.report.court_zone

    @property
    def clock(self) -> str:
        return self.report.clock


@dataclass(frozen=True)
class Elsewhere:
    """A city away from the list: its people name the port on their paper."""
    key: str
    town: str
    zone: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class Places:
    cities: dict[str, City]             # every key a hearing may hold, listed or not
    report_places: dict[str, ReportPlace]
    elsewhere: dict[str, Elsewhere]

    @property
    def listed(self) -> list[City]:
        return [c for c in self.cities.values() if c.listed]


class DataError(ValueError):
    """A reference data file is broken; the message names the file and entry."""


def _zone_exists(zone: str) -> bool:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _shape(path: str, what: str, key: str, spec, keys: set[str], optional: set[str]) -> list[str]:
    if not isinstance(spec, dict):
        return [f"{path}: {what} {key}: not a mapping"]
    missing, unknown = keys - set(spec) - optional, set(spec) - keys
    if missing or unknown:
        return [f"{path}: {what} {key}: missing {sorted(missing)}, unknown {sorted(unknown)}"]
    return []


def _check_words(path: str, what: str, key: str, spec: dict) -> list[str]:
    errors = [f"{path}: {what} {key}: unknown time zone {z!r}"
              for z in (spec.get("zone"), spec.get("court_zone")) if z and not _zone_exists(z)]
    return errors + [f"{path}: {what} {key}: word {w!r} is not text; put it in quotes"
                     for w in spec["words"] or () if not isinstance(w, str) or not w.strip()]


def _travel(spec) -> Travel | None:
    if not spec:
        return None
    hours = spec.get("hours")
    return Travel(spec.get("km_over"), tuple(hours) if hours else None,
                  tuple(spec.get("sources") or ()))


def load_places(directory: str = DATA_DIR) -> Places:
    """Read and check the report places, the cities of the list and the cities away from it."""
    path = os.path.join(directory, "places.yaml")
    with open(path, encoding="utf-8") as f:
        data = yamlfile.load(f)
    errors: list[str] = []
    places: dict[str, ReportPlace] = {}
    for key, spec in (data.get("report_places") or {}).items():
        problems = _shape(path, "report place", key, spec, PLACE_KEYS, PLACE_OPTIONAL)
        if not problems:
            problems = _check_words(path, "report place", key, spec)
            if spec.get("uncertain") not in UNCERTAIN | {None}:
                problems.append(f"{path}: report place {key}: uncertain must be one of "
                                f"{sorted(UNCERTAIN)}")
        errors += problems
        if not problems:
            places[key] = ReportPlace(key=key, **{**spec, "words": tuple(spec["words"]),
                                                 "sources": tuple(spec.get("sources") or ())})
    cities: dict[str, City] = {}
    for key, spec in (data.get("cities") or {}).items():
        problems = _shape(path, "city", key, spec, CITY_KEYS, CITY_OPTIONAL)
        if not problems:
            problems = _check_words(path, "city", key, spec)
            if spec["report"] not in places and spec["report"] not in (data.get("report_places") or {}):
                problems.append(f"{path}: city {key}: unknown report place {spec['report']!r}")
        errors += problems
        if not problems and spec["report"] in places:   # else its place's own error is reported
            cities[key] = City(key=key, **{
                **spec, "report": places[spec["report"]], "words": tuple(spec["words"]),
                "travel": _travel(spec.get("travel")), "sources": tuple(spec.get("sources") or ())})
    elsewhere: dict[str, Elsewhere] = {}
    for key, spec in (data.get("elsewhere") or {}).items():
        problems = _shape(path, "city", key, spec, ELSEWHERE_KEYS, set())
        problems = problems or _check_words(path, "city", key, spec)
        errors += problems
        if not problems:
            elsewhere[key] = Elsewhere(key, spec["town"], spec["zone"], tuple(spec["words"]))
    if errors:
        raise DataError("\n".join(errors))
    # A person away from the list reports where the paper says; being away, they travel.
    for home in [*elsewhere.values(), None]:
        for place in places.values():
            key = elsewhere_key(home.key if home else OTHER, place.key)
            cities[key] = City(
                key=key, name=home.town if home else place.town, town=home.town if home else None,
                zone=home.zone if home else place.zone, report=place, travel=Travel(),
                words=home.words if home else (),
                sources=place.sources, verified_on=place.verified_on, listed=False)
    return Places(cities, places, elsewhere)


def elsewhere_key(home: str, place: str) -> str:
    """The key of a hearing whose person waits in `home` and reports at `place`."""
    return f"{home}@{place}"


def court_time(city: City, day: dt.date, clock: dt.time) -> dt.datetime:
    """Return the aware moment of a wall-clock time at the city's court, in UTC."""
    local = dt.datetime.combine(day, clock, tzinfo=ZoneInfo(city.court_zone))
    return local.astimezone(ZoneInfo("UTC"))


def other_clock(city: City, moment: dt.datetime) -> dt.datetime | None:
    """Return the moment on the person's own clock when it shows another time than the
    court's, else None; a person in an unknown city has no clock to compare."""
    if city.town is None:
        return None
    own = moment.astimezone(ZoneInfo(city.zone))
    if own.utcoffset() == moment.astimezone(ZoneInfo(city.court_zone)).utcoffset():
        return None
    return own


def clock_changes(zone: str, year: int) -> list[dt.date]:
    """Return the days of the year the zone's clocks change, read from the tz database."""
    tz = ZoneInfo(zone)
    day, changes = dt.date(year, 1, 1), []
    offset = dt.datetime.combine(day, dt.time(12), tzinfo=tz).utcoffset()
    while day.year == year:
        day += dt.timedelta(days=1)
        now = dt.datetime.combine(day, dt.time(12), tzinfo=tz).utcoffset()
        if now != offset:
            changes.append(day)
        offset = now
    return changes


def hours_apart(city: City, day: dt.date) -> int:
    """Return how many hours the court's clock is ahead of the person's at noon that day."""
    court = dt.datetime.combine(day, dt.time(12), tzinfo=ZoneInfo(city.court_zone))
    return round((court.utcoffset() - court.astimezone(ZoneInfo(city.zone)).utcoffset())
                 / dt.timedelta(hours=1))
