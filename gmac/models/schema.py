"""The JSON Schema of spec files, for editors."""

from __future__ import annotations

from typing import Any

from gmac import __version__
from gmac.models import spec_document_adapter

SCHEMA_ID = "https://gmac.io/schemas/spec-v1.json"


def _switch(union: dict[str, Any]) -> dict[str, Any]:
    """A discriminated union as `if`/`then` pairs on its tag field.

    pydantic writes a `oneOf` with an OpenAPI `discriminator`, which JSON Schema ignores: an
    editor then reports only "not valid under any of the given schemas". With `if`/`then` it
    checks a document against its own kind and names the field that is wrong.
    """
    field = union["discriminator"]["propertyName"]
    mapping: dict[str, Any] = union["discriminator"]["mapping"]
    return {
        "type": "object",
        "required": [field],
        "properties": {field: {"enum": list(mapping)}},
        "allOf": [
            {
                "if": {"properties": {field: {"const": value}}, "required": [field]},
                "then": {"$ref": target} if isinstance(target, str) else _switch(target),
            }
            for value, target in mapping.items()
        ],
    }


def _key_patterns(node: Any) -> Any:
    """Mapping keys checked as gmac checks them: `propertyNames`, with every value checked.

    pydantic turns a key pattern into `patternProperties`, which leaves a key that does not
    match it (an environment named `Local`) and its value unchecked.
    """
    if isinstance(node, list):
        return [_key_patterns(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _key_patterns(value) for key, value in node.items()}
    patterns = node.get("patternProperties")
    if isinstance(patterns, dict) and len(patterns) == 1 and "additionalProperties" not in node:
        ((pattern, value),) = patterns.items()
        del node["patternProperties"]
        node["propertyNames"] = {**node.get("propertyNames", {}), "pattern": pattern}
        node["additionalProperties"] = value
    return node


def spec_json_schema() -> dict[str, Any]:
    """The schema of one spec document, with the constraints `gmac validate` applies to a
    single document's fields (references across documents are for `gmac validate` alone)."""
    schema = _key_patterns(spec_document_adapter.json_schema(by_alias=True, mode="validation"))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": f"gmac spec (gmac {__version__})",
        **_switch(schema),
        "$defs": schema["$defs"],
    }
