"""The example's whole staging environment adopted: every object of it already runs, and a
gmac with a fresh state takes them all over without recreating one.

The set-up is made the simplest honest way: the example's staging is applied once, live
against the real Gitea, the Stripe stand-in (tests/integrations/stripe_api.py, written from
Stripe's API reference: stripe-mock keeps no state, so it cannot show a product found
again), the Turso stand-in and the dev control plane; then that state is thrown away. What
runs is then exactly what the spec declares, and nothing of it is in the new state:

- with no field of a Kubernetes object left to gmac's field manager (so they look made by
  hand), the plain apply stops and names each of them, of every kind;
- `gmac adopt --env staging` finds every object (Gitea repositories, protections and
  hooks, Stripe products, prices and the webhook endpoint, the Turso database, every
  Kubernetes object): nothing to create, nothing ambiguous;
- `gmac apply --env staging --adopt --yes` imports them: the same Gitea repository IDs, the
  same Kubernetes uids, the same Turso DbId, no Stripe object more;
- the next `gmac plan --env staging` exits 0.
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes
import kubernetes.dynamic
import pytest
import yaml

from gmac.app.adopt.kinds import api_version_and_kind
from gmac.app.run_secrets import variable_name
from gmac.dev import servers
from gmac.dev.cluster import ControlPlane
from gmac.engine.toolchain import find
from tests.cluster.conftest import control_plane  # noqa: F401 - the dev control plane
from tests.integrations.conftest import Receiver, require
from tests.integrations.live import ENV, STACK_FILE, LiveProject, make_live_project
from tests.integrations.stripe_api import KEY, StripeStandIn, serve
from tests.integrations.turso_api import TursoStandIn

# What can exist before gmac: everything else (image builds, database tokens, migrations,
# generated secrets) gmac makes itself on apply.
ADOPTABLE = ("kubernetes:", "pulumi-python:dynamic/gitea:", "pulumi-python:dynamic/stripe:")
DATABASE = "pulumi-python:dynamic/turso:Database"


def _adoptable(resource: dict[str, Any]) -> bool:
    type_ = str(resource["type"])
    return bool(resource.get("custom", True)) and (type_.startswith(ADOPTABLE) or type_ == DATABASE)


def _name(resource: dict[str, Any]) -> tuple[str, str]:
    return str(resource["type"]), str(resource["urn"]).rsplit("::", 1)[-1]


def _identities(resources: list[dict[str, Any]]) -> dict[tuple[str, str], tuple[str, str]]:
    """Each adoptable resource's (ID, Kubernetes uid) by its type and name."""
    return {
        _name(r): (
            str(r.get("id", "")),
            str((r.get("outputs", {}).get("metadata") or {}).get("uid", "")),
        )
        for r in resources
        if _adoptable(r)
    }


@pytest.fixture
def staging(
    tmp_path: Path,
    *,
    control_plane: ControlPlane,  # noqa: F811 - the fixture imported above
    gitea: servers.Gitea,
    turso_stand_in: TursoStandIn,
    receiver: Receiver,
) -> Iterator[tuple[LiveProject, StripeStandIn, str]]:
    """The example project, its staging live against every server and the control plane."""
    require(find(), "the Pulumi toolchain", "run gmac toolchain install")
    org = f"staging-{uuid.uuid4().hex[:6]}"
    gitea.create_org(org)
    with serve() as stripe:
        project = make_live_project(
            tmp_path / "project",
            gitea_url=gitea.url,
            gitea_token=gitea.token,
            org=org,
            stripe_url=stripe.url,
            turso_url=turso_stand_in.url,
            turso_token=turso_stand_in.api_token,
            hook_url=f"{receiver.url}/hooks/gitea",
        )
        project.env[variable_name("stripe-secret-key")] = KEY
        project_file = project.path("specs/project.yaml")
        spec = yaml.safe_load(project_file.read_text(encoding="utf-8"))
        spec["environments"][ENV]["kubernetes"] = {
            "context": control_plane.context,
            "kubeconfig": str(control_plane.kubeconfig),
            "namespace": f"adopt-{uuid.uuid4().hex[:6]}",
        }
        project_file.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
        # Images are built in the cluster, and the control plane runs no Pod: run prebuilt
        # ones (an image build is made on apply anyway, never adopted).
        for service in ("api", "billing-worker", "control-panel"):
            path = project.path(f"specs/services/{service}.yaml")
            text = re.sub(
                r"^image: \{build: true[^}]*\}",
                f"image: {{build: false, ref: 'registry.gmac.io/gmac/{service}:1.0.0'}}",
                path.read_text(encoding="utf-8"),
                flags=re.MULTILINE,
            )
            assert "build: false" in text, text
            path.write_text(text, encoding="utf-8")
        # A shared environment's stack is created once, with the team's passphrase.
        project.env["GMAC_PASSPHRASE"] = f"adopt-staging-{uuid.uuid4().hex}"
        project.ok("stack", "init", "--env", ENV)
        yield project, stripe, org
    for text in project.outputs:
        assert "Traceback" not in text, text


