"""The resource graph of one stack: every registered resource, parents before children.

Built by gmac.compile.capture (the program run under Pulumi's mocks); what `gmac graph` prints
and what the golden files hold.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any


def plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


@dataclass(frozen=True)
class GraphNode:
    """One registered resource: a component (`custom` False) or a provider's resource."""

    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    aliases: tuple[str, ...]
    properties: Mapping[str, Any]
    inputs: Mapping[str, Any]
    provider: str | None = None  # the URN of an explicit provider; None for the default

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "custom": self.custom,
            "aliases": list(self.aliases),
            "properties": plain(self.properties),
            "inputs": plain(self.inputs),
        }
        if self.provider is not None:
            data["provider"] = self.provider
        return data


@dataclass(frozen=True)
class ResourceGraph:
    """Every resource of one stack, parents before children, siblings by type then name."""

    project: str
    stack: str
    nodes: tuple[GraphNode, ...]

    def children(self, parent: str | None) -> tuple[GraphNode, ...]:
        """The resources directly under `parent` (a URN; None for the stack's own)."""
        return self._children.get(parent, ())

    @cached_property
    def _children(self) -> dict[str | None, tuple[GraphNode, ...]]:
        index: dict[str | None, list[GraphNode]] = {}
        for node in self.nodes:
            index.setdefault(node.parent, []).append(node)
        return {parent: tuple(nodes) for parent, nodes in index.items()}

    def descendants(self, urn: str) -> tuple[GraphNode, ...]:
        """Every resource under `urn`, at any depth."""
        found: list[GraphNode] = []
        for node in self.children(urn):
            found.append(node)
            found.extend(self.descendants(node.urn))
        return tuple(found)

    def of_type(self, type_: str) -> tuple[GraphNode, ...]:
        return tuple(node for node in self.nodes if node.type == type_)

    def get(self, type_: str, name: str) -> GraphNode:
        for node in self.nodes:
            if node.type == type_ and node.name == name:
                return node
        raise KeyError(f"no {type_} named '{name}' in stack '{self.stack}'")

    def to_dict(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "stack": self.stack,
            "resources": [node.to_dict() for node in self.nodes],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
