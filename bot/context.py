"""What the flow engine may know about the person writing: a snapshot read before each message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    a_number: str | None
    shelter: str | None = None   # the shelter that registered them, if one did


@dataclass(frozen=True)
class Registration:
    """One hearing of a shelter's person, as a volunteer may see it."""
    hearing_id: int
    person_id: int
    name: str
    city: str
    starts_at: datetime
    report_at: datetime | None


@dataclass(frozen=True)
class Desk:
    """What a volunteer works with: their shelter and its people's hearings, nobody else's."""
    volunteer_id: int
    shelter_id: int
    shelter: str
    registrations: tuple[Registration, ...] = ()

    def registration(self, hearing_id: int | None) -> Registration | None:
        return next((r for r in self.registrations if r.hearing_id == hearing_id), None)

    def upcoming(self, now: datetime, days: int | None = None) -> list[Registration]:
        until = now + timedelta(days=days) if days else None
        return sorted((r for r in self.registrations
                       if r.starts_at >= now and (until is None or r.starts_at <= until)),
                      key=lambda r: (r.starts_at, r.name))


@dataclass(frozen=True)
class Hearing:
    id: int
    person_id: int
    city: str
    starts_at: datetime          # aware, UTC
    report_at: datetime | None   # aware, UTC
    official: bool = False       # the date comes from an official announcement, not the paper


@dataclass(frozen=True)
class Context:
    language: str = "es"
    is_new: bool = False
    opted_out: bool = False
    people: tuple[Person, ...] = ()
    hearings: tuple[Hearing, ...] = ()
    volunteer: Desk | None = None

    def person(self, person_id: int | None) -> Person | None:
        return next((p for p in self.people if p.id == person_id), None)

    def hearing(self, hearing_id: int | None) -> Hearing | None:
        return next((h for h in self.hearings if h.id == hearing_id), None)

    def upcoming(self, now: datetime) -> list[Hearing]:
        """Return the hearings still ahead, soonest first: the order they are listed and numbered in."""
        return sorted((h for h in self.hearings if h.starts_at >= now), key=lambda h: h.starts_at)

    def selected_person(self, vars: dict) -> Person | None:
        """Return the person a conversation is about: chosen directly or through a hearing."""
        hearing = self.hearing(vars.get("hearing_id"))
        return self.person(hearing.person_id if hearing else vars.get("person_id"))
