"""No input may produce a traceback: only SpecError or UsageError, with usable positions.

Generated YAML-ish text, generated data dumped to YAML, and mutations of the example specs
go through the loader and the validator; a few mutated projects go through the real CLI.
About 2,400 examples per run (the sum of the `max_examples` below); GMAC_FUZZ_SCALE=10 runs
ten times as many.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from gmac.errors import SpecError, UsageError
from gmac.models import Project, Service, StripeIntegration, TursoIntegration, WebhookIntegration
from gmac.models.common import DEFAULT_KEY
from gmac.render.spec import effective_spec
from gmac.validate import validate_directory

from .conftest import EXAMPLE_SPECS, run_gmac

SCALE = int(os.environ.get("GMAC_FUZZ_SCALE", "1"))
EXAMPLE_FILES = sorted(
    str(path.relative_to(EXAMPLE_SPECS)) for path in EXAMPLE_SPECS.rglob("*.yaml")
)
EXAMPLE_TEXT = {name: (EXAMPLE_SPECS / name).read_text(encoding="utf-8") for name in EXAMPLE_FILES}
EXAMPLE_DATA = {name: list(yaml.safe_load_all(text)) for name, text in EXAMPLE_TEXT.items()}


def _field_names(model: type[BaseModel], seen: set[type[BaseModel]]) -> set[str]:
    """Every field name (by alias) of `model` and the models inside it."""
    if model in seen:
        return set()
    seen.add(model)
    names: set[str] = set()
    for name, info in model.model_fields.items():
        names.add(info.alias or name)
        for inner in _models(info.annotation):
            names |= _field_names(inner, seen)
    return names


def _models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in getattr(annotation, "__args__", ()) for model in _models(arg)]


ROOTS = (Project, Service, StripeIntegration, TursoIntegration, WebhookIntegration)
FIELD_NAMES = sorted(set().union(*(_field_names(model, set()) for model in ROOTS)))
WORDS = [
    *FIELD_NAMES,
    DEFAULT_KEY,
    "local",
    "staging",
    "production",
    "prod",
    "Project",
    "Service",
    "Integration",
    "stripe",
    "turso",
    "webhook",
    "api",
    "registry",
    "ci",
    "go-api",
    "worker",
    "stripe-secret-key",
    "{domain}",
    "{domian}",
    "{name}",
    "api.{domain}",
    "256m",
    "250m",
    "1Gi",
    "10m",
    "1h30m",
    "https://x.gmac.io/a",
    "ops@gmac.io",
    "smtp.gmac.io:587",
    "sum(rate(x[5m]))",
    "sum((",
    "on",
    "no",
    "~",
    "<<",
    "",
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.text(st.characters(codec="utf-8"), max_size=12),
    st.sampled_from(WORDS),
)
KEYS = st.one_of(st.sampled_from(WORDS), st.text(st.characters(codec="utf-8"), max_size=8))
VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=5),
    max_leaves=25,
)
FRAGMENTS = [
    "kind: Service\n",
    "kind: Integration\ntype: stripe\n",
    "name: x\n",
    "- ",
    ": ",
    "? ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "'",
    '"',
    "#",
    "|\n",
    ">-\n",
    "\t",
    "\n",
    "  ",
    "&a ",
    "*a",
    "*nope",
    "<<: *a\n",
    "<<: [1]\n",
    "!!python/object/apply:os.system ['true']\n",
    "!!binary aGk=\n",
    "!local ",
    "%YAML 1.1\n---\n",
    "%TAG !x! tag:x,2000:\n---\n",
    "---\n",
    "...\n",
    "\x00",
    "\x07",
    "\ufeff",
    "\u2028",
    "é",
    "{domain}",
    "{{ $labels.job }}",
    "9" * 5000,
    "0o17",
    "1e400",
    ".nan",
    "[" * 200 + "]" * 200,
    "{a: " * 80 + "1" + "}" * 80,
    "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n"
    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e]\n",
    "r: &r {self: *r}\n",
]
YAMLISH = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.sampled_from(WORDS), st.text(max_size=6)),
    max_size=40,
).map("".join)


@contextmanager
def example_project() -> Iterator[Path]:
    """A fresh copy of specs/ (hypothesis cannot use function-scoped fixtures like tmp_path)."""
    with tempfile.TemporaryDirectory(prefix="gmac-fuzz-") as directory:
        root = Path(directory) / "specs"
        shutil.copytree(EXAMPLE_SPECS, root)
        yield root


def check(root: Path, env: str | None = None) -> SpecError | UsageError | None:
    """Validate `root`: a valid spec renders, an invalid one gives usable problems."""
    try:
        specs = validate_directory(root, env)
    except SpecError as error:
        assert error.problems, "a SpecError with no problem in it"
        for problem in error.problems:
            assert_usable(problem.file, problem.line, problem.column)
            assert str(problem)
        return error
    except UsageError as error:
        assert str(error)
        return error
    for spec in specs.values():
        json.dumps(effective_spec(spec))
    return None


def assert_usable(file: str, line: int, column: int) -> None:
    path = Path(file)
    assert path.exists(), f"problem in a file that does not exist: {file}"
    assert line >= 1 and column >= 1, (file, line, column)
    if path.is_file():
        # libyaml counts YAML 1.1's line breaks; an editor may count fewer.
        text = path.read_bytes().decode("utf-8", errors="replace")
        lines = re.split("\r\n|[\r\n\x85\u2028\u2029]", text)
        assert line <= len(lines), (file, line, column, text)
        assert column <= len(lines[line - 1]) + 1, (file, line, column, text)


# --- (a) generated input -------------------------------------------------------------------


@settings(max_examples=450 * SCALE)
@given(text=YAMLISH, into=st.sampled_from(EXAMPLE_FILES))
def test_generated_yamlish_text(text: str, into: str) -> None:
    with example_project() as root:
        (root / into).write_text(text, encoding="utf-8")
        check(root)


@settings(max_examples=150 * SCALE)
@given(data=st.binary(max_size=200))
def test_generated_bytes(data: bytes) -> None:
    with example_project() as root:
        (root / "services" / "api.yaml").write_bytes(data)
        check(root)


@settings(max_examples=450 * SCALE)
@given(
    value=VALUES,
    kind=st.sampled_from(["Service", "Integration", "Project", "Servce", None]),
    kind_type=st.sampled_from(["stripe", "turso", "webhook", "strpe", None]),
    into=st.sampled_from(EXAMPLE_FILES),
)
def test_generated_data(value: Any, kind: str | None, kind_type: str | None, into: str) -> None:
    """Data of every shape, often under a real kind and type so that the models see it."""
    if isinstance(value, dict) and kind is not None:
        value = {"kind": kind, "name": "fuzz", "type": kind_type, **value}
    with example_project() as root:
        (root / into).write_text(yaml.safe_dump(value, allow_unicode=True), encoding="utf-8")
        check(root)


# --- (b) mutations of the example specs ----------------------------------------------------

Path_ = tuple[str | int, ...]


def paths_in(node: Any, prefix: Path_ = ()) -> list[Path_]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(paths_in(value, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(paths_in(value, (*prefix, index)))
    return found


def parent_of(document: Any, path: Path_) -> Any:
    for part in path[:-1]:
        document = document[part]
    return document


def nest(value: Any, depth: int) -> Any:
    for _ in range(depth):
        value = {"a": value}
    return value


def mutate(draw: Callable[..., Any], document: Any) -> Any:
    """One random change at one random place of a parsed spec document."""
    path = draw(st.sampled_from(paths_in(document)[1:] or [()]))
    if not path:
        return draw(VALUES)
    parent, key = parent_of(document, path), path[-1]
    action = draw(
        st.sampled_from(["drop", "set", "rename", "per_env", "wrap_list", "deep", "copy_near"])
    )
    if action == "drop":
        del parent[key]
    elif action == "set":
        parent[key] = draw(VALUES)
    elif action == "rename" and isinstance(parent, dict):
        near = [str(key)[:-1], f"{key}s", str(key).upper(), f"{key}_x"]
        parent[draw(st.one_of(KEYS, st.sampled_from(near)))] = parent.pop(key)
    elif action == "per_env":
        envs = draw(st.lists(st.sampled_from(["staging", "production", "prod", DEFAULT_KEY])))
        parent[key] = {env: parent[key] for env in envs}
    elif action == "wrap_list":
        parent[key] = [parent[key]]
    elif action == "deep":
        parent[key] = nest(parent[key], draw(st.integers(min_value=1, max_value=150)))
    elif action == "copy_near" and isinstance(parent, list):
        parent.append(parent[key])
    return document


@settings(max_examples=700 * SCALE)
@given(st.data())
def test_mutated_example_data(data: st.DataObject) -> None:
    """Drop, set, rename, wrap or nest one value; sometimes twice, sometimes a copied document."""
    into = data.draw(st.sampled_from(EXAMPLE_FILES))
    documents = json.loads(json.dumps(EXAMPLE_DATA[into]))
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        documents[0] = mutate(data.draw, documents[0])
    if data.draw(st.booleans()):
        documents.append(documents[0])  # the same document twice: a duplicate name
    env = data.draw(st.sampled_from([None, None, "production", "staging", "prod"]))
    with example_project() as root:
        text = yaml.safe_dump_all(documents, allow_unicode=True, sort_keys=False)
        (root / into).write_text(text, encoding="utf-8")
        check(root, env)


@settings(max_examples=650 * SCALE)
@given(st.data())
def test_mutated_example_text(data: st.DataObject) -> None:
    """Insert YAML fragments, delete a slice, repeat a line or move a file's text elsewhere."""
    into = data.draw(st.sampled_from(EXAMPLE_FILES))
    text = EXAMPLE_TEXT[into]
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        at = data.draw(st.integers(min_value=0, max_value=len(text)))
        action = data.draw(st.sampled_from(["insert", "delete", "repeat_line", "indent"]))
        if action == "insert":
            fragment = data.draw(st.one_of(st.sampled_from(FRAGMENTS), YAMLISH))
            text = text[:at] + fragment + text[at:]
        elif action == "delete":
            end = data.draw(st.integers(min_value=at, max_value=min(len(text), at + 40)))
            text = text[:at] + text[end:]
        elif action == "repeat_line":
            start = text.rfind("\n", 0, at) + 1
            end = text.find("\n", at)
            line = text[start : end if end >= 0 else len(text)]
            text = text[:start] + line + "\n" + text[start:]
        else:
            start = text.rfind("\n", 0, at) + 1
            text = text[:start] + data.draw(st.sampled_from([" ", "  ", "\t", "- "])) + text[start:]
    with example_project() as root:
        target = data.draw(st.sampled_from([into, "services/extra.yaml"]))
        (root / target).write_text(text, encoding="utf-8")
        check(root)


# --- the CLI, on a few mutated projects ----------------------------------------------------


@settings(max_examples=8)
@given(
    into=st.sampled_from(EXAMPLE_FILES),
    fragment=st.sampled_from(FRAGMENTS),
    at=st.floats(min_value=0, max_value=1),
)
def test_cli_on_mutated_specs(into: str, fragment: str, at: float) -> None:
    """Exit 1 and problems on stderr exactly when validation in-process fails; no traceback."""
    with example_project() as root:
        text = EXAMPLE_TEXT[into]
        cut = int(len(text) * at)
        (root / into).write_text(text[:cut] + fragment + text[cut:], encoding="utf-8")
        failed = check(root)
        result = run_gmac("validate", cwd=root.parent)
        assert result.returncode == (1 if failed else 0), result.stderr
        if isinstance(failed, SpecError):
            count = len(failed.problems)
            noun = "problem" if count == 1 else "problems"
            assert result.stderr.splitlines()[-1] == f"{count} {noun} in the specs"
            assert len(result.stderr.splitlines()) == count + 1
        result = run_gmac("show", "--env", "production", "--json", cwd=root.parent)
        assert result.returncode == (1 if failed else 0), result.stderr
        json.loads(result.stdout or "{}")
