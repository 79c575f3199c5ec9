"""The benches' baseline: the Kubernetes objects gmac makes of N generated services, written
out by hand as a Pulumi program and run by an inline Automation API program, without gmac.

    python bench/handwritten.py preview|up|preview-up DIR SETTINGS_JSON    (the benches start it)

It runs in a fresh interpreter with the same Pulumi CLI, plugins and Kubernetes provider as
gmac (gmac.engine.toolchain) and a file backend of its own under DIR/state, and prints the
(type, name) of every resource its step creates, as JSON. The provider is set as gmac's
compile sets it (gmac.engine.program): rendering to a folder, or applying to a cluster with
server-side apply, field manager `gmac` (the annotations gmac's stack transformation adds),
mutable ConfigMaps and Secrets, and the provider's own readiness waiting.

`pulumi preview` of a Pulumi.yaml Python program is not the baseline: that needs the Python
language host, which cannot be built here (the Go module proxy refuses its module), so the
program runs inline, which is also how gmac runs its own.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

NOTE = (
    "baseline: a hand-written inline Automation API program (same Pulumi CLI, plugins and "
    "Kubernetes provider, same objects, its own fresh file backend); `pulumi preview` of a "
    "Pulumi.yaml Python program cannot run here: its Python language host cannot be built"
)

# The example project's Alertmanager configuration and workload alerts, as gmac writes them.
ALERTMANAGER_YAML = """\
global:
  smtp_smarthost: smtp.gmac.io:587
  smtp_from: alerts@gmac.io
  smtp_require_tls: true
route:
  receiver: email
  group_by: &id001
  - alertname
  - namespace
  - service
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  routes:
  - receiver: email
    matchers:
    - severity="critical"
    group_wait: 10s
    repeat_interval: 1h
  - receiver: email
    matchers:
    - severity="warning"
  - receiver: 'null'
    matchers:
    - severity="info"
receivers:
- name: email
  email_configs:
  - to: ops@gmac.io
    send_resolved: true
- name: 'null'
inhibit_rules:
- source_matchers:
  - severity="critical"
  target_matchers:
  - severity=~"warning|info"
  equal: *id001
