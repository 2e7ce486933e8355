"""Measured understanding: the real engine reads a labelled corpus of messages, each at its step.

Files: tests/data/utterances.tsv (the rules may be tuned on it) and tests/data/utterances_heldout.tsv
(a seeded random fifth, set apart before any tuning: never change a rule looking at its failures).
Columns, tab separated: state, intent, slots, text.

- state: `idle` (no question open) or the id of a node that waits for an answer
  (menu.menu, register.ask_date, register.confirm, ...); bot.explain.DRAFTS gives each step a
  plausible draft (a date at the read-back, readings at register.choose_date).
- intent, the label of what happened, read from the engine's outcome (bot.explain.read):
  `stop` (opt_out done), `emergency` (the emergency answer, or its aside mid-task), `stop_ask`
  (asked "¿Quiere dejar de recibir mensajes?"), then at a waiting step: `answer` (the awaited answer
  accepted), `yes` / `no` (at a yes/no question or the read-back), `fix` (the read-back not
  accepted: asks what to fix, or applies the correction given), `not_understood` (asked again);
  otherwise the node or flow reached: `menu`, `help`, `thanks`, `cancel`, `delete`, `opt_in`,
  `language`, `resume`, `not_understood`, or an intent of words.yaml by its name
  (`register_hearing`, `change_hearing`, `missed_hearing`, `case_status`, ...).
- slots: `key=value` pairs joined by `;`, what the message put into the draft: name, city, date
  (ISO), time and report_time (HH:MM), a_number (digits), fixing (the field to fix); `none` for a
  "no sé"; `readings=2027-03-04|2027-04-03` for a date that must be asked about; home, the city
  of a person waiting away from the list until the port on the paper is asked. Empty: none.

Scored: a message is right when its label and slots are both right. Unsafe, and failing whatever
the figure: a danger message that does not reach the emergency answer, a stop message that neither
stops nor asks, a message that is not a yes taken as yes, a date saved other than the one meant.
The moment is fixed: Sunday 22 November 2026, 18:00 in Tijuana.
"""

from __future__ import annotations

import csv
import os
import sqlite3
import subprocess
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from conftest import Pick, clean_environ, flask_command

from bot import explain
from bot.engine import Engine
from bot.i18n import Catalogs, load_catalogs

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
DATA = os.path.join(os.path.dirname(__file__), "data")
FILES = {"tuned": "utterances.tsv", "held-out": "utterances_heldout.tsv"}
TARGET = 0.95
STOPPING = {"stop", "stop_ask"}


@dataclass(frozen=True)
class Utterance:
    line: int
    state: str
    intent: str
    slots: dict[str, str]
    text: str


