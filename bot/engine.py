"""The flow engine: one message in, replies, actions and the next state out. Pure: no clock, SQL or Twilio."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask

from .context import Context
from .flows import EFFECTS, FLOWS_DIR, Flows, Node, load_flows
from .i18n import N_, Catalogs
from .inputs import CHECKS, INPUTS, YES, Answer, Asking, looks_like_a_name, report_time_before
from .languages import MARKERS, foreign_language
from .places import DATA_DIR
from .reference import Reference, load_reference
from .reminders import KINDS, Schedule
from .slots import SLOTS, scan
from .understanding import Vocabulary, normalize
from .views import (
    VIEWS,
    Lines,
    Part,
    Raw,
    Text,
    ViewInput,
    draft_moment,
    hearing_day_moment,
    placeholders,
)

# Nodes the engine itself enters; flows/menu.yaml must define them.
WELCOME, MENU, HELP = "menu.welcome", "menu.menu", "menu.help"
NOT_UNDERSTOOD, TOO_MANY, EXPIRED = "menu.not_understood", "menu.too_many_attempts", "menu.expired"
NO_TEXT, CANCELLED, ERROR = "menu.no_text", "menu.cancelled", "menu.error"
SLOW_DOWN = "menu.slow_down"
THANKS, STOP_ASK = "menu.thanks", "menu.opt_out_ask"
EMERGENCY, DANGER_ASIDE, EMERGENCY_FLOW = "emergency.start", "emergency.aside", "emergency."
COMMAND_NODES = {
    "menu": MENU, "help": HELP, "opt_out": "menu.opt_out", "opt_in": "menu.opt_in",
    "cancel": CANCELLED, "delete": "menu.delete", "language": "menu.language",
    "english": "menu.language_set", "spanish": "menu.language_set",
    "volunteer": "volunteer.start",
}
VOLUNTEER_FLOW = "volunteer."
# A message in a language the bot does not speak to this person gets an answer in that language.
IN_LANGUAGE = {language: f"help.in_{language}" for language in MARKERS}
# Answers that start with the emergency line: danger that asks for one of them gets it instead
# of the general emergency answer ("me robaron mis papeles": 911, then what to do without them).
DANGER_FIRST = frozenset({"help.papers_stolen"})
PARKED = N_("Su registro quedó a medias. Para seguir donde se quedó, escriba SEGUIR.")
RESUMED = N_("Seguimos donde se quedó.")
# Before the read-back of a photographed notice, or the first question when nothing was read.
PAPER_READ = N_("Leí la foto de su hoja. Revise bien la fecha y la hora.")
PAPER_UNREAD = N_("No pude leer la foto de su hoja. No se preocupe: le pido los datos uno por uno.")
NOTHING_PARKED = "menu.nothing_to_resume"
# What a person has typed into a task: worth keeping when the task is interrupted.
DRAFT_FIELDS = frozenset({"name", "city", "date", "time", "report_time", "a_number", "phone"})
# The registration reads every message for all its details at once, and asks only what is missing;
# so do a volunteer's questions about the person they register (not those changing a registration).
REGISTER, REGISTER_FLOW = "register.start", "register."
SLOT_QUESTIONS = (REGISTER_FLOW, "volunteer.ask_")
# A volunteer's registration of someone, where a photo of that person's paper joins it.
VOLUNTEER_REGISTER = "volunteer.ask_phone"
VOLUNTEER_REGISTER_ASKS = frozenset({VOLUNTEER_REGISTER, "volunteer.ask_phone_country"})
# Answers routed on by their value: what a photo leaves as it was answered.
YES_NO_SLOTS = frozenset({"whatsapp", "consent"})
# A message that gives a written date and one of these is a hearing's details, even pasted from
# the English notice with no word of ours in it ("report to the port" is not a question about it).
HEARING_DETAILS = frozenset({"time", "report_time", "a_number"})
# A greeting or "mi corte es el 4 de marzo a las 8:30" that gives them saves them too.
NOTICE_INTENTS = frozenset({REGISTER, "port.start", "my_hearing.start", MENU})
# Details typed ahead of their question, with the answer each question would have read from them
# (the flow goes on as if it had been asked), or the reason it would have refused them (the
# question is asked with that reason): kept in the draft under this key.
GIVEN = "given"


def has_draft(vars: dict) -> bool:
    """Whether the person has typed something into the task: worth keeping, and waiting for."""
    return any(vars.get(key) for key in DRAFT_FIELDS)


# Actions after which a parked draft has nothing more to give (or must not outlive the data).
ENDS_PARKED = frozenset({"save_hearing", "register_for_shelter", "add_person",
                         "update_registration", "delete_contact", "opt_out"})
# Commands that leave the task on purpose: what was typed goes, as they say.
DROPS_DRAFT = frozenset({"cancel", "delete", "opt_out"})
REMINDER_NODES = {kind: f"reminders.{kind}" for kind in KINDS}
REQUIRED_NODES = frozenset({WELCOME, NOT_UNDERSTOOD, TOO_MANY, EXPIRED, NO_TEXT, ERROR, EMERGENCY,
                            NOTHING_PARKED, SLOW_DOWN, THANKS, STOP_ASK, DANGER_ASIDE,
                            *IN_LANGUAGE.values(),
                            *COMMAND_NODES.values(), *REMINDER_NODES.values()})
LEGAL_NOTICE = N_("Esto es información general, no es consejo legal.")
MAX_HOPS = 50   # a flow that loops without waiting is a bug; stop rather than spin


@dataclass(frozen=True)
class Conversation:
    """Where one person is: the node waiting for their answer, what they said so far."""
    node: str | None = None
    vars: dict = field(default_factory=dict)
    attempts: int = 0
    updated_at: datetime | None = None
    # A task left half-way (another topic, MENU, three unclear answers): {"node", "vars", "at"},
    # kept DRAFT_HOURS for SEGUIR to take up again.
    parked: dict | None = None


@dataclass(frozen=True)
class Effect:
    """Something to store or change once the step is over, with the data it needs."""
    name: str
    data: dict


@dataclass
class Outcome:
    replies: list[Part]
    state: Conversation
    effects: list[Effect]
    language: str
    # The nodes entered or said, in order: what `understand` and the measured corpus read.
    visited: list[str] = field(default_factory=list)
    # The question answered and the option read ("reminders.day_after", "missed"), if any.
    answered: tuple[str, str] | None = None
    # Where a message arrived that the bot could not read ("no entendí"), if it could not.
    not_understood_at: str | None = None


class _Step:
    """The work of one message: the blocks said so far, the actions, the state reached."""

    def __init__(self, engine: Engine, state: Conversation, context: Context, now: datetime):
        self.engine, self.context, self.now = engine, context, now
        self.state = state
        self.vars = dict(state.vars)
        self.parked = state.parked
        self.blocks: list[Part] = []
        self.effects: list[Effect] = []
        self.language = context.language
        self.visited: list[str] = []
        self.answered: tuple[str, str] | None = None
        self.not_understood_at: str | None = None

    def visit(self, node_id: str) -> None:
        if not self.visited or self.visited[-1] != node_id:
            self.visited.append(node_id)

    def asking(self, node: Node) -> Asking:
        return Asking(self.vars, self.context, self.engine.cities, node.options, self.now)

    def say(self, node: Node) -> None:
        self.visit(node.id)
        parts: list[Part] = [self.text(msgid) for msgid in node.say]
        if node.legal:
            parts.append(Text(LEGAL_NOTICE))
        parts.extend(self.options(node))
        if parts:
            self.blocks.append(Lines(tuple(parts)))

    def options(self, node: Node) -> list[Part]:
        kind = INPUTS[node.wait.input] if node.wait else None
        if not kind or not kind.options:
            return []
        labels = kind.options(self.asking(node))
        return [Lines((Raw(f"{n}. "), label), sep="") for n, label in enumerate(labels, start=1)]

    def text(self, msgid: str) -> Text:
        view_input = ViewInput(self.vars, self.context, self.engine.reference, self.now,
                               self.engine.schedule)
        return Text(msgid, {name: VIEWS[name](view_input) for name in placeholders(msgid) or ()})

    def run(self, node_id: str, draft: dict | None = None) -> None:
        """Enter a node and go on until one waits for an answer or the flow ends; a task begun
        with a draft (what the message that began it gave) starts from it."""
        for _ in range(MAX_HOPS):
            node = self.engine.flows[node_id]
            self.visit(node_id)
            if node_id in self.engine.flows.starts:
                # A new task starts from an empty draft: nothing typed for another person or
                # another task may be read back or saved in this one.
                self.vars, draft = dict(draft or {}), None
            given = dict(self.vars.get(GIVEN) or {})
            if node.wait and node.wait.save in given and not self.vars.get("fixing"):
                # Already said in an earlier message: not asked, but routed on as if answered,
                # so a doubtful or two-way date still gets its own question.
                outcome = given.pop(node.wait.save)
                self.vars[GIVEN] = given
                if outcome in node.wait.retry:
                    # Refused ahead (a date gone by): the question opens with why.
                    self.blocks.append(Lines((self.text(node.wait.retry[outcome]),)))
                    self.state = Conversation(node.id, self.vars, 0, self.now)
                    return
                if self.still_fits(node.wait.save):
                    node_id = node.routes.get(outcome) or node.next
                    continue
                self.vars[node.wait.save] = None
            for effect in node.do:
                self.act(effect)
            self.say(node)
            if node.wait:
                self.state = Conversation(node.id, self.vars, 0, self.now)
                return
            if node.check:
                outcome = "yes" if CHECKS[node.check](
                    self.vars, self.context, self.now) else "no"
                node_id = node.routes.get(outcome) or node.next
            elif node.end or not node.next:
                self.finish()
                return
            else:
                node_id = node.next
        raise RuntimeError(f"flow loops without waiting at {node_id}")

    def still_fits(self, key: str) -> bool:
        """Whether a detail given ahead still fits what was answered since: a time to report
        said before the hearing's time must come before it, or its question asks again."""
        return key != "report_time" or CHECKS["report_before_hearing"](
            self.vars, self.context, self.now)

    def act(self, effect: str) -> None:
        data = {key: self.vars[key] for key in EFFECTS[effect] if key in self.vars}
        if effect == "update_registration":
            data["city"] = self.hearing_city(data.get("hearing_id"))
        if effect == "save_hearing" and not data.get("hearing_id"):
            data["hearing_id"] = self.same_hearing(data)
        if effect in ("save_hearing", "register_for_shelter", "update_registration"):
            for key, clock_key in (("starts_at", "time"), ("report_at", "report_time")):
                moment = draft_moment(data, self.engine.cities, clock_key)
                data[key] = moment.isoformat() if moment else None
        if effect == "set_hearing_day":
            moment = hearing_day_moment(self.context, self.engine.cities, data.get("hearing_id"),
                                        data.get("leave_time"))
            data["hearing_day_at"] = moment.isoformat() if moment else None
        if effect == "set_language":
            self.language = data["language"]
        if effect in ENDS_PARKED:
            self.parked = None
        self.effects.append(Effect(effect, data))

    def same_hearing(self, data: dict) -> int | None:
        """Return the open hearing a new one repeats (the same person on the same day): saving
        it again updates that one instead of doubling every reminder."""
        if not data.get("date"):
            return None
        day, name = date.fromisoformat(data["date"]), normalize(data.get("name") or "")
        for hearing in self.context.hearings:
            person = self.context.person(hearing.person_id)
            same_person = (hearing.person_id == data.get("person_id") if data.get("person_id")
                           else bool(person and name and normalize(person.name) == name))
            city = self.engine.cities.get(hearing.city)
            if same_person and city and hearing.starts_at.astimezone(
                    ZoneInfo(city.court_zone)).date() == day:
                return hearing.id
        return None

    def hearing_city(self, hearing_id: int | None) -> str | None:
        hearing = self.context.hearing(hearing_id)
        if hearing:
            return hearing.city
        desk = self.context.volunteer
        registration = desk.registration(hearing_id) if desk else None
        return registration.city if registration else None

    def finish(self) -> None:
        self.vars = {}
        self.state = Conversation(None, {}, 0, self.now)

    def scan(self, text: str, vars: dict) -> dict[str, Answer]:
        """Every hearing detail in a message, read against the draft it would join."""
        return scan(text, Asking(vars, self.context, self.engine.cities, (), self.now))

    def fill(self, found: dict[str, Answer], asked: str | None = None, for_family: bool = True) -> None:
        """Put the details a message gave into the draft, for their questions to be skipped.
        What the draft already holds stays: only the question being answered changes it. In the
        person's own registration, a name also answers whom the hearing is for."""
        given = dict(self.vars.get(GIVEN) or {})
        for key, answer in found.items():
            if key == asked or self.vars.get(key) is not None:
                continue
            if not answer.outcome:
                given[key] = answer.reason   # its question opens with why it was refused
                continue
            self.vars[key] = answer.value
            self.vars.update(answer.fields)
            given[key] = answer.outcome
        if for_family and "name" in given and self.context.people and not self.vars.get("person_id"):
            # "¿Para quién es?" is answered by the name: someone saved before, or a new person.
            said = normalize(self.vars["name"])
            known = [p.id for p in self.context.people if normalize(p.name) == said]
            if known:
                self.vars["person_id"] = known[0]
            given["person_id"] = "ok" if known else "new"
        if given:
            self.vars[GIVEN] = given

    def answer(self, node: Node, text: str) -> None:
        """Read the answer to the question at node, then move on, ask again or give up."""
        topic = self.topic(text)
        saves = node.wait.save
        # Only the questions that read a detail afresh; picking one of a date's readings is not.
        found = self.scan(text, self.vars) if (
            node.id.startswith(SLOT_QUESTIONS) and saves in SLOTS and node.wait.input == saves) else {}
        if set(found) - {"city"}:
            topic = None   # hearing details answer the registration, whatever words come with them
        # Free text such as a name would swallow "quiero registrar mi audiencia"; but a name
        # is a name even when it holds a topic word (Puente, Corte, Cruz).
        if topic and node.wait.input == "name" and (
                not looks_like_a_name(text) or topic in IN_LANGUAGE.values()):
            return self.start(topic, text=text)
        answer: Answer = INPUTS[node.wait.input].read(text, self.asking(node))
        own = found.get(saves)
        # The name introduced ("me llamo Rosa") rather than the whole sentence; the time told
        # apart from the one to report at rather than the first clock in the message.
        if own and (not answer.outcome or saves == "name"
                    or {"time", "report_time"} <= set(found)):
            answer = own
        self.fill(found, asked=saves, for_family=node.id.startswith(REGISTER_FLOW))
        if answer.outcome:
            self.answered = (node.id, answer.outcome)
            if node.wait.save:
                self.vars[node.wait.save] = answer.value
            self.vars.update(answer.fields)
            if self.vars.get("report_before") and self.vars.get("time"):
                # "4 horas antes" follows the hearing time when that is corrected.
                self.vars["report_time"] = report_time_before(
                    self.vars["time"], self.vars["report_before"]) or self.vars.get("report_time")
            return self.run(node.routes.get(answer.outcome) or node.next)
        if topic:
            return self.start(topic, text=text)
        self.not_understood_at = node.id
        attempts = self.state.attempts + 1
        if attempts >= self.engine.max_attempts:
            return self.start(TOO_MANY)   # what was typed so far is kept for SEGUIR
        retry = node.wait.retry.get(answer.reason) or node.wait.retry["unknown"]
        self.blocks.append(Lines((self.text(retry), *self.options(node))))
        self.state = replace(self.state, vars=self.vars, attempts=attempts, updated_at=self.now)

    def topic(self, text: str) -> str | None:
        """Return the node a message asks for by itself: the answer in its own language when the
        bot does not speak that language to this person, else the first free phrase it holds."""
        language = foreign_language(text)
        intent = self.engine.vocabulary.intent(text)
        # English the bot reads ("I need a lawyer", "when is my hearing") is answered, not
        # told which languages the bot speaks; a greeting says nothing to answer.
        if language and language != self.context.language and not (
                language == "en" and intent and intent.flow != MENU):
            return IN_LANGUAGE[language]
        return intent.flow if intent else None

    def start(self, node_id: str, keep_draft: bool = True, text: str = "") -> None:
        """Leave the task at hand for another; what the person typed into it is kept. A
        registration begun by a message starts from every detail that message gives."""
        parked = keep_draft and self.park()
        self.finish()
        if node_id == IN_LANGUAGE["en"]:
            self.language = "en"   # this reply only, in the catalogs' English
        if node_id == REGISTER and text:
            self.fill(self.scan(text, {}))
        self.run(node_id, draft=self.vars)
        if parked:
            self.blocks.append(Lines((Text(PARKED),)))

    def park(self) -> bool:
        """Keep the task at hand, if the person typed anything into it, for SEGUIR."""
        if not self.state.node or not has_draft(self.vars):
            return False
        self.parked = {"node": self.state.node, "vars": dict(self.vars),
                       "at": self.now.isoformat()}
        return True

    def resume(self) -> None:
        """Take up the parked task again at the question it was waiting on."""
        parked, self.parked = self.parked, None
        fresh = parked and self.now - datetime.fromisoformat(parked["at"]) <= self.engine.draft_keep
        node = self.engine.flows.nodes.get(parked["node"]) if fresh else None
        if node is None or not node.wait or (
                node.id.startswith(VOLUNTEER_FLOW) and self.context.volunteer is None):
            self.finish()
            return self.run(NOTHING_PARKED)
        self.vars = dict(parked["vars"])
        self.blocks.append(Lines((Text(RESUMED),)))
        self.say(node)
        self.state = Conversation(node.id, self.vars, 0, self.now)

    def gives_a_hearing(self, text: str) -> bool:
        """Whether a message reads as a hearing's details: a written date and a time or an
        A-number, as the notice gives them."""
        found = self.scan(text, {})
        return bool("date" in found and found["date"].outcome and HEARING_DETAILS & set(found))

    def outcome(self) -> Outcome:
        return Outcome(self.blocks, replace(self.state, parked=self.parked), self.effects,
                       self.language, self.visited, self.answered, self.not_understood_at)

    def idle(self, text: str) -> None:
        """Read a message sent outside any question: a free phrase, or an answer to the menu."""
        topic = self.topic(text)
        # A pasted notice in English is a hearing to save, not a message in another language.
        if (not topic or topic in NOTICE_INTENTS or topic in IN_LANGUAGE.values()) \
                and self.gives_a_hearing(text):
            return self.start(REGISTER, text=text)
        if topic:
            return self.start(topic, text=text)
        menu = self.engine.flows[MENU]
        answer = INPUTS[menu.wait.input].read(text, self.asking(menu))
        if answer.outcome:
            return self.run(menu.routes.get(answer.outcome) or menu.next)
        if not self.context.is_new:
            self.not_understood_at = self.state.node or MENU
            self.say(self.engine.flows[NOT_UNDERSTOOD])
        self.run(MENU)


