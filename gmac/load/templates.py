"""The catalogue of service templates: `service_templates/<name>/template.yaml`.

A template has `defaults:` (the fields a service using it leaves out), `questions:` (what
`gmac new service` asks, each answer a spec field), `spec:` (fields every new spec of the
template starts with; `{code}` in them is the folder the code is rendered to, relative to the
project root) and a `files/` folder of jinja2 templates: the code of a new service.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from gmac.errors import Problem, SpecError
from gmac.load.documents import Document
from gmac.load.files import display_path
from gmac.load.yaml_source import parse_documents

BUILTIN_TEMPLATES = Path(__file__).resolve().parents[2] / "service_templates"
FILES_DIR = "files"
# How an answer is read and checked: see gmac.app.scaffold.answers.
QUESTION_TYPES = (
    "text",
    "choice",
    "name",
    "port",
    "path",
    "host",
    "cpu",
    "memory",
    "replicas",
    "environments",
    "integrations",
    "secrets",
)


@dataclass(frozen=True)
class Question:
    """One question of `gmac new service`: its answer is the spec field `field` (dotted)."""

    field: str
    prompt: str
    type: str
    default: Any = None  # None: the template's default for `field`, if any
    choices: tuple[str, ...] = ()
    optional: bool = False  # an empty answer leaves the field out


@dataclass(frozen=True)
class TemplateInfo:
    name: str
    description: str
    directory: Path
    defaults: dict[str, Any] = field(default_factory=dict)
    questions: tuple[Question, ...] = ()
    spec: dict[str, Any] = field(default_factory=dict)

    @property
    def files(self) -> Path:
        """The jinja2 tree rendered into a new service's code folder."""
        return self.directory / FILES_DIR


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
    spec = data.get("spec") or {}
    if not isinstance(spec, dict):
        line, column = documents[0].source.locate(("spec",))
        problems.append(Problem(shown, line, column, "spec", "must be a mapping of fields"))
        return None
    raw_questions = data.get("questions") or []
    questions = _read_questions(raw_questions, documents[0], problems) if documents else ()
    name = data.get("name", meta.parent.name)
    return TemplateInfo(
        name=str(name),
        description=str(data.get("description", "")),
        directory=meta.parent,
        defaults=defaults,
        questions=questions,
        spec=spec,
    )


def _read_questions(raw: Any, document: Document, problems: list[Problem]) -> tuple[Question, ...]:
    def problem(path: tuple[str | int, ...], message: str) -> None:
        line, column = document.source.locate(path)
        dotted = ".".join(str(part) for part in path)
        problems.append(Problem(document.file, line, column, dotted, message))

    if not isinstance(raw, list):
        problem(("questions",), "must be a list of questions")
        return ()
    questions: list[Question] = []
    for i, item in enumerate(raw):
        at = ("questions", i)
        if not isinstance(item, dict):
            problem(at, "must be a mapping: {field, prompt, type, default, choices, optional}")
            continue
        unknown = sorted(set(item) - {"field", "prompt", "type", "default", "choices", "optional"})
        if unknown:
            problem((*at, unknown[0]), f"unknown key '{unknown[0]}'")
        spec_field, kind = item.get("field"), item.get("type", "text")
        if not isinstance(spec_field, str) or not spec_field:
            problem((*at, "field"), "required: the spec field the answer goes to, such as 'port'")
            continue
        if kind not in QUESTION_TYPES:
            problem((*at, "type"), f"unknown type '{kind}'; known: {', '.join(QUESTION_TYPES)}")
            continue
        choices = item.get("choices") or []
        if kind == "choice" and not (isinstance(choices, list) and choices):
            problem((*at, "choices"), "a question of type 'choice' needs a list of choices")
            continue
        questions.append(
            Question(
                field=spec_field,
                prompt=str(item.get("prompt") or spec_field),
                type=str(kind),
                default=item.get("default"),
                choices=tuple(str(choice) for choice in choices),
                optional=bool(item.get("optional", False)),
            )
        )
    return tuple(questions)


def catalogue() -> dict[str, TemplateInfo]:
    """Every template by name (read once per directory: templates do not change mid-run)."""
    return _read_catalogue(templates_dir())
