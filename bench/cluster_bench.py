"""What applying costs against a real API server: `gmac apply`, then a plan with no changes.

    python bench/cluster_bench.py                  # 10 and 50 services
    python bench/cluster_bench.py --sizes 10 --kubeconfig .gmac/cluster/kubeconfig

Each size is a fresh project (its own namespace and state) of N services, each compiled to
ten objects (Deployment, Service, Ingress, ConfigMap, Secret, HorizontalPodAutoscaler,
PodDisruptionBudget, ServiceMonitor, PrometheusRule, plus the namespace once), applied to the
local control plane (`gmac.dev.cluster`, started here unless --kubeconfig names a running one)
through the real engine: the Pulumi CLI and the Kubernetes provider, server-side apply, and
the provider waiting until every Deployment, Service and Ingress is ready (kwok runs the pods).

Reported per step: wall time of the `gmac` command, the peak RSS of the gmac process itself
(its Python interpreter: compiler, Automation API, plan), and the peak RSS of the largest
process in its tree (the Pulumi CLI or the provider plugin) as the kernel reports it to wait4.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

ENV = "bench"
REGISTRY = "registry.example.org/bench"
CONTEXT = "gmac-dev"

# Runs the gmac CLI in this interpreter and, on exit, writes its own peak RSS to a file.
RUNNER = """
import atexit, resource, sys
from pathlib import Path
out = Path(sys.argv.pop(1))
atexit.register(lambda: out.write_text(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)))
from gmac.cli import main
sys.argv[0] = "gmac"
main()
"""


def service_doc(i: int) -> dict[str, Any]:
    name = f"svc-{i}"
    return {
        "apiVersion": "gmac.io/v1",
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


def write_project(root: Path, count: int, kubeconfig: Path) -> None:
    specs = root / "specs"
    (specs / "services").mkdir(parents=True)
    (root / "stacks").mkdir()
    (root / "Pulumi.yaml").write_text("name: gmac\nruntime: python\nstackConfigDir: stacks\n")
    project = {
        "apiVersion": "gmac.io/v1",
        "kind": "Project",
        "name": "bench",
        "owner": "bench",
        "images": {"registry": REGISTRY},
        "environments": {
            ENV: {
                "kubernetes": {
                    "context": CONTEXT,
                    "kubeconfig": str(kubeconfig),
                    "namespace": f"bench-{count}-{os.getpid()}",
                },
                "integrations": "offline",
            }
        },
        "secrets": {"app-key": {}},
    }
    (specs / "project.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    for i in range(count):
        path = specs / "services" / f"svc-{i}.yaml"
        path.write_text(yaml.safe_dump(service_doc(i), sort_keys=False))


def run_gmac(root: Path, *args: str) -> dict[str, Any]:
    """One gmac command, timed; its own peak RSS and its tree's largest peak RSS."""
    env = {
        **os.environ,
        "GMAC_SECRET_APP_KEY": "bench-secret-value",
        "GMAC_PASSPHRASE": "bench-passphrase",
        "GMAC_ACTOR": "bench",
        "PYTHONPATH": str(REPO),
    }
    with tempfile.NamedTemporaryFile(suffix=".rss") as rss_file:
        argv = [sys.executable, "-c", RUNNER, rss_file.name, *args, "--specs", "specs"]
        start = time.monotonic()
        with open(root / "gmac-output.log", "a") as log:  # noqa: PTH123
            process = subprocess.Popen(argv, cwd=root, env=env, stdout=log, stderr=log)
            _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        own = Path(rss_file.name).read_text().strip()
    return {
        "command": " ".join(["gmac", *args]),
        "exit": process.returncode,
        "wall_s": round(wall, 2),
        "gmac_peak_rss_mib": round(int(own or 0) / 1024, 1),
        "tree_peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
    }


def bench(count: int, kubeconfig: Path) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix=f"gmac-bench-{count}-") as folder:
        root = Path(folder)
        write_project(root, count, kubeconfig)
        rows = []
        for args, ok in ((("apply", "--env", ENV, "--yes"), (0,)), (("plan", "--env", ENV), (0,))):
            row = {"services": count, **run_gmac(root, *args)}
            rows.append(row)
            print(json.dumps(row), flush=True)
            if row["exit"] not in ok:
                log = (root / "gmac-output.log").read_text()
                raise SystemExit(f"{row['command']} exited {row['exit']}:\n{log[-3000:]}")
        return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--kubeconfig", type=Path, help="a running plane's (context gmac-dev)")
    parser.add_argument("--json-out", type=Path)
    options = parser.parse_args()

    from gmac.dev.cluster import ControlPlane, find

    plane = None
    kubeconfig = options.kubeconfig
    if kubeconfig is None:
        binaries = find()
        if binaries is None:
            raise SystemExit("the control plane is not built: run scripts/install-cluster")
        state = Path(tempfile.mkdtemp(prefix="gmac-bench-cluster-"))
        plane = ControlPlane(state, binaries, progress=lambda line: print(line, file=sys.stderr))
        plane.start()
        kubeconfig = plane.kubeconfig
    try:
        rows = [row for size in options.sizes for row in bench(size, kubeconfig.resolve())]
    finally:
        if plane is not None:
            plane.stop()
            shutil.rmtree(plane.state_dir, ignore_errors=True)
    print()
    print(f"{'services':>8}  {'command':<28} {'wall s':>7} {'gmac MiB':>9} {'tree max MiB':>13}")
    for row in rows:
        print(
            f"{row['services']:>8}  {row['command']:<28} {row['wall_s']:>7.1f} "
            f"{row['gmac_peak_rss_mib']:>9.1f} {row['tree_peak_rss_mib']:>13.1f}"
        )
    print(f"(this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB)")
    if options.json_out is not None:
        options.json_out.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
