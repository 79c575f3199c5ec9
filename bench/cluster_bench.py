"""What applying costs against a real API server: `gmac apply` against a hand-written program.

    python bench/cluster_bench.py                  # 10 and 50 services
    python bench/cluster_bench.py --sizes 10 --kubeconfig .gmac/cluster/kubeconfig
    python bench/cluster_bench.py --sizes --profile 50   # where one apply of 50 goes

Each size is a fresh project of N generated services (bench/plan_bench.py's: a ConfigMap,
Deployment, Service and PodDisruptionBudget each, plus the namespace), applied to the local
control plane (`gmac.dev.cluster`, started here unless --kubeconfig names a running one)
through the real engine: the Pulumi CLI and the Kubernetes provider, server-side apply as
field manager gmac, and the provider waiting until every Deployment and Service is ready
(kwok runs the pods). Beside it, in the same run, the hand-written program
(bench/handwritten.py) applies the same objects with the same provider settings, from a fresh
state of its own, into a fresh namespace of its own (both cannot own the same objects at
once); gmac's namespace is `bench-N-gmac-PID`, the baseline's `bench-N-hand-PID`. `gmac
apply` previews first (the plan it shows and checks), then updates: so the baseline runs
twice, `up` alone (`bench-N-hand-PID`), and a preview then `up` in one program
(`bench-N-both-PID`), and the ratio is given against each.

Every stack is made before timing and left empty (`gmac stack init`, the baselines' first
preview). Checked before timing: previewed against gmac's namespace, both would create the same
(type, name) set. After the applies: the inputs both checkpoints hold for every Kubernetes
object are the same, the namespace's name and the env's config hash masked.

Timed per size: the apply (everything new), then a plan with no changes (gmac with
--no-cache, so the engine runs; the baseline's preview). Printed: wall times, the ratio
gmac/baseline, gmac's own peak RSS and its tree's largest (the Pulumi CLI or the provider).

`--profile N`: one `gmac apply` of N services into a fresh namespace and stack of its own,
in a child with gmac's phases wrapped in wall-clock timers (bench/plan_profile.py's
APPLY_PHASES: the preview, the objects that already run, the registry, the cluster watch,
the update, the record left after it), printed as a table.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import handwritten
import yaml
from bench_timing import Run, gmac_command, load_average, timed
from plan_bench import baseline_creates, kubernetes_creates, write_services
from plan_profile import APPLY_PHASES, report

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

ENV = "bench"
PROJECT = "bench"
CONTEXT = "gmac-dev"


def namespace(count: int, who: str) -> str:
    return f"bench-{count}-{who}-{os.getpid()}"


def settings(count: int, kubeconfig: Path, who: str) -> handwritten.Settings:
    ns = namespace(count, who)
    return handwritten.Settings(
        count, ns, PROJECT, ENV, kubeconfig=str(kubeconfig), context=CONTEXT
    )


def write_project(root: Path, count: int, kubeconfig: Path, who: str = "gmac") -> None:
    write_services(root, count)
    (root / "Pulumi.yaml").write_text("name: gmac\nruntime: python\n")
    project = {
        "apiVersion": "gmac.io/v1",
        "kind": "Project",
        "name": PROJECT,
        "owner": "bench",
        "images": {"registry": "registry.example.org/bench"},
        "environments": {
            ENV: {
                "kubernetes": {
                    "context": CONTEXT,
                    "kubeconfig": str(kubeconfig),
                    "namespace": namespace(count, who),
                },
                "integrations": "offline",
            }
        },
    }
    (root / "specs" / "project.yaml").write_text(yaml.safe_dump(project, sort_keys=False))


def gmac_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GMAC_", "PULUMI_"))}
    env.update(GMAC_PASSPHRASE="bench-passphrase", GMAC_ACTOR="bench")
    return env


def gmac(root: Path, *args: str) -> Run:
    return timed([*gmac_command(), *args, "--env", ENV], root, gmac_environment())


def profile_apply(count: int, kubeconfig: Path, work: Path) -> None:
    """One profiled `gmac apply` of `count` services, everything new."""
    root = work / f"profile-{count}"
    write_project(root, count, kubeconfig, "prof")
    init = gmac(root, "stack", "init")
    assert init.code == 0, f"gmac stack init exited {init.code}: {init.stderr}"
    print(f"({load_average()})", flush=True)
    report(root, gmac_environment(), "--yes", command="apply", env_name=ENV, phases=APPLY_PHASES)
    print(f"({load_average()})", flush=True)


def hand(action: str, folder: Path, these: handwritten.Settings) -> Run:
    return timed(handwritten.command(action, folder, these), folder, handwritten.environment())


def checkpoint_inputs(folder: Path, ns: str) -> dict[tuple[str, str], str]:
    """Every Kubernetes object's inputs in the file backend under `folder`, namespace masked."""
    found: dict[tuple[str, str], str] = {}
    for path in folder.rglob(".pulumi/stacks/*/*.json"):
        resources = json.loads(path.read_text())["checkpoint"]["latest"]["resources"]
        for resource in resources:
            kind = resource["type"]
            if not kind.startswith("kubernetes:") or kind == "pulumi:providers:kubernetes":
                continue
            text = json.dumps(resource.get("inputs", {}), sort_keys=True).replace(ns, "NS")
            text = re.sub(r'"gmac.io/config-hash": "[^"]*"', '"gmac.io/config-hash": "-"', text)
            name = resource["urn"].rsplit("::", 1)[-1].replace(ns, "NS")
            found[(kind, name)] = text
    return found


