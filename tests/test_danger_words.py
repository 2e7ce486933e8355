"""Danger, stop and thanks in ordinary words, as people in shelters write them."""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta

import pytest
from conftest import NOW, Phone, Pick, choose

from bot.context import Context
from bot.engine import DANGER_FIRST, Conversation, Engine
from bot.i18n import Catalogs, load_catalogs
from bot.sms import cost
from bot.understanding import Vocabulary
from bot.views import render

# Waiting for the hearing time.
MID_FLOW = ("hola", Pick("Guardar una audiencia"), "MR", Pick("Tijuana / San Diego"), "15/3/2027")
SAVED = (*MID_FLOW, "8:30", "no se", "no", Pick("Sí, guardar"))
ANSWER = "Si está en peligro ahora, llame al 911."


@pytest.fixture(scope="module")
def vocabulary():
    return Vocabulary.load()


def count(app, sql: str) -> int:
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        return conn.execute(sql).fetchone()[0]


# Mexican, Central American, Cuban and Venezuelan ways of saying it; no accents, typos, run-ons.
DANGER = {
    "threats": [
        "me amenazaron", "nos estan amenazando unos tipos", "me amenasan por telefono",
        "me mandaron amenasas de muerte", "mi ex me amenaza", "me quieren matar",
        "dicen q me van a matar si no pago", "nos van a matar", "me quieren hacer dano",
        "amenasaron a mi esposa ayer en la noche",
    ],
    "extortion": [
        "me estan extorsionando", "es una extorcion", "me piden cuota para dejarme trabajar",
        "me piden la cuota cada semana", "nos cobran cuota en la colonia", "el cobro de piso",
        "me cobran piso en el puesto", "tengo que pagar derecho de piso",
        "piden rescate por mi hermano", "estorsion por whatsapp", "me estan chantajeando",
        "me estan cobrando por dejarme estar aqui", "unos tipos me dijeron que si no pago me va a ir mal",
        "la policia me quito mi dinero",
    ],
    "kidnapping": [
        "sekuestraron a mi primo", "lo secuestraron", "secuestaron a mi hijo", "me secuestraron 3 dias",
        "levantaron a mi esposo en la central", "a mi hermano lo levantaron",
        "se llevaron a mi hijo", "se lo llevaron unos hombres en una camioneta",
        "me quieren llevar", "nos tienen en una casa de seguridad", "plagiaron a mi cunado",
        "me agarraron unos hombres y me pidieron dinero", "si no pago me levantan",
    ],
    "sexual violence": [
        "me violaron", "abusaron de mi hija", "violacion", "un senor me acosa",
        "me manosearon en el albergue",
        "un hombre me esta acosando", "mi esposo me golpea y hay violencia en la casa",
    ],
    "assault and robbery": [
        "me asaltaron", "nos asaltaron en el camion", "me robaron todo", "me robaron los papeles",
        "asalto en la parada", "me atracaron", "unos malandros me golpearon", "me pegaron",
        "me apunalaron", "unos pandilleros armados", "me sacaron una pistola", "me dieron una paliza",
        "los narcos controlan la colonia", "la maña me esta buscando",
    ],
    "followed or watched": [
        "me estan siguiendo", "me andan siguiendo unos carros", "nos siguen desde la garita",
        "un carro me siguio hasta el albergue", "nos estan vigilando", "me vigilan afuera",
        "me persiguen", "me andan buscando", "los halcones nos ven",
        "tengo mucho miedo me estan buscando",
    ],
    "shootings": [
        "hay una balacera", "se oyen balazos", "estan disparando en la calle", "un tiroteo",
        "balearon la casa de al lado", "hay tiros afuera", "nos balacearon", "hay un muerto en la calle",
    ],
    "locked in": [
        "me tienen encerrada", "estamos encerrados en un cuarto", "no me dejan salir",
        "no nos dejan salir de la casa", "nos tienen retenidos",
    ],
    "a relative who disappeared": [
        "mi hijo desaparecio", "mi esposo esta desaparecido", "mi hermana no aparece",
        "no aparece mi hijo desde ayer", "no encuentro a mi hija", "mi esposo no regreso",
        "mi mama no ha vuelto desde el lunes", "no sabemos nada de mi hermano desde hace 3 dias",
        "mi primo esta perdido",
    ],
    "medical": [
        "necesito una ambulancia", "a mi papa le dio un infarto", "mi nina tiene convulsiones",
        "se desmayo mi esposa", "mi bebe no respira", "no puede respirar", "esta sangrando mucho",
        "le duele el pecho dolor de pecho muy fuerte", "se le rompio la fuente",
        "mi hijo esta muy grave", "esta herido", "se envenenó", "esta vomitando sangre",
        "mi nino no despierta", "mi esposo tiene un dolor muy fuerte en el pecho",
        "me corte y no para de sangrar", "se cayo y no se mueve",
    ],
    "calls for help": [
        "SOS", "S.O.S", "sos ayuda", "auxilio", "ayuda por favor es urgente", "ayudenme porfavor",
        "AYUDAME", "peligro",
        "estamos en peligro", "es peligroso aqui", "emergencia", "emergensia",
        "me quieren secuestrar", "oigan me estan amenazando y no quiero volver a tijuana",
        "hola buenas tardes disculpen la molestia pero me asaltaron ayer y se llevaron mi hoja",
    ],
}
PHRASES = [(kind, phrase) for kind, phrases in DANGER.items() for phrase in phrases]


