"""After an apply on the real API server, the stack is settled: `gmac plan` and `gmac drift`
exit 0 whatever mix of set and unset secrets the services have (an empty Secret must not be
sent as an empty `stringData`, which the server drops and every later plan would add again),
and a generated secret (in the state) reaches its Secret in the same apply."""

from __future__ import annotations

import base64
from typing import Any

from tests.cluster._objects import Cluster, Ref
from tests.cluster._project import Project


def test_plan_and_drift_settle_whatever_secrets_have_values(project: Project, kube: Any) -> None:
    # A service none of whose secrets has a value, one with a mix, one with all.
    project.service_file("quiet").write_text(
        "apiVersion: gmac.io/v1\nkind: Service\nname: quiet\n"
        "image: {build: false, ref: 'nginx:1.27'}\nport: 8080\n"
        "secrets: [gitea-token, turso-platform-token]\n"
    )
    project.edit_service("api", secrets=["stripe-secret-key", "gitea-token"])
    project.gmac("apply", "--env", "staging", "--yes")

    plan = project.gmac("plan", "--env", "staging", check=False)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    drift = project.gmac("drift", "--env", "staging", check=False)
    assert drift.returncode == 0, drift.stdout + drift.stderr

    cluster = Cluster(kube)
    namespace = project.namespaces["staging"]
    quiet = cluster.get(Ref("v1", "Secret", namespace, "quiet-secrets"))
    assert not quiet.data  # nothing set: no data at all, not an empty map
    generated = cluster.get(Ref("v1", "Secret", namespace, "control-panel-secrets"))
    value = base64.b64decode(generated.data["nextauth-secret"]).decode()
    assert len(value) == 48  # made in the state by this same apply
