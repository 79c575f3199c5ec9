"""Documents whose positions are found when first asked for, by parsing their file again.

Most loads never ask where a node stands (they find no problem), so a file read from the
parse cache (gmac.load.parse_cache), or parsed without positions (gmac.load.data_only),
gets its documents' SourceMaps from here: the first question parses the file's text in full
(`yaml_source.parse_documents`), once for all its documents.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal

from gmac.load import yaml_source
from gmac.load.documents import Document, SourceMap, YamlPath


class _FilePositions:
    """Where the nodes of one file's documents stand, found by parsing its text again the
    first time a position is asked for (most loads never ask: they find no problem)."""

    def __init__(self, text: str, file: str) -> None:
        self._text = text
        self._file = file

    @functools.cached_property
    def maps(self) -> list[SourceMap]:
        found, _ = yaml_source.parse_documents(self._text, self._file)
        return [document.source for document in found]


class _LazyPositions(Mapping[YamlPath, tuple[int, int]]):
    """One document's positions (of values or of keys) out of a `_FilePositions`."""

    def __init__(self, file: _FilePositions, index: int, which: Literal["values", "keys"]):
        self._file = file
        self._index = index
        self._which = which

    @property
    def _table(self) -> Mapping[YamlPath, tuple[int, int]]:
        maps = self._file.maps
        if self._index >= len(maps):  # the same text parses the same: never, but never a crash
            return {}
        source = maps[self._index]
        return source.values if self._which == "values" else source.keys

    def __getitem__(self, path: YamlPath) -> tuple[int, int]:
        return self._table[path]

    def __contains__(self, path: object) -> bool:
        return path in self._table

    def __iter__(self) -> Iterator[YamlPath]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)


def placed_on_demand(
    file: str, text: str, parsed: Sequence[tuple[dict[str, Any], tuple[YamlPath, ...] | None]]
) -> list[Document]:
    """The documents of `text` from their data (and their variables' paths, when known),
    each placed in the file when a position is first asked for."""
    positions = _FilePositions(text, file)
    return [
        Document(
            file,
            data,
            SourceMap(
                file,
                _LazyPositions(positions, index, "values"),
                _LazyPositions(positions, index, "keys"),
            ),
            variables,
        )
        for index, (data, variables) in enumerate(parsed)
    ]
