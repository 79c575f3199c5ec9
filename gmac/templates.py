"""The catalogue of service templates: `service_templates/<name>/template.yaml`."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

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
    for meta in sorted(directory.glob("*/template.yaml")):
        data = yaml.safe_load(meta.read_text(encoding="utf-8")) or {}
        name = str(data.get("name", meta.parent.name))
        catalogue[name] = TemplateInfo(
            name=name,
            description=str(data.get("description", "")),
            directory=meta.parent,
            defaults=dict(data.get("defaults") or {}),
        )
    return catalogue


def catalogue() -> dict[str, TemplateInfo]:
    """Every template by name (read once per directory: templates do not change mid-run)."""
    return _read_catalogue(templates_dir())
