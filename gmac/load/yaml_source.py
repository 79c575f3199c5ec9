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
# Far below the depth that crashes libyaml's composer, far above any real spec.
_COMPOSER_SAFE_DEPTH = 1_000

_TAG = "tag:yaml.org,2002:"
_IMPLICIT_TAGS = {f"{_TAG}{name}" for name in ("null", "bool", "int", "float", "timestamp")}
STR_TAG, SEQ_TAG, MAP_TAG, MERGE_TAG = (f"{_TAG}{name}" for name in ("str", "seq", "map", "merge"))
_KNOWN_SCALAR_TAGS = frozenset({STR_TAG, *_IMPLICIT_TAGS})
# The tag our loader gives an untagged plain scalar: its type is decided by YAML 1.2 rules here.
PLAIN_TAG = "gmac:plain"
# A plain scalar starting with anything else is a string under YAML 1.2's core schema.
NON_STRING_START = frozenset("0123456789+-.~nNtTfF")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^[-+]?[0-9]+$")
_OCT = re.compile(r"^0o[0-7]+$")
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")
_MAX_INT_DIGITS = 4000
# What YAML 1.1 (and so libyaml) counts as a line break in marks.
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


class _InvalidDocumentError(Exception):
    """A problem that makes the rest of one document meaningless."""

    def __init__(self, position: tuple[int, int], path: YamlPath, message: str) -> None:
        super().__init__(message)
        self.position = position
        self.path = path


