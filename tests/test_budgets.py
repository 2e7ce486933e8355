"""SMS cost and plain-language budgets, and the checks on reference data."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner
from conftest import edit

from bot.cost import (
    MIN_MEDIAN_READABILITY,
    MIN_READABILITY,
    median_readability,
    message_costs,
    path_costs,
)
from bot.engine import Engine
from bot.flows import FLOWS_DIR, FlowError, check_command, cost_command
from bot.i18n import Catalogs, load_catalogs
from bot.places import DATA_DIR, DataError
from bot.reference import load_reference
from bot.sms import MAX_SMS_SEGMENTS

CATALOGS = Catalogs(load_catalogs())


@pytest.fixture(scope="module")
def engine():
    return Engine.load(catalogs=CATALOGS)


@pytest.mark.parametrize("language", ["es", "en"])
def test_no_message_is_above_three_sms_segments(engine, language):
    over = [(c.node, c.segments) for c in message_costs(engine, CATALOGS, language)
            if c.segments > MAX_SMS_SEGMENTS]
    assert over == []


@pytest.mark.parametrize("language", ["es", "en"])
def test_no_reply_in_a_whole_conversation_is_above_three_segments(engine, language):
    for name, segments in path_costs(engine, CATALOGS, language):
        assert max(segments) <= MAX_SMS_SEGMENTS, (name, segments)


def test_sms_messages_are_gsm7(engine):
    assert {c.encoding for c in message_costs(engine, CATALOGS, "es")} == {"GSM-7"}


def test_every_spanish_message_is_plain_and_the_median_plainer(engine):
    costs = message_costs(engine, CATALOGS, "es")
    hard = [(c.node, round(c.readability, 1)) for c in costs if c.readability < MIN_READABILITY]
    assert hard == []
    assert median_readability(costs) >= MIN_MEDIAN_READABILITY


def test_flows_cost_prints_every_message_and_the_paths():
    result = CliRunner().invoke(cost_command, [])
    assert result.exit_code == 0, result.output
    assert "rights.fear" in result.output and "median readability" in result.output
    assert "register a hearing" in result.output and "ask the port time" in result.output


@pytest.fixture
def data_dir(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target




@pytest.mark.parametrize("filename,old,new,message", [
    ("places.yaml", "court_zone: America/Denver", "court_zone: America/El_Paso",
     "report place el_paso: unknown time zone 'America/El_Paso'"),
    ("places.yaml", "zone: America/Hermosillo", "zone: UTC-7",
     "city nogales: unknown time zone 'UTC-7'"),
    ("places.yaml", "sources: [kera-juarez-4am, tz-database]", "sources: [kera-juarez, tz-database]",
     "city ciudad_juarez: unknown source 'kera-juarez'"),
    ("organizations.yaml", "sources: [facts-organizations]", "sources: [nobody-said-so]",
     "organization Al Otro Lado: unknown source 'nobody-said-so'"),
    ("organizations.yaml", "    kind: legal\n", "    kind: legal\n    phone: '+52 664 000 0000'\n",
     "organization Al Otro Lado: a phone number is shown only once verified"),
    ("places.yaml", "    returned_through: Calexico\n", "", "city mexicali: missing ['returned_through']"),
    ("places.yaml", "    report: el_paso\n    travel", "    report: juarez\n    travel",
     "city nogales: unknown report place 'juarez'"),
    ("places.yaml", "travel: {km_over: 160, sources: [sdut-mexicali-2019]}",
     "travel: {km_over: 160, sources: [somebody]}", "city mexicali: unknown source 'somebody'"),
])
def test_broken_reference_data_is_refused_by_flows_check(data_dir, filename, old, new, message):
    edit(data_dir / filename, old, new)
    with pytest.raises(DataError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_reference(str(data_dir))
    result = CliRunner().invoke(check_command, ["--data", str(data_dir)])
    assert result.exit_code != 0 and message in result.output


def test_a_flow_citing_an_unknown_source_is_refused(tmp_path):
    flows = tmp_path / "flows"
    shutil.copytree(FLOWS_DIR, flows)
    edit(flows / "rights.yaml", "sources: [eoir-language-access, cfr-1003-33]",
         "sources: [eoir-language-access, my-cousin]")
    with pytest.raises(FlowError, match="rights.yaml: node interpreter: unknown source 'my-cousin'"):
        Engine.load(str(flows), CATALOGS)
    result = CliRunner().invoke(check_command, ["--dir", str(flows)])
    assert result.exit_code != 0 and "unknown source 'my-cousin'" in result.output


def test_a_fact_without_sources_is_refused(tmp_path):
    flows = tmp_path / "flows"
    shutil.copytree(FLOWS_DIR, flows)
    edit(flows / "port.yaml", "    sources: [sdut-ktsa-transport-2019]\n", "")
    with pytest.raises(FlowError, match="port.yaml: node day: states facts without sources"):
        Engine.load(str(flows), CATALOGS)


def test_a_verified_phone_is_shown(data_dir, engine):
    from bot.context import Context
    from bot.cost import SAMPLE_NOW
    from bot.views import ViewInput, render, view_organizations

    edit(data_dir / "organizations.yaml", "    kind: legal\n",
         "    kind: legal\n    phone: '+52 664 000 0000'\n    verified: true\n")
    reference = load_reference(str(data_dir))
    text = render(view_organizations(ViewInput({"city": "tijuana"}, Context(), reference,
                                               SAMPLE_NOW)), "es", CATALOGS)
    assert "- Al Otro Lado (ayuda legal): +52 664 000 0000" in text
    assert "- Casa del Migrante (albergue)" in text
