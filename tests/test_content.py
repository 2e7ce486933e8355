"""Content: port return, rights, case status and emergency, by menu and by free phrases."""

from __future__ import annotations

import re

import pytest
from conftest import Phone, Pick

from bot.cost import SAMPLE_CONTEXT, SAMPLE_NOW, SAMPLE_VARS
from bot.engine import LEGAL_NOTICE, Engine
from bot.i18n import Catalogs, load_catalogs
from bot.views import render

CATALOGS = Catalogs(load_catalogs())
SAVE = Pick("Guardar una audiencia")
SAVE_NOGALES = ("hola", SAVE, "Ana", "nogales", "15/3/2027", "8:30", "no se", "A12345678", Pick("Sí"))
SAVE_TIJUANA = ("hola", SAVE, "Ana", "tijuana", "15/3/2027", "8:30", "4:30", "no", Pick("Sí"))
EXACT_TIME = re.compile(r"\d{1,2}:\d{2}")


def test_port_time_without_a_saved_hearing_never_invents_an_exact_time(phone):
    reply = phone.talk("hola", Pick("Hora para ir al puerto"))
    assert "viene en su hoja" in reply and "unas 4 horas antes" in reply
    assert "hora de El Paso" not in reply and "El Paso va una hora adelante" in reply
    assert not EXACT_TIME.search(reply)


def test_port_time_from_the_saved_report_time(phone):
    phone.talk(*SAVE_TIJUANA)
    reply = phone.send("a que hora me presento en el puente")
    assert "Ana: preséntese en San Ysidro (Tijuana) el lunes 15 de marzo de 2027, 4:30 a. m., " \
           "hora de San Diego." in reply
    assert "Siempre vale la hora de su hoja" in reply


def test_nogales_without_a_report_time_names_the_el_paso_clock_and_the_rule(phone):
    phone.talk(*SAVE_NOGALES)
    reply = phone.send("a q hora tengo que estar en la garita")
    assert "la audiencia es el lunes 15 de marzo de 2027, 8:30 a. m., hora de El Paso" in reply
    assert "a la hora de su hoja: por lo general, unas 4 horas antes, a veces más temprano" in reply


def test_what_the_day_is_like_and_what_to_bring(phone):
    phone.talk("hola", Pick("Hora para ir al puerto"))
    assert "En 2019 y 2020" in phone.pick("Cómo es ese día")
    reply = phone.pick("Qué llevar")
    assert "Aviso de Comparecencia (NTA)" in reply and "No hay una lista oficial" in reply
    assert "Aviso de Comparecencia" in Phone(phone.app, "whatsapp:+5216640000002").send(
        "que documentos llevo a la corte")


@pytest.mark.parametrize("choice,expected", [
    ("Tengo miedo de volver a México", "dígalo usted al oficial en el puerto"),
    ("Abogado", "El gobierno no lo paga"),
    ("Intérprete", "intérprete gratis"),
    ("Si no llegué a mi audiencia", "orden en ausencia"),
    ("Cambio de dirección", "EOIR-33"),
    ("Quién no debe estar en el programa", "No está claro si las personas LGBT"),
])
def test_each_right_from_the_menu_says_it_is_not_legal_advice(phone, choice, expected):
    phone.talk("hola", Pick("Mis derechos"))
    reply = phone.pick(choice)
    assert expected in reply
    assert "Esto es información general, no es consejo legal." in reply


@pytest.mark.parametrize("phrase,expected", [
    ("tengo miedo de regresar a mexico", "dígalo usted al oficial"),
    ("me da miedo quedarme en mexico", "dígalo usted al oficial"),
    ("aqui me va muy mal y no quiero volver a tijuana", "dígalo usted al oficial"),
    ("entrevista de miedo", "entrevista"),
    ("necesito un abogado", "El gobierno no lo paga"),
    ("nesesito avogado", "El gobierno no lo paga"),
    ("donde consigo abogado gratis", "El gobierno no lo paga"),
    ("ayuda legal", "El gobierno no lo paga"),
    ("no hablo ingles", "intérprete gratis"),
    ("me van a dar interprete?", "intérprete gratis"),
    ("que pasa si no voy a mi audiencia", "orden en ausencia"),
    ("no pude ir a mi corte", "orden en ausencia"),
    ("perdi mi cita", "orden en ausencia"),
    ("me cambie de albergue", "EOIR-33"),
    ("cambio de direccion", "EOIR-33"),
    ("como reviso mi caso", "1-800-898-7180"),
    ("quiero saber como va mi caso", "1-800-898-7180"),
    ("numero para llamar a la corte", "1-800-898-7180"),
    ("como se mi fecha si perdi mi papel", "1-800-898-7180"),
    ("a que hora me presento en el puente", "viene en su hoja"),
    ("a q hora tengo que estar en la garita", "viene en su hoja"),
    ("a que hora tengo que llegar", "viene en su hoja"),
    ("donde me tengo que presentar", "viene en su hoja"),
    ("que tengo que llevar", "Aviso de Comparecencia"),
    ("mis derechos", "¿Sobre qué quiere saber?"),
])
def test_free_phrases_reach_the_content(app, phrase, expected):
    assert expected in Phone(app).send(phrase)


