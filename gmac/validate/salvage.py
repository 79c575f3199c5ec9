"""What parsed of an invalid document, so its references are checked in the same run.

A spec with an unknown field and a reference to an undeclared secret has two problems; pydantic
finds the first, the cross-reference checks the second, and those need a model. `salvage`
leaves out each part that failed (the unknown field, the bad value, a block whose own rule
failed, the block a required field is missing from) and validates again, until what is left
validates. The model it gives is only ever used for cross-references: its document is
invalid, and no Spec is built from it.

What was left out is gone from the model, not from the file: the checks take what a document
declares from what it wrote (gmac.validate.references), so a name declared by a part left out
is not reported as unknown. Items left out of a list would shift the indexes after them; the
document's source map puts them back (`SourceMap.kept`), so problems name the file's indexes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from gmac.load import Document, YamlPath
from gmac.load.documents import renumber
from gmac.validate.pydantic_problems import Target, located

M = TypeVar("M")

# Each round leaves out at least one more part; a document needs a round for each level a
# failure climbs (a bad value, then the block it left incomplete, ...).
_MAX_ROUNDS = 16


def _left_out(details: ErrorDetails, target: Target | None) -> YamlPath | None:
    """The part of the data to leave out for this error; None when it is the document."""
    if target is None:  # a missing or unknown `kind` or `type`
        return None
    # A missing field makes its block incomplete: leave out the block.
    path = target.path[:-1] if details["type"] == "missing" else target.path
    return path or None


def _without(
    node: Any, path: YamlPath, left_out: set[YamlPath], kept: dict[YamlPath, tuple[int, ...]]
) -> Any:
    """`node` (at `path` in the data) without the parts at `left_out`."""
    if isinstance(node, dict):
        return {
            key: _without(value, (*path, key), left_out, kept)
            for key, value in node.items()
            if (*path, key) not in left_out
        }
    if isinstance(node, list):
        items = tuple(i for i in range(len(node)) if (*path, i) not in left_out)
        if len(items) != len(node):
            kept[path] = items
        return [_without(node[i], (*path, i), left_out, kept) for i in items]
    return node


def salvage(
    document: Document,
    data: dict[str, Any],
    error: ValidationError,
    validate: Callable[[dict[str, Any]], M],
    *,
    root: type[BaseModel],
    picks: Sequence[str],
) -> tuple[M, Document] | None:
    """A model of what in `data` (the document's, as validated) is valid, and the document to
    locate its fields with; None when what failed is the document as a whole."""
    left_out: set[YamlPath] = set()
    kept: Mapping[YamlPath, tuple[int, ...]] = {}
    current = data
    for _ in range(_MAX_ROUNDS):
        more: set[YamlPath] = set()
        for details, target in located(error, document, current, root, picks):
            path = _left_out(details, target)
            if path is None:
                return None
            more.add(renumber(path, kept))  # as a path in `data`
        if more <= left_out:
            return None  # nothing more to leave out, and still invalid
        left_out |= more
        new_kept: dict[YamlPath, tuple[int, ...]] = {}
        current = _without(data, (), left_out, new_kept)
        kept = new_kept
        try:
            model = validate(current)
        except ValidationError as again:
            error = again
            continue
        return model, replace(document, source=replace(document.source, kept=kept))
    return None
