"""What the flows cost to send by SMS and how plain their Spanish is: `flask --app bot flows cost`."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import textstat

from .context import Context, Desk, Hearing, Person, Registration
from .engine import Conversation, Engine
from .i18n import Catalogs
from .sms import cost, for_sms
from .views import render_reply

MIN_READABILITY, MIN_MEDIAN_READABILITY = 70.0, 80.0

# A family of two on one phone, one hearing each, so every view has something to show.
SAMPLE_NOW = datetime(2027, 2, 1, 18, 0, tzinfo=UTC)
SAMPLE_HEARINGS = (Hearing(1, 1, "nogales", SAMPLE_NOW + timedelta(days=40), None),
                   Hearing(2, 2, "tijuana", SAMPLE_NOW + timedelta(days=42),
                           SAMPLE_NOW + timedelta(days=41, hours=19)))
SAMPLE_CONTEXT = Context(
    people=(Person(1, "María Guadalupe", "012345678", "Casa del Migrante"),
            Person(2, "José Luis", "098765432", "Casa del Migrante")),
    hearings=SAMPLE_HEARINGS,
    # A volunteer's desk with five people, for the volunteer messages.
    volunteer=Desk(1, 1, "Casa del Migrante", tuple(
        Registration(1 + n, 10 + n, name, "tijuana", SAMPLE_NOW + timedelta(days=3, hours=n),
                     SAMPLE_NOW + timedelta(days=2, hours=19 + n) if n % 2 else None)
        for n, name in enumerate(["María Guadalupe", "José Luis", "A. M.", "R. T.", "Lupita"]))))
SAMPLE_VARS = {"city": "ciudad_juarez", "date": "2027-03-15", "time": "08:30",
               "report_time": "04:30", "name": "María Guadalupe", "a_number": "012345678",
               "hearing_id": 1, "phone": "+526641234567", "whatsapp": "yes", "days": 7}
@dataclass(frozen=True)
class Option:
    """An option picked by its label in the reply before, as a person reads the list: a path
    stays the same walk when options are added or reordered."""
    label: str


# Whole conversations an operator wants priced: (name, the phone's context, messages sent).
PATHS = (
    ("register a hearing", Context(is_new=True),
     ("quiero registrar mi audiencia", "María", "juarez", "15 de marzo", "8:30 de la mañana",
      "4 de la mañana", "A 123-456-789", "si")),
    ("ask the port time", SAMPLE_CONTEXT,
     ("a que hora me presento en el puente", Option("Qué llevar"), Option("Cómo es ese día"),
      Option("Volver al menú"))),
    ("rights", SAMPLE_CONTEXT,
     ("derechos", Option("Tengo miedo de volver a México"), Option("Otro tema"), Option("Abogado"),
      Option("Otro tema"), Option("Intérprete"), Option("Otro tema"),
      Option("Si no llegué a mi audiencia"), Option("Otro tema"), Option("Cambio de dirección"),
      Option("Otro tema"), Option("Quién no debe estar en el programa"))),
    ("case status", SAMPLE_CONTEXT, ("como reviso mi caso",)),
    ("emergency", SAMPLE_CONTEXT,
     ("estoy en peligro", Option("Grupos que ayudan en su ciudad"), "menu")),
    ("asylum in Mexico", SAMPLE_CONTEXT, ("estoy en peligro", Option("Pedir asilo en México"))),
)


def _typed(message: str | Option, spanish_reply: str) -> str:
    if isinstance(message, str):
        return message
    found = re.findall(rf"^(\d+)\. {re.escape(message.label)}", spanish_reply, re.MULTILINE)
    if len(found) != 1:
        raise ValueError(f"no single option {message.label!r} in:\n{spanish_reply}")
    return found[0]


@dataclass(frozen=True)
class MessageCost:
    node: str
    text: str          # as sent by SMS
    segments: int
    encoding: str
    readability: float | None


def readability(text: str) -> float:
    """Return the Fernández-Huerta score of Spanish text (plain sentences score 80 to 100)."""
    textstat.set_lang("es")
    return textstat.fernandez_huerta(text)


def message_costs(engine: Engine, catalogs: Catalogs, language: str = "es",
                  keep_accents: bool = False) -> list[MessageCost]:
    """Price every node that says something, rendered with the sample family's data."""
    costs = []
    for node_id, node in sorted(engine.flows.nodes.items()):
        if not node.say:
            continue
        blocks = engine.preview(node_id, SAMPLE_CONTEXT, SAMPLE_VARS, SAMPLE_NOW)
        text = render_reply(blocks, language, catalogs)
        sms = for_sms(text, keep_accents)
        price = cost(sms)
        score = readability(text) if language == "es" else None
        costs.append(MessageCost(node_id, sms, price.segments, price.encoding, score))
    return costs


def path_costs(engine: Engine, catalogs: Catalogs, language: str = "es",
               keep_accents: bool = False) -> list[tuple[str, list[int]]]:
    """Walk each sample conversation and return the SMS segments of every reply."""
    results = []
    for name, context, messages in PATHS:
        state, segments, spanish = Conversation(), [], ""
        for message in messages:
            outcome = engine.step(state, context, _typed(message, spanish), SAMPLE_NOW)
            text = render_reply(outcome.replies, language, catalogs)
            spanish = render_reply(outcome.replies, "es", catalogs)
            segments.append(cost(for_sms(text, keep_accents)).segments)
            state, context = outcome.state, replace(context, is_new=False)
        results.append((name, segments))
    return results


def median_readability(costs: list[MessageCost]) -> float:
    return statistics.median(c.readability for c in costs if c.readability is not None)