@pytest.mark.parametrize("kind,phrase", PHRASES)
def test_danger_in_ordinary_words_is_heard(vocabulary, kind, phrase):
    assert vocabulary.is_emergency(phrase), (kind, phrase)


# Chosen carefully: everyday sentences that hold a danger word's neighbour, not the danger.
# ("me amenaza la lluvia" is NOT here: any "amenaza" is heard, a false alarm we accept.)
@pytest.mark.parametrize("phrase", [
    "la cuota del celular", "cuanto es la cuota del albergue", "vivo en el segundo piso",
    "me levante temprano", "me levanto a las 5", "vos sos muy amable gracias",
    "quiero registrar mi audiencia", "me cambiaron la fecha", "sigo esperando mi cita",
    "me sigue llegando el recordatorio", "me siguen llegando los mensajes", "me llevo mis papeles",
    "que tengo que llevar",
    "tengo miedo de regresar a mexico", "no se nada de mi audiencia", "el derecho a un abogado",
    "mi caso no aparece en la linea", "ya me siento mejor", "todo bien gracias", "cuando es mi corte",
    # Names and surnames typed for a registration.
    "Violeta", "Mario Vigil", "Maria del Socorro", "Dolores", "Consuelo", "Amparo", "Rosario",
    "Angeles", "Soledad", "Milagros", "Luz", "Paz", "Pilar", "Guadalupe", "Robles", "Herrera",
    "Armando", "Mateo", "Padilla", "Balam", "Heredia", "Tirso", "Amado", "Matamoros",
    # Delays are everyday news here, and one typo from "atracaron" (robbed).
    "me atrasaron la audiencia", "se atraso mi cita", "acaso tengo que ir a la corte",
    "mi esposa no aparece en la lista de la corte", "me agarraron en la frontera y me regresaron",
])
def test_everyday_sentences_are_not_danger(vocabulary, phrase):
    assert not vocabulary.is_emergency(phrase)


