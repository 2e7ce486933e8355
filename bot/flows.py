"""Conversation flows as data: load the YAML files in flows/, check them, and refuse a broken one."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import click
import yaml

from . import yamlfile
from .i18n import LANGUAGES, Catalogs
from .inputs import CHECKS, INPUTS, REASONS, Option
from .places import DATA_DIR
from .views import VIEWS, placeholders

FLOWS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "flows")
_HEARING = ("city", "date", "time", "report_time")
# Each action and the draft fields it may read. Nothing else typed in the conversation reaches
# it, so an answer left from another task can never be written into a record.
EFFECTS: dict[str, tuple[str, ...]] = {
    "save_hearing": ("hearing_id", "person_id", "name", "a_number", *_HEARING),
    "delete_hearing": ("hearing_id",),
    "close_hearing": ("hearing_id",),
    "keep_own_date": ("hearing_id",),
    "set_hearing_day": ("hearing_id", "leave_time"),
    "add_person": ("name", "a_number"),
    "remove_person": ("person_id",),
    "set_language": ("language",),
    "opt_out": (),
    "opt_in": (),
    "delete_contact": (),
    "register_for_shelter": ("phone", "whatsapp", "name", "a_number", *_HEARING),
    # The city is the registration's own, never a draft's.
    "update_registration": ("hearing_id", "date", "time", "report_time"),
    "cancel_registration": ("hearing_id",),
}
# written_in: the node answers in that language on purpose (a note for translators).
NODE_KEYS = {"say", "options", "wait", "check", "do", "routes", "next", "end", "entry", "sources",
             "legal", "wait_hours", "written_in"}
WAIT_KEYS = {"input", "save", "retry"}


class FlowError(ValueError):
    """One or more flows are broken; the message names each file and node."""


@dataclass(frozen=True)
class Wait:
    input: str
    save: str | None
    retry: dict[str, str]        # reason -> msgid; "unknown" always present


@dataclass(frozen=True)
class Node:
    id: str                      # "flow.node"
    say: tuple[str, ...] = ()
    options: tuple[Option, ...] = ()
    wait: Wait | None = None
    check: str | None = None
    do: tuple[str, ...] = ()
    routes: dict[str, str] = field(default_factory=dict)
    next: str | None = None
    end: bool = False
    sources: tuple[str, ...] = ()   # ids in data/sources.yaml for the facts this node states
    legal: bool = False             # legal information: the engine adds that it is not advice
    wait_hours: int | None = None   # how long its question stays open, instead of the usual TTL

    def messages(self) -> Iterable[str]:
        yield from self.say
        yield from (o.label for o in self.options)
        if self.wait:
            yield from self.wait.retry.values()


@dataclass(frozen=True)
class Flows:
    nodes: dict[str, Node]
    paths: dict[str, str]        # flow name -> file
    starts: frozenset[str] = frozenset()   # each flow's first node: entering one begins a task

    def __getitem__(self, node_id: str) -> Node:
        return self.nodes[node_id]


def _as_tuple(value) -> tuple:
    if value is None:
        return ()
    return tuple(value) if isinstance(value, list) else (value,)


def _target(flow: str, name: str) -> str:
    return name if "." in name else f"{flow}.{name}"


class _Loader:
    def __init__(self, sources: set[str] | None):
        self.sources = sources
        self.errors: list[str] = []
        self.nodes: dict[str, Node] = {}
        self.paths: dict[str, str] = {}
        self.roots: set[str] = set()
        self.starts: set[str] = set()

    def fail(self, path: str, node: str | None, message: str) -> None:
        where = f"{path}: node {node}" if node else path
        self.errors.append(f"{where}: {message}")

    def load_file(self, path: str) -> None:
        try:
            with open(path, encoding="utf-8") as f:
                data = yamlfile.load(f)
        except yaml.YAMLError as exc:
            self.fail(path, None, f"not valid YAML: {exc}")
            return
        if not isinstance(data, dict) or not isinstance(data.get("nodes"), dict):
            self.fail(path, None, "needs 'flow', 'start' and a 'nodes' mapping")
            return
        flow = data.get("flow") or os.path.splitext(os.path.basename(path))[0]
        if flow in self.paths:
            self.fail(path, None, f"flow {flow!r} is also defined in {self.paths[flow]}")
            return
        self.paths[flow] = path
        start = data.get("start")
        if start not in data["nodes"]:
            self.fail(path, None, f"start node {start!r} does not exist")
        else:
            self.roots.add(f"{flow}.{start}")
            self.starts.add(f"{flow}.{start}")
        for name, spec in data["nodes"].items():
            node = self.load_node(path, flow, str(name), spec or {})
            # Every node that speaks says where its facts come from (an empty list says, on
            # purpose, that it states none), so a reviewer can check every claim.
            if (spec or {}).get("say") and "sources" not in (spec or {}):
                self.fail(path, str(name), "states facts without sources")
            if node:
                self.nodes[node.id] = node
                if (spec or {}).get("entry"):
                    self.roots.add(node.id)

    def load_node(self, path: str, flow: str, name: str, spec: dict) -> Node | None:
        unknown = set(spec) - NODE_KEYS
        if unknown:
            self.fail(path, name, f"unknown keys {sorted(unknown)}")
        options = []
        for raw in spec.get("options") or []:
            pattern = None
            if raw.get("pattern"):
                try:
                    pattern = re.compile(raw["pattern"])
                except re.error as exc:
                    self.fail(path, name, f"bad pattern {raw['pattern']!r}: {exc}")
            if not raw.get("value") or not raw.get("label"):
                self.fail(path, name, "every option needs a value and a label")
                continue
            for word in _as_tuple(raw.get("words")):
                # A number or true/false would be compared as text that nobody types, or
                # (as None or False) match every message.
                if not isinstance(word, str) or not word.strip():
                    self.fail(path, name, f"option {raw['value']}: word {word!r} is not text; "
                                          "put it in quotes")
            options.append(Option(str(raw["value"]), raw["label"],
                                  tuple(_as_tuple(raw.get("words"))), pattern))
        wait = None
        if "wait" in spec:
            w = spec["wait"] or {}
            if set(w) - WAIT_KEYS:
                self.fail(path, name, f"unknown wait keys {sorted(set(w) - WAIT_KEYS)}")
            retry = w.get("retry")
            retry = dict(retry) if isinstance(retry, dict) else {"unknown": retry}
            wait = Wait(w.get("input", ""), w.get("save"), retry)
        routes = {str(k): _target(flow, v) for k, v in (spec.get("routes") or {}).items()}
        return Node(
            id=f"{flow}.{name}", say=_as_tuple(spec.get("say")), options=tuple(options),
            wait=wait, check=spec.get("check"), do=_as_tuple(spec.get("do")), routes=routes,
            next=_target(flow, spec["next"]) if spec.get("next") else None,
            end=bool(spec.get("end")), sources=_as_tuple(spec.get("sources")),
            legal=bool(spec.get("legal")), wait_hours=spec.get("wait_hours"))

    def check(self, catalogs: Catalogs | None, required: Iterable[str]) -> None:
        for node_id in required:
            if node_id not in self.nodes:
                self.fail(self.path_of(node_id), node_id, "is needed by the engine but missing")
            self.roots.add(node_id)
        for node in self.nodes.values():
            self.check_node(node, catalogs)
        self.check_reachable()

    def path_of(self, node_id: str) -> str:
        return self.paths.get(node_id.split(".")[0], FLOWS_DIR)

    def check_node(self, node: Node, catalogs: Catalogs | None) -> None:
        path, name = self.path_of(node.id), node.id.split(".", 1)[1]
        for target in [*node.routes.values(), *([node.next] if node.next else [])]:
            if target not in self.nodes:
                self.fail(path, name, f"unknown target {target!r}")
        outcomes: set[str] = set()
        if node.wait:
            kind = INPUTS.get(node.wait.input)
            if kind is None:
                self.fail(path, name, f"unknown input {node.wait.input!r}")
                return
            outcomes = set(kind.outcomes) or {o.value for o in node.options}
            if node.wait.input == "choice" and not node.options:
                self.fail(path, name, "a choice needs options")
            if not node.wait.retry.get("unknown"):
                self.fail(path, name, "a wait needs a retry message for an unclear answer")
            allowed = {"unknown"} | REASONS.get(node.wait.input, set())
            if set(node.wait.retry) - allowed:
                self.fail(path, name, f"retry reasons must be among {sorted(allowed)}")
        if node.check:
            if node.check not in CHECKS:
                self.fail(path, name, f"unknown check {node.check!r}")
            outcomes = {"yes", "no"}
        if node.wait and node.check:
            self.fail(path, name, "a node either waits or checks, not both")
        if set(node.routes) - outcomes:
            self.fail(path, name, f"routes {sorted(set(node.routes) - outcomes)} can never "
                                  f"happen; outcomes are {sorted(outcomes)}")
        if outcomes - set(node.routes) and not node.next:
            self.fail(path, name, f"no way on for {sorted(outcomes - set(node.routes))}: "
                                  "add routes or next")
        if not outcomes and not node.next and not node.end:
            self.fail(path, name, "dead end: give it next or end: true")
        for effect in node.do:
            if effect not in EFFECTS:
                self.fail(path, name, f"unknown action {effect!r}")
        if self.sources is not None:
            for source in node.sources:
                if source not in self.sources:
                    self.fail(path, name, f"unknown source {source!r}")
        for msgid in node.messages():
            self.check_message(path, name, msgid, catalogs)

    def check_message(self, path: str, name: str, msgid, catalogs: Catalogs | None) -> None:
        if not isinstance(msgid, str) or not msgid.strip():
            self.fail(path, name, "empty message")
            return
        fields = placeholders(msgid)
        if fields is None:
            self.fail(path, name, f"bad placeholder in {msgid[:40]!r}")
            return
        for unknown in fields - set(VIEWS):
            self.fail(path, name, f"unknown placeholder {{{unknown}}} in {msgid[:40]!r}")
        if catalogs is None:
            return
        for language in LANGUAGES:
            translated = catalogs.translations[language]._catalog.get(msgid)
            if not translated:
                self.fail(path, name, f"message missing in {language!r}: {msgid[:50]!r}")
            elif placeholders(translated) != fields:
                self.fail(path, name, f"{language!r} translation changes the placeholders "
                                      f"of {msgid[:40]!r}")

    def check_reachable(self) -> None:
        seen, todo = set(), [r for r in self.roots if r in self.nodes]
        while todo:
            node_id = todo.pop()
            if node_id in seen:
                continue
            seen.add(node_id)
            node = self.nodes[node_id]
            todo.extend(t for t in [*node.routes.values(), node.next] if t in self.nodes)
        for node_id in sorted(set(self.nodes) - seen):
            self.fail(self.path_of(node_id), node_id.split(".", 1)[1], "unreachable")


def load_flows(directory: str = FLOWS_DIR, catalogs: Catalogs | None = None,
               required: Iterable[str] = (), sources: set[str] | None = None) -> Flows:
    """Load and check every flow file; raise FlowError listing every problem."""
    loader = _Loader(sources)
    for filename in sorted(os.listdir(directory)):
        if filename.endswith((".yaml", ".yml")):
            loader.load_file(os.path.join(directory, filename))
    loader.check(catalogs, required)
    if loader.errors:
        raise FlowError("\n".join(loader.errors))
    return Flows(loader.nodes, loader.paths, frozenset(loader.starts))


@click.group("flows")
def flows_cli() -> None:
    """Check the conversation flows."""


@flows_cli.command("check")
@click.option("--dir", "directory", default=FLOWS_DIR, show_default=True,
              help="Folder of the flow files.")
@click.option("--data", "data_dir", default=DATA_DIR, show_default=True,
              help="Folder of the reference data (sources, places, organizations).")
def check_command(directory: str, data_dir: str) -> None:
    """Validate the flows, words and reference data; works even when the app won't start."""
    from .engine import Engine
    from .i18n import load_catalogs

    try:
        engine = Engine.load(directory, Catalogs(load_catalogs()), data_dir)
    except (ValueError, OSError, RuntimeError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{len(engine.flows.paths)} flows, {len(engine.flows.nodes)} nodes, "
               f"{len(engine.cities)} cities: OK")


