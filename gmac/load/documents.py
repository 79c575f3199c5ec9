"""A spec document as plain data, with the file position of every key and value in it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

YamlPath = tuple[str | int, ...]


def renumber(path: YamlPath, kept: Mapping[YamlPath, tuple[int, ...]]) -> YamlPath:
    """`path` through lists some items were left out of, as it is written in the file.

    `kept` gives, for each such list (by its path in the file), the file's index of each item
    left in: item 0 of a list that lost its first item is item 1 in the file.
    """
    if not kept:
        return path
    written: list[str | int] = []
    for part in path:
        items = kept.get(tuple(written), ())
        written.append(items[part] if isinstance(part, int) and 0 <= part < len(items) else part)
    return tuple(written)


@dataclass(frozen=True)
class SourceMap:
    """Where each node of one document stands in its file (1-based lines and columns)."""

    file: str
    values: Mapping[YamlPath, tuple[int, int]] = field(default_factory=dict)
    keys: Mapping[YamlPath, tuple[int, int]] = field(default_factory=dict)
    # The document with invalid parts left out, to check the rest (gmac.validate.salvage):
    # the items kept of each list that lost some, by their index in the file.
    kept: Mapping[YamlPath, tuple[int, ...]] = field(default_factory=dict)

    def written(self, path: YamlPath) -> YamlPath:
        """`path` as it is written in the file (the same path unless items were left out)."""
        return renumber(path, self.kept)

    def locate(self, path: YamlPath, *, at_key: bool = False) -> tuple[int, int]:
        """The position of `path`, or of its nearest ancestor that exists in the file.

        `at_key` points at the mapping key rather than its value: right for an unknown or
        misspelt field name, where the value is beside the point.
        """
        path = self.written(path)
        for end in range(len(path), -1, -1):
            prefix = path[:end]
            if at_key and end == len(path) and prefix in self.keys:
                return self.keys[prefix]
            if prefix in self.values:
                return self.values[prefix]
        return (1, 1)


@dataclass(frozen=True)
class Document:
    """One YAML document of a spec file: its data and where it came from."""

    file: str
    data: dict[str, Any]
    source: SourceMap
    # The path of every string in `data` that names a variable, when the load knows them
    # (gmac.load.parse_cache keeps them with the data); None: find them in `data`.
    variables: tuple[YamlPath, ...] | None = None

    @property
    def kind(self) -> str | None:
        kind = self.data.get("kind")
        return kind if isinstance(kind, str) else None

    @property
    def name(self) -> str | None:
        name = self.data.get("name")
        return name if isinstance(name, str) else None

    @property
    def position(self) -> tuple[int, int]:
        return self.source.locate(())
