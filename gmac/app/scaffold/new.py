"""`gmac new service`: a Service spec and its code, from a template and the answers given.

The spec goes to `specs/services/NAME.yaml`, the rendered code to `services/NAME/` (or
`--code-dir`), both under the project root (the folder holding the specs folder). The spec's
`repo.initial_files` names the code folder: on apply it becomes the repository's first commit.
The whole project is validated once both are written; when it is not valid, both are removed
(and whatever they replaced put back), so a failed run leaves nothing behind.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from gmac.app.scaffold.answers import ProjectFacts
from gmac.app.scaffold.render import render_tree
from gmac.errors import UsageError
from gmac.load.files import display_path
from gmac.load.templates import Question, TemplateInfo
from gmac.models import Project
from gmac.validate import Spec, validate_directory

SPEC_FOLDER = "services"
CODE_FOLDER = "services"
DEFAULT_METRICS_PORT = 9090


@dataclass(frozen=True)
class ProjectState:
    """The project a service is added to, as validated before anything is written."""

    specs: Path
    root: Path
    project: Project
    facts: ProjectFacts
    services: frozenset[str]


@dataclass(frozen=True)
class NewService:
    """What to create: the answers are spec values by (dotted) field, already checked."""

    name: str
    template: TemplateInfo
    answers: Mapping[str, Any] = field(default_factory=dict)
    code_dir: Path | None = None
    force: bool = False


@dataclass(frozen=True)
class Created:
    spec_file: Path
    code_dir: Path
    files: tuple[Path, ...]
    spec: dict[str, Any]


def read_project(specs: Path) -> ProjectState:
    """The current project, which must be valid before a service is added to it."""
    by_env: dict[str, Spec] = validate_directory(specs)
    first = next(iter(by_env.values()))
    project = first.project
    facts = ProjectFacts(
        name=project.name,
        environments={env: dict(spec.variables) for env, spec in by_env.items()},
        integrations=tuple(item.name for item in first.integrations),
        secrets=tuple(project.secrets),
    )
    services = frozenset(s.name for spec in by_env.values() for s in spec.services)
    return ProjectState(specs, specs.resolve().parent, project, facts, services)


def default_answer(question: Question, template: TemplateInfo, name: str) -> Any:
    """The question's default, else the template's default for the field; `{name}` filled in."""
    value = question.default
    if value is None:
        value = _get_dotted(template.defaults, question.field)
    if isinstance(value, str):
        value = value.replace("{name}", name)
    return value


def spec_file_for(state: ProjectState, name: str) -> Path:
    return state.specs / SPEC_FOLDER / f"{name}.yaml"


def code_dir_for(state: ProjectState, request: NewService) -> Path:
    code = request.code_dir if request.code_dir is not None else Path(CODE_FOLDER) / request.name
    if not code.is_absolute() and request.code_dir is None:
        code = state.root / code
    code = code.resolve()
    if not code.is_relative_to(state.root):
        raise UsageError(
            f"--code-dir '{request.code_dir}' is outside the project root '{state.root}': "
            "the spec names the code folder relative to it"
        )
    return code


def build_spec(state: ProjectState, request: NewService, code_dir: Path) -> dict[str, Any]:
    """The Service document: answered fields, in the order asked, over the template's `spec`."""
    template = request.template
    spec: dict[str, Any] = {
        "apiVersion": "gmac.io/v1",
        "kind": "Service",
        "name": request.name,
        "template": template.name,
    }
    if state.project.git is not None:
        spec["repo"] = {
            "default_branch": "main",
            "initial_files": code_dir.relative_to(state.root).as_posix(),
        }
    code = code_dir.relative_to(state.root).as_posix()
    for key, given in _fill_code(copy.deepcopy(template.spec), code).items():
        default = template.defaults.get(key)
        # A block over the template's default block: the fields it does not name are kept.
        if isinstance(given, dict) and isinstance(default, dict):
            spec[key] = {**copy.deepcopy(default), **given}
        else:
            spec[key] = given
    for dotted, value in request.answers.items():
        if value is None:
            continue
        top = dotted.split(".", 1)[0]
        if "." in dotted and top not in spec:
            # Start from the template's default block, so fields not asked keep their value.
            spec[top] = copy.deepcopy(template.defaults.get(top) or {})
        _set_dotted(spec, dotted, value)
    return spec