class Engine:
    """Move a person's conversation along the flows, one message at a time."""

    def __init__(self, flows: Flows, vocabulary: Vocabulary, reference: Reference,
                 ttl_minutes: int = 60, max_attempts: int = 3, schedule: Schedule | None = None,
                 draft_hours: int = 24):
        self.flows, self.vocabulary, self.reference = flows, vocabulary, reference
        self.schedule = schedule or Schedule()
        self.cities = reference.cities
        self.ttl = timedelta(minutes=ttl_minutes)
        self.draft_keep = timedelta(hours=draft_hours)
        self.max_attempts = max_attempts

    @classmethod
    def load(cls, flows_dir: str = FLOWS_DIR, catalogs: Catalogs | None = None,
             data_dir: str = DATA_DIR, **settings) -> Engine:
        """Load and check flows, words and reference data; the nodes it enters must exist."""
        vocabulary = Vocabulary.load()
        reference = load_reference(data_dir)
        roots = REQUIRED_NODES | {intent.flow for intent in vocabulary.intents}
        flows = load_flows(flows_dir, catalogs, roots, set(reference.sources))
        return cls(flows, vocabulary, reference, **settings)

    def preview(self, node_id: str, context: Context, vars: dict, now: datetime) -> list[Part]:
        """Return what a node says on its own, with the given variables (for cost reports)."""
        step = _Step(self, Conversation(node_id, vars, 0, now), context, now)
        step.say(self.flows[node_id])
        return step.blocks

    def read_paper(self, state: Conversation, context: Context, found: dict[str, Answer],
                   now: datetime) -> Outcome:
        """Fill a registration with what a photo of the notice gave, and go on to its read-back,
        or to the first question the paper did not answer. A registration under way (the
        person's own, or a volunteer's for someone) keeps what was typed into it and takes from
        the paper only what it lacks; nothing is saved before the read-back is confirmed."""
        step = _Step(self, state, context, now)
        waiting = self.flows.nodes.get(state.node) if state.node else None
        expired = bool(waiting and state.updated_at and now - state.updated_at > self.ttl_of(state))
        step.blocks.append(Lines((Text(PAPER_READ if found else PAPER_UNREAD),)))
        desk = not expired and context.volunteer is not None and self.registering_for(state)
        if waiting and not expired and (waiting.id.startswith(REGISTER_FLOW) or desk):
            vars = {k: v for k, v in state.vars.items() if k != "fixing"}
            given = dict(vars.get(GIVEN) or {})
            # Answered already: not asked again, routed on as it was answered.
            for key in (*SLOTS, "person_id", "phone", "whatsapp", "consent"):
                if vars.get(key) is not None:
                    given.setdefault(key, vars[key] if key in YES_NO_SLOTS else "ok")
            step.vars = {**vars, GIVEN: given}
            parked = False
        else:
            parked = not expired and step.park()
            step.vars = {}
        step.fill(found, for_family=not desk)
        if desk:
            step.run(VOLUNTEER_REGISTER, draft=step.vars)
        else:
            step.run(REGISTER, draft=step.vars)
        if parked:
            step.blocks.append(Lines((Text(PARKED),)))
        return step.outcome()

    @staticmethod
    def registering_for(state: Conversation) -> bool:
        """Whether a volunteer is registering someone: at its first question, or past it."""
        return state.node in VOLUNTEER_REGISTER_ASKS or bool(
            (state.node or "").startswith(VOLUNTEER_FLOW) and state.vars.get("phone")
            and not state.vars.get("hearing_id"))

    def ttl_of(self, state: Conversation) -> timedelta:
        """How long a question stays open: its own time, the usual one, or a day when the
        person has typed something into the task (poor signal: an answer hours later counts)."""
        waiting = self.flows.nodes.get(state.node) if state.node else None
        ttl = timedelta(hours=waiting.wait_hours) if waiting and waiting.wait_hours else self.ttl
        if has_draft(state.vars):
            ttl = max(ttl, self.draft_keep)
        return ttl

    def step(self, state: Conversation, context: Context, text: str, now: datetime) -> Outcome:
        """Answer one message; text is empty for media, voice notes and locations."""
        if context.volunteer is None and (state.node or "").startswith(VOLUNTEER_FLOW):
            state = Conversation()   # no longer a volunteer: the desk is closed
        step = _Step(self, state, context, now)
        command = self.vocabulary.command(text) if normalize(text) else None
        if command == "volunteer" and context.volunteer is None:
            command = None   # anyone else learns nothing: the word is just not understood
        waiting = self.flows.nodes.get(state.node) if state.node else None
        expired = bool(state.node and state.updated_at and now - state.updated_at > self.ttl_of(state))
        if normalize(text) and self.vocabulary.is_emergency(text):
            # Before anything else, from any step, even after BAJA: it answers a cry for help.
            topic = self.vocabulary.intent(text)
            if topic and topic.flow in DANGER_FIRST:
                step.start(topic.flow)
            elif (waiting and not expired and waiting.id != MENU
                    and not waiting.id.startswith(EMERGENCY_FLOW)):
                # Then the question the person was answering, draft and all: a false alarm
                # costs them one message, and they go on where they were.
                step.say(self.flows[DANGER_ASIDE])
                step.say(waiting)
                step.state = replace(state, updated_at=now)
            else:
                step.start(EMERGENCY)
            return step.outcome()

        deleting = state.node == COMMAND_NODES["delete"]
        if context.opted_out and command not in ("opt_in", "delete") and not deleting:
            # Nothing is sent after BAJA until ALTA, except the answer to BORRAR.
            return Outcome([], state, [], context.language)
        if expired:
            step.finish()
            step.say(self.flows[EXPIRED])
        if context.is_new and command not in ("opt_out", "delete"):
            step.say(self.flows[WELCOME])

        current = self.flows.nodes.get(step.state.node) if step.state.node else None
        said = normalize(text)

        def answers() -> bool:
            # Read the answer now only when a thank-you or a soft stop depends on it: the
            # question's own reading runs again, in full, when the step answers it.
            return bool(current and said and self._answers(current, text, step))

        if command == "thanks" and answers():
            command = None   # "ok" to "¿Es correcto?" is a yes, not a thank-you
        if (not command and said and step.state.node == STOP_ASK
                and self.vocabulary.confirms_stop(text, YES)):
            command = "opt_out"   # "sí, ya no quiero" to "¿Quiere dejar de recibir mensajes?"
        wish = self.vocabulary.stop_wish(text) if said and not command else None
        # "no me interesa" to a yes/no question is a no; a sentence that says "stop writing to
        # me" is asked about whatever the question was.
        ask_to_stop = step.state.node != STOP_ASK and (
            wish == "sentence" or (wish == "soft" and not answers()))
        if command == "help" and current:
            step.say(self.flows[HELP])
            step.say(current)
        elif command in ("english", "spanish"):
            parked = step.park()
            step.finish()
            step.vars["language"] = "en" if command == "english" else "es"
            step.run(COMMAND_NODES[command])
            if parked:
                step.blocks.append(Lines((Text(PARKED),)))
        elif command == "resume":
            step.resume()
        elif command == "thanks":
            # A kind word back, and the person stays where they were, no attempt counted.
            step.say(self.flows[THANKS])
        elif command:
            step.start(COMMAND_NODES[command], keep_draft=command not in DROPS_DRAFT)
        elif ask_to_stop:
            step.start(STOP_ASK)
        elif not normalize(text):
            step.say(self.flows[NO_TEXT])
            if current:
                step.say(current)
        elif current and current.id != MENU:
            step.answer(current, text)
        else:
            # The main menu is where a person lands between tasks: a free phrase there ("tengo
            # nueva fecha") is read for what it asks before any option word ("nueva") in it.
            step.idle(text)
        return step.outcome()

    @staticmethod
    def _answers(node: Node, text: str, step: _Step) -> bool:
        """Tell whether text answers a yes/no or numbered question, or a read-back, at node."""
        if not node.wait or node.wait.input not in ("yesno", "choice", "confirmation"):
            return False
        outcome = INPUTS[node.wait.input].read(text, step.asking(node)).outcome
        if node.wait.input == "confirmation":
            # A read-back takes anything as "what to fix?": only a yes or a correction is an answer.
            return outcome in ("yes", "corrected")
        return bool(outcome)


def init_app(app: Flask) -> None:
    app.extensions["engine"] = Engine.load(
        app.config["FLOWS_DIR"] or FLOWS_DIR, app.extensions["catalogs"],
        ttl_minutes=app.config["CONVERSATION_TTL_MINUTES"], max_attempts=app.config["MAX_ATTEMPTS"],
        draft_hours=app.config["DRAFT_KEEP_HOURS"],
        schedule=Schedule.from_config(app.config))
