"""What compile_spec makes of particular specs, and the `gmac graph` command."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s
import yaml
from typer.testing import CliRunner

from components.monitoring import LOKI_CONFIGMAP, LOKI_KEY
from gmac.cli import app
from gmac.compile import CompileContext, capture, compile_spec
from gmac.compile._program import integrations_to_compile
from gmac.models import TursoIntegration
from gmac.render.graph import render_tree
from gmac.validate import Spec
from tests.compile.conftest import EXAMPLE_SPECS, REPO, graph_of, make_spec
from tests.gmac_process import gmac_command

SERVICE = "gmac:index:Service"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"


def image_of(graph_spec: Spec, name: str) -> str:
    graph = graph_of(graph_spec)
    return str(
        graph.get(DEPLOYMENT, name).inputs["spec"]["template"]["spec"]["containers"][0]["image"]
    )


def test_a_database_service_compiles_to_no_workload(example_specs: dict[str, Spec]) -> None:
    graph = graph_of(example_specs["local"])
    names = {node.name for node in graph.of_type(SERVICE)}
    assert names == {"api", "billing-worker", "control-panel"}
    assert not [node for node in graph.nodes if node.name.startswith("registry-db")]


def test_a_database_service_adds_its_database_to_the_turso_integration() -> None:
    turso = TursoIntegration.model_validate(
        {
            "kind": "Integration",
            "name": "turso",
            "type": "turso",
            "organization": "o",
            "credentials": {"secret": "t"},
            "databases": [{"name": "listed"}],
        }
    )
    spec = make_spec(
        [
            {"name": "listed-db", "database": {"engine": "turso", "name": "listed"}},
            {"name": "new-db", "database": {"engine": "turso", "name": "fresh", "group": "eu"}},
        ]
    )
    (compiled,) = integrations_to_compile([turso], spec.services)
    assert isinstance(compiled, TursoIntegration)
    assert [(db.name, db.group) for db in compiled.databases] == [
        ("listed", "default"),
        ("fresh", "eu"),
    ]


def test_offline_environments_call_no_integration(example_specs: dict[str, Spec]) -> None:
    graph = graph_of(example_specs["local"])
    assert {node.type for node in graph.nodes if node.parent is None} == {
        "kubernetes:core/v1:Namespace",
        "gmac:index:Monitoring",
        "gmac:index:Secrets",  # generated in the state, not by an integration
        SERVICE,
    }


def test_the_image_is_the_prebuilt_ref_or_the_tag_a_build_pushes() -> None:
    spec = make_spec(
        [
            {"name": "built", "image": {"build": True}},
            {"name": "prebuilt", "image": {"build": False, "ref": "nginx:1.27"}},
        ]
    )
    assert image_of(spec, "built") == "registry.example.org/shop/built:staging"
    assert image_of(spec, "prebuilt") == "nginx:1.27"


def test_a_service_without_image_keeps_only_its_alerts() -> None:
    spec = make_spec([{"name": "external", "alerts": [{"name": "Down", "expr": "up == 0"}]}])
    graph = graph_of(spec)
    children = graph.descendants(graph.get(SERVICE, "external").urn)
    assert [node.type for node in children] == [
        "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
    ]


def test_secrets_are_read_by_secret_key_ref_from_the_service_secret() -> None:
    spec = make_spec([{"name": "api", "image": {"build": True}, "secrets": ["db-password"]}])
    graph = graph_of(spec)
    container = graph.get(DEPLOYMENT, "api").inputs["spec"]["template"]["spec"]["containers"][0]
    assert container["env"] == [
        {
            "name": "DB_PASSWORD",
            "valueFrom": {"secretKeyRef": {"key": "db-password", "name": "api-secrets"}},
        }
    ]
    assert graph.get("kubernetes:core/v1:Secret", "api-secrets").inputs["stringData"] == "[secret]"


def test_renamed_from_aliases_the_component_and_shows_in_the_tree() -> None:
    spec = make_spec([{"name": "shop", "renamed_from": "store", "image": {"build": True}}])
    graph = graph_of(spec)
    component = graph.get(SERVICE, "shop")
    assert component.aliases == ("urn:pulumi:staging::gmac::gmac:index:Service::store",)
    deployment = graph.get(DEPLOYMENT, "shop")
    assert deployment.aliases == (
        "urn:pulumi:staging::gmac::gmac:index:Service$kubernetes:apps/v1:Deployment::store",
    )
    labels = [str(child.label) for child in render_tree(graph).children]
    (label,) = [text for text in labels if "[bold]shop[/]" in text]
    assert "renamed_from=store" in label


def test_loki_retention_in_hours() -> None:
    graph = graph_of(make_spec([]))
    config = yaml.safe_load(
        graph.get("kubernetes:core/v1:ConfigMap", LOKI_CONFIGMAP).inputs["data"][LOKI_KEY]
    )
    assert config["limits_config"]["retention_period"] == "336h"
    assert config["compactor"]["retention_enabled"] is True


def test_the_kubernetes_provider_reaches_every_kubernetes_object() -> None:
    spec = make_spec([{"name": "api", "image": {"build": True}, "port": 80, "env": {"A": "1"}}])

    def program() -> None:
        provider = k8s.Provider("kubernetes", namespace="shop-staging")
        compile_spec(CompileContext(spec), kubernetes=provider)
        pulumi.export("ok", True)

    graph = capture(program, stack="staging")
    provider = "urn:pulumi:staging::gmac::pulumi:providers:kubernetes::kubernetes"
    objects = [node for node in graph.nodes if node.type.startswith("kubernetes:")]
    assert objects
    assert {node.provider for node in objects} == {provider}


# The command ---------------------------------------------------------------------------------


def test_gmac_graph_prints_the_tree_and_json() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["graph", "--env", "local", "--specs", str(EXAMPLE_SPECS)])
    assert result.exit_code == 0, result.output
    assert "gmac:index:Service api" in result.output
    assert "kubernetes:apps/v1:Deployment api" in result.output
    result = runner.invoke(
        app, ["graph", "--env", "local", "--specs", str(EXAMPLE_SPECS), "--json"]
    )
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["stack"] == "local"
    assert {"urn", "type", "name", "parent", "aliases", "properties", "inputs"} <= set(
        data["resources"][0]
    )


def test_gmac_graph_names_an_unknown_environment() -> None:
    result = CliRunner().invoke(app, ["graph", "--env", "qa", "--specs", str(EXAMPLE_SPECS)])
    assert result.exit_code == 1
    assert "qa" in result.output


def test_gmac_graph_of_many_services_prints_nothing_else(tmp_path: Path) -> None:
    """Hundreds of resources in a fresh interpreter: no stray asyncio report at exit."""
    specs = tmp_path / "specs"
    (specs / "services").mkdir(parents=True)
    project = yaml.safe_load((EXAMPLE_SPECS / "project.yaml").read_text(encoding="utf-8"))
    project["secrets"] = {"key": {}, "gitea-token": {}}
    (specs / "project.yaml").write_text(yaml.safe_dump(project), encoding="utf-8")
    for i in range(150):
        service = {
            "apiVersion": "gmac.io/v1",
            "kind": "Service",
            "name": f"s{i}",
            "image": {"build": False, "ref": f"example.org/s{i}:1"},
            "port": 8080,
            "replicas": 2,
            "health": {"path": "/healthz"},
            "secrets": ["key"],
            "alerts": [{"name": "Down", "expr": f'up{{job="s{i}"}} == 0'}],
        }
        (specs / "services" / f"s{i}.yaml").write_text(yaml.safe_dump(service), encoding="utf-8")
    result = subprocess.run(
        gmac_command("graph", "--env", "production", "--specs", str(specs)),
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("stack production (")
    assert result.stdout.count("kubernetes:apps/v1:Deployment") == 150


def test_gmac_graph_closes_every_event_loop_it_opens() -> None:
    """The mocked monitor's worker threads each get an event loop from Pulumi's SDK; one left
    open is finalised at interpreter exit, sometimes after its self-pipe, and Python then
    prints a traceback after gmac's output. With ResourceWarnings shown, an open loop is
    reported every time, not once in a while."""
    result = subprocess.run(
        gmac_command("graph", "--env", "local", "--json", "--specs", str(EXAMPLE_SPECS)),
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONWARNINGS": "always::ResourceWarning"},
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "unclosed event loop" not in result.stderr, result.stderr
    assert result.stderr == ""