@flows_cli.command("cost")
@click.option("--language", type=click.Choice(["es", "en"]), default="es", show_default=True)
@click.option("--keep-accents", is_flag=True, help="Price SMS with á í ó ú kept (UCS-2).")
def cost_command(language: str, keep_accents: bool) -> None:
    """Print the SMS segments and readability of every message and of whole conversations."""
    from .cost import (
        MIN_READABILITY,
        SAMPLE_NOW,
        median_readability,
        message_costs,
        path_costs,
    )
    from .engine import Engine
    from .i18n import load_catalogs
    from .sms import MAX_SMS_SEGMENTS

    catalogs = Catalogs(load_catalogs())
    engine = Engine.load(catalogs=catalogs)
    costs = message_costs(engine, catalogs, language, keep_accents)
    click.echo(f"Messages rendered for a sample family on {SAMPLE_NOW:%Y-%m-%d}, as SMS "
               f"({language}); budget {MAX_SMS_SEGMENTS} segments, readability >= "
               f"{MIN_READABILITY:g} (Fernández-Huerta, Spanish only)")
    click.echo(f"{'node':34} {'seg':>3} {'enc':6} {'chars':>5} {'readab.':>7}")
    for c in costs:
        score = f"{c.readability:7.1f}" if c.readability is not None else "      -"
        flag = "  <-- over budget" if c.segments > MAX_SMS_SEGMENTS else ""
        click.echo(f"{c.node:34} {c.segments:>3} {c.encoding:6} {len(c.text):>5} {score}{flag}")
    if language == "es":
        click.echo(f"median readability: {median_readability(costs):.1f}")
    click.echo("\nWhole conversations (segments of each reply):")
    for name, segments in path_costs(engine, catalogs, language, keep_accents):
        click.echo(f"  {name:20} {sum(segments):>3} segments in {len(segments)} replies: "
                   f"{' '.join(map(str, segments))}")
