"""plan, apply, plan again; edits seen exactly; replacements explained; saved plans; targets.

Every command is the real `gmac` console script over the real Pulumi engine and Kubernetes
provider, rendering manifests for the `local` environment.
"""

from __future__ import annotations

import json
from typing import Any

from tests.engine.conftest import ENV, RENDER, Project

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
CONFIGMAP = "kubernetes:core/v1:ConfigMap"


def changes_of(plan: dict[str, Any], op: str | None = None) -> list[dict[str, Any]]:
    return [c for c in plan["changes"] if op is None or c["op"] == op]


def only(items: list[Any]) -> Any:
    assert len(items) == 1, json.dumps(items, indent=2)
    return items[0]


def without_namespaces(objects: set[tuple[str, str]]) -> set[tuple[str, str]]:
    return {(kind, name) for kind, name in objects if kind != "Namespace"}


def rows(table: str) -> list[str]:
    return [line for line in table.splitlines() if line.strip()]


def test_new_stack_plan_apply_then_no_changes(project: Project) -> None:
    result = project.plan("--json", "--json-out", "plan.json", "--markdown-out", "plan.md", code=2)
    printed = result.json()
    # One run, three renderings of the same plan.
    assert json.loads(project.path("plan.json").read_text(encoding="utf-8")) == printed
    assert printed["environment"] == ENV and printed["has_changes"] is True
    assert {c["op"] for c in printed["changes"]} == {"create"}
    creates = {(c["type"], c["name"]) for c in printed["changes"]}
    for name in ("api", "billing-worker", "control-panel"):
        assert (DEPLOYMENT, name) in creates
    assert (INGRESS, "api") in creates and (CONFIGMAP, "api-env") in creates
    assert printed["summary"]["create"] == len(printed["changes"])

    markdown = project.path("plan.md").read_text(encoding="utf-8")
    count = printed["summary"]["create"]
    assert markdown.startswith("## gmac plan\n")
    assert markdown.splitlines()[2] == f"- **{ENV}: {count} to create; 0 unchanged**"
    table_rows = [line for line in markdown.splitlines() if line.startswith("| `")]
    assert len(table_rows) == count
    assert any("`kubernetes:apps/v1:Deployment` | `api`" in row for row in table_rows)

    table = project.plan(code=2).stdout
    assert f"{ENV}: {count} to create; 0 unchanged" in table
    assert any(line.startswith("+") and "Deployment api" in line for line in rows(table))

    # Without --yes and without a terminal apply asks no one: it stops and says why.
    refused = project.run("apply", "--env", ENV)
    assert refused.code == 1, str(refused)
    assert "needs confirmation" in refused.stderr and "--yes" in refused.stderr
    assert project.kubernetes_in_state() == set()
    assert not project.path(RENDER).exists() or not project.rendered()

    applied = project.apply()
    assert f"applied: {ENV}: {count} to create" in applied.stdout
    assert "✓ create kubernetes:apps/v1:Deployment api" in applied.stderr
    # Progress shows each step once, and only for the update (not the preview before it).
    assert applied.stderr.count("✓ create kubernetes:apps/v1:Deployment api\n") == 1

    again = project.plan(code=0)
    assert f"{ENV}: no changes" in again.stdout

    rendered = project.rendered()
    assert set(rendered) == project.kubernetes_in_state()
    api = rendered[("Deployment", "api")]
    container = api["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "registry.gmac.io/gmac/api:local"
    assert {"name": "http", "containerPort": 8080, "protocol": "TCP"} in container["ports"]
    worker = rendered[("Deployment", "billing-worker")]
    assert worker["spec"]["replicas"] == 1  # replicas only names staging and production
    assert rendered[("Ingress", "control-panel")]["spec"]["rules"][0]["host"] == "panel.localhost"


def test_an_edit_shows_exactly_that_change(project: Project) -> None:
    project.apply()

    project.edit("specs/services/control-panel.yaml", "panel.{domain}", "dash.{domain}")
    plan = project.plan_json(code=2)
    change = only(changes_of(plan))
    assert (change["op"], change["type"], change["name"]) == ("update", INGRESS, "control-panel")
    assert change["owner"] == "Service control-panel"
    host = {p["path"]: p for p in change["properties"]}["spec.rules[0].host"]
    assert (host["kind"], host["old"], host["new"]) == (
        "update",
        "panel.localhost",
        "dash.localhost",
    )
    assert plan["summary"]["update"] == 1
    assert sum(plan["summary"][op] for op in ("create", "replace", "delete")) == 0

    table = project.plan(code=2).stdout
    [row] = [line for line in rows(table) if line.startswith("~")]
    assert "Ingress control-panel" in row
    assert "spec.rules[0].host: panel.localhost → dash.localhost" in table
    assert f"{ENV}: 1 to update;" in table

    assert f"applied: {ENV}: 1 to update" in project.apply().stdout
    project.plan(code=0)
    assert project.rendered()[("Ingress", "control-panel")]["spec"]["rules"][0]["host"] == (
        "dash.localhost"
    )

    # An env value: the ConfigMap is updated in place and the Deployment rolls (its env
    # hash annotation changes); nothing is replaced.
    project.edit("specs/services/api.yaml", "LOG_LEVEL: info", "LOG_LEVEL: debug")
    plan = project.plan_json(code=2)
    assert {c["op"] for c in changes_of(plan)} == {"update"}
    assert {(c["type"], c["name"]) for c in changes_of(plan)} == {
        (CONFIGMAP, "api-env"),
        (DEPLOYMENT, "api"),
    }
    config = only([c for c in changes_of(plan) if c["type"] == CONFIGMAP])
    level = only(config["properties"])
    assert (level["path"], level["old"], level["new"]) == ("data.LOG_LEVEL", "info", "debug")
    deployment = only([c for c in changes_of(plan) if c["type"] == DEPLOYMENT])
    annotation = only(deployment["properties"])
    assert annotation["path"] == 'spec.template.metadata.annotations["gmac.io/config-hash"]'
    assert annotation["old"] and annotation["new"] and annotation["old"] != annotation["new"]
    project.apply()
    project.plan(code=0)
    assert project.rendered()[("ConfigMap", "api-env")]["data"]["LOG_LEVEL"] == "debug"


def test_a_replacement_says_why(project: Project) -> None:
    project.apply()
    before = project.kubernetes_in_state()
    project.edit(
        "specs/project.yaml",
        "kubernetes: {render_to: .gmac/render/local}",
        "kubernetes: {render_to: .gmac/render/local, namespace: gmac-dev}",
    )
    plan = project.plan_json(code=2)
    deployment = only(
        [c for c in changes_of(plan) if (c["type"], c["name"]) == (DEPLOYMENT, "api")]
    )
    assert deployment["op"] == "replace"
    assert "metadata.namespace" in deployment["replace_reasons"]
    namespace = {p["path"]: p for p in deployment["properties"]}["metadata.namespace"]
    assert (namespace["old"], namespace["new"]) == ("gmac-io", "gmac-dev")
    assert namespace["kind"] == "update-replace"
    for change in changes_of(plan, "replace"):
        assert change["replace_reasons"], f"a replacement without a reason: {change}"

    table = project.plan(code=2).stdout
    [row] = [line for line in rows(table) if "Deployment api" in line]
    assert row.startswith("+-")
    assert "replace: metadata.namespace" in table

    project.apply()
    project.plan(code=0)
    # Replaced, not duplicated: the state and the render folder hold each object once (a
    # Namespace object, if any, is named after the namespace and so has a new name).
    after = project.kubernetes_in_state()
    assert without_namespaces(after) == without_namespaces(before)
    rendered = project.rendered()
    assert set(rendered) == after
    assert rendered[("Deployment", "api")]["metadata"]["namespace"] == "gmac-dev"


def test_apply_of_a_saved_plan_refuses_when_the_preview_differs(project: Project) -> None:
    project.apply()
    project.write_service("extra")
    project.plan("--out", "first.json", code=2)
    saved = json.loads(project.path("first.json").read_text(encoding="utf-8"))
    assert {c["op"] for c in saved["changes"]} == {"create"}
    assert (DEPLOYMENT, "extra") in {(c["type"], c["name"]) for c in saved["changes"]}

    project.edit("specs/services/extra.yaml", "GREETING: hello", "GREETING: bonjour")
    refused = project.run("apply", "--env", ENV, "--yes", "--plan", "first.json")
    assert refused.code == 1, str(refused)
    assert "the saved plan no longer matches" in refused.stderr
    assert f"~ create {CONFIGMAP} extra-env: its inputs differ" in refused.stderr
    listed = [line for line in refused.stderr.splitlines() if line.startswith(("~", "+", "-"))]
    assert all("extra" in line for line in listed), listed  # only what differs
    assert ("Deployment", "extra") not in project.kubernetes_in_state()

    project.edit("specs/services/extra.yaml", "GREETING: bonjour", "GREETING: hello")
    applied = project.ok("apply", "--env", ENV, "--yes", "--plan", "first.json")
    assert f"{saved['summary']['create']} to create" in applied.stdout
    project.plan(code=0)

    # An update saved, then the spec changed again: the same property, other values.
    project.edit("specs/services/control-panel.yaml", "panel.{domain}", "dash.{domain}")
    project.plan("--out", "second.json", code=2)
    project.edit("specs/services/control-panel.yaml", "dash.{domain}", "board.{domain}")
    refused = project.run("apply", "--env", ENV, "--yes", "--plan", "second.json")
    assert refused.code == 1, str(refused)
    assert f"~ update {INGRESS} control-panel: the plan said (" in refused.stderr
    assert '"panel.localhost" → "dash.localhost"' in refused.stderr
    assert '"panel.localhost" → "board.localhost"' in refused.stderr
    assert project.rendered()[("Ingress", "control-panel")]["spec"]["rules"][0]["host"] == (
        "panel.localhost"
    )


def test_target_touches_only_that_service(project: Project) -> None:
    unknown = project.run("apply", "--env", ENV, "--yes", "--target", "nosuch")
    assert unknown.code == 1, str(unknown)
    assert "--target: nothing named nosuch" in unknown.stderr

    project.apply("--target", "api")
    in_state = project.kubernetes_in_state()
    assert ("Deployment", "api") in in_state and ("Ingress", "api") in in_state
    api = "gmac:index:Service::api"
    for resource in project.state_resources():
        # The Namespace is the environment's own, shared by every service.
        kind = resource["type"]
        if kind.startswith("kubernetes:") and kind != "kubernetes:core/v1:Namespace":
            assert resource["parent"].endswith(api), resource["urn"]
    assert set(project.rendered()) == in_state

    plan = project.plan_json(code=2)
    pending = {c["owner"] for c in changes_of(plan)}
    assert "Service api" not in pending
    assert {"Service control-panel", "Service billing-worker", "Monitoring monitoring"} <= pending


def test_a_saved_plan_of_a_new_stack_applies_as_planned(project: Project) -> None:
    """Generated secrets are made by the apply, in the state: the saved plan shows them as
    creates holding a secret, and writes none anywhere, so apply sees what the plan saw."""
    project.plan("--out", "new.json", code=2)
    assert not project.path("specs/secrets").exists()  # the plan generated nothing
    saved = json.loads(project.path("new.json").read_text(encoding="utf-8"))
    generated = {c["name"] for c in saved["changes"] if c["type"].endswith("secrets:Generated")}
    assert "nextauth-secret" in generated
    assert all(c["secret"] for c in saved["changes"] if c["name"] in generated)
    applied = project.ok("apply", "--env", ENV, "--yes", "--plan", "new.json")
    assert f"{saved['summary']['create']} to create" in applied.stdout
    project.plan(code=0)