def test_what_the_bot_asks_people_to_type_is_never_danger(app):
    # "matamoros" once met the stem "matar*": an answer the bot asks for must not be a cry.
    engine = app.extensions["engine"]
    typed = [w for city in engine.cities.values() for w in (city.name, *city.words)]
    typed += [text for node in engine.flows.nodes.values() if not node.id.startswith("emergency.")
              for option in node.options if option.value != "emergency"
              for text in (option.label, *option.words)]
    # Stolen papers are danger on purpose: that answer starts with the emergency line.
    typed += [" ".join(p) for intent in engine.vocabulary.intents if intent.flow not in DANGER_FIRST
              for p in intent.phrases]
    assert len(typed) > 100
    assert [t for t in typed if engine.vocabulary.is_emergency(str(t))] == []


def test_a_danger_word_beside_a_harmless_saying_is_still_heard(vocabulary):
    assert vocabulary.is_emergency("vos sos mi unica ayuda, me secuestraron")


@pytest.mark.parametrize("word", ["me asaltaron", "nos siguen", "SOS", "levantaron a mi hijo"])
def test_a_half_typed_registration_survives_a_danger_word(app, phone, word):
    phone.talk(*MID_FLOW)
    reply = phone.send(word)
    assert reply.startswith(ANSWER) and "Grupos Beta" in reply
    # Then the question the person was answering, with what they typed kept.
    assert "¿A qué hora es la audiencia" in reply.split("Grupos Beta")[1]
    phone.talk("8:30", "no se", "no", Pick("Sí, guardar"))
    assert count(app, "SELECT count(*) FROM hearings WHERE starts_at LIKE '2027-03-15%'") == 1


def test_a_danger_word_outside_any_task_gives_the_whole_emergency_answer(phone):
    phone.send("hola")
    reply = phone.send("me asaltaron")
    assert reply.startswith(ANSWER) and "Grupos que ayudan en su ciudad" in reply


def test_a_danger_word_is_answered_even_after_baja(phone):
    phone.talk("hola", "BAJA")
    assert ANSWER in phone.send("me estan extorsionando")


# Stop in ordinary words.
@pytest.mark.parametrize("phrase", [
    "ya no me escriban", "Ya no me escriban mas por favor", "quitenme de la lista",
    "quítenme de la lista porfa", "no quiero que me manden nada", "baja por favor",
    "no me manden mensajes", "dejen de escribirme", "ya no quiero recibir mensajes",
    "sacarme de la lista", "no mas mensajes gracias", "no me envien nada",
])
def test_a_clear_way_of_saying_stop_stops_at_once(app, phone, phrase):
    phone.talk(*SAVED)
    assert count(app, "SELECT count(*) FROM reminders WHERE status = 'pending'") > 0
    reply = phone.send(phrase)
    assert "Ya no le vamos a mandar mensajes" in reply and "ALTA" in reply
    assert count(app, "SELECT opted_out FROM contacts") == 1
    assert count(app, "SELECT count(*) FROM reminders WHERE status = 'pending'") == 0
    assert phone.send("hola") == ""


@pytest.mark.parametrize("phrase", [
    "ya no me escriban de la audiencia de mi hermano porque ya paso",
    "mi esposa dice que no le manden mensajes a ella",
    "oigan ya no quiero recibir tantos recordatorios",
    "ya no me interesa", "dejen de molestar porfa", "no molesten", "ya no quiero nada",
])
def test_a_longer_sentence_that_says_stop_is_asked_once(app, phone, phrase):
    phone.talk(*SAVED)
    reply = phone.send(phrase)
    assert "¿Quiere dejar de recibir mensajes?" in reply and choose(reply, "Sí") and choose(reply, "No")
    assert count(app, "SELECT opted_out FROM contacts") == 0
    assert "Ya no le vamos a mandar mensajes" in phone.pick("Sí")
    assert count(app, "SELECT opted_out FROM contacts") == 1
    assert count(app, "SELECT count(*) FROM reminders WHERE status = 'pending'") == 0


def test_a_soft_way_of_saying_stop_that_answers_a_yes_no_question_is_that_answer(app, phone):
    phone.talk(*SAVED, "BORRAR")
    assert "No borramos nada" in phone.send("no me interesa")
    assert count(app, "SELECT count(*) FROM hearings") == 1


