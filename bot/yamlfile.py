"""Read the project's YAML files the way YAML 1.2 reads them: no, yes, on, off and 8:30 stay text."""

from __future__ import annotations

import re
from typing import IO, Any

import yaml

_BOOL, _INT, _FLOAT = "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"


class StrictLoader(yaml.SafeLoader):
    """A safe loader whose plain scalars follow the YAML 1.2 core schema.

    YAML 1.1 (PyYAML's default) reads `no`, `yes`, `on`, `off` as booleans and `8:30` as the
    number 510: an answer word `no` became False and matched every message. Here only
    true/false are booleans and only plain decimals are numbers; everything else is text.
    """

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_BOOL, _INT, _FLOAT)]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


StrictLoader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
# Decimal only: a leading zero ("0123") or a clock ("1:30") is a code or a time, kept as text.
StrictLoader.add_implicit_resolver(
    _INT, re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789"))
StrictLoader.add_implicit_resolver(
    _FLOAT, re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
    list("-+.0123456789"))


def load(stream: str | IO[str]) -> Any:
    """Parse one YAML document with the strict loader."""
    return yaml.load(stream, Loader=StrictLoader)  # noqa: S506 (a SafeLoader subclass)
