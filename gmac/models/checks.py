"""How a spec type checks a value and says so in the JSON Schema, in one object.

A pattern type checks the value itself, in Python, so the problem is the reference's message
("'Api' is not a valid name: ...") rather than pydantic's "string should match pattern"; the
same pattern goes into the JSON Schema, so an editor flags what `gmac validate` refuses.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema


@dataclass(frozen=True, eq=False)
class Check:
    """A check run after the type's own validation, and what it adds to the JSON Schema."""

    function: Callable[[Any], Any]
    json_schema: dict[str, Any] = field(default_factory=dict)

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.function, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {**handler(schema), **self.json_schema}


# In a Service or an Integration any string may hold a `{variable}`, filled in per environment
# before validation: the schema checks the rest, and leaves a value with a variable to it.
_VARIABLE = r"\{[a-z_][a-z0-9_]*\}"


def schema_pattern(pattern: str) -> dict[str, str]:
    """The JSON Schema `pattern` for a whole value matching `pattern` (or holding a variable)."""
    return {"pattern": f"^(?:{pattern})$|{_VARIABLE}"}


def matching(pattern: str, error: str, describe: str) -> Check:
    """The whole value matches `pattern`, or "'x' is not <describe>"."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise PydanticCustomError(
                error, "'{value}' is not {describe}", {"value": value, "describe": describe}
            )
        return value

    return Check(check, schema_pattern(pattern))


# What people write for a boolean that YAML 1.2, and so gmac, reads as text or a number.
_MEANT = {
    **dict.fromkeys(("on", "yes", "y", "true", "1"), "true"),
    **dict.fromkeys(("off", "no", "n", "false", "0"), "false"),
}


def not_a_boolean(value: Any, expected: str = "true or false") -> str:
    """Only `true` and `false` are booleans; a hint for the words YAML 1.1 took for them."""
    if isinstance(value, list | dict):
        return f"must be {expected}, not a {'list' if isinstance(value, list) else 'mapping'}"
    meant = _MEANT.get(str(value).strip().lower()) if isinstance(value, str | int) else None
    if meant is None:
        hint = ""
    elif isinstance(value, str) and value.strip().lower() in ("true", "false"):
        hint = f" (did you mean {meant}, without quotes?)"
    else:
        hint = f" (did you mean {meant}?)"
    shown = "null" if value is None else repr(value)
    return f"must be {expected}, not {shown}{hint}"
