"""A spec file's data without the position of each node: the quick parse of a file.

Recording where every node stands is a third of what parsing a spec file costs, and a file
without a problem never needs it. `parse_data` builds the data alone, the way
`yaml_source.parse_documents` does, and gives up (None) on anything that is a problem there,
or that only it handles (tags, merge keys, duplicate keys, deep nesting, large expansions):
the caller then parses the file in full, which finds and places each problem. The
positions of a file parsed here are found when first asked for (gmac.load.lazy_positions).
"""

from __future__ import annotations

from typing import Any

import yaml

from gmac.load import yaml_source
from gmac.load.yaml_source import (
    MAP_TAG,
    MAX_DEPTH,
    MAX_NODES,
    NON_STRING_START,
    PLAIN_TAG,
    SEQ_TAG,
    STR_TAG,
)

_SCALAR, _SEQUENCE = yaml.ScalarNode, yaml.SequenceNode


class _GiveUpError(Exception):
    """Something the full parse must see: a problem, or a construct only it handles."""


class _Builder:
    def __init__(self) -> None:
        self._nodes = 0

    def value(self, node: yaml.Node, depth: int) -> Any:
        self._nodes += 1
        # Deeper than allowed, or more values than allowed (an alias bomb, or a recursive
        # alias, which nests without end): the full parse says so.
        if depth > MAX_DEPTH or self._nodes > MAX_NODES:
            raise _GiveUpError
        kind, tag = node.__class__, node.tag
        if kind is _SCALAR:
            text: str = node.value
            if tag == PLAIN_TAG:
                if not text or text[0] in NON_STRING_START:
                    return yaml_source.plain_scalar(text)
                return text
            if tag == STR_TAG:
                return text
            raise _GiveUpError  # `!!int 80`, `!custom`: the full parse types or refuses it
        if kind is _SEQUENCE:
            if tag != SEQ_TAG:
                raise _GiveUpError
            return [self.value(item, depth + 1) for item in node.value]
        if tag != MAP_TAG:
            raise _GiveUpError
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.__class__ is not _SCALAR or key_node.tag not in (PLAIN_TAG, STR_TAG):
                raise _GiveUpError  # a list or mapping as a key, or a merge key (`<<`)
            key: str = key_node.value
            if key == "<<" or key in mapping:
                raise _GiveUpError
            mapping[key] = self.value(value_node, depth + 1)
        return mapping


def parse_data(text: str) -> list[dict[str, Any]] | None:
    """The data of each non-empty document in `text`, or None when the file needs the full
    parse (`yaml_source.parse_documents`): it has a problem, or something only that handles."""
    if yaml_source.too_deep(text, "") is not None:
        return None
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml_source.SpecLoader))
    except (yaml.YAMLError, RecursionError):
        return None
    found: list[dict[str, Any]] = []
    try:
        for node in nodes:
            if node is None:
                continue
            data = _Builder().value(node, 0)
            if not isinstance(data, dict):
                return None  # a document that is not a mapping: a problem, or nothing
            found.append(data)
    except _GiveUpError:
        return None
    return found