def test_the_whole_staging_environment_already_running_is_adopted(
    staging: tuple[LiveProject, StripeStandIn, str],
    control_plane: ControlPlane,  # noqa: F811 - the fixture imported above
    gitea: servers.Gitea,
    turso_stand_in: TursoStandIn,
) -> None:
    project, stripe, org = staging

    # Everything of staging made once, then that state thrown away.
    project.apply()
    first = project.state_resources()
    made = _identities(first)
    assert any(name.startswith("stripe-product-") for _, name in made), made
    assert any(r["type"] == "kubernetes:apps/v1:Deployment" for r in first)
    shutil.rmtree(project.path(str(Path(STACK_FILE.parts[0]) / STACK_FILE.parts[1])))
    assert project.state_resources() == []
    repos = {r["name"]: r["id"] for r in gitea.api("GET", f"/orgs/{org}/repos?limit=50")}
    databases = {name: db["DbId"] for (_, name), db in turso_stand_in.databases.items()}
    stripe_objects = sorted(o["id"] for o in stripe.objects.values())
    api = kubernetes.config.new_client_from_config(
        config_file=str(control_plane.kubeconfig), context=control_plane.context
    )
    try:
        apps = kubernetes.client.AppsV1Api(api)
        namespace = str(next(r for r in first if r["type"] == "kubernetes:core/v1:Namespace")["id"])
        deployments = {
            d.metadata.name: d.metadata.uid
            for d in apps.list_namespaced_deployment(namespace).items
        }
        assert deployments

        # Made by someone else, as far as the cluster can tell: no field of any Kubernetes
        # object is gmac's any more (a list of one empty entry clears managedFields).
        objects = kubernetes.dynamic.DynamicClient(api)
        kinds = set()
        for resource in first:
            if not str(resource["type"]).startswith("kubernetes:"):
                continue
            api_version, kind = api_version_and_kind(str(resource["type"]))
            kinds.add(kind)
            *space, name = str(resource["id"]).split("/")
            objects.resources.get(api_version=api_version, kind=kind).patch(
                name=name,
                namespace=space[0] if space else None,
                body={"metadata": {"managedFields": [{}]}},
                content_type="application/merge-patch+json",
            )
        assert {
            *("Namespace", "Deployment", "Service", "Secret", "ConfigMap", "Ingress", "CronJob"),
            *("HorizontalPodAutoscaler", "PodDisruptionBudget", "ServiceMonitor", "PrometheusRule"),
        } <= kinds

        # Never a silent takeover: the plain apply stops, one line for each Kubernetes object
        # of every kind, and for the Turso database (Turso keeps no mark of who made it).
        # What gmac made in Gitea and Stripe carries gmac's marker: an apply whose state was
        # lost goes on with those.
        refused = project.run("apply", "--env", ENV, "--yes", timeout=900)
        assert refused.code == 1, str(refused)
        lines = [line.removeprefix("error: ") for line in refused.stderr.strip().splitlines()]
        assert lines[-1] == "nothing was changed", refused.stderr
        assert all("already exists and gmac did not make it: `gmac adopt" in x for x in lines[:-1])
        assert {line.split(" ", 1)[0] for line in lines[:-1]} == {*kinds, "Turso"}
        k8s = sum(str(r["type"]).startswith("kubernetes:") for r in first)
        assert len(lines) - 1 == k8s + len(databases), refused.stderr
        assert project.state_resources() == []

        # gmac adopt: every object that can exist is found, nothing to create.
        report = project.ok("adopt", "--env", ENV, "--json", timeout=900).json()
        assert report["ready"] is True
        looked = {
            (r["type"], r["name"]): r
            for r in report["resources"]
            if r["status"] in ("found", "missing", "ambiguous")
        }
        assert {key: r["status"] for key, r in looked.items() if r["status"] != "found"} == {}
        assert set(looked) == set(made)
        assert {key: r["id"] for key, r in looked.items()} == {
            key: ids[0] for key, ids in made.items()
        }
        assert (
            report["summary"] | {"found": len(made), "missing": 0, "ambiguous": 0}
            == report["summary"]
        )

        # gmac apply --adopt: imported, none recreated.
        project.ok("apply", "--env", ENV, "--adopt", "--yes", timeout=900)
        assert _identities(project.state_resources()) == made
        after = {r["name"]: r["id"] for r in gitea.api("GET", f"/orgs/{org}/repos?limit=50")}
        assert after == repos
        assert {name: db["DbId"] for (_, name), db in turso_stand_in.databases.items()} == databases
        assert sorted(o["id"] for o in stripe.objects.values()) == stripe_objects
        assert {
            d.metadata.name: d.metadata.uid
            for d in apps.list_namespaced_deployment(namespace).items
        } == deployments
    finally:
        api.close()

    # The next plan has nothing to do.
    code, plan = project.plan_json()
    assert code == 0, plan
