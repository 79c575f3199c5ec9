"""`gmac validate`, `show`, `graph` and `schema`: the specs, without the engine."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from gmac.models.schema import spec_json_schema
from gmac.validate import Spec, validate_directory

if TYPE_CHECKING:
    from gmac.compile import ResourceGraph


def validate(specs: Path, env: str | None) -> dict[str, Spec]:
    """Every environment's validated spec (one with `env`); SpecError with every problem."""
    return validate_directory(specs, env)


def effective(specs: Path, env: str) -> Spec:
    return validate_directory(specs, env)[env]


def graph(specs: Path, env: str) -> ResourceGraph:
    """The resources `env` compiles to, under Pulumi's mocks: no engine, no cluster."""
    # Imported here: importing Pulumi takes most of a second that `gmac validate` need not pay.
    from components.context import CompileContext  # noqa: PLC0415
    from gmac.compile import build_graph  # noqa: PLC0415

    return build_graph(CompileContext(effective(specs, env)))


def json_schema() -> dict[str, Any]:
    return spec_json_schema()
