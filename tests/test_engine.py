"""The engine on its own: no database, no Flask, no clock but the `now` it is given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from conftest import choose

from bot.context import Context, Hearing, Person
from bot.engine import Conversation, Engine
from bot.i18n import Catalogs, load_catalogs
from bot.views import render

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
CATALOGS = Catalogs(load_catalogs())


@pytest.fixture(scope="module")
def engine():
    return Engine.load(catalogs=CATALOGS, ttl_minutes=60, max_attempts=3)


def text(outcome, language="es") -> str:
    return "\n\n".join(render(b, language, CATALOGS) for b in outcome.replies)


def test_the_same_input_gives_the_same_outcome(engine):
    first = engine.step(Conversation(), Context(is_new=True), "hola", NOW)
    again = engine.step(Conversation(), Context(is_new=True), "hola", NOW)
    assert text(first) == text(again) and first.state == again.state


def test_a_confirmed_hearing_becomes_one_save_action_with_utc_times(engine):
    state = Conversation("register.confirm", {"name": "MR", "city": "ciudad_juarez",
                                              "date": "2027-03-15", "time": "08:30",
                                              "report_time": "04:00", "a_number": None},
                         0, NOW)
    outcome = engine.step(state, Context(), "si", NOW)
    [effect] = outcome.effects
    assert effect.name == "save_hearing"
    # Monday 15 March 2027 is the day after US clocks change: El Paso is on MDT (UTC-6).
    assert effect.data["starts_at"] == "2027-03-15T14:30:00+00:00"
    assert effect.data["report_at"] == "2027-03-15T10:00:00+00:00"
    assert outcome.state.node is None


def test_state_older_than_the_ttl_expires(engine):
    state = Conversation("register.ask_name", {}, 0, NOW)
    fresh = engine.step(state, Context(), "Rosa", NOW + timedelta(minutes=59))
    assert fresh.state.node == "register.ask_city"
    stale = engine.step(state, Context(), "Rosa", NOW + timedelta(minutes=61))
    assert "se cerró sin guardar" in text(stale) and stale.state.vars == {}


def test_a_task_with_something_typed_waits_a_day_for_its_answer(engine):
    # Poor signal: the answer to the next question can come hours later and still counts.
    state = Conversation("register.ask_time", {"city": "tijuana", "date": "2027-03-15"}, 0, NOW)
    later = engine.step(state, Context(), "8:30", NOW + timedelta(hours=5))
    assert later.state.node == "register.ask_report" and later.state.vars["time"] == "08:30"
    stale = engine.step(state, Context(), "8:30", NOW + timedelta(hours=25))
    assert "se cerró sin guardar" in text(stale) and stale.state.vars == {}


def test_opted_out_people_get_nothing_but_alta_borrar_and_a_cry_for_help(engine):
    context = Context(opted_out=True)
    assert engine.step(Conversation(), context, "hola", NOW).replies == []
    assert engine.step(Conversation(), context, "1", NOW).replies == []
    assert "911" in text(engine.step(Conversation(), context, "auxilio", NOW))
    assert [e.name for e in engine.step(Conversation(), context, "alta", NOW).effects] == ["opt_in"]
    asked = engine.step(Conversation(), context, "borrar", NOW)
    assert asked.state.node == "menu.delete"
    yes = choose(text(asked), "Sí, borrar todo")
    assert [e.name for e in engine.step(asked.state, context, yes, NOW).effects] == ["delete_contact"]


def test_hearings_listed_are_only_the_upcoming_ones_soonest_first(engine):
    people = (Person(1, "Ana", None), Person(2, "Luis", "012345678"))
    hearings = (Hearing(10, 2, "matamoros", NOW + timedelta(days=40), None),
                Hearing(11, 1, "tijuana", NOW + timedelta(days=10), None),
                Hearing(12, 1, "tijuana", NOW - timedelta(days=10), None))
    reply = text(engine.step(Conversation(), Context(people=people, hearings=hearings),
                             "mi audiencia", NOW))
    assert reply.index("1. Ana") < reply.index("2. Luis")
    assert "3." not in reply.split("Revise")[0]


def test_a_family_picks_who_the_hearing_is_for_or_adds_someone(engine):
    context = Context(people=(Person(1, "Ana", None),))
    asked = engine.step(Conversation(), context, "registrar", NOW)
    assert "1. Ana\n2. Otra persona" in text(asked)
    other = engine.step(asked.state, context, choose(text(asked), "Otra persona"), NOW)
    assert other.state.node == "register.ask_name"
    ana = engine.step(asked.state, context, "ana", NOW)
    assert ana.state.node == "register.ask_city" and ana.state.vars["person_id"] == 1


def test_english_speakers_get_english(engine):
    outcome = engine.step(Conversation(), Context(language="en"), "menu", NOW)
    assert "What do you want to do?" in text(outcome, outcome.language)
