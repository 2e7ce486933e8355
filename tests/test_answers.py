"""The rest of what people say, answered from any step: free or not, who writes, help in the city,
a hearing missed, one that cannot be made, one already held, papers lost or stolen, a change of
address, the river, COMAR, the port that turned them away, and messages in other languages."""

from __future__ import annotations

import io

import pytest
from conftest import choose

from bot.babel_extract import extract_flows
from bot.flows import FLOWS_DIR
from bot.languages import foreign_language

# (what people write, what the answer must say): each reaches its own answer.
ANSWERS = [
    ("¿es gratis?", ["no le cobramos nada", "compañía de teléfono sí puede cobrarle"]),
    ("cuanto cuesta esto", ["no le cobramos nada"]),
    ("¿quién es?", ["Le escribe Mi Audiencia", "No somos abogados", "Nunca le vamos a pedir dinero"]),
    ("quien me escribe", ["Le escribe Mi Audiencia"]),
    ("no pude ir a mi audiencia", ["orden en ausencia", "acis.eoir.justice.gov",
                                   "180 días desde la orden", "Busque ayuda legal"]),
    ("no voy a poder ir a la corte", ["Vaya a su audiencia aunque no tenga abogado",
                                      "orden en ausencia"]),
    ("ya tuve mi audiencia", ["¿Qué le dijo el juez?", "Cambiar o borrar mi audiencia"]),
    ("perdí mi hoja", ["número A", "1-800-898-7180", "acis.eoir.justice.gov",
                       "La hora para llegar al puerto no la dan", "a veces no entra o se cobra"]),
    ("me robaron mis papeles", ["llame al 911", "número A", "acis.eoir.justice.gov"]),
    ("me cambié de casa", ["5 días hábiles", "EOIR-33/IC", "EOIR Respondent Access", "copia a DHS"]),
    ("como cruzo el rio", ["puede costarle la vida", "se ahogaron", "preséntese en el puerto"]),
    ("quiero pedir asilo en mexico", ["COMAR", "30 días hábiles", "quedarse en ese estado",
                                      "puede afectar su asilo", "abogado"]),
    ("no me dejaron pasar en el puente", ["pida un papel con su nueva fecha", "confirme esa fecha"]),
    ("cerraron el puente", ["pida un papel con su nueva fecha"]),
]
# The four of issue point 9 that must reach their answer in the middle of a registration too.
FOUR = ["no pude ir", "ya tuve mi audiencia", "perdí mi hoja", "me robaron mis papeles"]
TO_DATE = ("hola", "quiero registrar mi audiencia", "Rosa", "tijuana")   # the date question waits


@pytest.mark.parametrize("said,expected", ANSWERS)
def test_each_answer_from_idle(phone, said, expected):
    phone.talk("hola", "gracias, es gratis?")   # that answer ends the conversation: idle
    reply = phone.send(said)
    for text in expected:
        assert text in reply, (said, text, reply)
    assert "No entendí" not in reply and "quedó a medias" not in reply


@pytest.mark.parametrize("said,expected", ANSWERS)
def test_each_answer_from_the_menu(phone, said, expected):
    assert "¿Qué quiere hacer?" in phone.send("hola")
    reply = phone.send(said)
    assert all(text in reply for text in expected), reply


def test_a_missed_hearing_and_a_hearing_held_are_different_answers(phone):
    phone.send("hola")
    held = phone.send("ya tuve mi audiencia")
    assert "orden en ausencia" not in held and "¿Qué le dijo el juez?" in held
    missed = phone.send("no pude ir")
    assert "orden en ausencia" in missed and "¿Qué le dijo el juez?" not in missed
    # Before the date: go anyway, not "see if there is an order".
    ahead = phone.send("no voy a poder ir")
    assert "Vaya a su audiencia" in ahead and "Vea si hay una orden" not in ahead


