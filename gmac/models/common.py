"""Field types shared by every spec kind, each with a message that says what is expected."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
)
from pydantic_core import PydanticCustomError, PydanticUseDefault

from gmac.suggest import did_you_mean

API_VERSION = "gmac.io/v1"
DEFAULT_KEY = "default"


class SpecModel(BaseModel):
    """Base of every spec model: unknown fields are errors, values never change after load."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def field_error(message: str, *at: str | int) -> PydanticCustomError:
    """A model rule's error about one of its fields, `at` that path below the model.

    The validator turns `at` into the problem's position (`alerts.1.name`), so the message
    points at the duplicate name rather than at the start of the document.
    """
    return PydanticCustomError("spec_rule", message, {"at": at})


def _checked(pattern: str, error: str, describe: str) -> Callable[[str], str]:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise PydanticCustomError(
                error, "'{value}' is not {describe}", {"value": value, "describe": describe}
            )
        return value

    return check


def _scalar_to_str(value: Any) -> Any:
    # YAML reads `cpu: 1` as an int and `cpu: 0.5` as a float; both are valid quantities.
    if isinstance(value, bool):
        return value
    return str(value) if isinstance(value, int | float) else value


Name = Annotated[
    str,
    Field(max_length=63),
    AfterValidator(
        _checked(
            r"[a-z0-9]([-a-z0-9]*[a-z0-9])?",
            "invalid_name",
            "a valid name: lowercase letters, digits and '-', starting and ending with a letter "
            "or digit (DNS-1123)",
        )
    ),
]
Hostname = Annotated[
    str,
    Field(max_length=253),
    AfterValidator(
        _checked(
            r"([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]*[a-z0-9])?",
            "invalid_host",
            "a valid host name",
        )
    ),
]
EnvVarName = Annotated[
    str,
    AfterValidator(
        _checked(
            r"[A-Za-z_][A-Za-z0-9_]*",
            "invalid_env_name",
            "a valid environment variable name (letters, digits and '_')",
        )
    ),
]
Duration = Annotated[
    str,
    BeforeValidator(_scalar_to_str),
    AfterValidator(
        _checked(
            r"([0-9]+(ms|s|m|h|d|w|y))+",
            "invalid_duration",
            "a duration such as 30s, 10m, 2h, 30d or 1h30m",
        )
    ),
]
UrlPath = Annotated[
    str,
    AfterValidator(_checked(r"/[^\s]*", "invalid_path", "a URL path starting with '/'")),
]
Port = Annotated[int, Field(ge=1, le=65535)]

_QUANTITY = re.compile(
    r"(?P<number>[0-9]+(\.[0-9]*)?|\.[0-9]+)(?P<suffix>m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][0-9]+)?"
)


def _check_quantity(value: str) -> str:
    if not _QUANTITY.fullmatch(value):
        raise PydanticCustomError(
            "invalid_quantity",
            "'{value}' is not a Kubernetes quantity such as 250m, 0.5, 256Mi or 1Gi",
            {"value": value},
        )
    return value


def _check_memory(value: str) -> str:
    match = _QUANTITY.fullmatch(value)
    if match and match.group("suffix") == "m":
        raise PydanticCustomError(
            "memory_millibytes",
            "'{value}' means thousandths of a byte (did you mean '{number}Mi'?)",
            {"value": value, "number": match.group("number")},
        )
    return value


# The schema says numbers are fine too, or editors would flag `cpu: 1`.
_QuantityInput = BeforeValidator(_scalar_to_str, json_schema_input_type=str | int | float)
CpuQuantity = Annotated[str, _QuantityInput, AfterValidator(_check_quantity)]
MemoryQuantity = Annotated[
    str,
    _QuantityInput,
    AfterValidator(_check_quantity),
    AfterValidator(_check_memory),
]


def _check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in value:
        raise PydanticCustomError(
            "invalid_url",
            "'{value}' is not an http(s) URL such as https://example.com/path",
            {"value": value},
        )
    return value


