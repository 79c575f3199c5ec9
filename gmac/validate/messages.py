"""pydantic's errors in the reference's words: no class names, no regular expressions.

pydantic says "Input should be a valid dictionary or instance of Generate" or "String should
match pattern '^[a-z]{3}$'"; a spec's author reads docs/spec-reference.md, which speaks of
mappings, lists, `true` and `false`. Types with a pattern of their own give their own message
(gmac.models.checks); this is the rest.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from gmac.models.checks import not_a_boolean
from gmac.suggest import did_you_mean


def show(value: Any) -> str:
    """A value as YAML would have it: 'text', 42, true, null, a list, a mapping."""
    if isinstance(value, bool) or value is None:
        return "null" if value is None else str(value).lower()
    if isinstance(value, list | dict):
        return _what(value)
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _what(value: Any) -> str:
    """`value`'s kind as the reference names it."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "null" if value is None else type(value).__name__


def _count(number: Any, noun: str) -> str:
    plural = "entries" if noun == "entry" else f"{noun}s"
    return f"{number} {noun}" if number == 1 else f"{number} {plural}"


def _size(kind: str, ctx: dict[str, Any], value: Any) -> str:
    """A list, mapping or string of the wrong length."""
    if kind == "string_too_short":
        least = ctx.get("min_length", 1)
        return "must not be empty" if least == 1 else f"must be at least {least} characters long"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters long"
    noun = "entry" if isinstance(value, dict) else "item"
    if kind == "too_short":
        return f"must have at least {_count(ctx.get('min_length', 1), noun)}"
    return f"must have at most {_count(ctx.get('max_length'), noun)}"


def _with_value(message: str, value: Any) -> str:
    """The message, with the value it is about unless it quotes it already."""
    if "'" not in message:
        message = f"{message} (got {show(value)})"
    return message[0].lower() + message[1:] if message[:2] != message[:2].upper() else message


def message(error: ErrorDetails, model: type[BaseModel] | None, key: str | int) -> str:
    """The problem's message for one pydantic error; `model` owns the field `key`."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error["input"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        fields = [info.alias or name for name, info in model.model_fields.items()] if model else []
        return f"unknown field{did_you_mean(str(key), fields)}"
    if kind == "literal_error":
        expected = str(ctx.get("expected", ""))
        choices = [part.strip().strip("'") for part in expected.replace(" or ", ",").split(",")]
        hint = did_you_mean(str(value), [c for c in choices if c])
        return f"must be {expected}, not {show(value)}{hint}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind in ("bool_type", "bool_parsing"):
        return not_a_boolean(value)
    if kind in ("model_type", "model_attributes_type", "dataclass_type"):
        return _with_value("must be a mapping of fields", value)
    if kind == "dict_type":
        return _with_value("must be a mapping", value)
    if kind == "list_type":
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return f"must be a list such as [{value}] (got {show(value)})"
        return _with_value("must be a list", value)
    if kind == "string_type":
        return _with_value("must be a string", value)
    if kind in ("too_short", "too_long"):
        return _size(kind, ctx, value)
    if kind in ("string_too_short", "string_too_long"):
        return _with_value(_size(kind, ctx, value), value)
    if kind == "string_pattern_mismatch":
        return f"{show(value)} is not in the form this field takes (docs/spec-reference.md)"
    if kind == "unknown_environment" or "value" in ctx or "shown" in ctx:
        return str(error["msg"])  # a message of gmac's own, which shows the value already
    return _with_value(str(error["msg"]), value)