def test_case_status_leads_with_the_free_website_and_shows_the_a_number_only_when_asked(phone):
    phone.talk(*SAVE_NOGALES)
    reply = phone.send("como reviso mi caso")
    assert reply.index("acis.eoir.justice.gov/es") < reply.index("1-800-898-7180")
    assert "puede costar o no conectar" in reply and "gratis con internet" in reply
    assert "Ninguna le da la hora para ir al puerto" in reply
    assert "12345678" not in reply               # the A-number stays hidden until asked for
    assert "cada mes" in reply and "no es consejo legal" in reply
    reply = phone.pick("Ver mi número A completo")
    assert "- Ana: 012345678" in reply          # 8 digits typed, 9 on the hotline


def test_case_status_without_an_a_number_explains_the_leading_zero(phone):
    reply = phone.talk("hola", Pick("Revisar mi caso"))
    assert "marque sus 9 números. Si tiene 8, marque un 0 antes" in reply
    assert "No hay un número A guardado" in phone.pick("Ver mi número A completo")


EMERGENCY_WORDS = ["peligro", "estoy en peligro", "me quieren secuestrar", "secuestro",
                   "me amenazan", "EMERGENCIA", "auxilio", "Auxilio!!", "me estan siguiendo"]
MID_FLOW = {
    "register date": ("hola", SAVE, "Ana", Pick("Tijuana / San Diego")),
    "family name": ("hola", Pick("Mi familia en este teléfono"), Pick("Agregar una persona")),
    "rights menu": ("hola", Pick("Mis derechos")),
    "delete confirmation": ("hola", "BORRAR"),
    "language": ("hola", "IDIOMA"),
    "hearing read-back": ("hola", SAVE, "Ana", Pick("Tijuana / San Diego"), "15/3/2027", "8:30", "no se",
                          "no"),
}


@pytest.mark.parametrize("where", MID_FLOW)
@pytest.mark.parametrize("word", EMERGENCY_WORDS)
def test_danger_words_interrupt_any_flow_before_anything_else(app, where, word):
    phone = Phone(app)
    phone.talk(*MID_FLOW[where])
    reply = phone.send(word)
    assert reply.startswith("Si está en peligro ahora, llame al 911.")
    assert "Grupos Beta" in reply


def test_help_groups_in_the_persons_city_are_named_without_unverified_phones(app):
    phone = Phone(app)
    phone.talk(*SAVE_TIJUANA)
    reply = phone.talk("auxilio", Pick("Grupos que ayudan en su ciudad"))
    assert "Grupos que ayudan en Tijuana / San Diego:" in reply
    assert "- Al Otro Lado (ayuda legal)" in reply and "- Casa del Migrante (albergue)" in reply
    assert "No tenemos sus teléfonos" in reply
    assert not re.search(r"\d{3}", reply.split("Grupos que ayudan")[1].split("¿Qué quiere")[0])


def test_help_groups_ask_for_the_city_when_unknown(app):
    phone = Phone(app)
    phone.talk("hola", Pick("Emergencia"))
    assert "¿En qué ciudad está?" in phone.pick("Grupos que ayudan en su ciudad")
    assert "Kino Border Initiative" in phone.send("nogales")


def test_comar(phone):
    reply = phone.talk("hola", Pick("Emergencia"), Pick("Pedir asilo en México"))
    assert "30 días hábiles" in reply and "no es consejo legal" in reply


@pytest.fixture(scope="module")
def engine():
    return Engine.load(catalogs=CATALOGS)


def test_every_legal_node_says_it_is_general_information(engine):
    legal = [n for n in engine.flows.nodes.values() if n.legal]
    assert len(legal) >= 8
    for node in legal:
        for language in ("es", "en"):
            blocks = engine.preview(node.id, SAMPLE_CONTEXT, SAMPLE_VARS, SAMPLE_NOW)
            text = "\n".join(render(b, language, CATALOGS) for b in blocks)
            assert CATALOGS.gettext(language, LEGAL_NOTICE) in text, (node.id, language)


def test_every_fact_node_names_sources_that_resolve(engine):
    facts = [n for n in engine.flows.nodes.values() if n.sources]
    assert len(facts) >= 14
    for node in facts:
        assert set(node.sources) <= set(engine.reference.sources), node.id