def render_context(
    state: ProjectState, request: NewService, spec: Mapping[str, Any]
) -> dict[str, Any]:
    """The variables of the template's files."""
    effective = {**request.template.defaults, **spec}
    name = request.name
    port = effective.get("port")
    health = effective.get("health") or {}
    metrics = effective.get("metrics") or {}
    database = effective.get("database") or {}
    registry = state.project.images.registry if state.project.images is not None else ""
    git = state.project.git
    module = f"{urlparse(git.url).hostname}/{git.org}/{name}" if git is not None else name
    return {
        "name": name,
        "project": state.project.name,
        "template": request.template.name,
        "spec": spec,
        "port": port,
        "health_path": health.get("path", "/healthz"),
        "metrics_path": metrics.get("path", "/metrics"),
        "metrics_port": metrics.get("port") or port or DEFAULT_METRICS_PORT,
        "registry": registry,
        "registry_host": registry.split("/", 1)[0] if registry else "",
        "image": f"{registry}/{name}" if registry else name,
        "go_module": module,
        "default_branch": (spec.get("repo") or {}).get("default_branch", "main"),
        "database_name": database.get("name", name),
        "database_group": database.get("group", "default"),
    }


def spec_text(spec: Mapping[str, Any], template: str, code: str) -> str:
    header = (
        f"# Created by `gmac new service {spec['name']} --template {template}`.\n"
        f"# Its code was rendered to {code}/: on apply, the first commit of its repository.\n"
    )
    body = yaml.safe_dump(dict(spec), sort_keys=False, default_flow_style=None, width=100)
    return header + body


def create_service(state: ProjectState, request: NewService) -> Created:
    """Write the spec and render the code, then validate the whole project; on any failure
    nothing is left behind. Raises UsageError when something exists already (without
    `force`), SpecError when the project with the new service is not valid."""
    spec_file = spec_file_for(state, request.name)
    code_dir = code_dir_for(state, request)
    if not request.force:
        _refuse_existing(state, request.name, spec_file, code_dir)
    spec = build_spec(state, request, code_dir)
    context = render_context(state, request, spec)
    with _replacing(spec_file, code_dir) as staged:
        spec_file.write_text(
            spec_text(spec, request.template.name, display_path(code_dir)), encoding="utf-8"
        )
        files: list[Path] = []
        if request.template.files.is_dir():
            files = render_tree(request.template.files, code_dir, context)
        else:
            code_dir.mkdir(parents=True, exist_ok=True)
        validate_directory(state.specs)
        staged.commit()
    return Created(spec_file, code_dir, tuple(files), spec)


def _refuse_existing(state: ProjectState, name: str, spec_file: Path, code_dir: Path) -> None:
    again = "pass --force to replace it"
    if name in state.services:
        raise UsageError(f"service '{name}' already exists in {display_path(state.specs)}: {again}")
    if spec_file.exists():
        raise UsageError(f"'{display_path(spec_file)}' already exists: {again}")
    if code_dir.exists() and any(code_dir.iterdir()):
        raise UsageError(f"'{display_path(code_dir)}' already exists and is not empty: {again}")


class _Staged:
    def __init__(self) -> None:
        self.committed = False

    def commit(self) -> None:
        self.committed = True


@contextmanager
def _replacing(*paths: Path) -> Iterator[_Staged]:
    """Move what `paths` hold aside; on success drop it, on failure remove what was written
    (and the folders made for it) and put it back."""
    staged = _Staged()
    backup = Path(tempfile.mkdtemp(prefix="gmac-new-"))
    moved: dict[Path, Path] = {}
    made: list[Path] = []
    try:
        for i, path in enumerate(paths):
            if path.exists():
                moved[path] = backup / str(i)
                shutil.move(path, moved[path])
            made.extend(_make_parents(path))
        yield staged
    finally:
        if not staged.committed:
            for path in paths:
                _remove(path)
            for directory in reversed(made):
                if directory.is_dir() and not any(directory.iterdir()):
                    directory.rmdir()
            for path, saved in moved.items():
                shutil.move(saved, path)
        shutil.rmtree(backup, ignore_errors=True)


def _make_parents(path: Path) -> list[Path]:
    """Create the missing folders above `path`, outermost first; return them."""
    missing = [parent for parent in path.parents if not parent.exists()]
    missing.reverse()
    for directory in missing:
        directory.mkdir()
    return missing


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _fill_code(value: Any, code: str) -> Any:
    """`{code}` in the template's `spec:` strings: the code folder, relative to the root."""
    if isinstance(value, str):
        return value.replace("{code}", code)
    if isinstance(value, dict):
        return {key: _fill_code(item, code) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill_code(item, code) for item in value]
    return value


def _get_dotted(data: Mapping[str, Any], dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return copy.deepcopy(node)


def _set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    node = data
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[last] = value