@pytest.mark.parametrize("said", FOUR)
def test_the_four_from_the_middle_of_a_registration_keep_the_draft(app, phone, said):
    phone.talk(*TO_DATE)
    reply = phone.send(said)
    expected = dict(ANSWERS)[{"no pude ir": "no pude ir a mi audiencia"}.get(said, said)]
    assert all(text in reply for text in expected), reply
    assert "Su registro quedó a medias" in reply and "¿Qué día es la audiencia?" not in reply
    resumed = phone.send("seguir")
    assert "Seguimos donde se quedó" in resumed and "¿Qué día es la audiencia?" in resumed
    # What was typed before (Rosa, Tijuana) is still there at the read-back.
    reply = phone.talk("15/3/2027", "8:30", "4:30", "no")
    assert "Rosa" in reply and "Tijuana" in reply


def test_no_pude_ir_at_the_name_question_is_not_a_name(phone):
    phone.talk("hola", "quiero registrar mi audiencia")
    reply = phone.send("no pude ir")
    assert "orden en ausencia" in reply and "¿En qué ciudad" not in reply


def test_a_robbery_without_papers_is_still_the_emergency_answer(phone):
    reply = phone.send("me robaron todo")
    assert "911" in reply and "número A" not in reply and "Grupos que ayudan" in reply


def test_stolen_papers_mid_registration_keep_the_draft_and_name_911_first(phone):
    phone.talk(*TO_DATE)
    reply = phone.send("me robaron los papeles")
    assert reply.index("911") < reply.index("número A") < reply.index("quedó a medias")


def test_help_in_the_city_asks_the_city_then_names_groups_and_the_lawyer_list(phone):
    phone.send("hola")
    reply = phone.send("necesito un albergue para dormir")
    assert "¿En qué ciudad está?" in reply
    reply = phone.send("tijuana")
    assert "Al Otro Lado" in reply and "Casa del Migrante" in reply
    assert "lista de abogados gratis o de bajo costo" in reply
    lawyers = phone.send(choose(reply, "Ver la lista de abogados"))
    assert "List of Pro Bono Legal Service Providers" in lawyers


@pytest.mark.parametrize("said", ["donde puedo conseguir comida", "necesito ayuda con mi asilo",
                                  "tengo hambre"])
def test_food_or_asylum_help_reach_the_groups_of_the_city(phone, said):
    phone.send("hola")
    assert "¿En qué ciudad está?" in phone.send(said)
    assert "Kino Border Initiative" in phone.send("nogales")


def test_help_in_the_city_uses_the_city_of_the_saved_hearing(phone):
    phone.talk("hola", "quiero registrar mi audiencia", "Rosa", "matamoros", "15/3/2027", "8:30",
               "4:30", "no")
    assert "Guardado" in phone.send("si")
    reply = phone.send("donde hay comida")
    assert "¿En qué ciudad" not in reply and "Team Brownsville" in reply


def test_help_in_the_city_mid_registration_keeps_the_draft(phone):
    phone.talk(*TO_DATE)
    reply = phone.send("necesito un albergue")
    assert "¿En qué ciudad está?" in reply and "quedó a medias" in reply
    assert "Casa del Migrante" in phone.send("juarez")
    assert "¿Qué día es la audiencia?" in phone.send("seguir")


def test_the_river_answer_leads_to_the_port_instructions(phone):
    phone.send("hola")
    reply = phone.send("puedo cruzar por el rio bravo?")
    assert "se ahogaron" in reply
    port = phone.send(choose(reply, "Hora para ir al puerto"))
    assert "casi siempre viene en su hoja" in port


def test_comar_from_the_emergency_menu_has_both_cautions(phone):
    reply = phone.send("estoy en peligro")
    reply = phone.send(choose(reply, "Pedir asilo en México"))
    assert "quedarse en ese estado" in reply and "puede afectar" in reply


def test_turned_away_offers_to_save_the_new_date(phone):
    phone.send("hola")
    reply = phone.send("me regresaron del puente")
    assert "pida un papel con su nueva fecha" in reply
    assert "Guardar una audiencia" in phone.send(choose(reply, "Guardar la nueva fecha"))


OTHER_LANGUAGES = [
    ("Bom dia, eu não falo espanhol", "Este serviço funciona só em espanhol e em inglês"),
    ("Olá, preciso de ajuda, não entendo", "Este serviço funciona só em espanhol e em inglês"),
    ("Bonjour, je ne parle pas espagnol", "Ce service fonctionne seulement en espagnol et en anglais"),
    ("Je suis haïtien, vous parlez français?", "Ce service fonctionne seulement en espagnol et en anglais"),
    ("Bonjou, mwen pa pale panyòl", "Sèvis sa a pale sèlman panyòl ak angle"),
    ("Mwen bezwen èd tanpri", "Sèvis sa a pale sèlman panyòl ak angle"),
    ("Hello, I do not speak Spanish", "This service speaks Spanish and English"),
]


