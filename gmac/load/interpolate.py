"""`{name}` substitution in spec strings.

Only a bare identifier in single braces is a variable: `api.{domain}`. Anything else with
braces passes through untouched, so PromQL label matchers (`{service="api"}`) and Alertmanager
templates (`{{ $labels.job }}`) need no escaping.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from gmac.errors import Problem
from gmac.load.documents import SourceMap, YamlPath
from gmac.suggest import closest

VARIABLE = re.compile(r"(?<!\{)\{([a-z_][a-z0-9_]*)\}(?!\})")


def variable_paths(data: Any) -> tuple[YamlPath, ...]:
    """The path of every string in `data` that names a variable: all that `interpolate` can
    change. Found once per document, it spares each environment a walk of the whole tree."""
    found: list[YamlPath] = []

    def walk(node: Any, path: YamlPath) -> None:
        if isinstance(node, str):
            if "{" in node and VARIABLE.search(node):
                found.append(path)
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*path, key))
        elif isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, (*path, index))

    walk(data, ())
    return tuple(found)


def _at(data: Any, path: YamlPath) -> Any:
    node = data
    for part in path:
        node = node[part]
    return node


def _with_value(data: Any, path: YamlPath, value: Any, copied: set[YamlPath]) -> Any:
    """`data` with `value` at `path`: every container on the way is copied once (`copied`
    names those already copied), so the original and what no path touches stay shared."""
    if not path:
        return value
    if () not in copied:
        data = data.copy()
        copied.add(())
    node = data
    for depth, part in enumerate(path[:-1], start=1):
        prefix = path[:depth]
        if prefix not in copied:
            node[part] = node[part].copy()
            copied.add(prefix)
        node = node[part]
    node[path[-1]] = value
    return data


def interpolate(
    data: Any,
    variables: Mapping[str, str],
    source: SourceMap,
    paths: Sequence[YamlPath] | None = None,
) -> tuple[Any, list[Problem]]:
    """`data` with every `{name}` replaced, and a problem for each unknown name.

    `paths` are the strings to fill in (`variable_paths(data)`, when it is at hand). The
    result shares what holds no variable with `data`, which neither is changed afterwards."""
    problems: list[Problem] = []
    known = ", ".join(f"{{{name}}}" for name in sorted(variables))

    def substitute(text: str, path: YamlPath) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return variables[name]
            line, column = source.locate(path)
            dotted = ".".join(str(part) for part in path)
            near = closest(name, variables)
            hint = f" (did you mean '{{{near}}}'?)" if near else ""
            message = f"unknown variable '{{{name}}}'{hint}; known: {known}"
            problems.append(Problem(source.file, line, column, dotted, message))
            return match.group(0)

        return VARIABLE.sub(replace, text)

    result = data
    copied: set[YamlPath] = set()
    for path in variable_paths(data) if paths is None else paths:
        text = _at(data, path)
        filled = substitute(text, path)
        if filled != text:
            result = _with_value(result, path, filled, copied)
    return result, problems
