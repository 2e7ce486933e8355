"""Reference data as files: sources, cities and organizations, checked against each other."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from . import yamlfile
from .places import DATA_DIR, City, DataError, Places, load_places


@dataclass(frozen=True)
class Source:
    id: str
    tag: str
    title: str
    verified_on: dt.date
    facts: int | None = None   # the section of the FACTS sheet that records what it says
    url: str | None = None
    citation: str | None = None   # court and reporter, or publication and date


@dataclass(frozen=True)
class Organization:
    name: str
    cities: tuple[str, ...]
    kind: str                  # legal, shelter or humanitarian
    sources: tuple[str, ...]
    verified_on: dt.date
    phone: str | None = None   # shown only when verified
    verified: bool = False


@dataclass(frozen=True)
class Reference:
    cities: dict[str, City]
    sources: dict[str, Source]
    organizations: tuple[Organization, ...]
    places: Places | None = None

    def organizations_in(self, city: str) -> list[Organization]:
        return [o for o in self.organizations if city in o.cities]


KINDS = {"legal", "shelter", "humanitarian"}
TAGS = {"GOV", "NGO", "PRESS", "2nd"}
FACTS_SECTIONS = range(1, 9)


def _source_errors(key: str, spec: dict) -> list[str]:
    """What keeps a reviewer from following a source: no tag or date, nowhere to find it."""
    errors = []
    if spec.get("tag") not in TAGS or not isinstance(spec.get("verified_on"), dt.date):
        errors.append(f"source {key}: needs a tag among {sorted(TAGS)} and a verified_on date")
    url, citation = spec.get("url"), spec.get("citation")
    if not (isinstance(url, str) and url.startswith("https://")) and \
            not (isinstance(citation, str) and citation.strip()):
        errors.append(f"source {key}: needs a url (https://...) or a full citation "
                      "(court and reporter, or publication and date)")
    if spec.get("facts") not in FACTS_SECTIONS:
        errors.append(f"source {key}: needs facts: the FACTS section (1 to 8) that records it")
    return errors


def _read(directory: str, name: str) -> tuple[str, dict]:
    path = os.path.join(directory, name)
    with open(path, encoding="utf-8") as f:
        return path, yamlfile.load(f) or {}


def load_reference(directory: str = DATA_DIR) -> Reference:
    """Load sources, places and organizations; every source id must resolve."""
    errors: list[str] = []
    path, data = _read(directory, "sources.yaml")
    sources = {}
    for key, spec in (data.get("sources") or {}).items():
        try:
            sources[key] = Source(id=key, **spec)
        except TypeError as exc:
            errors.append(f"{path}: source {key}: {exc}")
            continue
        errors += [f"{path}: {error}" for error in _source_errors(key, spec)]
    try:
        places = load_places(directory)
    except DataError as exc:
        errors.append(str(exc))
        places = Places({}, {}, {})
    cities = places.cities
    places_path = os.path.join(directory, "places.yaml")
    for what, key, cited, verified_on in (
            *(("report place", p.key, p.sources, p.verified_on) for p in places.report_places.values()),
            *(("city", c.key, (*c.sources, *(c.travel.sources if c.travel else ())), c.verified_on)
              for c in places.listed)):
        errors += [f"{places_path}: {what} {key}: unknown source {s!r}" for s in cited if s not in sources]
        if not cited or not isinstance(verified_on, dt.date):
            errors.append(f"{places_path}: {what} {key}: needs sources and a verified_on date")
    path, data = _read(directory, "organizations.yaml")
    organizations = []
    for n, spec in enumerate(data.get("organizations") or [], start=1):
        where = f"{path}: organization {spec.get('name') or n}"
        try:
            org = Organization(**{**spec, "cities": tuple(spec.get("cities") or ()),
                                  "sources": tuple(spec.get("sources") or ())})
        except TypeError as exc:
            errors.append(f"{where}: {exc}")
            continue
        errors += [f"{where}: unknown source {s!r}" for s in org.sources if s not in sources]
        errors += [f"{where}: unknown city {c!r}" for c in org.cities if c not in cities]
        if org.kind not in KINDS:
            errors.append(f"{where}: kind must be one of {sorted(KINDS)}")
        if org.phone and not org.verified:
            errors.append(f"{where}: a phone number is shown only once verified: true")
        if not org.sources or not isinstance(org.verified_on, dt.date):
            errors.append(f"{where}: needs sources and a verified_on date")
        organizations.append(org)
    if errors:
        raise DataError("\n".join(errors))
    return Reference(cities, sources, tuple(organizations), places)
