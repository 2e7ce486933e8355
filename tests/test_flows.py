"""The flow files are checked at start: broken ones are refused with the file and node named."""

from __future__ import annotations

import datetime as dt
import os
import shutil

import pytest
from click.testing import CliRunner
from conftest import choose, edit

from bot import yamlfile
from bot.engine import Engine
from bot.flows import FLOWS_DIR, FlowError, check_command
from bot.i18n import Catalogs, load_catalogs
from bot.places import DATA_DIR, DataError, load_places
from bot.understanding import WORDS_PATH, Vocabulary


@pytest.fixture(scope="module")
def catalogs():
    return Catalogs(load_catalogs())


@pytest.fixture
def flows_dir(tmp_path):
    target = tmp_path / "flows"
    shutil.copytree(FLOWS_DIR, target)
    return target


def test_yaml_words_mean_what_they_say():
    data = yamlfile.load("w: [no, yes, on, off, No, Y, n, 8:30, 0123, 1:30:00]\n"
                         "n: [12, -3, 1.5, true, false, ~, 2026-11-22]\n")
    assert data["w"] == ["no", "yes", "on", "off", "No", "Y", "n", "8:30", "0123", "1:30:00"]
    assert data["n"] == [12, -3, 1.5, True, False, None, dt.date(2026, 11, 22)]


def test_the_shipped_flows_keep_no_as_a_word(catalogs):
    flows = Engine.load(FLOWS_DIR, catalogs).flows
    words = [w for node in flows.nodes.values() for o in node.options for w in o.words]
    assert words and all(isinstance(w, str) for w in words)
    assert ("menu", "no") in [o.words for o in flows["rights.more"].options]


def test_a_rights_answer_is_followed_by_a_question_that_reads_its_answer(phone):
    reply = phone.send(choose(phone.send("hola"), "Mis derechos"))
    reply = phone.send(choose(reply, "Intérprete"))
    assert "¿Quiere saber algo más?" in reply
    # "no" read as false matched every message: a topic word went to the main menu.
    reply = phone.send("abogado")
    assert "Usted puede tener abogado" in reply and "¿Qué quiere hacer?" not in reply
    reply = phone.send("tal vez")
    assert "Escriba el número de la opción." in reply and "¿Qué quiere hacer?" not in reply
    reply = phone.send(choose(reply, "Otro tema"))
    reply = phone.send(choose(reply, "Intérprete"))
    assert "¿Qué quiere hacer?" in phone.send("no")


def test_a_word_that_is_not_text_in_the_data_is_refused(tmp_path):
    words = tmp_path / "words.yaml"
    shutil.copy(WORDS_PATH, words)
    edit(words, "  cancel: [", "  cancel: [true, 7, ")
    with pytest.raises(ValueError, match=r"words.yaml: commands cancel: word True is not text"):
        Vocabulary.load(str(words))
    shutil.copy(os.path.join(DATA_DIR, "places.yaml"), tmp_path / "places.yaml")
    edit(tmp_path / "places.yaml", "words: [", "words: [off, 12, ")
    with pytest.raises(DataError, match=r"places.yaml: (city|report place) \w+: word 12 is not text"):
        load_places(str(tmp_path))


def test_the_shipped_flows_are_valid(catalogs):
    flows = Engine.load(FLOWS_DIR, catalogs).flows
    assert {"menu", "register", "my_hearing", "family"} <= set(flows.paths)


def test_flows_check_command_passes():
    result = CliRunner().invoke(check_command, [])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output


BREAKAGES = [
    ("register.yaml", "    next: after_city\n", "    next: after_cty\n", "register.yaml: node ask_city",
     "unknown target 'register.after_cty'"),
    ("register.yaml", "      far: confirm_far\n", "", "register.yaml: node confirm_far",
     "unreachable"),
    ("menu.yaml", "        words: [familia]\n",
     "        words: [familia]\n        pattern: \"fam(ilia\"\n", "menu.yaml: node menu",
     "bad pattern"),
    ("register.yaml", "input: date", "input: fecha", "register.yaml: node ask_date",
     "unknown input 'fecha'"),
    ("register.yaml", "{summary}", "{resumen}", "register.yaml: node confirm",
     "unknown placeholder {resumen}"),
    ("my_hearing.yaml", "do: delete_hearing", "do: delete_everything",
     "my_hearing.yaml: node removed", "unknown action"),
    ("rights.yaml", "words: [menu, no]", "words: [menu, 12]", "rights.yaml: node more",
     "option menu: word 12 is not text"),
    ("rights.yaml", "words: [menu, no]", "words: [menu, ~]", "rights.yaml: node more",
     "option menu: word None is not text"),
    ("rights.yaml", "words: [menu, no]", "words: [menu, true]", "rights.yaml: node more",
     "option menu: word True is not text"),
]


@pytest.mark.parametrize("filename,old,new,where,what", BREAKAGES)
def test_a_broken_flow_is_refused_naming_file_and_node(flows_dir, catalogs, filename, old, new,
                                                        where, what):
    edit(flows_dir / filename, old, new)
    with pytest.raises(FlowError) as error:
        Engine.load(str(flows_dir), catalogs)
    assert any(where in line and what in line for line in str(error.value).splitlines()), \
        str(error.value)
    result = CliRunner().invoke(check_command, ["--dir", str(flows_dir)])
    assert result.exit_code != 0 and what in result.output


def test_a_message_missing_in_a_shipped_language_is_refused(flows_dir, catalogs):
    edit(flows_dir / "menu.yaml", '"Borramos todos sus datos.', '"Borramos todo, todo.')
    with pytest.raises(FlowError) as error:
        Engine.load(str(flows_dir), catalogs)
    assert "menu.yaml: node deleted: message missing in 'es'" in str(error.value)
    assert "menu.yaml: node deleted: message missing in 'en'" in str(error.value)


def test_a_node_the_engine_needs_cannot_be_removed(flows_dir, catalogs):
    edit(flows_dir / "menu.yaml", "  no_text:\n", "  sin_texto:\n")
    with pytest.raises(FlowError, match="menu.no_text: is needed by the engine"):
        Engine.load(str(flows_dir), catalogs)


def test_a_wait_must_route_every_answer(flows_dir, catalogs):
    edit(flows_dir / "register.yaml", '      "yes": after_date\n      "no": ask_date\n',
         '      "yes": after_date\n')
    with pytest.raises(FlowError, match=r"node confirm_far: no way on for \['no'\]"):
        Engine.load(str(flows_dir), catalogs)


def test_invalid_yaml_names_the_file(flows_dir, catalogs):
    (flows_dir / "broken.yaml").write_text("flow: broken\nnodes: [\n", encoding="utf-8")
    with pytest.raises(FlowError, match="broken.yaml: not valid YAML"):
        Engine.load(str(flows_dir), catalogs)


def test_the_app_refuses_to_start_on_a_broken_flow(flows_dir, tmp_path):
    from bot import create_app

    edit(flows_dir / "register.yaml", "    next: after_city\n", "    next: nowhere\n")
    with pytest.raises(FlowError, match="unknown target"):
        create_app({"TESTING": True, "DATABASE": str(tmp_path / "db.sqlite3"),
                    "SECRET_KEY": "k", "FLOWS_DIR": str(flows_dir)}, instance_path=tmp_path)