def _position(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _show_tag(tag: str) -> str:
    """A tag as it was written: `!!binary` rather than `tag:yaml.org,2002:binary`."""
    return f"!!{tag.removeprefix(_TAG)}" if tag.startswith(_TAG) else tag


def plain_scalar(text: str) -> Any:
    if _NULL.match(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT.match(text):
        # Python refuses to parse decimal integers of more than 4,300 digits: keep the text,
        # and the field's validation says it is not a valid number.
        return int(text) if len(text) <= _MAX_INT_DIGITS else text
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


class SpecLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """PyYAML's safe loader without its YAML 1.1 resolver.

    Untagged plain scalars get the `PLAIN_TAG` tag and `plain_scalar` types them by YAML 1.2
    rules; the 1.1 regexes would only be run to be overruled (`on`, `0o17`, `1e3`), and the
    C composer calls back into Python for each scalar to run them.
    """

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            return PLAIN_TAG if implicit[0] else STR_TAG
        return SEQ_TAG if kind is yaml.SequenceNode else MAP_TAG


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
            # An alias bomb: the node is shared by thousands of paths, so name the top-level
            # field that expands and point at it.
            message = f"document expands to more than {MAX_NODES} values"
            top = path[:1]
            raise _InvalidDocumentError(self.values.get(top, _position(node)), top, message)
        if len(path) > MAX_DEPTH:
            # The top-level key says where; the full path would be 64 steps long.
            message = f"nesting deeper than {MAX_DEPTH} levels"
            raise _InvalidDocumentError(_position(node), path[:1], message)
        if id(node) in self._active:
            message = "recursive alias: it refers to a node that contains it"
            raise _InvalidDocumentError(_position(node), path, message)
        self.values.setdefault(path, _position(node))
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        self._active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                if node.tag != SEQ_TAG:
                    self.problem(node, path, f"unsupported tag '{_show_tag(node.tag)}'")
                return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
            if node.tag != MAP_TAG:
                self.problem(node, path, f"unsupported tag '{_show_tag(node.tag)}'")
            assert isinstance(node, yaml.MappingNode)  # the composer makes only three kinds
            return self._mapping(node, path)
        finally:
            self._active.discard(id(node))

    def _scalar(self, node: yaml.ScalarNode, path: YamlPath) -> Any:
        text: str = node.value
        tag = node.tag
        if tag == PLAIN_TAG:
            return plain_scalar(text) if not text or text[0] in NON_STRING_START else text
        # `!!int 80`: a core tag on a plain scalar (libyaml's style "", pure Python's None).
        if not node.style and tag in _IMPLICIT_TAGS:
            return plain_scalar(text)
        if tag not in _KNOWN_SCALAR_TAGS:
            self.problem(node, path, f"unsupported tag '{_show_tag(tag)}'")
        return text

    def _mapping(self, node: yaml.MappingNode, path: YamlPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_seen: dict[str, yaml.Node] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG or (key_node.tag == PLAIN_TAG and key_node.value == "<<"):
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
            key_path = (*path, key)
            self.keys[key_path] = _position(key_node)
            result[key] = self.convert(value_node, key_path)
        return {**merged, **result} if merged else result

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


def _within_text(text: str, line: int, column: int) -> tuple[int, int]:
    """A position past the end of the text (libyaml's mark at the end of the stream) moved to
    the end of the last line, where an editor can jump."""
    lines = _LINE_BREAK.split(text)
    if line <= len(lines):
        return line, column
    return len(lines), len(lines[-1]) + 1


def _syntax_problem(file: str, text: str, error: Exception) -> Problem:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    line, column = _within_text(text, line, column)
    if isinstance(error, yaml.reader.ReaderError):
        # A bad character: the reader gives an offset into the text (in UTF-8 bytes when
        # libyaml read it), not a mark.
        offset = max(error.position, 0)
        if _BaseLoader is not yaml.SafeLoader:
            offset = len(text.encode("utf-8")[:offset].decode("utf-8", errors="ignore"))
        offset = min(offset, len(text))
        # Lines as libyaml counts them, to agree with every other position.
        breaks = list(_LINE_BREAK.finditer(text, 0, offset))
        line = len(breaks) + 1
        column = offset - (breaks[-1].end() if breaks else 0) + 1
        char = error.character
        code = ord(char) if isinstance(char, str) and len(char) == 1 else char
        reason = error.reason
        if isinstance(code, int):
            reason = f"{reason} (character U+{code:04X})"
    else:
        reason = getattr(error, "problem", None) or str(error).splitlines()[0]
        # Where the construct that went wrong began: an unclosed '[' is found lines later.
        # (A block mapping's start, often line 1, would say nothing.)
        context, start = getattr(error, "context", None), getattr(error, "context_mark", None)
        if context and "block" not in context and start is not None and start.line + 1 != line:
            reason = f"{reason} ({context} at line {start.line + 1})"
    return Problem(file, line, column, "", f"invalid YAML: {reason}")


def _nesting_bound(text: str) -> int:
    """A cheap upper bound on how deep collections nest in `text`.

    Each level takes a character at least; flow levels need a bracket (two levels with an
    implicit `[a: b]` mapping) and block levels a deeper column (two with an indentless list).
    """
    if len(text) <= _COMPOSER_SAFE_DEPTH:
        return len(text)
    flow = text.count("[") + text.count("{")
    widest = max(map(len, text.splitlines()), default=0)
    return 2 * (flow + widest + 1)


def too_deep(text: str, file: str) -> Problem | None:
    """A problem when `text` nests too deep for libyaml's composer.

    That composer recurses in C: some 30,000 levels overflow the stack and kill the process
    (no RecursionError). Its parser is iterative, so count the depth from its events first.
    """
    if _nesting_bound(text) <= _COMPOSER_SAFE_DEPTH:
        return None
    depth = 0
    try:
        for event in yaml.parse(text, Loader=SpecLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > _COMPOSER_SAFE_DEPTH:
                    mark = event.start_mark
                    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
                    message = f"nesting deeper than {MAX_DEPTH} levels"
                    return Problem(file, line, column, "", message)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None  # composing reports it, with its position
    return None


_KIND_NAMES = {"str": "a string", "list": "a list", "int": "a number", "float": "a number"}


def parse_documents(text: str, file: str) -> tuple[list[Document], list[Problem]]:
    """Every non-empty document in `text`, and every problem found reading it."""
    documents: list[Document] = []
    problems: list[Problem] = []
    nesting = too_deep(text, file)
    if nesting is not None:
        return [], [nesting]
    try:
        nodes = list(yaml.compose_all(text, Loader=SpecLoader))
    except yaml.YAMLError as error:
        return [], [_syntax_problem(file, text, error)]
    except RecursionError:  # the pure-Python composer, when libyaml is missing
        return [], [Problem(file, 1, 1, "", f"nesting deeper than {MAX_DEPTH} levels")]
    for node in nodes:
        if node is None:
            continue
        converter = _Converter(file)
        try:
            data = converter.convert(node, ())
        except _InvalidDocumentError as invalid:
            line, column = invalid.position
            dotted = ".".join(str(part) for part in invalid.path)
            problems.append(Problem(file, line, column, dotted, str(invalid)))
            problems.extend(converter.problems)
            continue
        problems.extend(converter.problems)
        if data is None:
            continue
        if not isinstance(data, dict):
            line, column = _position(node)
            kind = _KIND_NAMES.get(type(data).__name__, "true or false")
            message = f"a spec must be a mapping of fields, not {kind}"
            problems.append(Problem(file, line, column, "", message))
            continue
        source = SourceMap(file, converter.values, converter.keys)
        documents.append(Document(file, data, source))
    return documents, problems
