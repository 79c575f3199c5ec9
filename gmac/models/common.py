"""Field types shared by every spec kind, each with a message that says what is expected.

Each type that validation constrains says so in the JSON Schema too (a `pattern`, a
`minimum`), so an editor flags what `gmac validate` refuses (gmac.models.checks).
"""

from __future__ import annotations

import functools
import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    WithJsonSchema,
)
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from gmac.models.checks import Check, matching, schema_pattern
from gmac.models.per_env import DEFAULT_KEY, PerEnv, pick_for_environment
from gmac.models.urls import AnyUrl, Url, password_in_url, without_credentials

__all__ = [
    "API_VERSION",
    "DEFAULT_KEY",
    "AnyUrl",
    "PerEnv",
    "Url",
    "pick_for_environment",
    "without_credentials",
]

API_VERSION = "gmac.io/v1"


def _no_boolean(value: Any) -> Any:
    if isinstance(value, bool):
        raise PydanticCustomError(
            "bool_for_number", "must be a number, not {shown}", {"shown": str(value).lower()}
        )
    return value


def _strict_scalars(node: Any) -> None:
    """In a core schema, wherever they sit (Optional, a union, a dict): every boolean strict,
    and no integer taking a boolean (`replicas: true` is not 1)."""
    if isinstance(node, list):
        for item in node:
            _strict_scalars(item)
        return
    if not isinstance(node, dict):
        return
    if node.get("type") == "bool":
        node["strict"] = True
    elif node.get("type") == "int":
        inner = dict(node)
        node.clear()
        node.update(core_schema.no_info_before_validator_function(_no_boolean, inner))
        return
    elif (
        node.get("type") == "function-before"
        and node.get("function", {}).get("function") is _no_boolean
    ):
        return  # a nested model's schema, done already
    for value in node.values():
        _strict_scalars(value)


