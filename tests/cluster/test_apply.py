"""`gmac apply` against a real API server: every object the compiler emits, applied with
server-side apply as field manager `gmac`, in the environment's namespace, and ready."""

from __future__ import annotations

import base64
from typing import Any

from tests.cluster._objects import Cluster, Ref, compiled, managers, wait_for
from tests.cluster._project import SECRET_VALUES, Project

ENV = "staging"


def _decoded(secret: Any) -> dict[str, str]:
    return {key: base64.b64decode(value).decode() for key, value in (secret.data or {}).items()}


def test_apply_creates_every_compiled_object(project: Project, kube: Any) -> None:
    namespace = project.namespaces[ENV]
    expected = compiled(project, ENV)
    kinds = {ref.kind for ref in expected}
    assert {"Namespace", "Deployment", "Service", "Ingress", "ConfigMap", "Secret"} <= kinds
    assert {"HorizontalPodAutoscaler", "PodDisruptionBudget"} <= kinds
    assert {"ServiceMonitor", "PrometheusRule"} <= kinds
    assert all(ref.namespace in ("", namespace) for ref in expected)

    result = project.gmac("apply", "--env", ENV, "--yes")
    assert "applied:" in result.stdout

    cluster = Cluster(kube)
    for ref in sorted(expected):
        obj = cluster.get(ref)
        assert obj is not None, f"{ref} was not created"
        assert managers(obj).get("gmac") == "Apply", f"{ref}: managers {managers(obj)}"
        assert obj.metadata.labels["app.kubernetes.io/managed-by"] == "gmac"
        if ref.kind != "Namespace":
            assert obj.metadata.namespace == namespace
    # Nothing else of gmac's in the namespace.
    kinds_of = {(ref.api_version, ref.kind) for ref in expected}
    assert cluster.managed(namespace, kinds_of) == {r for r in expected if r.namespace}

    # What was applied is what the specs say.
    api = cluster.get(Ref("apps/v1", "Deployment", namespace, "api"))
    container = api.spec.template.spec.containers[0]
    assert container.image == "registry.gmac.io/gmac/api:staging"
    assert {p.name: p.containerPort for p in container.ports} == {"http": 8080, "metrics": 9090}
    assert container.readinessProbe.httpGet.path == "/healthz"
    assert api.spec.template.spec.securityContext.runAsUser == 65532
    env = cluster.get(Ref("v1", "ConfigMap", namespace, "api-env"))
    assert env.data.to_dict() == {"LOG_LEVEL": "info"}
    secret = cluster.get(Ref("v1", "Secret", namespace, "api-secrets"))
    assert _decoded(secret) == {
        "stripe-secret-key": SECRET_VALUES["GMAC_SECRET_STRIPE_SECRET_KEY"],
        "turso-app-token": SECRET_VALUES["GMAC_SECRET_TURSO_APP_TOKEN"],
    }
    ingress = cluster.get(Ref("networking.k8s.io/v1", "Ingress", namespace, "api"))
    assert ingress.spec.rules[0].host == "api.staging.gmac.io"
    hpa = cluster.get(Ref("autoscaling/v2", "HorizontalPodAutoscaler", namespace, "api"))
    assert (hpa.spec.minReplicas, hpa.spec.maxReplicas) == (3, 8)
    rule = cluster.get(Ref("monitoring.coreos.com/v1", "PrometheusRule", namespace, "api-alerts"))
    # Recording rules (the service's custom metrics) come first; the alerts follow.
    alerts = [r["alert"] for r in rule.to_dict()["spec"]["groups"][0]["rules"] if "alert" in r]
    assert alerts == ["ApiHighErrorRate", "ApiSlow"]
    monitor = cluster.get(Ref("monitoring.coreos.com/v1", "ServiceMonitor", namespace, "api"))
    assert monitor.to_dict()["spec"]["endpoints"][0]["port"] == "metrics"

    # Ready as in a real cluster: the controller manager made the pods (the autoscaler
    # raised api to its minimum of 3), kwok ran them on its node, the endpoints have them.
    def deployment_ready(name: str, replicas: int) -> bool:
        status = cluster.get(Ref("apps/v1", "Deployment", namespace, name)).status
        return status.readyReplicas == replicas

    wait_for(lambda: deployment_ready("api", 3), "api to have 3 ready pods")
    assert deployment_ready("control-panel", 1)
    assert deployment_ready("billing-worker", 1)
    assert ingress.status.loadBalancer.ingress[0].ip == "127.0.0.1"

    # Applying again changes nothing: a plan exits 0.
    plan = project.gmac("plan", "--env", ENV, check=False)
    assert plan.returncode == 0, plan.stdout + plan.stderr
