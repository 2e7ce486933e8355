"""What the bot reads in one message at a given step: the label, slots and date readings that are measured."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from . import dates
from .context import Context
from .engine import (
    COMMAND_NODES,
    DANGER_ASIDE,
    EMERGENCY,
    IN_LANGUAGE,
    MENU,
    NOT_UNDERSTOOD,
    NOTHING_PARKED,
    STOP_ASK,
    THANKS,
    TOO_MANY,
    Conversation,
    Engine,
)
from .understanding import normalize

IDLE = "idle"   # no question open: the person writes out of the blue
# A plausible draft for each step, so that a read-back has something to read back and a
# report time something to be before.
_NAMED = {"name": "MR"}
_CITY = {**_NAMED, "city": "tijuana"}
_DATED = {**_CITY, "date": "2027-03-15"}
_TIMED = {**_DATED, "time": "08:30"}
_FULL = {**_TIMED, "report_time": "04:30", "a_number": None}
DRAFTS: dict[str, dict] = {
    "register.ask_city": _NAMED,
    "register.ask_date": _CITY,
    "register.choose_date": {**_CITY, "date": ["2027-03-04", "2027-04-03"]},
    "register.check_paper": {**_CITY, "date": "2027-03-04"},
    "register.check_weekday": {**_CITY, "date": "2027-03-04"},
    "register.check_weekend": {**_CITY, "date": "2027-03-06"},
    "register.check_holiday": {**_CITY, "date": "2027-07-05"},
    "register.confirm_far": {**_CITY, "date": "2029-03-15"},
    "register.ask_time": _DATED,
    "register.time_unknown": _DATED,
    "register.ask_report": _TIMED,
    "register.ask_a_number": {**_TIMED, "report_time": "04:30"},
    "register.confirm": _FULL,
    "register.fix": _FULL,
    "my_hearing.remove_confirm": {"hearing_id": 1},
    "family.ask_a_number": {"name": "Luis"},
    "family.confirm_add": {"name": "Luis", "a_number": None},
}
# The slots a message can fill: what it typed into the draft, or which field it wants to fix.
SLOTS = ("name", "city", "home", "date", "time", "report_time", "a_number", "fixing")
# The label of each node a message can lead to, when it is not the answer to the open question.
_NODE_LABELS = {
    MENU: "menu", THANKS: "thanks", NOT_UNDERSTOOD: "not_understood", TOO_MANY: "not_understood",
    NOTHING_PARKED: "resume", COMMAND_NODES["help"]: "help", COMMAND_NODES["opt_in"]: "opt_in",
    COMMAND_NODES["cancel"]: "cancel", COMMAND_NODES["delete"]: "delete",
    COMMAND_NODES["language"]: "language", COMMAND_NODES["english"]: "language",
    "menu.opt_out": "stop",
    **{node: "other_language" for node in IN_LANGUAGE.values()},
}
_ANSWER_LABELS = {"yesno": {"yes": "yes", "no": "no"},
                  "confirmation": {"yes": "yes", "fix": "fix", "corrected": "fix"}}


@dataclass(frozen=True)
class Reading:
    label: str
    slots: dict[str, str]
    node: str | None          # where the conversation waits afterwards
    visited: tuple[str, ...]  # every node entered or said
    effects: tuple[str, ...]


def conversation_at(engine: Engine, state: str, now: datetime) -> Conversation:
    """A conversation waiting at a step (or none, for IDLE), with that step's plausible draft."""
    if state == IDLE:
        return Conversation()
    node = engine.flows.nodes.get(state)
    if node is None or not node.wait:
        raise ValueError(f"{state!r} is not a step that waits for an answer")
    return Conversation(state, dict(DRAFTS.get(state, {})), 0, now)


