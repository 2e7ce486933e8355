"""Border cities, their ports and courts, and the time zones of each, read from data/places.yaml."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

PLACES_PATH = os.path.join(os.path.dirname(__file__), "data", "places.yaml")


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


class PlacesError(ValueError):
    """The places file is broken."""


def load_places(path: str = PLACES_PATH) -> dict[str, City]:
    """Read and check the cities; every zone must exist in the IANA database."""
    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f)
    cities = {}
    for key, spec in data["cities"].items():
        try:
            city = City(key=key, words=tuple(spec.pop("words")), **spec)
        except (TypeError, KeyError) as exc:
            raise PlacesError(f"{path}: city {key}: {exc}") from exc
        for zone in (city.zone, city.court_zone):
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise PlacesError(f"{path}: city {key}: unknown time zone {zone!r}") from exc
        cities[key] = city
    return cities


def court_time(city: City, day: date, clock: time) -> datetime:
    """Return the aware moment of a wall-clock time at the city's court, in UTC."""
    local = datetime.combine(day, clock, tzinfo=ZoneInfo(city.court_zone))
    return local.astimezone(ZoneInfo("UTC"))