def test_no_to_the_stop_question_keeps_the_messages(app, phone):
    phone.talk(*SAVED)
    phone.send("creo que ya no necesito los mensajes de la corte de mi primo")
    reply = phone.pick("No")
    assert "le vamos a seguir escribiendo" in reply and "¿Qué quiere hacer?" in reply
    assert count(app, "SELECT opted_out FROM contacts") == 0
    assert count(app, "SELECT count(*) FROM reminders WHERE status = 'pending'") > 0


# Thanks.
@pytest.mark.parametrize("word", ["gracias", "Muchas gracias!", "ok", "OK gracias", "👍", "👍🏽", "🙏",
                                  "okey", "mil gracias", "Dios le bendiga"])
def test_thanks_get_a_short_kind_answer_and_no_strike(app, word):
    phone = Phone(app)
    phone.talk(*MID_FLOW)
    # Two wrong answers: a third would end the task. Thanks in between must not count.
    phone.talk("quiza", "no se la verdad")
    reply = phone.send(word)
    assert reply == "Con gusto. Aquí estamos cuando nos necesite."
    assert cost(reply).segments == 1
    assert "presentarse en el puerto" in phone.send("8:30")


def test_thanks_outside_a_task_is_not_a_not_understood(phone):
    phone.send("hola")
    reply = phone.send("gracias")
    assert reply == "Con gusto. Aquí estamos cuando nos necesite."
    assert "no entendí" not in reply.lower()


def test_the_engine_keeps_the_draft_and_the_attempts_through_a_danger_word():
    catalogs = Catalogs(load_catalogs())
    engine = Engine.load(catalogs=catalogs, ttl_minutes=60, max_attempts=3)
    draft = {"name": "MR", "city": "tijuana", "date": "2027-03-15"}
    state = Conversation("register.ask_time", draft, 2, NOW)
    later = NOW + timedelta(minutes=50)
    outcome = engine.step(state, Context(), "me estan extorsionando", later)
    said = "\n".join(render(b, "es", catalogs) for b in outcome.replies)
    assert said.startswith(ANSWER) and "¿A qué hora es la audiencia" in said
    assert outcome.state == Conversation("register.ask_time", draft, 2, later)
    assert outcome.effects == []
    # The time it was answered counts as activity: the draft does not expire ten minutes later.
    assert engine.step(outcome.state, Context(), "8:30", later + timedelta(minutes=20)
                       ).state.node == "register.ask_report"


def test_at_a_yes_no_question_ok_is_still_the_answer_and_gracias_is_thanks(app, phone):
    phone.talk(*SAVED, "BORRAR")
    assert phone.send("gracias") == "Con gusto. Aquí estamos cuando nos necesite."
    assert count(app, "SELECT count(*) FROM hearings") == 1
    assert "Borramos todos sus datos" in phone.send("ok")
    assert count(app, "SELECT count(*) FROM hearings") == 0


@pytest.mark.parametrize("phrases,message", [
    (["no aparece @pariente"], "unknown word groups ['@pariente']"),
    (["!!"], "a phrase without words"),
])
def test_a_broken_danger_phrase_is_refused_at_load(phrases, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        Vocabulary({}, {}, [], {"phrases": phrases, "groups": {"relative": ["hijo"]}})


def test_stop_and_danger_in_ordinary_words_pass_the_daily_cap(app):
    app.config["DAILY_REPLY_CAP"] = 12
    app.config["LOOP_REPEATS"] = 1000   # the cap alone

    def at(minutes: int) -> Phone:
        return Phone(app, now=NOW + timedelta(minutes=minutes))

    for n in range(14):
        at(n).send(f"hola {n}")
    assert at(20).send("hola") == ""
    assert ANSWER in at(21).send("nos estan extorsionando")
    assert "ALTA" in at(22).send("ya no me escriban por favor")
    assert count(app, "SELECT opted_out FROM contacts") == 1
