"""What the bot says matches the evidence: the court's line, the reminders, certainty, sources."""

from __future__ import annotations

import os
import re
import shutil

import pytest
from click.testing import CliRunner
from conftest import edit

from bot.cost import message_costs
from bot.dispatch import TEMPLATE_VARIABLES
from bot.engine import Engine
from bot.flows import FLOWS_DIR, check_command
from bot.i18n import LANGUAGES, Catalogs, load_catalogs
from bot.places import DATA_DIR, DataError
from bot.reference import load_reference

CATALOGS = Catalogs(load_catalogs())
SENTENCE = re.compile(r"(?<=[.!?:])\s+|\n")


@pytest.fixture(scope="module")
def engine():
    return Engine.load(catalogs=CATALOGS)


def said(engine, node_id: str, language: str = "es") -> str:
    """The text of a node's message(s) in a language, placeholders left as they are."""
    return "\n".join(CATALOGS.gettext(language, msgid) for msgid in engine.flows[node_id].say)


def every_message(engine, language: str) -> list[str]:
    return [CATALOGS.gettext(language, msgid) for msgid in CATALOGS.translations["es"]._catalog
            if isinstance(msgid, str) and msgid]


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_message_calls_the_courts_1800_line_free(engine, language):
    free = re.compile(r"\b(gratis|free)\b", re.IGNORECASE)
    for text in every_message(engine, language):
        if "1-800" not in text:
            continue
        # Neither the sentence naming the line nor the next may call it free: from Mexico it
        # may cost money or not connect (the website, named elsewhere, is free with internet).
        sentences = SENTENCE.split(text)
        for n, sentence in enumerate(sentences):
            if "1-800" in sentence:
                assert not free.search(" ".join(sentences[n:n + 2])), text


def test_case_status_leads_with_the_website_and_warns_the_line_may_cost(engine):
    text = said(engine, "case_status.start")
    assert text.index("acis.eoir.justice.gov/es") < text.index("1-800-898-7180")
    assert "gratis con internet" in text and "puede costar o no conectar" in text
    assert "Ninguna le da la hora para ir al puerto" in text and "{a_number_steps}" in text
    assert "acis.eoir.justice.gov/en" in said(engine, "case_status.start", "en")
    assert "acis.eoir.justice.gov/es" in said(engine, "reminders.monthly")


@pytest.mark.parametrize("node", ["reminders.week_before", "reminders.day_before"])
def test_the_reminders_before_a_hearing_state_the_consequence_and_ask_to_plan(engine, node):
    text = said(engine, node)
    assert "el juez puede ordenar su deportación" in text
    assert "Vaya aunque no tenga abogado" in text
    assert re.search(r"quién (va a cuidar|cuida) a sus niños", text)
    assert {"ina-240-b-5", "matter-of-jj-rodriguez"} <= set(engine.flows[node].sources)


def test_the_day_before_reminder_says_to_go_anyway_and_when_to_leave(engine):
    text = said(engine, "reminders.day_before")
    assert "Vaya aunque no tenga abogado ni papeles" in text
    assert "a qué hora va a salir" in text
    assert "Go even if you have no lawyer or papers" in said(engine, "reminders.day_before", "en")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_monthly_check_is_one_sms(engine, language):
    monthly = [c for c in message_costs(engine, CATALOGS, language) if c.node == "reminders.monthly"]
    assert [c.segments for c in monthly] == [1]


def test_four_hours_before_is_usual_never_almost_always(engine):
    four_hours = [t for t in every_message(engine, "es") if "4 horas antes" in t]
    assert len(four_hours) >= 3
    for text in four_hours:
        sentence = next(s for s in SENTENCE.split(text) if "4 horas antes" in s)
        assert "casi siempre" not in sentence.lower()
        assert "por lo general" in sentence.lower() and "a veces más temprano" in sentence
    assert "casi siempre viene en su hoja" in said(engine, "port.general")


def test_the_fear_answer_says_which_rules_and_that_today_is_uncertain(engine):
    text = said(engine, "rights.fear")
    assert "reglas de 2019, que volvieron en 2025" in text
    assert "No se sabe bien cómo se usan en 2025 y 2026" in text
    assert {"innovation-law-lab-v-wolf", "dhs-mpp-2025"} <= set(engine.flows["rights.fear"].sources)


def test_practices_of_2019_and_2020_are_told_as_past(engine):
    assert said(engine, "port.day").startswith("En 2019 y 2020, ese día llevaban")
    for text in every_message(engine, "es"):
        if "mismo día" in text or "carpa" in text:
            assert "2019" in text, text


