"""The JSON Schema of spec files, for editors."""

from __future__ import annotations

from typing import Any

from gmac import __version__
from gmac.models import spec_document_adapter

SCHEMA_ID = "https://gmac.io/schemas/spec-v1.json"


def spec_json_schema() -> dict[str, Any]:
    schema = spec_document_adapter.json_schema(by_alias=True, mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": f"gmac spec (gmac {__version__})",
        **schema,
    }
