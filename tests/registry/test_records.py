"""Deployments, the inventory, health and drift, and the commands that show them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gmac.registry import Registry
from gmac.validate import Spec, validate_directory
from tests.registry.conftest import Gmac


@pytest.fixture
def local(root: Path) -> Spec:
    return validate_directory(root / "specs", "local")["local"]


def _apply(registry: Registry, spec: Spec, outcome: str = "succeeded") -> int:
    deployment = registry.add_deployment(
        environment=spec.env,
        operation="apply",
        actor="gmackie",
        outcome=outcome,
        started_at="2025-01-01T00:00:00Z",
        summary={"create": 26},
        owners={"Service api": 9},
        git_commit="0123456789abcdef",
    )
    if outcome == "succeeded":
        registry.sync_inventory(spec, deployment)
    return deployment


def test_an_apply_records_the_environment_inventory(registry: Registry, local: Spec) -> None:
    deployment = _apply(registry, local)
    services = {s.name: s for s in registry.services(environment="local")}
    assert set(services) == {"api", "billing-worker", "control-panel", "registry-db"}
    api = services["api"]
    assert (api.kind, api.template, api.applied_in) == ("server", "go-api", deployment)
    assert api.host == "api.localhost"
    assert services["registry-db"].kind == "database"
    integrations = registry.db.rows(
        "SELECT name, type FROM integrations WHERE environment = 'local'"
    )
    assert {tuple(row) for row in integrations} == {
        ("ci", "webhook"),
        ("stripe", "stripe"),
        ("turso", "turso"),
    }
    databases = registry.db.rows("SELECT name, engine, service FROM databases")
    assert [tuple(row) for row in databases] == [("registry", "turso", "registry-db")]


def test_a_service_removed_from_the_specs_leaves_the_inventory(
    registry: Registry, local: Spec
) -> None:
    _apply(registry, local)
    fewer = Spec(
        env=local.env,
        project=local.project,
        services=tuple(s for s in local.services if s.name != "api"),
        integrations=local.integrations,
    )
    _apply(registry, fewer)
    assert "api" not in {s.name for s in registry.services()}


def test_last_apply_health_and_drift(registry: Registry, local: Spec) -> None:
    _apply(registry, local)
    failed = _apply(registry, local, outcome="failed")
    registry.add_health("local", "api", "failing", "GET /healthz: 503")
    registry.set_drift("local", {"api": 2})
    api = registry.services(name="api")[0]
    assert api.last_apply is not None and api.last_apply.id == failed
    assert api.last_apply.outcome == "failed"
    assert (api.health, api.health_detail) == ("failing", "GET /healthz: 503")
    assert api.drift == 2
    worker = registry.services(name="billing-worker")[0]
    assert (worker.health, worker.drift) == ("unknown", 0)


def test_history_newest_first(registry: Registry, local: Spec) -> None:
    first = _apply(registry, local)
    second = _apply(registry, local, outcome="failed")
    found = registry.deployments()
    assert [d.id for d in found] == [second, first]
    assert found[1].summary == {"create": 26} and found[1].owners == {"Service api": 9}
    assert registry.deployments(environment="production") == []


def test_services_and_history_commands(registry: Registry, local: Spec, gmac: Gmac) -> None:
    empty = gmac("services", "list")
    assert empty.returncode == 0 and "no service applied yet" in empty.stdout
    deployment = _apply(registry, local)
    registry.add_health("local", "api", "ok")
    listed = gmac("services", "list")
    assert listed.returncode == 0
    assert "control-panel" in listed.stdout and f"#{deployment}" in listed.stdout
    as_json = json.loads(gmac("services", "list", "--json").stdout)
    assert {item["name"] for item in as_json} == {
        "api",
        "billing-worker",
        "control-panel",
        "registry-db",
    }
    shown = gmac("services", "show", "api")
    assert shown.returncode == 0
    assert "health      ok" in shown.stdout and "drift       not checked" in shown.stdout
    unknown = gmac("services", "show", "apii")
    assert unknown.returncode == 1 and "(did you mean 'api'?)" in unknown.stderr
    history = json.loads(gmac("history", "--json").stdout)
    assert [(h["id"], h["actor"], h["outcome"]) for h in history] == [
        (deployment, "gmackie", "succeeded")
    ]
    table = gmac("history", "--env", "local")
    assert "26 create" in table.stdout and "0123456789" in table.stdout


def test_each_environment_keeps_its_own_apply_health_and_drift(
    registry: Registry, root: Path, local: Spec
) -> None:
    staging = validate_directory(root / "specs", "staging")["staging"]
    first = _apply(registry, local)
    second = _apply(registry, staging)
    registry.add_health("local", "api", "ok")
    registry.add_health("staging", "api", "ok")
    registry.add_health("staging", "api", "failing", "GET /healthz: 503")
    registry.set_drift("staging", {"api": 3})
    found = {(s.environment, s.name): s for s in registry.services()}
    local_api, staging_api = found["local", "api"], found["staging", "api"]
    assert local_api.last_apply is not None and local_api.last_apply.id == first
    assert staging_api.last_apply is not None and staging_api.last_apply.id == second
    assert (local_api.health, local_api.drift, local_api.drift_at) == ("ok", None, "")
    assert (staging_api.health, staging_api.health_detail) == ("failing", "GET /healthz: 503")
    assert staging_api.drift == 3 and staging_api.drift_at
    assert found["staging", "billing-worker"].drift == 0
    assert found["staging", "billing-worker"].health == "unknown"
    only = registry.services(name="api", environment="staging")
    assert [(s.environment, s.health, s.drift) for s in only] == [("staging", "failing", 3)]