def test_migracion_and_the_refugee_office_are_named_in_plain_words(engine):
    assert "Grupos Beta de Migración (INM)" in said(engine, "emergency.start")
    assert "Grupos Beta de Migración (INM)" in said(engine, "emergency.aside")
    comar = said(engine, "emergency.comar")
    assert "la oficina de refugio de México (COMAR)" in comar and "Migración (INM)" in comar
    for text in every_message(engine, "es"):
        assert not re.search(r"\b(del|el|al) INM\b|\ba la COMAR\b", text), text


def test_every_source_can_be_followed_and_names_its_facts_section():
    sources = load_reference().sources
    assert len(sources) >= 30
    for source in sources.values():
        assert (source.url or "").startswith("https://") or source.citation, source.id
        assert 1 <= source.facts <= 8, source.id
    assert sources["eoir-hotline"].facts == 4 and "toll-free inside the US" in \
        sources["eoir-hotline"].title
    assert sources["innovation-law-lab-v-wolf"].citation == \
        "Innovation Law Lab v. Wolf, 951 F.3d 1073 (9th Cir. 2020)"


@pytest.fixture
def data_dir(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


CASE = '    citation: "8 C.F.R. 1003.33"\n'


@pytest.mark.parametrize("old,new,message", [
    (CASE, "", "source cfr-1003-33: needs a url (https://...) or a full citation"),
    (CASE, '    citation: "  "\n', "source cfr-1003-33: needs a url (https://...) or a full citation"),
    (CASE, "    url: www.ecfr.gov\n", "source cfr-1003-33: needs a url (https://...) or a full citation"),
    (CASE + "    facts: 4\n", CASE, "source cfr-1003-33: needs facts: the FACTS section"),
    (CASE + "    facts: 4\n", CASE + "    facts: 9\n", "source cfr-1003-33: needs facts: the FACTS section"),
])
def test_flows_check_refuses_a_source_a_reviewer_cannot_follow(data_dir, old, new, message):
    edit(data_dir / "sources.yaml", old, new)
    with pytest.raises(DataError, match=re.escape(message)):
        load_reference(str(data_dir))
    result = CliRunner().invoke(check_command, ["--data", str(data_dir)])
    assert result.exit_code != 0 and message in result.output


def test_a_source_with_only_a_url_or_only_a_citation_is_enough(data_dir):
    edit(data_dir / "sources.yaml", CASE, "    url: https://www.ecfr.gov/current/title-8/section-1003.33\n")
    assert load_reference(str(data_dir)).sources["cfr-1003-33"].citation is None


def templates() -> dict[str, str]:
    """Each template of docs/TEMPLATES.md by kind, its indented lines joined."""
    with open(os.path.join(os.path.dirname(FLOWS_DIR), "docs", "TEMPLATES.md"), encoding="utf-8") as f:
        text = f.read()
    found = {}
    for block in text.split("## `TWILIO_TEMPLATE_")[1:]:
        kind = block.split("`", 1)[0].lower()
        found[kind] = "\n".join(line[4:] for line in block.splitlines() if line.startswith("    "))
    return found


def test_the_whatsapp_templates_say_what_the_reminders_say(engine):
    documented = templates()
    reminders = {"welcome", "week_before", "day_before", "hearing_day", "day_after", "monthly"}
    assert set(documented) >= reminders
    for kind, template in documented.items():
        if kind not in reminders:
            continue
        node = engine.flows[f"reminders.{kind}"]
        expected = "\n".join(node.say).replace("{this_hearing}", "{{1}}: {{2}}. Puerto: {{3}}.") \
            .replace("{this_report}", "{{4}}").replace("{name}", "{{1}}").replace("{shelter}", "{{1}}") \
            .replace("\n{travel_note}", "")   # the week-before template carries it in {{4}}
        expected += "".join(f"\n{n}. {o.label}" for n, o in enumerate(node.options, 1))
        assert template == expected, kind
        used = set(re.findall(r"\{\{(\d)\}\}", template))
        assert used == {str(n) for n in range(1, len(TEMPLATE_VARIABLES[kind]) + 1)}, kind


def test_every_message_naming_the_1800_line_warns_it_may_cost_or_not_connect_from_mexico(engine):
    warned = re.compile(r"desde méxico.*(costar|se cobra|no entra|no conectar)", re.IGNORECASE | re.DOTALL)
    naming = [text for text in every_message(engine, "es") if "1-800" in text]
    assert len(naming) >= 3
    for text in naming:
        assert warned.search(text), text
