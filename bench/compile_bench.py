"""What compiling costs: gmac's compiler against a hand-written Pulumi program.

    python bench/compile_bench.py                       # 10, 100 and 1,000 services
    python bench/compile_bench.py --sizes 100 --repeats 5

For each size it generates N services (port, probes, resources, env, a secret, ingress,
autoscaling, metrics and an alert: ten resources each), then times, under the same Pulumi
mocks (`gmac.compile.capture`, no engine):

- gmac:  `compile_spec` on the validated Spec (components, registry, naming);
- hand:  a Pulumi program written out by hand that registers the same resources with the
         same inputs through pulumi_kubernetes, as one would without gmac.

Before timing, the services' resources of both graphs are checked equal (inputs, names,
parents), so the comparison is of the same work; both also register the namespace.
Each measurement runs in a fresh interpreter (the one run of this script starts them in
turn, alternating gmac and hand), so the peak RSS is that run's own. Wall times exclude
interpreter start, imports and building the Spec.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

ENV = "bench"
NAMESPACE = "bench"
PROJECT_NAME = "bench"
REGISTRY = "registry.example.org/bench"


def service_doc(i: int) -> dict[str, Any]:
    name = f"svc-{i}"
    return {
        "kind": "Service",
        "name": name,
        "image": {"build": False, "ref": f"{REGISTRY}/{name}:1.0"},
        "port": 8080,
        "replicas": 2,
        "autoscale": {"min": 2, "max": 6, "cpu_percent": 70},
        "resources": {"cpu": "100m", "memory": "128Mi"},
        "health": {"path": "/healthz"},
        "metrics": {"path": "/metrics", "port": 9090},
        "ingress": {"host": f"{name}.example.org"},
        "env": {"LOG_LEVEL": "info", "SERVICE": name},
        "secrets": ["app-key"],
        "alerts": [
            {
                "name": "Down",
                "expr": f'up{{job="{name}"}} == 0',
                "for": "5m",
                "severity": "critical",
            }
        ],
    }


def make_context(count: int) -> Any:
    from gmac.compile import CompileContext
    from gmac.models import Project, Service
    from gmac.validate import Spec

    context = {"env": ENV, "environments": [ENV]}
    project = Project.model_validate(
        {
            "kind": "Project",
            "name": PROJECT_NAME,
            "owner": "bench",
            "images": {"registry": REGISTRY},
            "environments": {
                ENV: {
                    "kubernetes": {"context": "bench", "namespace": NAMESPACE},
                    "integrations": "offline",
                }
            },
            "secrets": {"app-key": {}},
        },
        context=context,
    )
    services = tuple(Service.model_validate(service_doc(i), context=context) for i in range(count))
    spec = Spec(env=ENV, project=project, services=services, integrations=())
    return CompileContext(spec)


# The hand-written program ------------------------------------------------------------------


def handwritten(count: int) -> None:
    """The same resources as gmac compiles, written out as a Pulumi program would be."""
    import pulumi
    from pulumi_kubernetes.apiextensions import CustomResource
    from pulumi_kubernetes.apps.v1 import Deployment
    from pulumi_kubernetes.autoscaling.v2 import HorizontalPodAutoscaler
    from pulumi_kubernetes.core.v1 import ConfigMap, Namespace, Secret
    from pulumi_kubernetes.core.v1 import Service as KubeService
    from pulumi_kubernetes.networking.v1 import Ingress
    from pulumi_kubernetes.policy.v1 import PodDisruptionBudget

    namespace = Namespace(
        NAMESPACE,
        metadata={
            "name": NAMESPACE,
            "labels": {
                "app.kubernetes.io/part-of": PROJECT_NAME,
                "app.kubernetes.io/managed-by": "gmac",
            },
        },
    )
    for i in range(count):
        name = f"svc-{i}"
        selector = {"app.kubernetes.io/name": name, "app.kubernetes.io/instance": f"{name}-{ENV}"}
        labels = {
            **selector,
            "app.kubernetes.io/part-of": PROJECT_NAME,
            "app.kubernetes.io/managed-by": "gmac",
            "app.kubernetes.io/component": "server",
        }
        env = {"LOG_LEVEL": "info", "SERVICE": name}
        digest = hashlib.sha256(json.dumps(env, sort_keys=True).encode()).hexdigest()[:16]

        def meta(object_name: str) -> dict[str, Any]:
            return {"name": object_name, "namespace": NAMESPACE, "labels": labels}  # noqa: B023

        component = pulumi.ComponentResource(
            "gmac:index:Service", name, None, pulumi.ResourceOptions(depends_on=[namespace])
        )
        child = pulumi.ResourceOptions(parent=component)
        config = ConfigMap(f"{name}-env", metadata=meta(f"{name}-env"), data=env, opts=child)
        secret = Secret(
            f"{name}-secrets",
            metadata=meta(f"{name}-secrets"),
            type="Opaque",
            string_data={"app-key": pulumi.Output.secret(pulumi.output.UNKNOWN)},
            opts=child,
        )
        probe = {
            "http_get": {"path": "/healthz", "port": 8080},
            "initial_delay_seconds": 5,
            "period_seconds": 10,
            "timeout_seconds": 2,
            "failure_threshold": 3,
        }
        Deployment(
            name,
            metadata=meta(name),
            spec={
                "selector": {"match_labels": selector},
                "template": {
                    "metadata": {"labels": labels, "annotations": {"gmac.io/config-hash": digest}},
                    "spec": {
                        "automount_service_account_token": False,
                        "security_context": {
                            "run_as_non_root": True,
                            "run_as_user": 65532,
                            "run_as_group": 65532,
                            "fs_group": 65532,
                            "seccomp_profile": {"type": "RuntimeDefault"},
                        },
                        "containers": [
                            {
                                "name": name,
                                "image": f"{REGISTRY}/{name}:1.0",
                                "ports": [
                                    {"name": "http", "container_port": 8080, "protocol": "TCP"},
                                    {"name": "metrics", "container_port": 9090, "protocol": "TCP"},
                                ],
                                "resources": {
                                    "requests": {"cpu": "100m", "memory": "128Mi"},
                                    "limits": {"memory": "128Mi"},
                                },
                                "security_context": {
                                    "run_as_non_root": True,
                                    "allow_privilege_escalation": False,
                                    "capabilities": {"drop": ["ALL"]},
                                },
                                "env_from": [{"config_map_ref": {"name": config.metadata.name}}],
                                "env": [
                                    {
                                        "name": "APP_KEY",
                                        "value_from": {
                                            "secret_key_ref": {
                                                "name": secret.metadata.name,
                                                "key": "app-key",
                                            }
                                        },
                                    }
                                ],
                                "liveness_probe": probe,
                                "readiness_probe": {**probe, "period_seconds": 5},
                            }
                        ],
                    },
                },
            },
            opts=child,
        )
        KubeService(
            name,
            metadata=meta(name),
            spec={
                "type": "ClusterIP",
                "selector": selector,
                "ports": [
                    {"name": "http", "port": 8080, "target_port": "http"},
                    {"name": "metrics", "port": 9090, "target_port": "metrics"},
                ],
            },
            opts=child,
        )
        host = f"{name}.example.org"
        Ingress(
            name,
            metadata=meta(name),
            spec={
                "rules": [
                    {
                        "host": host,
                        "http": {
                            "paths": [
                                {
                                    "path": "/",
                                    "path_type": "Prefix",
                                    "backend": {
                                        "service": {"name": name, "port": {"name": "http"}}
                                    },
                                }
                            ]
                        },
                    }
                ],
                "tls": [{"hosts": [host], "secret_name": f"{name}-tls"}],
            },
            opts=child,
        )
        HorizontalPodAutoscaler(
            name,
            metadata=meta(name),
            spec={
                "scale_target_ref": {"api_version": "apps/v1", "kind": "Deployment", "name": name},
                "min_replicas": 2,
                "max_replicas": 6,
                "metrics": [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "cpu",
                            "target": {"type": "Utilization", "average_utilization": 70},
                        },
                    }
                ],
            },
            opts=child,
        )
        PodDisruptionBudget(
            name,
            metadata=meta(name),
            spec={"max_unavailable": 1, "selector": {"match_labels": selector}},
            opts=child,
        )
        CustomResource(
            name,
            api_version="monitoring.coreos.com/v1",
            kind="ServiceMonitor",
            metadata=meta(name),
            spec={
                "selector": {"matchLabels": selector},
                "namespaceSelector": {"matchNames": [NAMESPACE]},
                "endpoints": [{"port": "metrics", "path": "/metrics", "interval": "30s"}],
            },
            opts=child,
        )
        CustomResource(
            f"{name}-alerts",
            api_version="monitoring.coreos.com/v1",
            kind="PrometheusRule",
            metadata=meta(f"{name}-alerts"),
            spec={
                "groups": [
                    {
                        "name": f"{name}.rules",
                        "rules": [
                            {
                                "alert": "Down",
                                "expr": f'up{{job="{name}"}} == 0',
                                "for": "5m",
                                "labels": {"severity": "critical", "service": name},
                                "annotations": {"summary": f"{name}: Down"},
                            }
                        ],
                    }
                ]
            },
            opts=child,
        )
        component.register_outputs(
            {"image": f"{REGISTRY}/{name}:1.0", "address": f"{name}.{NAMESPACE}.svc"}
        )


# Measuring ---------------------------------------------------------------------------------


def measure(variant: str, count: int) -> dict[str, Any]:
    """One timed run in this interpreter: prints what it measured as JSON."""
    from gmac.compile import capture, compile_spec

    ctx = make_context(count)

    def program() -> None:
        if variant == "gmac":
            compile_spec(ctx)
        else:
            handwritten(count)

    start, cpu = time.perf_counter(), time.process_time()
    graph = capture(program, stack=ENV)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_rss_mib": peak_kib / 1024,
        "resources": len(graph.nodes),
    }


def _services(graph: Any) -> list[dict[str, Any]]:
    """The resources of the services: the environment's own (a namespace) may differ."""
    tops = [node for node in graph.nodes if node.type == "gmac:index:Service"]
    return [n.to_dict() for top in tops for n in (top, *graph.descendants(top.urn))]


