"""pydantic's errors, turned into Problems that name the file, line, column and field."""

from __future__ import annotations

import types
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, Tag, ValidationError
from pydantic_core import ErrorDetails

from gmac.errors import Problem
from gmac.load import Document, YamlPath
from gmac.models import INTEGRATION_TYPES, SPEC_KINDS
from gmac.models.common import DEFAULT_KEY
from gmac.suggest import did_you_mean
from gmac.validate.messages import message, show

_TAGS = {"kind": SPEC_KINDS, "type": INTEGRATION_TYPES}


def _field_keys(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _bare(annotation: Any) -> Any:
    """`annotation` without `Annotated[...]` and without `None` in an Optional."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(members) == 1:
            return _bare(members[0])
    return annotation


def _union_member(annotation: Any, tag: str | int) -> Any:
    """The member of a union that pydantic's `tag` (a `Tag`, or a class name) stands for."""
    for member in get_args(annotation):
        metadata = get_args(member)[1:] if get_origin(member) is Annotated else ()
        if any(isinstance(item, Tag) and item.tag == tag for item in metadata):
            return member
        bare = _bare(member)
        if isinstance(bare, type) and bare.__name__ == tag:
            return member
    return None


def field_loc(root: type[BaseModel], loc: YamlPath) -> tuple[YamlPath, type[BaseModel] | None]:
    """`loc` as a path through the data, and the model that owns its last step.

    pydantic puts a union member's tag in `loc` (`generate.length.length`, `generate.bool`):
    it names no field, so it is dropped. The owning model gives the fields an unknown one may
    have meant.
    """
    path: list[str | int] = []
    annotation: Any = root
    owner: type[BaseModel] | None = root
    parts = list(loc)
    while parts:
        part = parts.pop(0)
        bare = _bare(annotation)
        if get_origin(bare) in (Union, types.UnionType):
            annotation = _union_member(bare, part)
            continue  # the tag: not a step in the data
        path.append(part)
        if isinstance(bare, type) and issubclass(bare, BaseModel):
            owner = bare
            fields = {info.alias or name: info for name, info in bare.model_fields.items()}
            annotation = fields[part].annotation if part in fields else None
        elif get_origin(bare) is list and isinstance(part, int):
            annotation = get_args(bare)[0] if get_args(bare) else None
        elif get_origin(bare) is dict and part != "[key]":
            annotation = get_args(bare)[1] if len(get_args(bare)) == 2 else None
        else:
            annotation = None
        if annotation is None:
            path.extend(parts)  # beyond what the models say: keep the rest as it is
            owner = owner if not parts else None
            break
    return tuple(path), owner


def _raw_path(
    data: Any, loc: YamlPath, picks: Sequence[str], *, pick_last: bool = True
) -> YamlPath:
    """`loc` in the source file: per-environment values add the environment as a step.

    `picks` are the keys a per-environment value is picked by, in order: the environment,
    those it inherits from, `default`. `pick_last` is false when the error is about the
    per-environment mapping itself (an unknown environment in it), not the value picked.
    """
    path: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part not in node:
            branch = next((name for name in picks if name in node), None)
            if branch is not None:
                path.append(branch)
                node = node[branch]
        path.append(part)
        node = (
            node.get(part)
            if isinstance(node, dict)
            else (
                node[part]
                if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
                else None
            )
        )
    if pick_last and isinstance(node, dict):
        branch = next((name for name in picks if name in node), None)
        if branch is not None:
            path.append(branch)
    return tuple(path)


def _tag_problem(document: Document, error: ErrorDetails) -> Problem:
    """A missing or unknown `kind` or integration `type`, with the values it can take."""
    ctx = error.get("ctx") or {}
    field = str(ctx.get("discriminator", "kind")).strip("'")
    choices = _TAGS.get(field, ())
    expected = f"expected one of: {', '.join(choices)}"
    line, column = document.source.locate((field,))
    if error["type"] == "union_tag_not_found":
        message = f"required field is missing; {expected}"
    else:
        value = document.data.get(field)
        if isinstance(value, str):
            shown = f"'{value}'{did_you_mean(value, choices)}"
        else:
            shown = show(value)
        message = f"unknown {field} {shown}; {expected}"
    return Problem(document.file, line, column, field, message)


@dataclass(frozen=True)
class Target:
    """Where one pydantic error is, in the document's own data."""

    path: YamlPath  # per-environment branches included (`replicas.production`)
    at_key: bool  # the problem points at the field's key, not its value
    owner: type[BaseModel] | None  # the model whose field the path ends at
    key: str | int  # that field


def _target(
    details: ErrorDetails, data: Any, root: type[BaseModel], picks: Sequence[str]
) -> Target:
    kind = details["type"]
    ctx = details.get("ctx") or {}
    loc, owner = field_loc(root, tuple(details["loc"]))
    # A bad mapping key: pydantic adds a '[key]' step; point at the key itself.
    bad_key = bool(loc) and loc[-1] == "[key]"
    loc = loc[:-1] if bad_key else loc
    key = loc[-1] if loc else ""
    unknown_env = kind == "unknown_environment"
    path = _raw_path(data, loc, picks, pick_last=not unknown_env)
    if unknown_env:
        path = (*path, str(ctx.get("key", "")))
    # A model's own rule may name the field it is about, below the model (`alerts.1.name`).
    path = (*path, *ctx.get("at", ()))
    # Unknown keys and rules about a whole block or a named field point at the key; other
    # errors at the value.
    block_rule = kind == "value_error" and isinstance(details["input"], dict)
    at_key = bad_key or unknown_env or kind == "extra_forbidden" or block_rule or "at" in ctx
    return Target(path, at_key, owner if loc else root, key)


def located(
    error: ValidationError,
    document: Document,
    data: Any,
    root: type[BaseModel],
    picks: Sequence[str],
) -> list[tuple[ErrorDetails, Target | None]]:
    """Each error of validating `data` (the document's, as validated) with where it is in
    `data`; None for a missing or unknown `kind` or `type`, which are not fields."""
    # Only an Integration has a second tag, its `type`; elsewhere a `type` is a field.
    tags = (document.kind, document.data.get("type") if document.kind == "Integration" else None)
    strip = [tag for tag in tags if isinstance(tag, str)]
    found: list[tuple[ErrorDetails, Target | None]] = []
    for details in error.errors():
        if details["type"] in ("union_tag_invalid", "union_tag_not_found"):
            found.append((details, None))
            continue
        loc: YamlPath = tuple(details["loc"])
        # Discriminated unions put the tag first in `loc`: drop it, it is not a field.
        for tag in strip:
            if loc and loc[0] == tag:
                loc = loc[1:]
        found.append(({**details, "loc": loc}, _target({**details, "loc": loc}, data, root, picks)))
    return found


def picks_for(env: str | None, inherits: Sequence[str] = ()) -> list[str]:
    """The keys a per-environment value is picked by, in order."""
    return [name for name in (env, *inherits, DEFAULT_KEY) if name is not None]


def problems_from(
    error: ValidationError,
    document: Document,
    root: type[BaseModel],
    env: str | None,
    inherits: Sequence[str] = (),
) -> list[Problem]:
    """One Problem per pydantic error in validating `document` as `root` for `env`."""
    problems: list[Problem] = []
    for details, target in located(error, document, document.data, root, picks_for(env, inherits)):
        if target is None:
            problems.append(_tag_problem(document, details))
            continue
        line, column = document.source.locate(target.path, at_key=target.at_key)
        dotted = ".".join(str(part) for part in target.path)
        text = message(details, target.owner, target.key)
        problems.append(Problem(document.file, line, column, dotted, text))
    return problems
