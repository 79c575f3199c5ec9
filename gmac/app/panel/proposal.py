"""`gmac new service` as a pull request: the panel's New service form.

Each answer is checked as the command checks it (gmac.app.scaffold.parse_answer), and every
refusal is returned by field, for the form to show beside it. The service is then created
with the command's own `create_service` in a scratch copy of the project's specs, which
validates the whole project with it; the spec and the rendered code are committed to a new
branch of the project's repository and a pull request opened for review and CI. Nothing is
written to the project the panel serves.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gmac.app.actor import Actor
from gmac.app.panel.pulls import ProjectRepo
from gmac.app.recording import audit_event
from gmac.app.scaffold import (
    AnswerError,
    NewService,
    check_name,
    create_service,
    default_answer,
    parse_answer,
    read_project,
    show_value,
)
from gmac.clients.gitea_changes import OpenPull
from gmac.errors import GmacError, UsageError
from gmac.load.templates import TemplateInfo, catalogue

NAME_FIELD = "name"


@dataclass(frozen=True)
class FormQuestion:
    field: str
    prompt: str
    type: str
    default: str
    choices: tuple[str, ...]
    optional: bool


@dataclass(frozen=True)
class Checked:
    answers: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # field -> why it cannot be used


@dataclass(frozen=True)
class Proposal:
    pull: OpenPull
    files: tuple[str, ...]


def template(name: str) -> TemplateInfo:
    templates = catalogue()
    if name not in templates:
        raise UsageError(f"unknown template '{name}'; known: {', '.join(sorted(templates))}")
    return templates[name]


def questions(template_name: str, service: str = "") -> list[FormQuestion]:
    """The template's questions, with the defaults the command would offer."""
    info = template(template_name)
    return [
        FormQuestion(
            q.field,
            q.prompt,
            q.type,
            show_value(default_answer(q, info, service or "NAME")),
            q.choices,
            q.optional,
        )
        for q in info.questions
    ]


def check_answers(
    specs: Path, service: str, template_name: str, texts: Mapping[str, str]
) -> Checked:
    """Every answer checked; the errors by field (`name` for the service's name)."""
    errors: dict[str, str] = {}
    try:
        check_name(service)
    except AnswerError as error:
        errors[NAME_FIELD] = str(error)
    state = read_project(specs)
    if service in state.services:
        errors[NAME_FIELD] = f"service '{service}' already exists"
    info = template(template_name)
    answers: dict[str, Any] = {}
    for question in info.questions:
        text = texts.get(question.field)
        if text is None:
            text = show_value(default_answer(question, info, service))
        try:
            answers[question.field] = parse_answer(question, text, state.facts, service)
        except AnswerError as error:
            errors[question.field] = str(error)
    return Checked(answers, errors)


def _render(
    specs: Path, service: str, info: TemplateInfo, answers: Mapping[str, Any]
) -> dict[str, bytes]:
    """The files the service adds, by path from the project root, made in a scratch copy."""
    root = specs.resolve().parent
    with tempfile.TemporaryDirectory(prefix="gmac-propose-") as scratch:
        copy = Path(scratch) / "project"
        copy_specs = copy / specs.resolve().relative_to(root)
        shutil.copytree(specs, copy_specs, ignore=shutil.ignore_patterns("secrets"))
        created = create_service(read_project(copy_specs), NewService(service, info, answers))
        paths = [created.spec_file, *created.files]
        return {p.relative_to(copy).as_posix(): p.read_bytes() for p in paths if p.is_file()}


def propose_service(
    specs: Path,
    repo: ProjectRepo,
    *,
    service: str,
    template_name: str,
    texts: Mapping[str, str],
    actor: Actor,
) -> Proposal | Checked:
    """The pull request adding `service`; the Checked answers instead when one is refused."""
    checked = check_answers(specs, service, template_name, texts)
    if checked.errors:
        return checked
    info = template(template_name)
    files = _render(specs, service, info, checked.answers)
    branch = f"gmac/new-service-{service}"
    detail: dict[str, Any] = {"repository": repo.full_name, "branch": branch}
    root = specs.resolve().parent
    try:
        changes = repo.changes()
        base = changes.default_branch()
        message = f"New service {service} from template {template_name}"
        changes.commit_to_new_branch(base, branch, message, files)
        body = (
            f"Adds the service `{service}` (template `{template_name}`), proposed by "
            f"{actor.name} in gmac's panel: its spec and its rendered code.\n\n"
            "CI plans it and comments the plan here; merging applies it."
        )
        pull = changes.open_pull_request(base, branch, message, body)
    except GmacError as error:
        audit_event(
            root,
            actor=actor,
            action="panel.propose",
            outcome="failed",
            target=service,
            detail={**detail, "error": str(error)[:300]},
        )
        raise
    audit_event(
        root,
        actor=actor,
        action="panel.propose",
        outcome="succeeded",
        target=service,
        detail={**detail, "pull": pull.number},
    )
    return Proposal(pull, tuple(sorted(files)))
