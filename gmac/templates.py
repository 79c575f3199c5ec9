"""The catalogue of service templates: `service_templates/<name>/template.yaml`."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from gmac.errors import Problem, SpecError
from gmac.load.files import display_path
from gmac.load.yaml_source import parse_documents

BUILTIN_TEMPLATES = Path(__file__).resolve().parent.parent / "service_templates"


@dataclass(frozen=True)
class TemplateInfo:
    name: str
    description: str
    directory: Path
    defaults: dict[str, Any] = field(default_factory=dict)


def templates_dir() -> Path:
    override = os.environ.get("GMAC_TEMPLATES")
    return Path(override) if override else BUILTIN_TEMPLATES


@cache
def _read_catalogue(directory: Path) -> dict[str, TemplateInfo]:
    catalogue: dict[str, TemplateInfo] = {}
    if not directory.is_dir():
        return catalogue
    problems: list[Problem] = []
    for meta in sorted(directory.glob("*/template.yaml")):
        info = _read_template(meta, problems)
        if info is not None:
            catalogue[info.name] = info
    if problems:
        # A template directory (GMAC_TEMPLATES) is input like the specs: say where it is wrong.
        raise SpecError(problems)
    return catalogue


def _read_template(meta: Path, problems: list[Problem]) -> TemplateInfo | None:
    """One template's metadata, read like a spec (YAML 1.2, positions), or None with problems."""
    shown = display_path(meta)
    try:
        text = meta.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        problems.append(Problem(shown, 1, 1, "", f"cannot read the file: {error}"))
        return None
    documents, trouble = parse_documents(text, shown)
    problems.extend(trouble)
    data = documents[0].data if documents else {}
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        line, column = documents[0].source.locate(("defaults",))
        problems.append(Problem(shown, line, column, "defaults", "must be a mapping of fields"))
        return None
    name = data.get("name", meta.parent.name)
    return TemplateInfo(
        name=str(name),
        description=str(data.get("description", "")),
        directory=meta.parent,
        defaults=defaults,
    )


def catalogue() -> dict[str, TemplateInfo]:
    """Every template by name (read once per directory: templates do not change mid-run)."""
    return _read_catalogue(templates_dir())