def check_same_resources(count: int) -> int:
    from gmac.compile import capture, compile_spec

    ctx = make_context(count)
    compiled = _services(capture(lambda: compile_spec(ctx), stack=ENV))
    written = _services(capture(lambda: handwritten(count), stack=ENV))
    if compiled != written:
        for left, right in zip(compiled, written, strict=False):
            if left != right:
                print(json.dumps({"gmac": left, "hand": right}, indent=1), file=sys.stderr)
                break
        raise SystemExit("bench: the hand-written program registers other resources than gmac")
    return len(compiled)


def run_child(variant: str, count: int) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, "--measure", variant, "--services", str(count)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--measure", choices=["gmac", "hand"], help=argparse.SUPPRESS)
    parser.add_argument("--services", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.services)))
        return

    resources = check_same_resources(3)
    print(f"same resources: gmac and the hand-written program give 3 services {resources}")
    header = (
        f"{'services':>8} {'resources':>9} {'gmac s':>8} {'hand s':>8} {'ratio':>6} "
        f"{'gmac cpu':>8} {'hand cpu':>8} {'ratio':>6} {'gmac MiB':>9} {'hand MiB':>9}"
    )
    print(
        f"median of {args.repeats} runs each, alternating: wall and CPU seconds; "
        "peak RSS of each run's interpreter"
    )
    print(header)
    for count in args.sizes:
        runs: dict[str, list[dict[str, Any]]] = {"gmac": [], "hand": []}
        for _ in range(args.repeats):
            for variant in ("hand", "gmac"):
                runs[variant].append(run_child(variant, count))
        gmac = statistics.median(run["seconds"] for run in runs["gmac"])
        hand = statistics.median(run["seconds"] for run in runs["hand"])
        gmac_cpu = statistics.median(run["cpu_seconds"] for run in runs["gmac"])
        hand_cpu = statistics.median(run["cpu_seconds"] for run in runs["hand"])
        gmac_rss = max(run["peak_rss_mib"] for run in runs["gmac"])
        hand_rss = max(run["peak_rss_mib"] for run in runs["hand"])
        print(
            f"{count:>8} {runs['gmac'][0]['resources']:>9} {gmac:>8.3f} {hand:>8.3f} "
            f"{gmac / hand:>6.3f} {gmac_cpu:>8.3f} {hand_cpu:>8.3f} {gmac_cpu / hand_cpu:>6.3f} "
            f"{gmac_rss:>9.1f} {hand_rss:>9.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
