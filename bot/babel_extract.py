"""A pybabel extractor for the sentences in flows/*.yaml (say, option labels, retry messages)."""

from __future__ import annotations

from collections.abc import Iterator

import yaml

MESSAGE_KEYS = {"say", "label", "retry"}


def _scalars(node: yaml.Node) -> Iterator[yaml.ScalarNode]:
    if isinstance(node, yaml.ScalarNode):
        yield node
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _scalars(item)
    elif isinstance(node, yaml.MappingNode):
        for _, value in node.value:
            yield from _scalars(value)


def _messages(node: yaml.Node) -> Iterator[yaml.ScalarNode]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value in MESSAGE_KEYS:
                yield from _scalars(value)
            else:
                yield from _messages(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _messages(item)


def extract_flows(fileobj, keywords, comment_tags, options) -> Iterator[tuple]:
    """Yield (line, function, message, comments) for each sentence of a flow file."""
    root = yaml.compose(fileobj.read().decode(options.get("encoding", "utf-8")))
    if root is None:
        return
    for scalar in _messages(root):
        yield scalar.start_mark.line + 1, None, scalar.value, []
