"""Problems in the reference's words: strict booleans with a hint, variables listed, no
pydantic internals (class names, union tags, regular expressions, "Input should be a valid
dictionary") for any wrong value of any field."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any, get_args

import pytest
from pydantic import BaseModel

from gmac.errors import SpecError, UsageError
from gmac.load import Document, parse_documents
from gmac.models import Project, Service, StripeIntegration, TursoIntegration, WebhookIntegration
from gmac.validate import validate_all
from gmac.validate.pydantic_problems import field_loc

from .conftest import EXAMPLE_SPECS, SpecProject

API = "services/api.yaml"
PROJECT = "project.yaml"
STRIPE = "integrations/stripe.yaml"
ROOTS: dict[str, type[BaseModel]] = {
    "Project": Project,
    "Service": Service,
    "stripe": StripeIntegration,
    "turso": TursoIntegration,
    "webhook": WebhookIntegration,
}


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("off", "must be true or false, not 'off' (did you mean false?)"),
        ("on", "must be true or false, not 'on' (did you mean true?)"),
        ("yes", "must be true or false, not 'yes' (did you mean true?)"),
        ("no", "must be true or false, not 'no' (did you mean false?)"),
        ("y", "must be true or false, not 'y' (did you mean true?)"),
        ("0", "must be true or false, not 0 (did you mean false?)"),
        ("1", "must be true or false, not 1 (did you mean true?)"),
        ('"false"', "must be true or false, not 'false' (did you mean false, without quotes?)"),
        ("maybe", "must be true or false, not 'maybe'"),
    ],
)
def test_booleans_are_true_or_false(project: SpecProject, written: str, message: str) -> None:
    project.replace(
        API,
        'ingress: {host: "api.{domain}"}',
        f'ingress: {{host: "api.{{domain}}", tls: {written}}}',
    )
    line, column = project.position(API, f"tls: {written}")
    assert project.problems("production") == [
        f"specs/{API}:{line}:{column + 5}: ingress.tls: {message}"
    ]


def test_a_number_is_not_a_boolean(project: SpecProject) -> None:
    project.replace(API, "{staging: 1, production: 3}", "{staging: 1, production: true}")
    line, column = project.position(API, "true}")
    assert project.problems("production") == [
        f"specs/{API}:{line}:{column}: replicas.production: must be a number, not true"
    ]


def test_generate_in_the_reference_words(project: SpecProject) -> None:
    """One problem each, at the field written, in the reference's words."""
    project.replace(PROJECT, "generate: {length: 48}", "generate: {length: 8}")
    project.replace(
        PROJECT, "ci-webhook-secret: {generate: true,", "ci-webhook-secret: {generate: on,"
    )
    on_line, on_column = project.position(PROJECT, "on,")
    eight_line, eight_column = project.position(PROJECT, "8}")
    assert project.problems() == [
        f"specs/{PROJECT}:{on_line}:{on_column}: "
        "secrets.ci-webhook-secret.generate: must be true, false or {length: N}, not 'on' "
        "(did you mean true?)",
        f"specs/{PROJECT}:{eight_line}:{eight_column}: "
        "secrets.nextauth-secret.generate.length: input should be greater than or equal to 16 "
        "(got 8)",
    ]


def test_patterns_in_the_reference_words(project: SpecProject) -> None:
    project.replace(STRIPE, "{id: pro-monthly, currency: usd,", "{id: pro-monthly, currency: USD,")
    project.replace(STRIPE, "customer.subscription.updated", "subscription")
    project.replace(API, "  - name: ApiSlow", "  - name: api-slow")

    def at(relative: str, needle: str) -> str:
        line, column = project.position(relative, needle)
        return f"specs/{relative}:{line}:{column}"

    assert project.problems() == [
        f"{at(STRIPE, 'USD')}: products.0.prices.0.currency: 'USD' is not a currency code: "
        "three lowercase letters (usd, eur)",
        f"{at(STRIPE, 'subscription')}: webhooks.0.events.1: 'subscription' is not a Stripe "
        "event type such as invoice.payment_failed, or '*' for every event",
        f"{at(API, 'api-slow')}: alerts.1.name: 'api-slow' is not a valid alert name: letters, "
        "digits and '_', not starting with a digit (ApiDown)",
    ]