def read(engine: Engine, text: str, state: str, now: datetime) -> Reading:
    """Run the real engine on text at state and name what happened: the label and the slots."""
    before = conversation_at(engine, state, now)
    outcome = engine.step(before, Context(), text, now)
    visited = tuple(outcome.visited)
    effects = tuple(e.name for e in outcome.effects)
    label, route = _label(engine, before, visited, effects, outcome.state)
    # A new task starts from an empty draft: only what the message itself gave counts.
    fresh = any(node_id in engine.flows.starts for node_id in visited)
    draft = {} if fresh else before.vars
    slots = {key: _slot_value(value) for key, value in outcome.state.vars.items()
             if key in SLOTS and (key not in draft or draft[key] != value)}
    if isinstance(outcome.state.vars.get("date"), list) and "date" in slots:
        slots["readings"] = slots.pop("date")
    if slots.get("home"):
        # A city away from the list is "home" until the port on the paper is asked; the
        # city it leaves unset says nothing more.
        slots.pop("city", None)
    waiting = engine.flows.nodes.get(before.node) if before.node else None
    if label == "answer" and waiting.wait.input == "choice" and not waiting.wait.save:
        slots["choice"] = route   # an option that is not kept in the draft: which one
    if label == "answer" and waiting.wait.save == "language":
        slots["language"] = outcome.language
    return Reading(label, slots, outcome.state.node, visited, effects)


def _slot_value(value) -> str:
    if value is None:
        return "none"
    if isinstance(value, list):
        return "|".join(str(v) for v in value)
    return str(value)


def _label(engine: Engine, before: Conversation, visited: tuple[str, ...],
           effects: tuple[str, ...], after: Conversation) -> tuple[str, str | None]:
    """The label of what happened, and the answer's outcome when the open question took it."""
    if "opt_out" in effects:
        return "stop", None
    if EMERGENCY in visited or DANGER_ASIDE in visited:
        return "emergency", None
    if STOP_ASK in visited:
        return "stop_ask", None
    waiting = engine.flows.nodes.get(before.node) if before.node else None
    if waiting and waiting.id != MENU:
        if not visited and after.node == waiting.id and after.attempts > before.attempts:
            return "not_understood", None
        route = _route_taken(waiting, visited[0] if visited else None)
        if route and waiting.wait.input == "choice" and waiting.routes.get(route) == MENU:
            return "menu", None   # "menu" as an option is the MENU command as well
        if route:
            return _ANSWER_LABELS.get(waiting.wait.input, {}).get(route, "answer"), route
    flows = _flow_labels(engine)
    for node_id in visited:
        if node_id in _NODE_LABELS:
            return _NODE_LABELS[node_id], None
        if node_id in flows:
            return flows[node_id], None
    return "other", None


def _route_taken(waiting, first: str | None) -> str | None:
    """The answer's outcome at the waiting node, from the node the engine went to next."""
    if first is None:
        return None
    for outcome, target in waiting.routes.items():
        if target == first:
            return outcome
    return "ok" if first == waiting.next else None


def _flow_labels(engine: Engine) -> dict[str, str]:
    """The intent each flow's first node stands for, as words.yaml names it."""
    labels: dict[str, str] = {}
    for intent in engine.vocabulary.intents:
        labels.setdefault(intent.flow, intent.name)
    labels[MENU] = "menu"
    labels[EMERGENCY] = "emergency"
    return labels


def parse_slots(text: str) -> dict[str, str]:
    """Read "date=2027-03-04;time=08:30" (or "" for none) into a dict."""
    found = {}
    for pair in filter(None, (p.strip() for p in (text or "").split(";"))):
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"slot {pair!r} is not key=value")
        found[key.strip()] = value.strip()
    return found


def slots_text(slots: dict[str, str]) -> str:
    return ";".join(f"{k}={v}" for k, v in slots.items())


def date_readings(text: str, today: date) -> list[str]:
    """The date readings of text and why, in plain English for the people who edit the words."""
    result = dates.parse_date(text, today)
    said = dates.number_words(normalize(text))
    if result.value is None and not result.readings:
        return [f"no date read in {said!r}"]
    lines = [f"read as {said!r}"]
    if result.problem == "ambiguous":
        days = ", ".join(f"{d.isoformat()} ({d:%A})" for d in result.readings)
        lines.append(f"ambiguous: both day-first and month-first are days ahead: {days}; the person is asked")
        return lines
    lines.append(f"date {result.value.isoformat()} ({result.value:%A})")
    if result.problem == "past":
        lines.append("past: refused, the person is asked for the next hearing")
    if result.problem == "far":
        lines.append("more than two years ahead: asked to confirm")
    if result.paper:
        lines.append("month first: the text looks copied from the English notice; said back to confirm")
    if result.doubt:
        why = {"weekday": "the weekday written is not this date's",
               "holiday": "a US federal holiday", "weekend": "a Saturday or Sunday"}[result.doubt]
        lines.append(f"{why}: asked to confirm")
    return lines
