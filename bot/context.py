"""What the flow engine may know about the person writing: a snapshot read before each message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    a_number: str | None


@dataclass(frozen=True)
class Hearing:
    id: int
    person_id: int
    city: str
    starts_at: datetime          # aware, UTC
    report_at: datetime | None   # aware, UTC


@dataclass(frozen=True)
class Context:
    language: str = "es"
    is_new: bool = False
    opted_out: bool = False
    channel: str = "sms"
    people: tuple[Person, ...] = ()
    hearings: tuple[Hearing, ...] = ()

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