def test_unknown_variables_list_the_known_ones(project: SpecProject) -> None:
    known = "known: {domain}, {env}, {name}, {namespace}, {project}"
    project.replace(API, "api.{domain}", "api-{environment}.{domain}")
    project.replace("services/control-panel.yaml", "panel.{domain}", "panel.{zone}")
    line, column = project.position(API, '"api-')
    line2, column2 = project.position("services/control-panel.yaml", '"panel.')
    assert project.problems() == [
        f"specs/services/api.yaml:{line}:{column}: ingress.host: unknown variable "
        f"'{{environment}}' (did you mean '{{env}}'?); {known}",
        f"specs/services/control-panel.yaml:{line2}:{column2}: ingress.host: unknown variable "
        f"'{{zone}}'; {known}",
    ]


# --- every field, every wrong kind of value ---------------------------------------------------

WRONG = ["x", -1, True, [], {"zz": 1}]
# What only pydantic says: its phrasing, Python's spellings, regular expressions, union tags.
INTERNAL = re.compile(
    r"Input should|instance of|dictionary|pattern|function-|\[key\]|\b(True|False|None)\b"
)


def _model_names() -> set[str]:
    names: set[str] = set()

    def visit(model: type[BaseModel]) -> None:
        if model.__name__ in names:
            return
        names.add(model.__name__)
        for info in model.model_fields.values():
            for inner in _models(info.annotation):
                visit(inner)

    for root in ROOTS.values():
        visit(root)
    return names - {"Project", "Service"}


def _models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in get_args(annotation) for model in _models(arg)]


def _places(
    node: Any, root: type[BaseModel], path: tuple[str | int, ...]
) -> Iterator[tuple[str | int, ...]]:
    """Every value in `node`, and every field a model there could have but does not."""
    _, owner = field_loc(root, (*path, "__field__")) if isinstance(node, dict) else (None, None)
    if isinstance(node, dict) and owner is not None and field_loc(root, path)[1] is not None:
        for name, info in owner.model_fields.items():
            key = info.alias or name
            if key not in node:
                yield (*path, key)
    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, value in items:
        yield (*path, key)
        yield from _places(value, root, (*path, key))


def _example_documents() -> list[Document]:
    documents: list[Document] = []
    for path in sorted(EXAMPLE_SPECS.rglob("*.yaml")):
        found, problems = parse_documents(path.read_text(encoding="utf-8"), str(path))
        assert problems == []
        documents.extend(found)
    return documents


def _root(document: Document) -> type[BaseModel]:
    return ROOTS[
        str(document.data.get("type") if document.kind == "Integration" else document.kind)
    ]


def _set(data: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    node: Any = changed
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return changed


def test_no_message_speaks_pydantic() -> None:
    documents = _example_documents()
    internal = _model_names()
    seen: set[str] = set()
    for index, document in enumerate(documents):
        root = _root(document)
        for path in sorted(set(_places(document.data, root, ())), key=str):
            for value in WRONG:
                changed = Document(document.file, _set(document.data, path, value), document.source)
                try:
                    validate_all(
                        [*documents[:index], changed, *documents[index + 1 :]], env="staging"
                    )
                except UsageError:
                    continue  # an environment renamed away
                except SpecError as error:
                    for problem in error.problems:
                        text = f"{problem.path}: {problem.message}"
                        seen.add(problem.message)
                        assert not INTERNAL.search(text), (path, value, text)
                        words = set(re.findall(r"\w+", text))
                        assert not words & internal, (path, value, text)
                        assert ".flag" not in problem.path and "length.length" not in problem.path
    assert len(seen) > 100  # the run saw every kind of problem, not a few
