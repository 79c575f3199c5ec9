"""YAML text to plain data, keeping the position of every node.

Scalars follow the YAML 1.2 core schema, not PyYAML's 1.1 default: `on`, `no` and `yes` stay
strings (the "Norway problem"), and dates stay strings. Keys are always strings. Duplicate keys,
recursive aliases and alias bombs are reported as problems instead of being silently accepted.
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml

from gmac.errors import Problem
from gmac.load.documents import Document, SourceMap, YamlPath

# libyaml's composer is ~10x faster than the pure-Python one and keeps the same marks.
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_DEPTH = 64
MAX_NODES = 200_000

_TAG = "tag:yaml.org,2002:"
_IMPLICIT_TAGS = {f"{_TAG}{name}" for name in ("null", "bool", "int", "float", "timestamp")}
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^[-+]?[0-9]+$")
_OCT = re.compile(r"^0o[0-7]+$")
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")


class _InvalidDocumentError(Exception):
    """A problem that makes the rest of one document meaningless."""

    def __init__(self, node: yaml.Node, message: str) -> None:
        super().__init__(message)
        self.node = node


def _position(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _plain_scalar(text: str) -> Any:
    if _NULL.match(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT.match(text):
        return int(text)
    if _OCT.match(text):
        return int(text[2:], 8)
    if _HEX.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN.match(text):
        return math.nan
    return text


class _Converter:
    """Walks one composed document, building data and its SourceMap."""

    def __init__(self, file: str) -> None:
        self.values: dict[YamlPath, tuple[int, int]] = {}
        self.keys: dict[YamlPath, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self._file = file
        self._active: set[int] = set()
        self._visited = 0

    def problem(self, node: yaml.Node, path: YamlPath, message: str) -> None:
        line, column = _position(node)
        dotted = ".".join(str(part) for part in path)
        self.problems.append(Problem(self._file, line, column, dotted, message))

    def convert(self, node: yaml.Node, path: YamlPath) -> Any:
        self._visited += 1
        if self._visited > MAX_NODES:
            raise _InvalidDocumentError(node, f"document expands to more than {MAX_NODES} values")
        if len(path) > MAX_DEPTH:
            raise _InvalidDocumentError(node, f"nesting deeper than {MAX_DEPTH} levels")
        if id(node) in self._active:
            raise _InvalidDocumentError(node, "an alias refers to a node that contains it")
        self.values.setdefault(path, _position(node))
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        self._active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                if node.tag != f"{_TAG}seq":
                    self.problem(node, path, f"unsupported tag '{node.tag}'")
                return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
            if node.tag != f"{_TAG}map":
                self.problem(node, path, f"unsupported tag '{node.tag}'")
            assert isinstance(node, yaml.MappingNode)  # the composer makes only three kinds
            return self._mapping(node, path)
        finally:
            self._active.discard(id(node))

    def _scalar(self, node: yaml.ScalarNode, path: YamlPath) -> Any:
        text: str = node.value
        # libyaml marks a plain scalar with style "", the pure-Python parser with None.
        if not node.style and node.tag in _IMPLICIT_TAGS:
            return _plain_scalar(text)
        if node.tag not in (f"{_TAG}str", *_IMPLICIT_TAGS):
            self.problem(node, path, f"unsupported tag '{node.tag}'")
        return text

    def _mapping(self, node: yaml.MappingNode, path: YamlPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_seen: dict[str, yaml.Node] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == f"{_TAG}merge":
                merged.update(self._merge_source(value_node, path))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(key_node, path, "a key must be a plain string, not a list or mapping")
                continue
            key = str(key_node.value)
            if key in first_seen:
                line, _ = _position(first_seen[key])
                self.problem(key_node, (*path, key), f"duplicate key (first given at line {line})")
                continue
            first_seen[key] = key_node
            self.keys[(*path, key)] = _position(key_node)
            result[key] = self.convert(value_node, (*path, key))
        return {**merged, **result}

    def _merge_source(self, node: yaml.Node, path: YamlPath) -> dict[str, Any]:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        merged: dict[str, Any] = {}
        for source in reversed(sources):
            value = self.convert(source, path)
            if not isinstance(value, dict):
                self.problem(source, path, "'<<' merges only mappings")
                continue
            merged.update(value)
        return merged


def _syntax_problem(file: str, error: Exception) -> Problem:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    reason = getattr(error, "problem", None) or str(error).splitlines()[0]
    return Problem(file, line, column, "", f"invalid YAML: {reason}")


def parse_documents(text: str, file: str) -> tuple[list[Document], list[Problem]]:
    """Every non-empty document in `text`, and every problem found reading it."""
    documents: list[Document] = []
    problems: list[Problem] = []
    try:
        nodes = list(yaml.compose_all(text, Loader=_BaseLoader))
    except yaml.YAMLError as error:
        return [], [_syntax_problem(file, error)]
    except RecursionError:
        return [], [Problem(file, 1, 1, "", f"invalid YAML: nesting deeper than {MAX_DEPTH}")]
    for node in nodes:
        if node is None:
            continue
        converter = _Converter(file)
        try:
            data = converter.convert(node, ())
        except _InvalidDocumentError as invalid:
            converter.problem(invalid.node, (), str(invalid))
            problems.extend(converter.problems)
            continue
        problems.extend(converter.problems)
        if data is None:
            continue
        if not isinstance(data, dict):
            line, column = _position(node)
            kind = type(data).__name__
            message = f"a spec must be a mapping, not {kind}"
            problems.append(Problem(file, line, column, "", message))
            continue
        source = SourceMap(file, converter.values, converter.keys)
        documents.append(Document(file, data, source))
    return documents, problems
