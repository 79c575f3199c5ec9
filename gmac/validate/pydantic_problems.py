"""pydantic's errors, turned into Problems that name the file, line, column and field."""

from __future__ import annotations

import types
from collections.abc import Sequence
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from gmac.errors import Problem
from gmac.load import Document, YamlPath
from gmac.models import INTEGRATION_TYPES, SPEC_KINDS
from gmac.models.common import DEFAULT_KEY
from gmac.suggest import did_you_mean

_TAGS = {"kind": SPEC_KINDS, "type": INTEGRATION_TYPES}


def _field_keys(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The model classes a field annotation can hold, looking through Optional/list/dict."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin in (Union, types.UnionType):
        return [model for arg in args for model in _models_in(arg)]
    if origin is list:
        return _models_in(args[0]) if args else []
    if origin is dict:
        return _models_in(args[1]) if len(args) == 2 else []
    if args:  # Annotated[...]
        return _models_in(args[0])
    return []


def _model_at(root: type[BaseModel], loc: YamlPath) -> type[BaseModel] | None:
    """The model class that owns the last element of `loc`, to list its valid fields."""
    model: type[BaseModel] | None = root
    for part in loc[:-1]:
        if model is None:
            return None
        if isinstance(part, int):
            continue
        fields = {info.alias or name: info for name, info in model.model_fields.items()}
        if part not in fields:
            # A dict key (an env var name, an environment) sits between two models.
            continue
        candidates = _models_in(fields[part].annotation)
        model = candidates[0] if len(candidates) == 1 else None
    return model


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


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _message(error: ErrorDetails, model: type[BaseModel] | None, key: str | int) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        hint = did_you_mean(str(key), _field_keys(model)) if model else ""
        return f"unknown field{hint}"
    if kind == "literal_error":
        expected = str(ctx.get("expected", ""))
        choices = [part.strip().strip("'") for part in expected.replace(" or ", ",").split(",")]
        hint = did_you_mean(str(error["input"]), [c for c in choices if c])
        return f"must be {expected}, not {_show(error['input'])}{hint}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    message = error["msg"]
    scalar = isinstance(error["input"], str | int | float | bool) or error["input"] is None
    if scalar and kind not in {"unknown_environment"} and "'" not in message:
        message = f"{message} (got {_show(error['input'])})"
    return message[0].lower() + message[1:] if message[:2] != message[:2].upper() else message


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
            shown = _show(value)
        message = f"unknown {field} {shown}; {expected}"
    return Problem(document.file, line, column, field, message)


def problems_from(
    error: ValidationError,
    document: Document,
    root: type[BaseModel],
    env: str | None,
    inherits: Sequence[str] = (),
) -> list[Problem]:
    """One Problem per pydantic error in validating `document` as `root` for `env`."""
    problems: list[Problem] = []
    picks = [name for name in (env, *inherits, DEFAULT_KEY) if name is not None]
    # Only an Integration has a second tag, its `type`; elsewhere a `type` is a field.
    tags = (document.kind, document.data.get("type") if document.kind == "Integration" else None)
    strip = [tag for tag in tags if isinstance(tag, str)]
    for details in error.errors():
        loc: YamlPath = tuple(details["loc"])
        # Discriminated unions put the tag first in `loc`: drop it, it is not a field.
        for tag in strip:
            if loc and loc[0] == tag:
                loc = loc[1:]
        if details["type"] in ("union_tag_invalid", "union_tag_not_found"):
            problems.append(_tag_problem(document, details))
            continue
        problems.append(_problem(document, details, loc, root, picks))
    return problems


def _problem(
    document: Document,
    details: ErrorDetails,
    loc: YamlPath,
    root: type[BaseModel],
    picks: Sequence[str],
) -> Problem:
    kind = details["type"]
    ctx = details.get("ctx") or {}
    # A bad mapping key: pydantic adds a '[key]' step; point at the key itself.
    bad_key = bool(loc) and loc[-1] == "[key]"
    loc = loc[:-1] if bad_key else loc
    key = loc[-1] if loc else ""
    model = _model_at(root, loc) if loc else root
    unknown_env = kind == "unknown_environment"
    path = _raw_path(document.data, loc, picks, pick_last=not unknown_env)
    if unknown_env:
        path = (*path, str(ctx.get("key", "")))
    # A model's own rule may name the field it is about, below the model (`alerts.1.name`).
    path = (*path, *ctx.get("at", ()))
    # Unknown keys and rules about a whole block or a named field point at the key; other
    # errors at the value.
    block_rule = kind == "value_error" and isinstance(details["input"], dict)
    at_key = bad_key or unknown_env or kind == "extra_forbidden" or block_rule or "at" in ctx
    line, column = document.source.locate(path, at_key=at_key)
    dotted = ".".join(str(part) for part in path)
    return Problem(document.file, line, column, dotted, _message(details, model, key))
