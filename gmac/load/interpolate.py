"""`{name}` substitution in spec strings.

Only a bare identifier in single braces is a variable: `api.{domain}`. Anything else with
braces passes through untouched, so PromQL label matchers (`{service="api"}`) and Alertmanager
templates (`{{ $labels.job }}`) need no escaping.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from gmac.errors import Problem
from gmac.load.documents import SourceMap, YamlPath
from gmac.suggest import closest

VARIABLE = re.compile(r"(?<!\{)\{([a-z_][a-z0-9_]*)\}(?!\})")


def interpolate(
    data: Any, variables: Mapping[str, str], source: SourceMap
) -> tuple[Any, list[Problem]]:
    """`data` with every `{name}` replaced, and a problem for each unknown name."""
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

    def walk(node: Any, path: YamlPath) -> Any:
        if isinstance(node, str):
            return substitute(node, path) if "{" in node else node
        if isinstance(node, dict):
            return {key: walk(value, (*path, key)) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(item, (*path, i)) for i, item in enumerate(node)]
        return node

    return walk(data, ()), problems
