"""The flow files are checked at start: broken ones are refused with the file and node named."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner
from conftest import edit

from bot.engine import Engine
from bot.flows import FLOWS_DIR, FlowError, check_command
from bot.i18n import Catalogs, load_catalogs


@pytest.fixture(scope="module")
def catalogs():
    return Catalogs(load_catalogs())


@pytest.fixture
def flows_dir(tmp_path):
    target = tmp_path / "flows"
    shutil.copytree(FLOWS_DIR, target)
    return target




def test_the_shipped_flows_are_valid(catalogs):
    flows = Engine.load(FLOWS_DIR, catalogs).flows
    assert {"menu", "register", "my_hearing", "family"} <= set(flows.paths)


def test_flows_check_command_passes():
    result = CliRunner().invoke(check_command, [])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output


BREAKAGES = [
    ("register.yaml", "    next: ask_date\n", "    next: ask_dat\n", "register.yaml: node ask_city",
     "unknown target 'register.ask_dat'"),
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
    edit(flows_dir / "register.yaml", '      "yes": ask_time\n      "no": ask_date\n',
         '      "yes": ask_time\n')
    with pytest.raises(FlowError, match=r"node confirm_far: no way on for \['no'\]"):
        Engine.load(str(flows_dir), catalogs)


def test_invalid_yaml_names_the_file(flows_dir, catalogs):
    (flows_dir / "broken.yaml").write_text("flow: broken\nnodes: [\n", encoding="utf-8")
    with pytest.raises(FlowError, match="broken.yaml: not valid YAML"):
        Engine.load(str(flows_dir), catalogs)


def test_the_app_refuses_to_start_on_a_broken_flow(flows_dir, tmp_path):
    from bot import create_app

    edit(flows_dir / "register.yaml", "    next: ask_date\n", "    next: nowhere\n")
    with pytest.raises(FlowError, match="unknown target"):
        create_app({"TESTING": True, "DATABASE": str(tmp_path / "db.sqlite3"),
                    "SECRET_KEY": "k", "FLOWS_DIR": str(flows_dir)}, instance_path=tmp_path)