@pytest.mark.parametrize("said,expected", OTHER_LANGUAGES)
def test_another_language_is_answered_in_that_language(phone, said, expected):
    phone.send("hola")
    reply = phone.send(said)
    assert expected in reply and "ENGLISH" in reply
    assert "albergue" in reply or "shelter" in reply


@pytest.mark.parametrize("said,expected", OTHER_LANGUAGES)
def test_another_language_at_the_name_question_is_not_a_name(phone, said, expected):
    phone.talk("hola", "quiero registrar mi audiencia")
    reply = phone.send(said)
    assert expected in reply and "¿En qué ciudad" not in reply


def test_the_english_answer_is_english_and_english_switches(phone):
    reply = phone.send("Hello, I do not speak Spanish")
    assert "This service speaks Spanish and English" in reply and "Este servicio" not in reply
    phone.send("english")
    # Once the person chose English, English text is understood, not answered as foreign.
    assert "This service speaks" not in phone.send("I need to see my hearing")


def test_the_first_message_in_portuguese_still_says_who_writes(phone):
    reply = phone.send("Bom dia, eu não falo espanhol")
    assert "Mi Audiencia" in reply and "Este serviço" in reply


@pytest.mark.parametrize("text", [
    "no se la ora de mi audiensia", "kiero rejistrar mi audiencia", "pa que me sirve esto",
    "la verdad no lo se", "tengo cita en la corte el 15", "yo no hablo ingles", "hello", "ok",
    "Rosa de la Cruz", "Jean Pierre", "Marie Le Pen", "Wilson Jean Baptiste", "Mario do Nascimento",
    "Ana da Silva", "Ma Guadalupe", "me da miedo", "ya no se que hacer", "ayuda porfa",
])
def test_spanish_with_typos_and_names_are_never_taken_for_another_language(text):
    assert foreign_language(text) is None


def test_a_foreign_name_at_the_name_question_is_a_name(phone):
    phone.talk("hola", "quiero registrar mi audiencia")
    assert "¿En qué ciudad" in phone.send("Jean Pierre Louis")


def test_the_answers_in_other_languages_are_marked_for_translators():
    with open(f"{FLOWS_DIR}/help.yaml", "rb") as f:
        found = {message: comments for _, _, message, comments in
                 extract_flows(io.BytesIO(f.read()), [], [], {})}
    portuguese = next(m for m in found if m.startswith("Este serviço"))
    assert "Portuguese" in found[portuguese][0]
    assert found["Si usted habla español, escriba MENU."] == []


# Readings the labelled corpus found wrong (tests/data/utterances.tsv), each to its own answer.
@pytest.mark.parametrize("said,expected", [
    ("perdí mi hoja de la corte", "Sin sus papeles, use su número A"),   # not a missed hearing
    ("que pasa si no voy", "Vaya a su audiencia aunque no tenga abogado"),
    ("gracias por todo", "Con gusto."),
    ("muchas gracias por la ayuda 🙏", "Con gusto."),
    ("I need a lawyer", "Usted puede tener abogado en la corte"),   # English the bot reads
    ("esto es del gobierno?", "Le escribe Mi Audiencia"),
    ("donde dan de comer", "¿En qué ciudad está?"),   # food help, not COMAR one letter away
    ("quiero que borren mi numero", "¿Quiere borrar todos sus datos?"),
])
def test_what_the_corpus_found_reaches_its_answer(phone, said, expected):
    phone.talk("hola", "gracias, es gratis?")
    assert expected in phone.send(said)


def test_a_greeting_with_a_hearings_date_and_time_starts_saving_it(phone):
    reply = phone.send("hola buenas tardes, me dieron cita en la corte de san diego para el 14 de "
                       "junio de 2027 a la 1 de la tarde, estoy en tijuana")
    assert "¿Cómo se llama la persona que tiene la audiencia?" in reply
