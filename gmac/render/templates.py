"""`gmac templates list|show`: a template's defaults, questions and files."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml
from rich.console import Console

from gmac.app.scaffold import default_answer, show_value, template_paths
from gmac.load.templates import TemplateInfo


def template_summary(info: TemplateInfo) -> dict[str, Any]:
    return {
        "name": info.name,
        "description": info.description,
        "questions": [q.field for q in info.questions],
    }


def template_lines(templates: Sequence[TemplateInfo], console: Console) -> None:
    width = max((len(info.name) for info in templates), default=0)
    for info in templates:
        console.print(f"{info.name:<{width}}  {info.description}", markup=False)


def _files(info: TemplateInfo) -> list[str]:
    return template_paths(info.files) if info.files.is_dir() else []


def template_dict(info: TemplateInfo) -> dict[str, Any]:
    questions = [
        {
            "field": q.field,
            "type": q.type,
            "prompt": q.prompt,
            "default": q.default,
            "choices": list(q.choices),
            "optional": q.optional,
        }
        for q in info.questions
    ]
    return {
        "name": info.name,
        "description": info.description,
        "defaults": info.defaults,
        "spec": info.spec,
        "questions": questions,
        "files": _files(info),
    }


def _indent(text: str) -> str:
    return "".join(f"  {line}\n" for line in text.splitlines())


def template_details(info: TemplateInfo, console: Console) -> None:
    files = _files(info)
    console.print(f"{info.name}: {info.description}", markup=False)
    console.print("\ndefaults (fields a service using it leaves out):", markup=False)
    console.print(_indent(yaml.safe_dump(info.defaults, sort_keys=False)), markup=False)
    if info.spec:
        console.print("new specs start with:", markup=False)
        console.print(_indent(yaml.safe_dump(info.spec, sort_keys=False)), markup=False)
    console.print("questions (gmac new service):", markup=False)
    for q in info.questions:
        default = show_value(default_answer(q, info, "NAME")) or "none"
        extra = ", optional" if q.optional else ""
        console.print(
            f"  {q.field} ({q.type}{extra}; default: {default}): {q.prompt}", markup=False
        )
    console.print(f"\nfiles ({len(files)}):", markup=False)
    for path in files:
        console.print(f"  {path}", markup=False)