def check_same_inputs(gmac_root: Path, base_root: Path, count: int, who: str) -> None:
    ours = checkpoint_inputs(gmac_root, namespace(count, "gmac"))
    theirs = checkpoint_inputs(base_root, namespace(count, who))
    assert ours.keys() == theirs.keys(), "the checkpoints hold different objects"
    assert len(ours) == 1 + 4 * count, f"{len(ours)} objects in the checkpoint"
    differ = [key for key in ours if ours[key] != theirs[key]]
    assert not differ, f"{len(differ)} objects applied differently, e.g. {differ[:2]}"


def row(count: int, step: str, ours: Run, theirs: Run, both: Run | None = None) -> dict[str, Any]:
    extra = {}
    if both is not None:
        extra = {
            "baseline_preview_up_s": round(both.seconds, 2),
            "ratio_preview_up": round(ours.seconds / both.seconds, 2),
        }
    return {
        "services": count,
        "step": step,
        "gmac_s": round(ours.seconds, 2),
        "baseline_s": round(theirs.seconds, 2),
        "ratio": round(ours.seconds / theirs.seconds, 2),
        "gmac_peak_rss_mib": round(ours.peak_rss_kib / 1024, 1),
        "gmac_tree_peak_rss_mib": round(ours.tree_rss_kib / 1024, 1),
        "baseline_peak_rss_mib": round(theirs.peak_rss_kib / 1024, 1),
        **extra,
    }


def bench(count: int, kubeconfig: Path, work: Path) -> list[dict[str, Any]]:
    gmac_root, base_root = work / f"gmac-{count}", work / f"hand-{count}"
    both_root = work / f"both-{count}"  # the baseline previewing first, as gmac apply does
    both_root.mkdir()
    write_project(gmac_root, count, kubeconfig)
    base_root.mkdir()
    # Untimed: gmac's stack is made once (a cluster environment's is shared); the baseline's
    # is made by its first preview, which leaves it as empty as gmac's.
    init = gmac(gmac_root, "stack", "init")
    assert init.code == 0, f"gmac stack init exited {init.code}: {init.stderr}"
    ours = gmac(gmac_root, "plan", "--json")
    assert ours.code == 2, f"gmac plan exited {ours.code}: {ours.stderr}"
    theirs = hand("preview", base_root, settings(count, kubeconfig, "gmac"))
    assert theirs.code == 0, f"the baseline's preview failed: {theirs.stderr}"
    creates = kubernetes_creates(ours.stdout)
    assert creates == baseline_creates(theirs.stdout), "they would create different objects"
    assert len(creates) == 1 + 4 * count, f"{len(creates)} objects for {count} services"
    assert hand("preview", both_root, settings(count, kubeconfig, "both")).code == 0

    rows = []
    ours = gmac(gmac_root, "apply", "--yes")
    assert ours.code == 0, f"gmac apply exited {ours.code}: {ours.stderr}"
    theirs = hand("up", base_root, settings(count, kubeconfig, "hand"))
    assert theirs.code == 0, f"the baseline's apply failed: {theirs.stderr}"
    both = hand("preview-up", both_root, settings(count, kubeconfig, "both"))
    assert both.code == 0, f"the baseline's preview and apply failed: {both.stderr}"
    check_same_inputs(gmac_root, base_root, count, "hand")
    check_same_inputs(gmac_root, both_root, count, "both")
    rows.append(row(count, "apply, everything new", ours, theirs, both))
    print(json.dumps(rows[-1]), flush=True)

    ours = gmac(gmac_root, "plan", "--json", "--no-cache")
    assert ours.code == 0, f"gmac plan after the apply exited {ours.code}: {ours.stderr}"
    theirs = hand("preview", base_root, settings(count, kubeconfig, "hand"))
    assert theirs.code == 0 and json.loads(theirs.stdout) == [], "the baseline has changes"
    rows.append(row(count, "plan, no changes", ours, theirs))
    print(json.dumps(rows[-1]), flush=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10, 50])
    parser.add_argument("--profile", type=int, metavar="N", help="profile one apply of N")
    parser.add_argument("--kubeconfig", type=Path, help="a running plane's (context gmac-dev)")
    parser.add_argument("--json-out", type=Path)
    options = parser.parse_args()

    from gmac.dev.cluster import ControlPlane, find

    print(handwritten.NOTE)
    print(load_average())
    plane = None
    kubeconfig = options.kubeconfig
    work = Path(tempfile.mkdtemp(prefix="gmac-cluster-bench-"))
    if kubeconfig is None:
        binaries = find()
        if binaries is None:
            raise SystemExit("the control plane is not built: run scripts/install-cluster")
        plane = ControlPlane(work / "plane", binaries, progress=print)
        plane.start()
        kubeconfig = plane.kubeconfig
    rows = []
    try:
        for size in options.sizes:
            rows += bench(size, kubeconfig.resolve(), work)
            print(f"({load_average()})", flush=True)
        if options.profile:
            profile_apply(options.profile, kubeconfig.resolve(), work)
    finally:
        if plane is not None:
            plane.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n{'services':>8}  {'step':<22} {'gmac s':>7} {'base s':>7} {'ratio':>5} ", end="")
    print(f"{'gmac MiB':>8} {'tree MiB':>8}  baseline preview+up s, ratio")
    for r in rows:
        print(
            f"{r['services']:>8}  {r['step']:<22} {r['gmac_s']:>7.2f} {r['baseline_s']:>7.2f} "
            f"{r['ratio']:>5.2f} {r['gmac_peak_rss_mib']:>8.0f} {r['gmac_tree_peak_rss_mib']:>8.0f}"
            + (
                f"  {r['baseline_preview_up_s']:.2f}, {r['ratio_preview_up']:.2f}"
                if "ratio_preview_up" in r
                else ""
            )
        )
    print(load_average())
    if options.json_out is not None:
        options.json_out.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