Url = Annotated[str, AfterValidator(_check_url)]

_HOST_PORT = re.compile(r"(?P<host>[A-Za-z0-9.-]+):(?P<port>[0-9]{1,5})")


def _check_host_port(value: str) -> str:
    match = _HOST_PORT.fullmatch(value)
    if not match or not 1 <= int(match.group("port")) <= 65535:
        raise PydanticCustomError(
            "invalid_host_port",
            "'{value}' is not host:port, such as smtp.example.com:587",
            {"value": value},
        )
    return value


HostPort = Annotated[str, AfterValidator(_check_host_port)]

_PAIRS = {")": "(", "]": "[", "}": "{"}


def _check_promql(value: str) -> str:
    """Non-empty, with brackets balanced outside string literals: catches the usual typos.

    `promtool` checks the full grammar when the compiled rules are tested.
    """
    if not value.strip():
        raise PydanticCustomError("empty_expr", "a PromQL expression must not be empty")
    stack: list[str] = []
    quote: str | None = None
    escaped = False
    for char in value:
        if quote:
            escaped = char == "\\" and not escaped
            if char == quote and not escaped:
                quote = None
            continue
        if char in "\"'`":
            quote = char
        elif char in "([{":
            stack.append(char)
        elif char in _PAIRS and (not stack or stack.pop() != _PAIRS[char]):
            raise PydanticCustomError(
                "unbalanced_expr", "unbalanced '{char}' in the expression", {"char": char}
            )
    if quote or stack:
        what = quote or stack[-1]
        raise PydanticCustomError(
            "unbalanced_expr", "unclosed '{char}' in the expression", {"char": what}
        )
    return value


PromQL = Annotated[str, AfterValidator(_check_promql)]


def _env_value(value: Any) -> Any:
    # Environment variables are strings; YAML's `PORT: 8080` or `DEBUG: true` mean the text.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, int | float) else value


EnvValue = Annotated[
    str, BeforeValidator(_env_value, json_schema_input_type=str | int | float | bool)
]


# Per-environment values -------------------------------------------------------------------


def _is_block(item: Any) -> bool:
    return isinstance(item, type) and issubclass(item, BaseModel)


def _environment_names(info: ValidationInfo) -> tuple[str | None, list[str]]:
    context = info.context if isinstance(info.context, dict) else {}
    return context.get("env"), list(context.get("environments", []))


def _fallbacks(info: ValidationInfo) -> list[str]:
    """The environments an environment inherits from, nearest first."""
    context = info.context if isinstance(info.context, dict) else {}
    return list(context.get("inherits", []))


def pick_for_environment(value: Any, info: ValidationInfo, *, block: bool) -> Any:
    """The value for the environment being validated, from `{staging: 1, production: 3}`.

    For a scalar field any mapping is per-environment. For a block (a mapping field such as
    `resources`), a mapping is per-environment when one of its keys names an environment.
    """
    if not isinstance(value, dict):
        return value
    env, environments = _environment_names(info)
    known = {*environments, DEFAULT_KEY}
    if block and not known.intersection(value):
        return value
    for key in value:
        if key not in known:
            raise PydanticCustomError(
                "unknown_environment",
                "unknown environment '{key}'{hint}",
                {"key": key, "hint": did_you_mean(str(key), environments)},
            )
    for name in (env, *_fallbacks(info)):
        if name in value:
            return value[name]
    if DEFAULT_KEY in value:
        return value[DEFAULT_KEY]
    raise PydanticUseDefault()


T = TypeVar("T")

if TYPE_CHECKING:
    PerEnv = Annotated[T, ...]
else:

    class PerEnv:
        """`PerEnv[int]`: a value, or a mapping of environment name (or `default`) to value."""

        def __class_getitem__(cls, item: Any) -> Any:
            block = _is_block(item)

            def pick(value: Any, info: ValidationInfo) -> Any:
                return pick_for_environment(value, info, block=block)

            return Annotated[
                item, BeforeValidator(pick, json_schema_input_type=item | dict[str, item])
            ]