class SpecModel(BaseModel):
    """Base of every spec model: unknown fields are errors, values never change after load,
    a boolean is `true` or `false` only, and a number is not a boolean.

    pydantic would read `tls: off`, `yes`, `0` or `"false"` as booleans, and `true` as 1;
    YAML 1.2 (and so the reference) calls them text and numbers, and `tls: off` would quietly
    turn TLS off.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[BaseModel], handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        schema = handler(source)
        _strict_scalars(schema)
        return schema


def _check_email(value: str) -> str:
    # pydantic's own check (email-validator, no DNS): imported by the first address checked,
    # not by every start of gmac as `EmailStr` does; most specs name no address.
    from pydantic.networks import validate_email  # noqa: PLC0415

    return validate_email(value)[1]


# pydantic's EmailStr, checked the same, the same in the schema.
EmailAddress = Annotated[
    str, AfterValidator(_check_email), WithJsonSchema({"type": "string", "format": "email"})
]


def empty_list(description: str | None = None) -> Any:
    """A list field that starts empty. A `[]` default would be deep-copied by every
    validation that leaves the field out (some 14 per service); a factory makes it anew for
    the price of a call. The schema still says the default."""
    return Field(default_factory=list, json_schema_extra={"default": []}, description=description)


def empty_dict(description: str | None = None) -> Any:
    """A mapping field that starts empty (see `empty_list`)."""
    return Field(default_factory=dict, json_schema_extra={"default": {}}, description=description)


def field_error(message: str, *at: str | int) -> PydanticCustomError:
    """A model rule's error about one of its fields, `at` that path below the model.

    The validator turns `at` into the problem's position (`alerts.1.name`), so the message
    points at the duplicate name rather than at the start of the document.
    """
    return PydanticCustomError("spec_rule", message, {"at": at})


def _scalar_to_str(value: Any) -> Any:
    # YAML reads `cpu: 1` as an int and `cpu: 0.5` as a float; both are valid quantities.
    if isinstance(value, bool):
        return value
    return str(value) if isinstance(value, int | float) else value


# Names and text -----------------------------------------------------------------------------

_DNS_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS_SUBDOMAIN = rf"({_DNS_LABEL}\.)*{_DNS_LABEL}"

Name = Annotated[
    str,
    Field(max_length=63),
    matching(
        _DNS_LABEL,
        "invalid_name",
        "a valid name: lowercase letters, digits and '-', starting and ending with a letter "
        "or digit (DNS-1123)",
    ),
]
Hostname = Annotated[
    str, Field(max_length=253), matching(_DNS_SUBDOMAIN, "invalid_host", "a valid host name")
]
_IPV4 = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")


def _not_an_address(value: str) -> str:
    if _IPV4.fullmatch(value):
        raise PydanticCustomError(
            "ingress_address",
            "'{value}' is an IP address: an Ingress host is a DNS name",
            {"value": value},
        )
    return value


# As Kubernetes takes an Ingress host: a DNS name, or a wildcard (`*` alone as the first label,
# `*.example.com`), never an IP address.
IngressHost = Annotated[
    str,
    Field(max_length=253),
    matching(rf"(\*\.)?{_DNS_SUBDOMAIN}", "invalid_host", "a valid host name"),
    Check(_not_an_address),
]
EnvVarName = Annotated[
    str,
    matching(
        r"[A-Za-z_][A-Za-z0-9_]*",
        "invalid_env_name",
        "a valid environment variable name (letters, digits and '_')",
    ),
]
Duration = Annotated[
    str,
    BeforeValidator(_scalar_to_str),
    matching(
        r"([0-9]+(ms|s|m|h|d|w|y))+",
        "invalid_duration",
        "a duration such as 30s, 10m, 2h, 30d or 1h30m",
    ),
]
UrlPath = Annotated[str, matching(r"/[^\s]*", "invalid_path", "a URL path starting with '/'")]
Port = Annotated[int, Field(ge=1, le=65535)]
Currency = Annotated[
    str,
    matching(
        r"[a-z]{3}", "invalid_currency", "a currency code: three lowercase letters (usd, eur)"
    ),
]
AlertName = Annotated[
    str,
    matching(
        r"[A-Za-z_][A-Za-z0-9_]*",
        "invalid_alert_name",
        "a valid alert name: letters, digits and '_', not starting with a digit (ApiDown)",
    ),
]
StripeEvent = Annotated[
    str,
    matching(
        r"\*|[a-z_]+(\.[a-z_]+)+",
        "invalid_stripe_event",
        "a Stripe event type such as invoice.payment_failed, or '*' for every event",
    ),
]

# Kubernetes quantities ----------------------------------------------------------------------

_NUMBER = r"[0-9]+(\.[0-9]*)?|\.[0-9]+"
_MEMORY_SUFFIX = r"k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][0-9]+"
_QUANTITY = re.compile(rf"(?P<number>{_NUMBER})(?P<suffix>m|{_MEMORY_SUFFIX})?")


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


def _quantity_schema(suffixes: str) -> WithJsonSchema:
    # Numbers are fine too, or editors would flag `cpu: 1`.
    pattern = f"^(?:{_NUMBER})(?:{suffixes})?$"
    return WithJsonSchema(
        {"anyOf": [{"type": "string", "pattern": pattern}, {"type": "number", "minimum": 0}]}
    )


CpuQuantity = Annotated[
    str,
    BeforeValidator(_scalar_to_str),
    AfterValidator(_check_quantity),
    _quantity_schema(f"m|{_MEMORY_SUFFIX}"),
]
MemoryQuantity = Annotated[
    str,
    BeforeValidator(_scalar_to_str),
    AfterValidator(_check_quantity),
    AfterValidator(_check_memory),
    _quantity_schema(_MEMORY_SUFFIX),
]

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


HostPort = Annotated[str, Check(_check_host_port, schema_pattern(r"[A-Za-z0-9.-]+:[0-9]{1,5}"))]

_PAIRS = {")": "(", "]": "[", "}": "{"}


@functools.lru_cache(maxsize=8192)
def _promql_trouble(value: str) -> tuple[str, str, str] | None:
    """What is wrong with an expression (error type, message, the bracket), or None.

    Cached: validating every environment checks each alert's expression once per environment.
    """
    if not value.strip():
        return ("empty_expr", "a PromQL expression must not be empty", "")
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
            return ("unbalanced_expr", "unbalanced '{char}' in the expression", char)
    if quote or stack:
        return ("unbalanced_expr", "unclosed '{char}' in the expression", quote or stack[-1])
    return None


def _check_promql(value: str) -> str:
    """Non-empty, with brackets balanced outside string literals: catches the usual typos.

    `promtool` checks the full grammar when the compiled rules are tested.
    """
    trouble = _promql_trouble(value)
    if trouble is not None:
        kind, message, char = trouble
        raise PydanticCustomError(kind, message, {"char": char} if char else None)
    return value


PromQL = Annotated[str, Check(_check_promql, {"minLength": 1, "pattern": r"\S"})]


def _env_value(value: Any) -> Any:
    # Environment variables are strings; YAML's `PORT: 8080` or `DEBUG: true` mean the text.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str) and password_in_url(value):
        # `postgres://app:hunter2@db/app`: a password in plain text, in git and a ConfigMap.
        raise PydanticCustomError(
            "url_credentials",
            "'{shown}' carries a password: read it from a secret (the service's 'secrets:', "
            "declared under 'secrets:' in the project)",
            {"shown": without_credentials(value)},
        )
    return value


EnvValue = Annotated[
    str, BeforeValidator(_env_value, json_schema_input_type=str | int | float | bool)
]
