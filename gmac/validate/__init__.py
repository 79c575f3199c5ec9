"""Step 2 of the pipeline: documents in, a valid `Spec` per environment out, or every problem.

Services and integrations are validated once per environment, after per-environment values
are picked and `{variables}` filled in, so a value that is only wrong in production is still
found when validating all environments.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from gmac.errors import Problem, SpecError, UsageError
from gmac.load import Document, YamlPath, interpolate, load_specs, variable_paths
from gmac.load.files import display_path
from gmac.load.templates import catalogue
from gmac.models import (
    SPEC_KINDS,
    Integration,
    Project,
    Service,
    StripeIntegration,
    TursoIntegration,
    WebhookIntegration,
    spec_document_adapter,
)
from gmac.suggest import did_you_mean
from gmac.validate.messages import show
from gmac.validate.paths import check_paths
from gmac.validate.pydantic_problems import picks_for, problems_from
from gmac.validate.references import check_project, check_references
from gmac.validate.salvage import salvage
from gmac.validate.spec import Spec

__all__ = ["Spec", "validate", "validate_all", "validate_directory"]

_INTEGRATION_MODELS: dict[str, type[BaseModel]] = {
    "stripe": StripeIntegration,
    "turso": TursoIntegration,
    "webhook": WebhookIntegration,
}
DEFAULT_DOMAIN = "localhost"


def _problem(document: Document, path: tuple[str, ...], message: str) -> Problem:
    line, column = document.source.locate(path)
    return Problem(document.file, line, column, ".".join(path), message)


def _root_model(document: Document) -> type[BaseModel]:
    if document.kind == "Project":
        return Project
    if document.kind == "Service":
        return Service
    return _INTEGRATION_MODELS.get(str(document.data.get("type")), StripeIntegration)


_Model = Project | Service | Integration


def _validate_document(
    document: Document,
    data: dict[str, Any],
    env: str | None,
    environments: Sequence[str],
    inherits: Sequence[str] = (),
) -> tuple[_Model | None, list[Problem], tuple[_Model, Document] | None]:
    """The model, or the problems and what parsed of it (with the document to locate it in),
    for the references to be checked too."""
    context = {"env": env, "environments": list(environments), "inherits": list(inherits)}

    def validate(values: dict[str, Any]) -> _Model:
        return spec_document_adapter.validate_python(values, context=context)

    try:
        return validate(data), [], None
    except ValidationError as error:
        root = _root_model(document)
        problems = problems_from(error, document, root, env, inherits)
        picks = picks_for(env, inherits)
        return None, problems, salvage(document, data, error, validate, root=root, picks=picks)


def _declarations_only(document: Document) -> Project:
    """A stand-in Project for reference checks alone, which read the declarations written in
    `document` (gmac.validate.references); never validated, never part of a Spec."""
    return Project.model_construct(
        kind="Project", name=document.name or "", owner="", environments={}, secrets={}
    )


def _sort_by_kind(documents: Iterable[Document]) -> tuple[dict[str, list[Document]], list[Problem]]:
    by_kind: dict[str, list[Document]] = {kind: [] for kind in SPEC_KINDS}
    problems: list[Problem] = []
    for document in documents:
        kind = document.data.get("kind")
        if kind is None:
            problems.append(
                _problem(
                    document,
                    ("kind",),
                    f"required field is missing; expected one of: {', '.join(SPEC_KINDS)}",
                )
            )
        elif not isinstance(kind, str) or kind not in by_kind:
            if isinstance(kind, str):
                shown = f"'{kind}'{did_you_mean(kind, SPEC_KINDS)}"
            else:  # as YAML writes it: true, 3, null, ['Service']
                shown = repr(kind) if isinstance(kind, list | dict) else show(kind)
            problems.append(
                _problem(
                    document,
                    ("kind",),
                    f"unknown kind {shown}; expected one of: {', '.join(SPEC_KINDS)}",
                )
            )
        else:
            by_kind[kind].append(document)
    return by_kind, problems


def _duplicates(by_kind: Mapping[str, list[Document]]) -> list[Problem]:
    problems: list[Problem] = []
    for kind, documents in by_kind.items():
        first: dict[str, Document] = {}
        for document in documents:
            name = document.name
            if name is None:
                continue
            if name in first:
                earlier = first[name]
                line, column = earlier.source.locate(("name",))
                problems.append(
                    _problem(
                        document,
                        ("name",),
                        f"{kind.lower()} '{name}' is "
                        f"already defined at {earlier.file}:{line}:{column}",
                    )
                )
            else:
                first[name] = document
    return problems


def _environment_names(project_document: Document, project: Project | None) -> list[str]:
    if project is not None:
        return list(project.environments)
    # An invalid project still tells which environments exist, so other specs get checked.
    raw = project_document.data.get("environments")
    return [key for key in raw if isinstance(key, str)] if isinstance(raw, dict) else []


def _with_template(document: Document) -> tuple[dict[str, Any], list[Problem]]:
    """The service's data with its template's defaults filling the fields it leaves out."""
    template = document.data.get("template")
    if template is None or not isinstance(template, str):
        return document.data, []
    templates = catalogue()
    info = templates.get(template)
    if info is None:
        hint = did_you_mean(template, templates)
        known = ", ".join(sorted(templates)) or "none installed"
        return document.data, [
            _problem(
                document, ("template",), f"unknown template '{template}'{hint}; known: {known}"
            )
        ]
    return {**info.defaults, **document.data}, []


def _variables(project: Project | None, raw_project: Document, env: str) -> dict[str, str]:
    if project is None:
        name = raw_project.name or "project"
        return {"env": env, "project": name, "domain": DEFAULT_DOMAIN, "namespace": name}
    environment = project.environments[env]
    return {
        "env": env,
        "project": project.name,
        "domain": environment.domain or DEFAULT_DOMAIN,
        "namespace": environment.kubernetes.namespace or project.name,
    }


def _inherited(project: Project | None, env: str) -> list[str]:
    """The chain of environments `env` inherits values from, nearest first, cycles cut."""
    chain: list[str] = []
    current = project.environments.get(env) if project is not None else None
    while current is not None and current.inherits and current.inherits not in (env, *chain):
        chain.append(current.inherits)
        current = project.environments.get(current.inherits) if project else None
    return chain


def _validate_environment(
    env: str,
    environments: Sequence[str],
    project: Project | None,
    project_document: Document,
    by_kind: Mapping[str, list[Document]],
    *,
    reference: tuple[Project, Document] | None = None,
    root: Path | None = None,
    templated: Mapping[int, tuple[YamlPath, ...]] | None = None,
) -> tuple[Spec | None, list[Problem]]:
    """`env`'s Spec, or its problems. `reference` is the project to check references against:
    the project, or what parsed of it when it is invalid. `templated` holds each document's
    `variable_paths` (by `id`), found once for every environment."""
    problems: list[Problem] = []
    known = reference[0] if reference is not None else None
    if known is not None and env not in known.environments:
        known = None
    variables = _variables(known, project_document, env)
    services: list[tuple[Service, Document]] = []
    integrations: list[tuple[Integration, Document]] = []
    invalid: list[Document] = []
    for document in [*by_kind["Service"], *by_kind["Integration"]]:
        data, unknown_variables = interpolate(
            document.data,
            {**variables, "name": document.name or ""},
            document.source,
            None if templated is None else templated[id(document)],
        )
        problems.extend(unknown_variables)
        if document.kind == "Service":
            data, trouble = _with_template(Document(document.file, data, document.source))
            problems.extend(trouble)
        model, trouble, partial = _validate_document(
            document, data, env, environments, _inherited(known, env)
        )
        # A value with an unknown variable is also invalid ('api.{domian}' is no host name):
        # the variable is the problem to report, once.
        reported = {problem.path for problem in unknown_variables}
        problems.extend(problem for problem in trouble if problem.path not in reported)
        checked = document
        if model is None:
            invalid.append(document)
            if partial is not None:  # its references are checked all the same
                model, checked = partial
        if isinstance(model, Service):
            services.append((model, checked))
        elif model is not None and not isinstance(model, Project):
            integrations.append((model, checked))
    if reference is None:
        return None, problems
    problems.extend(check_references(*reference, services, integrations, invalid))
    if root is not None:
        problems.extend(check_paths(services, root))
    if problems or project is None:
        return None, problems
    documents = {("Project", project.name): project_document}
    documents.update({("Service", s.name): d for s, d in services})
    documents.update({("Integration", i.name): d for i, d in integrations})
    spec = Spec(
        env=env,
        project=project,
        services=tuple(s for s, _ in services if s.environments is None or env in s.environments),
        integrations=tuple(i for i, _ in integrations),
        variables=variables,
        documents=documents,
        root=root,
    )
    return spec, problems


def validate_all(
    documents: Sequence[Document],
    *,
    env: str | None = None,
    load_problems: Sequence[Problem] = (),
    specs_label: str = "specs",
    root: Path | None = None,
) -> dict[str, Spec]:
    """A Spec for `env`, or for every environment; SpecError lists every problem found.

    `root` is the project root, against which the folders specs name are checked; without
    it they are not.
    """
    by_kind, problems = _sort_by_kind(documents)
    problems = [*load_problems, *problems, *_duplicates(by_kind)]
    projects = by_kind["Project"]
    if not projects:
        problems.append(
            Problem(specs_label, 1, 1, "", "no Project spec found: add a file with 'kind: Project'")
        )
        raise SpecError(problems)
    first = projects[0]
    for extra in projects[1:]:
        line, column = first.position
        problems.append(
            _problem(
                extra,
                ("kind",),
                f"only one Project is allowed; the first is at {first.file}:{line}:{column}",
            )
        )
    model, trouble, partial = _validate_document(first, first.data, None, [])
    problems.extend(trouble)
    project = model if isinstance(model, Project) else None
    reference = (project, first) if project is not None else None
    if partial is not None and isinstance(partial[0], Project):
        reference = (partial[0], partial[1])
    if reference is not None:
        problems.extend(check_project(*reference))
    else:
        # Not even part of it parsed (a required field is missing): the other specs'
        # references are checked against what it declares as written.
        reference = (_declarations_only(first), first)
    environments = _environment_names(first, project)
    if env is not None and environments and env not in environments:
        raise UsageError(
            f"unknown environment '{env}'{did_you_mean(env, environments)}; "
            f"the project declares: {', '.join(environments)}"
        )
    specs: dict[str, Spec] = {}
    templated = {
        id(document): (
            variable_paths(document.data) if document.variables is None else document.variables
        )
        for document in [*by_kind["Service"], *by_kind["Integration"]]
    }
    for name in [env] if env is not None else environments:
        spec, trouble = _validate_environment(
            name,
            environments,
            project,
            first,
            by_kind,
            reference=reference,
            root=root,
            templated=templated,
        )
        problems.extend(trouble)
        if spec is not None:
            specs[name] = spec
    if problems:
        raise SpecError(problems)
    return specs


def validate(
    documents: Sequence[Document], env: str, *, load_problems: Sequence[Problem] = ()
) -> Spec:
    """The Spec of one environment."""
    return validate_all(documents, env=env, load_problems=load_problems)[env]


def validate_directory(root: Path, env: str | None = None) -> dict[str, Spec]:
    """Load every spec under `root` and validate it for `env`, or for every environment."""
    with _gc_paused():
        documents, problems = load_specs(root)
        label = display_path(root)
        return validate_all(
            documents,
            env=env,
            load_problems=problems,
            specs_label=label,
            root=root.resolve().parent,
        )


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while loading and validating.

    Both build trees of fresh objects (YAML nodes, dicts, models) that reference counting
    frees; the collector would only rescan them, again and again as they grow: a fifth of
    the time of a 1,000-service project. It runs again, as before, once done.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
