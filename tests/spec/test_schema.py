"""The JSON Schema an editor checks specs with carries validation's constraints, so it flags
what `gmac validate` refuses; the editor settings docs/spec-reference.md suggests apply it to
the spec files and to nothing else (never to specs/secrets/)."""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath
from typing import Any

import jsonschema
import pytest

from gmac.models.schema import spec_json_schema

from .conftest import EXAMPLE_SPECS, REPO

SERVICE = {"apiVersion": "gmac.io/v1", "kind": "Service", "name": "api", "port": 8080}
WEBHOOK = {
    "apiVersion": "gmac.io/v1",
    "kind": "Integration",
    "type": "webhook",
    "name": "ci",
    "url": "https://ci.gmac.io/hooks",
    "events": ["push"],
    "secret": "ci-webhook-secret",
}


def _errors(document: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft202012Validator(spec_json_schema())
    return [error.message for error in validator.iter_errors(document)]


@pytest.mark.parametrize(
    ("base", "changed"),
    [
        (SERVICE, {"name": "Api"}),
        (SERVICE, {"name": "a" * 64}),
        (SERVICE, {"replicas": -1}),
        (SERVICE, {"replicas": {"staging": -1}}),
        (SERVICE, {"port": 70000}),
        (SERVICE, {"ingress": {"host": "api.*.gmac.io"}}),
        (SERVICE, {"ingress": {"host": "api.gmac.io", "tls": "off"}}),
        (SERVICE, {"resources": {"cpu": "lots"}}),
        (SERVICE, {"alerts": [{"name": "api-down", "expr": "up == 0"}]}),
        (SERVICE, {"health": {"path": "healthz"}}),
        (WEBHOOK, {"url": "ci.gmac.io/hooks"}),
        (WEBHOOK, {"url": "https://ci:hunter2@ci.gmac.io/hooks"}),
    ],
    ids=lambda value: json.dumps(value)[:40] if isinstance(value, dict) else str(value),
)
def test_the_schema_refuses_what_validation_refuses(
    base: dict[str, Any], changed: dict[str, Any]
) -> None:
    assert _errors(base) == []
    assert _errors({**base, **changed}) != []


@pytest.mark.parametrize(
    "changed",
    [
        {"ingress": {"host": "*.{domain}"}},
        {"ingress": {"host": "api.{domain}", "tls": False}},
        {"replicas": {"staging": 1, "default": 3}},
        {"resources": {"cpu": 0.5, "memory": "512Mi"}},
        {"alerts": [{"name": "ApiDown", "expr": "up == 0"}]},
    ],
)
def test_the_schema_takes_what_validation_takes(changed: dict[str, Any]) -> None:
    assert _errors({**SERVICE, **changed}) == []


def _glob(pattern: str) -> re.Pattern[str]:
    """A glob as the YAML language server reads one: `*` within a folder, `**/` any folders."""
    parts = re.split(r"(\*\*/|\*)", pattern.removeprefix("./"))
    wildcards = {"**/": "(?:.*/)?", "*": "[^/]*"}
    return re.compile("".join(wildcards.get(part, re.escape(part)) for part in parts))


def _editor_globs() -> list[str]:
    text = (REPO / "docs" / "spec-reference.md").read_text(encoding="utf-8")
    (setting,) = re.findall(r'`"yaml\.schemas": (\{.*?\})`', text, flags=re.DOTALL)
    (globs,) = json.loads(setting).values()
    return [globs] if isinstance(globs, str) else list(globs)


def test_the_editor_globs_take_the_specs_and_not_the_secrets() -> None:
    globs = [_glob(pattern) for pattern in _editor_globs()]

    def matched(path: PurePosixPath) -> bool:
        return any(glob.fullmatch(str(path)) for glob in globs)

    specs = [
        PurePosixPath("specs") / path.relative_to(EXAMPLE_SPECS)
        for path in sorted(Path(EXAMPLE_SPECS).rglob("*.yaml"))
        if "secrets" not in path.relative_to(EXAMPLE_SPECS).parts
    ]
    assert len(specs) == 8
    assert all(matched(path) for path in specs), specs
    for secrets in ("specs/secrets/local.yaml", "specs/secrets/production.yaml"):
        assert not matched(PurePosixPath(secrets))
