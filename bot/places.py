"""Border cities, their ports and courts, and the time zones of each, read from data/places.yaml."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import yamlfile

DATA_DIR = os.path.join(os.path.dirname(__file__), "data")
CITY_KEYS = {"name", "zone", "port", "court", "court_zone", "clock", "sources", "verified_on",
             "words"}


@dataclass(frozen=True)
class City:
    key: str
    name: str
    zone: str          # where the person waits
    port: str
    court: str
    court_zone: str    # the clock hearing and report times are written in
    clock: str         # the city named with that clock: "hora de El Paso"
    words: tuple[str, ...]
    sources: tuple[str, ...] = ()
    verified_on: dt.date | None = None


class DataError(ValueError):
    """A reference data file is broken; the message names the file and entry."""


def _zone_exists(zone: str) -> bool:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def load_places(directory: str = DATA_DIR) -> dict[str, City]:
    """Read and check the cities: each has a port, a court and zones that exist."""
    path = os.path.join(directory, "places.yaml")
    with open(path, encoding="utf-8") as f:
        data = yamlfile.load(f)
    cities, errors = {}, []
    for key, spec in (data.get("cities") or {}).items():
        missing = CITY_KEYS - set(spec) - {"sources", "verified_on"}
        if missing or set(spec) - CITY_KEYS:
            errors.append(f"{path}: city {key}: missing {sorted(missing)}, "
                          f"unknown {sorted(set(spec) - CITY_KEYS)}")
            continue
        if not spec["port"] or not spec["court"]:
            errors.append(f"{path}: city {key}: needs a port and a court")
        for zone in (spec["zone"], spec["court_zone"]):
            if not _zone_exists(zone):
                errors.append(f"{path}: city {key}: unknown time zone {zone!r}")
        errors += [f"{path}: city {key}: word {w!r} is not text; put it in quotes"
                   for w in spec["words"] or () if not isinstance(w, str) or not w.strip()]
        cities[key] = City(key=key, **{**spec, "words": tuple(spec["words"]),
                                      "sources": tuple(spec.get("sources") or ())})
    if errors:
        raise DataError("\n".join(errors))
    return cities


def court_time(city: City, day: dt.date, clock: dt.time) -> dt.datetime:
    """Return the aware moment of a wall-clock time at the city's court, in UTC."""
    local = dt.datetime.combine(day, clock, tzinfo=ZoneInfo(city.court_zone))
    return local.astimezone(ZoneInfo("UTC"))