"""


def _workload_rules(namespace: str) -> list[dict[str, Any]]:
    def rule(alert: str, summary: str, expr: str, wait: str, severity: str) -> dict[str, Any]:
        return {
            "alert": alert,
            "annotations": {"summary": summary},
            "expr": expr,
            "for": wait,
            "labels": {"severity": severity},
        }

    crash = "kube_pod_container_status_waiting_reason"
    return [
        rule(
            "GmacPodCrashLooping",
            "{{ $labels.pod }} keeps crashing",
            f'max_over_time({crash}{{namespace="{namespace}",reason="CrashLoopBackOff"}}[5m]) >= 1',
            "15m",
            "warning",
        ),
        rule(
            "GmacDeploymentUnavailable",
            "{{ $labels.deployment }} has unavailable pods",
            f'kube_deployment_status_replicas_unavailable{{namespace="{namespace}"}} > 0',
            "15m",
            "warning",
        ),
        rule(
            "GmacTargetDown",
            "{{ $labels.job }} on {{ $labels.instance }} is down",
            f'up{{namespace="{namespace}"}} == 0',
            "5m",
            "critical",
        ),
    ]


@dataclass(frozen=True)
class Settings:
    """What the hand-written program declares, and where its provider sends it."""

    count: int
    namespace: str
    project: str  # the gmac project's name (labels `part-of`)
    env: str  # the environment's name (labels `instance`)
    monitoring: bool = False  # the example project's monitoring objects
    render_to: str | None = None  # a folder, else the cluster below
    kubeconfig: str | None = None
    context: str | None = None
    components: bool = False  # the same resources as gmac's stack (handwritten_components)

    def to_json(self) -> str:
        return json.dumps(asdict(self))


def service_name(index: int) -> str:
    return f"gen-{index:03d}"


def _labels(settings: Settings) -> dict[str, str]:
    return {"app.kubernetes.io/managed-by": "gmac", "app.kubernetes.io/part-of": settings.project}


def _meta(settings: Settings, name: str, component: str) -> dict[str, Any]:
    labels = {
        **_labels(settings),
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/instance": f"{name}-{settings.env}",
        "app.kubernetes.io/component": component,
    }
    meta: dict[str, Any] = {"name": name, "namespace": settings.namespace, "labels": labels}
    if settings.render_to is None:  # server-side apply as field manager gmac, forced
        meta["annotations"] = {
            "pulumi.com/patchFieldManager": "gmac",
            "pulumi.com/patchForce": "true",
        }
    return meta


def hand_written_program(settings: Settings) -> None:
    import pulumi
    import pulumi_kubernetes as k8s
    from handwritten_components import digest_key, grouped

    if settings.render_to is not None:
        provider = k8s.Provider(
            "kubernetes",
            render_yaml_to_directory=settings.render_to,
            namespace=settings.namespace,
            enable_config_map_mutable=True,
            enable_secret_mutable=True,
        )
    else:
        provider = k8s.Provider(
            "kubernetes",
            context=settings.context,
            kubeconfig=settings.kubeconfig,
            namespace=settings.namespace,
            enable_server_side_apply=True,
            enable_config_map_mutable=True,
            enable_secret_mutable=True,
        )
    ns_meta = _meta(settings, settings.namespace, "namespace")
    ns_meta.pop("namespace")
    ns_meta["labels"] = _labels(settings)
    namespace = k8s.core.v1.Namespace(
        settings.namespace, metadata=ns_meta, opts=pulumi.ResourceOptions(provider=provider)
    )
    opts = pulumi.ResourceOptions(provider=provider, depends_on=[namespace])
    around = {"components": settings.components, "provider": provider, "namespace": namespace}
    if settings.components:
        digest_key()
    if settings.monitoring:
        group, inner = grouped("Monitoring", "monitoring", opts, **around)
        _monitoring(settings, inner)
        if group is not None:
            group.register_outputs({})
    for index in range(settings.count):
        name = service_name(index)
        group, inner = grouped("Service", name, opts, **around)
        _service(settings, name, inner)
        if group is not None:  # what gmac's Service component registers
            group.register_outputs(
                {"image": "nginx:1.27", "address": f"{name}.{settings.namespace}.svc"}
            )


def _monitoring(settings: Settings, opts: Any) -> None:
    import pulumi_kubernetes as k8s

    def meta(name: str) -> dict[str, Any]:
        return {**_meta(settings, "monitoring", "monitoring"), "name": name}

    k8s.core.v1.ConfigMap(
        "victorialogs-config",
        metadata=meta("victorialogs-config"),
        data={"retentionPeriod": "30d"},
        opts=opts,
    )
    k8s.core.v1.Secret(
        "alertmanager-main",
        metadata=meta("alertmanager-main"),
        type="Opaque",
        string_data={"alertmanager.yaml": ALERTMANAGER_YAML},
        opts=opts,
    )
    k8s.apiextensions.CustomResource(
        "gmac-workloads",
        api_version="monitoring.coreos.com/v1",
        kind="PrometheusRule",
        metadata=meta("gmac-workloads"),
        spec={
            "groups": [
                {"name": "gmac-workloads.rules", "rules": _workload_rules(settings.namespace)}
            ]
        },
        opts=opts,
    )


def _service(settings: Settings, name: str, opts: Any) -> None:
    import pulumi_kubernetes as k8s

    meta = _meta(settings, name, "server")
    selector = {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/instance": f"{name}-{settings.env}",
    }
    config = k8s.core.v1.ConfigMap(
        f"{name}-env",
        metadata={**meta, "name": f"{name}-env"},
        data={"GREETING": "hello"},
        opts=opts,
    )
    container = {
        "name": name,
        "image": "nginx:1.27",
        "ports": [{"name": "http", "container_port": 8080, "protocol": "TCP"}],
        "env_from": [{"config_map_ref": {"name": config.metadata["name"]}}],
        "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"memory": "128Mi"},
        },
        "security_context": {
            "allow_privilege_escalation": False,
            "run_as_non_root": True,
            "capabilities": {"drop": ["ALL"]},
        },
    }
    pod_security = {
        "run_as_non_root": True,
        "run_as_user": 65532,
        "run_as_group": 65532,
        "fs_group": 65532,
        "seccomp_profile": {"type": "RuntimeDefault"},
    }
    k8s.apps.v1.Deployment(
        name,
        metadata=meta,
        spec={
            "replicas": 2,
            "selector": {"match_labels": selector},
            "template": {
                "metadata": {"labels": meta["labels"], "annotations": {"gmac.io/config-hash": "x"}},
                "spec": {
                    "automount_service_account_token": False,
                    "containers": [container],
                    "security_context": pod_security,
                },
            },
        },
        opts=opts,
    )
    k8s.core.v1.Service(
        name,
        metadata=meta,
        spec={
            "type": "ClusterIP",
            "selector": selector,
            "ports": [{"name": "http", "port": 8080, "target_port": "http"}],
        },
        opts=opts,
    )
    k8s.policy.v1.PodDisruptionBudget(
        name,
        metadata=meta,
        spec={"max_unavailable": 1, "selector": {"match_labels": selector}},
        opts=opts,
    )


def command(action: str, folder: Path, settings: Settings) -> list[str]:
    """The child process the benches time: this file, in this interpreter."""
    return [sys.executable, __file__, action, str(folder), settings.to_json()]


def environment() -> dict[str, str]:
    # bench/ too: the dynamic provider's process unpickles the key's provider from there
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "bench")])}


def rendered_objects(folder: Path) -> dict[tuple[str, str, str], Any]:
    """The manifests a render folder holds, by (kind, namespace, name); the config hash
    (a digest of the env values, computed by gmac) masked."""
    import yaml

    objects = {}
    for path in sorted(folder.rglob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            meta = doc["metadata"]
            template = doc.get("spec", {}).get("template", {}).get("metadata", {})
            if "gmac.io/config-hash" in template.get("annotations", {}):
                template["annotations"]["gmac.io/config-hash"] = "masked"
            objects[(doc["kind"], meta.get("namespace", ""), meta["name"])] = doc
    return objects


def run(action: str, folder: Path, settings: Settings) -> int:
    from pulumi import automation as auto

    sys.path.insert(0, str(REPO))
    from gmac.engine.toolchain import find

    toolchain = find()
    if toolchain is None:
        print("no toolchain: run `gmac toolchain install`", file=sys.stderr)
        return 1
    os.chdir(folder)
    state = folder / "state"
    state.mkdir(exist_ok=True)
    env = toolchain.env()
    env.update(PULUMI_BACKEND_URL=f"file://{state}", PULUMI_CONFIG_PASSPHRASE="bench")
    stack = auto.create_or_select_stack(
        stack_name=settings.env,
        project_name="baseline",
        program=lambda: hand_written_program(settings),
        opts=auto.LocalWorkspaceOptions(
            work_dir=str(folder),
            pulumi_home=str(toolchain.pulumi_home),
            env_vars=env,
            project_settings=auto.ProjectSettings(name="baseline", runtime="python"),
            pulumi_command=auto.PulumiCommand(
                root=str(toolchain.bin_dir.parent), skip_version_check=True
            ),
        ),
    )
    creates: list[tuple[str, str]] = []

    def on_event(event: Any) -> None:
        pre = event.resource_pre_event
        if pre is not None and pre.metadata.op.value == "create":
            creates.append((pre.metadata.type, pre.metadata.urn.rsplit("::", 1)[-1]))

    if action == "preview-up":  # what `gmac apply` does: the preview it shows, then the update
        stack.preview(on_output=lambda _: None, color="never")
    if action in ("up", "preview-up"):
        stack.up(on_output=lambda _: None, on_event=on_event, color="never")
    else:
        stack.preview(on_output=lambda _: None, on_event=on_event, color="never")
    print(json.dumps(sorted(creates)))
    return 0


if __name__ == "__main__":
    _action, _folder, _settings = sys.argv[1:4]
    sys.exit(run(_action, Path(_folder), Settings(**json.loads(_settings))))
