"""What `gmac plan` costs over the engine itself: gmac against a hand-written program.

    python bench/plan_bench.py                     # 10 and 50 services, 3 runs each
    python bench/plan_bench.py --sizes 10 --repeats 5

For each size N it writes a project of N generated services (the example project.yaml and
integrations, each service with an image, a port, 2 replicas and an env value), then times:

- gmac:      the `gmac plan --env local` console script, as a user runs it;
- baseline:  a hand-written Pulumi program that declares the same Kubernetes objects (same
             kinds, names and namespace) through pulumi_kubernetes, previewed by an inline
             Automation API program in a fresh interpreter: the same Pulumi CLI, the same
             Kubernetes provider rendering to a folder, the same file backend; no gmac.

The baseline is not `pulumi preview` of a Pulumi.yaml Python program: that needs the Python
language host, which cannot be built here (the Go module proxy refuses its module), so the
program runs inline, which is also how gmac runs its own.

Both are timed from outside as whole processes (interpreter start, imports, the engine),
with everything new (an empty stack) and with no changes (after an apply; gmac twice: its
engine's preview with --no-cache, then the answer from the no-change record), the runs of
gmac and the baseline alternating. Printed: median wall times, the ratio gmac/baseline, and
the peak RSS of the gmac process itself (VmHWM, sampled until it exits; the Pulumi CLI and
provider plugin it starts are separate processes and not counted). Before timing, the
Kubernetes objects both would create are checked to be the same set.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
NAMESPACE = "gmac-io"  # the example project's name: gmac's namespace for `local`
LABELS = {"app.kubernetes.io/managed-by": "gmac", "app.kubernetes.io/part-of": NAMESPACE}
BASELINE_NOTE = (
    "baseline: a hand-written inline Automation API program (same Pulumi CLI 3.274.1, same "
    "Kubernetes provider, same objects); `pulumi preview` of a Pulumi.yaml Python program "
    "cannot run here: its Python language host cannot be built (the Go proxy refuses it)"
)


# -- the projects ------------------------------------------------------------------------


def service_spec(index: int) -> dict[str, Any]:
    return {
        "apiVersion": "gmac.io/v1",
        "kind": "Service",
        "name": f"gen-{index:03d}",
        "image": {"build": False, "ref": "nginx:1.27"},
        "port": 8080,
        "replicas": 2,
        "env": {"GREETING": "hello"},
    }


def write_gmac_project(root: Path, count: int) -> None:
    (root / "specs" / "services").mkdir(parents=True)
    shutil.copy2(REPO / "specs" / "project.yaml", root / "specs" / "project.yaml")
    shutil.copytree(REPO / "specs" / "integrations", root / "specs" / "integrations")
    shutil.copy2(REPO / "Pulumi.yaml", root / "Pulumi.yaml")
    for index in range(count):
        path = root / "specs" / "services" / f"gen-{index:03d}.yaml"
        path.write_text(yaml.safe_dump(service_spec(index), sort_keys=False), encoding="utf-8")


def gmac_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GMAC_", "PULUMI_"))}
    env["GMAC_ACTOR"] = "gmackie"  # the example project lets only gmackie apply
    return env


# -- the hand-written program (runs in a child: `plan_bench.py --baseline ACTION DIR N`) --


def _meta(name: str, component: str, instance: str | None = None) -> dict[str, Any]:
    labels = {
        **LABELS,
        "app.kubernetes.io/name": instance or name,
        "app.kubernetes.io/instance": f"{instance or name}-local",
        "app.kubernetes.io/component": component,
    }
    return {"name": name, "namespace": NAMESPACE, "labels": labels}


def hand_written_program(count: int) -> None:
    """The objects gmac makes of the generated project, written out by hand."""
    import pulumi
    import pulumi_kubernetes as k8s

    render = Path.cwd() / "render"
    provider = k8s.Provider(
        "kubernetes",
        render_yaml_to_directory=str(render),
        namespace=NAMESPACE,
        enable_config_map_mutable=True,
        enable_secret_mutable=True,
    )
    namespace = k8s.core.v1.Namespace(
        NAMESPACE,
        metadata={"name": NAMESPACE, "labels": LABELS},
        opts=pulumi.ResourceOptions(provider=provider),
    )
    opts = pulumi.ResourceOptions(provider=provider, depends_on=[namespace])
    monitoring = _meta("monitoring", "monitoring")
    k8s.core.v1.ConfigMap(
        "victorialogs-config",
        metadata={**monitoring, "name": "victorialogs-config"},
        data={"retentionPeriod": "30d"},
        opts=opts,
    )
    k8s.core.v1.Secret(
        "alertmanager-main",
        metadata={**monitoring, "name": "alertmanager-main"},
        string_data={"alertmanager.yaml": "route:\n  receiver: email\nreceivers:\n- name: email\n"},
        opts=opts,
    )
    k8s.apiextensions.CustomResource(
        "gmac-workloads",
        api_version="monitoring.coreos.com/v1",
        kind="PrometheusRule",
        metadata={**monitoring, "name": "gmac-workloads"},
        spec={"groups": [{"name": "gmac-workloads.rules", "rules": []}]},
        opts=opts,
    )
    for index in range(count):
        _service(f"gen-{index:03d}", opts)


def _service(name: str, opts: Any) -> None:
    import pulumi_kubernetes as k8s

    meta = _meta(name, "server")
    selector = {"app.kubernetes.io/name": name, "app.kubernetes.io/instance": f"{name}-local"}
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
    k8s.apps.v1.Deployment(
        name,
        metadata=meta,
        spec={
            "replicas": 2,
            "selector": {"match_labels": selector},
            "template": {
                "metadata": {"labels": meta["labels"], "annotations": {"gmac.io/config-hash": "x"}},
                "spec": {"automount_service_account_token": False, "containers": [container]},
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


def run_baseline(action: str, folder: Path, count: int) -> int:
    """Preview or apply the hand-written program; print the objects it would create."""
    from pulumi import automation as auto

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
        stack_name="local",
        project_name="baseline",
        program=lambda: hand_written_program(count),
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

    if action == "up":
        stack.up(on_output=lambda _: None, color="never")
    else:
        stack.preview(on_output=lambda _: None, on_event=on_event, color="never")
    print(json.dumps(sorted(creates)))
    return 0


# -- timing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_rss_kib: int
    code: int
    stdout: str


def _vm_hwm(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def timed(command: Sequence[str], cwd: Path, env: dict[str, str]) -> Run:
    """Wall time and the process's own peak RSS, sampled until it exits."""
    with tempfile.TemporaryFile("w+") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(command), cwd=cwd, env=env, stdout=out, stderr=subprocess.DEVNULL
        )
        peak = 0
        while proc.poll() is None:
            peak = max(peak, _vm_hwm(proc.pid))
            time.sleep(0.005)
        seconds = time.perf_counter() - start
        out.seek(0)
        return Run(seconds, peak, proc.returncode, out.read())


