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


LANGUAGE_NAMES = {"pt": "Portuguese", "fr": "French", "ht": "Haitian Creole"}


def _messages(node: yaml.Node, comments: tuple[str, ...] = ()) -> Iterator[tuple]:
    if isinstance(node, yaml.MappingNode):
        keys = {key.value: value for key, value in node.value if isinstance(key, yaml.ScalarNode)}
        written_in = keys.get("written_in")
        if isinstance(written_in, yaml.ScalarNode):
            # Answers to a message in another language: a translator must leave them as they are.
            name = LANGUAGE_NAMES.get(written_in.value, written_in.value)
            comments = (f"Written in {name} on purpose: keep this text as it is in every catalog.",)
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value in MESSAGE_KEYS:
                yield from ((scalar, comments) for scalar in _scalars(value))
            else:
                yield from _messages(value, comments)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _messages(item, comments)


def extract_flows(fileobj, keywords, comment_tags, options) -> Iterator[tuple]:
    """Yield (line, function, message, comments) for each sentence of a flow file."""
    root = yaml.compose(fileobj.read().decode(options.get("encoding", "utf-8")))
    if root is None:
        return
    for scalar, comments in _messages(root):
        yield scalar.start_mark.line + 1, None, scalar.value, list(comments)