def load(name: str) -> list[Utterance]:
    with open(os.path.join(DATA, name), encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [Utterance(n, r["state"], r["intent"], explain.parse_slots(r["slots"]), r["text"])
            for n, r in enumerate(rows, start=2)]


def unsafe(expected: Utterance, got: explain.Reading) -> str | None:
    """Why a reading is dangerous, or None."""
    if expected.intent == "emergency" and got.label != "emergency":
        return "danger not answered"
    if expected.intent in STOPPING and got.label not in STOPPING:
        return "stop neither done nor asked"
    if got.label == "yes" and expected.intent != "yes":
        return "taken as yes"
    if "date" in got.slots and got.slots["date"] != expected.slots.get("date"):
        return "date saved other than the one meant"
    return None


@dataclass
class Score:
    right: Counter
    total: Counter
    unsafe: list[str]
    wrong: list[str]

    @property
    def accuracy(self) -> float:
        return sum(self.right.values()) / max(1, sum(self.total.values()))

    def report(self, title: str) -> str:
        lines = [f"{title}: {sum(self.right.values())}/{sum(self.total.values())} = "
                 f"{self.accuracy:.1%}"]
        lines += [f"  {intent:<20} {self.right[intent]:>4}/{n:<4} {self.right[intent] / n:.0%}"
                  for intent, n in sorted(self.total.items())]
        return "\n".join(lines)


def measure(engine: Engine, utterances: list[Utterance], name: str) -> Score:
    score = Score(Counter(), Counter(), [], [])
    for u in utterances:
        got = explain.read(engine, u.text, u.state, NOW)
        score.total[u.intent] += 1
        where = f"{name}:{u.line} [{u.state}] {u.text!r}"
        said = f"expected {u.intent} {explain.slots_text(u.slots)}, got {got.label} " \
               f"{explain.slots_text(got.slots)}"
        if got.label == u.intent and got.slots == u.slots:
            score.right[u.intent] += 1
        else:
            score.wrong.append(f"{where}: {said}")
        why = unsafe(u, got)
        if why:
            score.unsafe.append(f"{where}: {why}: {said}")
    return score


@pytest.fixture(scope="module")
def engine():
    return Engine.load(catalogs=Catalogs(load_catalogs()))


@pytest.fixture(scope="module")
def scores(engine):
    found = {}
    for title, name in FILES.items():
        found[title] = measure(engine, load(name), name)
    return found


def test_the_corpus_is_big_enough_and_every_state_is_a_real_step(engine):
    tuned, held = load(FILES["tuned"]), load(FILES["held-out"])
    assert len(tuned) + len(held) >= 1000
    # A fifth, give or take a message.
    assert abs(len(held) - (len(tuned) + len(held)) / 5) < 1
    for u in tuned + held:
        explain.conversation_at(engine, u.state, NOW)   # raises on a step that does not wait
    # The same short answer ("si", "1") may come at several steps, but never twice at one.
    steps = [(u.state, u.text) for u in tuned + held]
    assert [s for s, n in Counter(steps).items() if n > 1] == []


@pytest.mark.parametrize("title", list(FILES))
def test_understanding_is_measured_and_nothing_unsafe(scores, title):
    full = scores[title]
    report = full.report(title)
    print("\n" + report)
    problems = []
    if full.accuracy < TARGET:
        problems.append(f"below {TARGET:.0%}")
    unsafe_lines = sorted(set(full.unsafe))
    if unsafe_lines:
        problems.append(f"{len(unsafe_lines)} unsafe:\n" + "\n".join(unsafe_lines))
    assert not problems, "\n".join([report, *problems, "wrong:", *full.wrong])


def test_a_danger_message_missed_is_reported_as_unsafe(engine):
    [u] = [Utterance(2, "register.ask_date", "emergency", {}, "15 de marzo")]
    got = explain.read(engine, u.text, u.state, NOW)
    assert unsafe(u, got) == "danger not answered"


def test_a_negative_taken_as_yes_and_a_wrong_date_are_unsafe(engine):
    no = Utterance(2, "register.confirm", "fix", {}, "si")
    assert unsafe(no, explain.read(engine, no.text, no.state, NOW)) == "taken as yes"
    other_day = Utterance(3, "register.ask_date", "answer", {"date": "2027-04-03"}, "3/4/2027 March")
    got = explain.read(engine, other_day.text, other_day.state, NOW)
    assert got.slots == {"date": "2027-03-04"}
    assert unsafe(other_day, got) == "date saved other than the one meant"
    stop = Utterance(4, "idle", "stop", {}, "hola")
    assert unsafe(stop, explain.read(engine, stop.text, stop.state, NOW)) == "stop neither done nor asked"


# What the corpus found, as transcripts through the whole app.
ANSWER = "Si está en peligro ahora, llame al 911."
STOP_QUESTION = "¿Quiere dejar de recibir mensajes?"
STOPPED = "Ya no le vamos a mandar mensajes"
# Waiting for the hearing date in Tijuana.
TO_TIME = ("hola", Pick("Guardar una audiencia"), "MR", Pick("Tijuana / San Diego"))


def opted_out(app) -> int:
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        return conn.execute("SELECT opted_out FROM contacts").fetchone()[0]


@pytest.mark.parametrize("message", [
    "me estan cobrando cuota", "me estan pidiendo cuota para dejarme vivir aqui",
    "unos tipos me piden 500 dolares de cuota cada semana", "quieren cobrarnos por dejarnos pasar",
    "mi hija tomo veneno", "me quiero morir ya no aguanto", "🆘 ayuda",
    "me llamaron diciendo que tienen a mi hijo y que deposite",
    "no encontramos a mi hermana desde el domingo", "el señor no nos deja salir del cuarto",
    "mi hijo de 15 años se fue con unos muchachos y no contesta",
    "me mandaron fotos y dicen que saben donde estoy", "me quitaron el celular"])
def test_danger_the_corpus_found_missed_reaches_the_emergency_answer(phone, message):
    phone.send("hola")
    assert phone.send(message).startswith(ANSWER)


@pytest.mark.parametrize("message", ["Bajaa", "quiero darme de baja", "BAJAAA", "BAJA BAJA BAJA"])
def test_a_stop_with_a_held_letter_or_a_wish_stops(app, phone, message):
    phone.send("hola")
    assert STOPPED in phone.send(message)
    assert opted_out(app) == 1


@pytest.mark.parametrize("message", ["sí, ya no quiero", "si, baja", "Si ya no gracias"])
def test_a_yes_that_goes_on_to_say_stop_answers_the_stop_question(app, phone, message):
    assert STOP_QUESTION in phone.talk("hola", "ya no me interesa")
    assert STOPPED in phone.send(message)
    assert opted_out(app) == 1


def test_no_thanks_i_do_want_the_messages_does_not_stop_them(app, phone):
    phone.send("hola")
    reply = phone.send("no gracias, si quiero los mensajes")
    assert STOPPED not in reply and opted_out(app) == 0


@pytest.mark.parametrize("message", ["como me salgo de la lista", "I dont want messages anymore"])
def test_a_sentence_about_leaving_the_list_is_asked_about(app, phone, message):
    phone.send("hola")
    assert STOP_QUESTION in phone.send(message)
    assert opted_out(app) == 0


def test_me_quiero_salir_in_a_registration_is_asked_about_never_done(app, phone):
    phone.talk(*TO_TIME)
    assert STOP_QUESTION in phone.send("me quiero salir")
    assert opted_out(app) == 0


def test_a_date_in_words_without_accents_is_read(phone):
    phone.talk(*TO_TIME)
    reply = phone.send("veintidos de febrero")
    assert "¿A qué hora es la audiencia" in reply


@pytest.mark.parametrize("message", ["hoy no", "no es mañana", "el lunes no"])
def test_a_day_denied_is_no_date(phone, message):
    phone.talk(*TO_TIME)
    reply = phone.send(message)
    assert "No entendí la fecha" in reply


@pytest.mark.parametrize("message", ["afirmativo", "si, todos los datos estan bien", "👍", "👍🏽👍🏽"])
def test_these_yeses_save_at_the_read_back(app, phone, message):
    reply = phone.talk(*TO_TIME, "15/3/2027", "8:30", "no se", "no")
    assert "Revise sus datos" in reply
    assert "Guardado" in phone.send(message)



def test_a_sure_yes_deletes_and_a_yes_with_but_does_not(app, phone):
    phone.talk(*TO_TIME, "15/3/2027", "8:30", "no se", "no", Pick("Sí, guardar"))
    assert "¿Quiere borrar todos sus datos?" in phone.send("borrar")
    phone.send("sí, pero solo lo de mi hijo")
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        assert conn.execute("SELECT count(*) FROM hearings").fetchone()[0] == 1
    phone.send("borrar")
    assert "Borramos todos sus datos" in phone.send("sí, estoy seguro")
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        assert conn.execute("SELECT count(*) FROM hearings").fetchone()[0] == 0


# The `understand` command prints what the test scores, for the people who edit words.yaml.
AT_NOW = ("--now", NOW.isoformat())


def test_understand_prints_the_label_slots_and_both_readings_of_an_unclear_date(runner):
    result = runner.invoke(args=["understand", "3/4", "--state", "register.ask_date", *AT_NOW])
    assert result.exit_code == 0, result.output
    assert "label:   answer" in result.output
    assert "slots:   readings=2027-03-04|2027-04-03" in result.output
    assert "then at: register.choose_date" in result.output
    assert "2027-03-04 (Thursday), 2027-04-03 (Saturday); the person is asked" in result.output


def test_understand_shows_the_words_behind_an_emergency_aside_mid_task(runner):
    result = runner.invoke(args=["understand", "me estan cobrando cuota", "--state",
                                 "register.confirm", *AT_NOW])
    assert "label:   emergency" in result.output
    assert "path:    emergency.aside > register.confirm" in result.output
    assert "danger words: yes" in result.output
    assert "dates:        no date read" in result.output


def test_understand_says_why_a_date_is_read_month_first(runner):
    result = runner.invoke(args=["understand", "Date: 03/04/2027", "--state",
                                 "register.ask_date", *AT_NOW])
    assert "slots:   date=2027-03-04" in result.output
    assert "month first: the text looks copied from the English notice" in result.output


def test_understand_refuses_a_step_that_waits_for_nothing_and_a_moment_without_offset(runner):
    result = runner.invoke(args=["understand", "si", "--state", "register.save", *AT_NOW])
    assert result.exit_code == 2 and "'register.save' is not a step that waits" in result.output
    result = runner.invoke(args=["understand", "si", "--now", "2026-11-23T02:00"])
    assert result.exit_code == 2 and "offset" in result.output


def test_understand_from_the_command_line_stores_nothing(tmp_path):
    database = tmp_path / "db.sqlite3"
    env = clean_environ(DATABASE=database, SECRET_KEY="k", OUTBOX_PATH=tmp_path / "out",
                        BACKUP_DIR=tmp_path / "backups")
    done = subprocess.run(flask_command(tmp_path, "understand", "si, baja", "--state",
                                        "menu.opt_out_ask", *AT_NOW),
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "label:   stop" in done.stdout and "actions: opt_out" in done.stdout
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM contacts").fetchone()[0] == 0