def gmac_plan(root: Path, *flags: str) -> Run:
    gmac = Path(sys.executable).parent / "gmac"
    command = [str(gmac) if gmac.exists() else "gmac", "plan", "--env", "local", "--json"]
    return timed([*command, *flags], root, gmac_environment())


def baseline(action: str, folder: Path, count: int) -> Run:
    command = [sys.executable, __file__, "--baseline", action, str(folder), str(count)]
    return timed(command, folder, {**os.environ, "PYTHONPATH": str(REPO)})


def kubernetes_creates(gmac_json: str) -> list[tuple[str, str]]:
    plan = json.loads(gmac_json)
    return sorted(
        (c["type"], c["name"])
        for c in plan["changes"]
        if c["op"] == "create" and c["type"].startswith("kubernetes:")
    )


@dataclass(frozen=True)
class Row:
    count: int
    case: str
    resources: int
    gmac: list[Run]
    base: list[Run]

    def line(self) -> str:
        gmac = statistics.median(run.seconds for run in self.gmac)
        base = statistics.median(run.seconds for run in self.base)
        rss = max(run.peak_rss_kib for run in self.gmac) / 1024
        return (
            f"{self.count:>8}  {self.case:<15} {self.resources:>9}  {gmac:>8.2f}  "
            f"{base:>12.2f}  {gmac / base:>5.2f}  {rss:>10.0f}"
        )


def measure(count: int, repeats: int, work: Path) -> list[Row]:
    gmac_root, base_root = work / f"gmac-{count}", work / f"baseline-{count}"
    write_gmac_project(gmac_root, count)
    base_root.mkdir()
    rows = []
    # "no changes": the engine's preview (--no-cache); "no changes, record": the plan answered
    # from the no-change record the apply left, without the engine (docs/performance.md).
    cases = (("everything new", 2, ()), ("no changes", 0, ("--no-cache",)))
    for case, gmac_code, flags in (*cases, ("no changes, record", 0, ())):
        gmac_runs, base_runs = [], []
        for _ in range(repeats):
            gmac_runs.append(gmac_plan(gmac_root, *flags))
            base_runs.append(baseline("preview", base_root, count))
        for run in gmac_runs:
            assert run.code == gmac_code, f"gmac plan exited {run.code}"
            answered = json.loads(run.stdout)["from_record"] is not None
            assert answered == (case == "no changes, record"), f"{case}: from_record {answered}"
        for run in base_runs:
            assert run.code == 0, "the baseline preview failed"
        if case == "everything new":
            ours = kubernetes_creates(gmac_runs[0].stdout)
            theirs = sorted(tuple(pair) for pair in json.loads(base_runs[0].stdout))
            theirs_k8s = [pair for pair in theirs if pair[0].startswith("kubernetes:")]
            assert ours == theirs_k8s, "gmac and the baseline would create different objects"
            resources = len(ours)
            applied = subprocess.run(
                [str(Path(sys.executable).parent / "gmac"), "apply", "--env", "local", "--yes"],
                cwd=gmac_root,
                env=gmac_environment(),
                capture_output=True,
                text=True,
                check=False,
            )
            assert applied.returncode == 0, applied.stderr
            assert baseline("up", base_root, count).code == 0, "the baseline apply failed"
        else:
            assert json.loads(base_runs[0].stdout) == [], "the baseline still has changes"
        rows.append(Row(count, case, resources, gmac_runs, base_runs))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--baseline", nargs=3, metavar=("ACTION", "DIR", "N"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.baseline:
        action, folder, count = args.baseline
        return run_baseline(action, Path(folder), int(count))

    print("gmac plan against the same Kubernetes objects declared by hand, one run")
    print(BASELINE_NOTE)
    print(f"wall: median of {args.repeats} runs; RSS: gmac's own peak (VmHWM)\n")
    print("services  case            resources  gmac (s)  baseline (s)  ratio  gmac RSS MiB")
    with tempfile.TemporaryDirectory(prefix="gmac-plan-bench-") as tmp:
        for count in args.sizes:
            for row in measure(count, args.repeats, Path(tmp)):
                print(row.line(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
