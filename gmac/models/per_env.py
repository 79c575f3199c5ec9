"""Per-environment values: `replicas: {staging: 1, production: 3}`.

`PerEnv[int]` takes a value, or a mapping of environment name (or `default`) to value; the
validator picks the environment being validated (then those it inherits from, then `default`)
before the value's own validation runs, so each environment is checked on its own. The JSON
Schema offers both shapes, each with the value's constraints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from pydantic import BaseModel, GetCoreSchemaHandler, GetJsonSchemaHandler, ValidationInfo
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, PydanticUseDefault, core_schema

from gmac.suggest import did_you_mean

DEFAULT_KEY = "default"


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


class _PerEnvironment:
    """The validator and the schema of a per-environment value (`block`: a model's)."""

    def __init__(self, *, block: bool) -> None:
        self.block = block

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        block = self.block

        def pick(value: Any, info: ValidationInfo) -> Any:
            return pick_for_environment(value, info, block=block)

        return core_schema.with_info_before_validator_function(pick, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # The value's own schema, constraints included (`minimum: 0` from `Field(ge=0)`), as
        # itself or per environment.
        inner = (
            handler(schema["schema"]) if schema["type"] == "function-before" else handler(schema)
        )
        return {"anyOf": [inner, {"type": "object", "additionalProperties": inner}]}


T = TypeVar("T")

if TYPE_CHECKING:
    PerEnv = Annotated[T, ...]
else:

    class PerEnv:
        """`PerEnv[int]`: a value, or a mapping of environment name (or `default`) to value."""

        def __class_getitem__(cls, item: Any) -> Any:
            block = isinstance(item, type) and issubclass(item, BaseModel)
            return Annotated[item, _PerEnvironment(block=block)]
