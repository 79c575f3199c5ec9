"""What `gmac plan` costs over the engine itself: gmac against a hand-written program.

    python bench/plan_bench.py                     # 10 and 50 services, 3 runs each
    python bench/plan_bench.py --sizes 10 50 200 500 --repeats 1
    python bench/plan_bench.py --sizes 200 500 --full-up-to 200   # 500: only everything new
    python bench/plan_bench.py --sizes --profile 500   # only where gmac's time goes

For each size N it writes a project of N generated services (the example project.yaml and
integrations, each service with an image, a port, 2 replicas and an env value), then times:

- gmac:      the `gmac plan --env local --json` console script, as a user runs it;
- baseline:  the same Kubernetes objects (kinds, names, namespace, fields) declared by hand
             through pulumi_kubernetes (bench/handwritten.py), previewed by an inline
             Automation API program in a fresh interpreter: the same Pulumi CLI, the same
             Kubernetes provider rendering to a folder, a file backend; no gmac.
- same:      the same program declaring the same resources as gmac's stack: the objects in
             a component per service and one for monitoring, and the secrets component with
             its generated key (bench/handwritten_components.py); what gmac's design
             declares, so gmac/same is what gmac itself adds.

All three are timed from outside as whole processes (interpreter start, imports, the
engine), with everything new (an empty stack), the apply (rendering to a folder), and with
no changes (after the apply; gmac twice: its engine's preview with --no-cache, then the
answer from the no-change record, whose baselines are the same no-change previews, run
once), the runs of gmac and the baselines alternating. Printed: median wall times, the
ratios gmac/baseline and gmac/same, the peak RSS of the gmac process itself (VmHWM, sampled
until it exits; the Pulumi CLI and provider plugin it starts are separate processes, their
largest peak is printed beside), and, over the sizes, a least-squares line of wall time
against the number of services.

Checked before timing: all three would create the same Kubernetes objects, and gmac and
`same` the same resources (components and key included); after the apply, the manifests
all three rendered are the same (the env's config hash masked).
--profile N runs one `gmac plan` of N services, everything new, under -X importtime with
its phases timed (bench/plan_profile.py) and prints where the time went.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import handwritten
import yaml
from bench_timing import Run, gmac_command, line_fit, load_average, median_seconds, peak_mib
from bench_timing import timed as timed_run

REPO = Path(__file__).resolve().parents[1]
NAMESPACE = "gmac-io"  # the example project's name: gmac's namespace for `local`


# -- the projects ------------------------------------------------------------------------


def service_spec(index: int) -> dict[str, Any]:
    return {
        "apiVersion": "gmac.io/v1",
        "kind": "Service",
        "name": handwritten.service_name(index),
        "image": {"build": False, "ref": "nginx:1.27"},
        "port": 8080,
        "replicas": 2,
        "env": {"GREETING": "hello"},
    }


def write_services(root: Path, count: int) -> None:
    (root / "specs" / "services").mkdir(parents=True, exist_ok=True)
    for index in range(count):
        path = root / "specs" / "services" / f"{handwritten.service_name(index)}.yaml"
        path.write_text(yaml.safe_dump(service_spec(index), sort_keys=False), encoding="utf-8")


def write_gmac_project(root: Path, count: int) -> None:
    write_services(root, count)
    shutil.copy2(REPO / "specs" / "project.yaml", root / "specs" / "project.yaml")
    shutil.copytree(REPO / "specs" / "integrations", root / "specs" / "integrations")
    shutil.copy2(REPO / "Pulumi.yaml", root / "Pulumi.yaml")


def gmac_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GMAC_", "PULUMI_"))}
    env["GMAC_ACTOR"] = "gmackie"  # the example project lets only gmackie apply
    return env


def local_settings(count: int, folder: Path, *, components: bool = False) -> handwritten.Settings:
    render = str(folder / "render")
    return handwritten.Settings(
        count, NAMESPACE, NAMESPACE, "local", True, render_to=render, components=components
    )


# -- timing ------------------------------------------------------------------------------


def gmac_plan(root: Path, *flags: str) -> Run:
    command = [*gmac_command(), "plan", "--env", "local", "--json", *flags]
    return timed_run(command, root, gmac_environment())


def baseline(action: str, folder: Path, count: int, *, components: bool = False) -> Run:
    settings = local_settings(count, folder, components=components)
    return timed_run(
        handwritten.command(action, folder, settings), folder, handwritten.environment()
    )


def kubernetes_creates(gmac_json: str) -> list[tuple[str, str]]:
    plan = json.loads(gmac_json)
    return sorted(
        (c["type"], c["name"])
        for c in plan["changes"]
        if c["op"] == "create" and c["type"].startswith("kubernetes:")
    )


def grouped_creates(stdout: str, *, gmac: bool) -> list[tuple[str, str]]:
    """The (type, name) of every resource a plan creates, the components and the generated
    key included; the stack and the providers (which gmac's plan does not list) left out."""
    if gmac:
        pairs = [
            (c["type"], c["name"]) for c in json.loads(stdout)["changes"] if c["op"] == "create"
        ]
    else:
        pairs = [(kind, name) for kind, name in json.loads(stdout)]
    return sorted(pair for pair in pairs if not pair[0].startswith("pulumi:"))


def baseline_creates(stdout: str) -> list[tuple[str, str]]:
    pairs = sorted((kind, name) for kind, name in json.loads(stdout))
    return [pair for pair in pairs if pair[0].startswith("kubernetes:")]


@dataclass(frozen=True)
class Row:
    count: int
    case: str
    resources: int
    gmac: list[Run]
    base: list[Run]
    same: list[Run]  # the baseline declaring the same resources (handwritten_components)

    def line(self) -> str:
        gmac, base = median_seconds(self.gmac), median_seconds(self.base)
        same = median_seconds(self.same)
        tree = max(run.tree_rss_kib for run in self.gmac) / 1024
        return (
            f"{self.count:>8}  {self.case:<18} {self.resources:>9}  {gmac:>8.2f}  "
            f"{base:>12.2f}  {gmac / base:>5.2f}  {same:>8.2f}  {gmac / same:>5.2f}  "
            f"{peak_mib(self.gmac):>8.0f}  {tree:>9.0f}"
        )


def apply_all(gmac_root: Path, base_root: Path, same_root: Path, count: int) -> list[Run]:
    """Apply gmac and both baselines (rendering to their folders), and check that they all
    rendered the same manifests."""
    command = [*gmac_command(), "apply", "--env", "local", "--yes"]
    applied = timed_run(command, gmac_root, gmac_environment())
    assert applied.code == 0, applied.stderr
    runs = [applied]
    ours = handwritten.rendered_objects(gmac_root / ".gmac" / "render" / "local")
    for root, components in ((base_root, False), (same_root, True)):
        base = baseline("up", root, count, components=components)
        assert base.code == 0, f"the baseline apply failed: {base.stderr}"
        theirs = handwritten.rendered_objects(root / "render")
        assert ours.keys() == theirs.keys(), "gmac and the baseline rendered different objects"
        differ = [key for key in ours if ours[key] != theirs[key]]
        assert not differ, (
            f"gmac and the baseline rendered {len(differ)} objects differently: {differ[:3]}"
        )
        runs.append(base)
    return runs


def measure(count: int, repeats: int, work: Path, *, new_only: bool = False) -> list[Row]:
    gmac_root, base_root = work / f"gmac-{count}", work / f"baseline-{count}"
    same_root = work / f"same-{count}"
    write_gmac_project(gmac_root, count)
    base_root.mkdir()
    same_root.mkdir()
    rows: list[Row] = []
    # "no changes": the engine's preview (--no-cache); "no changes, record": the plan answered
    # from the no-change record the apply left, without the engine (docs/performance.md).
    cases = (("everything new", 2, ()), ("no changes", 0, ("--no-cache",)))
    for case, gmac_code, flags in (*cases, ("no changes, record", 0, ())):
        gmac_runs, base_runs, same_runs = [], [], []
        for _ in range(repeats):
            gmac_runs.append(gmac_plan(gmac_root, *flags))
            if case != "no changes, record":
                base_runs.append(baseline("preview", base_root, count))
                same_runs.append(baseline("preview", same_root, count, components=True))
        if case == "no changes, record":  # the baselines have no record: their no-change preview
            base_runs, same_runs = rows[-1].base, rows[-1].same
        for run in gmac_runs:
            assert run.code == gmac_code, f"gmac plan exited {run.code}: {run.stderr}"
            answered = json.loads(run.stdout)["from_record"] is not None
            assert answered == (case == "no changes, record"), f"{case}: from_record {answered}"
        for run in (*base_runs, *same_runs):
            assert run.code == 0, f"the baseline preview failed: {run.stderr}"
        if case == "everything new":
            ours = kubernetes_creates(gmac_runs[0].stdout)
            assert ours == baseline_creates(base_runs[0].stdout), "different objects to create"
            assert grouped_creates(gmac_runs[0].stdout, gmac=True) == grouped_creates(
                same_runs[0].stdout, gmac=False
            ), "the baseline with components creates other resources than gmac"
            resources = len(ours)
            rows.append(Row(count, case, resources, gmac_runs, base_runs, same_runs))
            if new_only:
                break
            applied = apply_all(gmac_root, base_root, same_root, count)
            rows.append(Row(count, "apply (rendering)", resources, *([run] for run in applied)))
            continue
        assert json.loads(base_runs[0].stdout) == [], "the baseline still has changes"
        assert json.loads(same_runs[0].stdout) == [], "the baseline still has changes"
        rows.append(Row(count, case, resources, gmac_runs, base_runs, same_runs))
    for root in (gmac_root, base_root, same_root):
        shutil.rmtree(root, ignore_errors=True)
    return rows


def print_fits(rows: list[Row]) -> None:
    """Wall time against the number of services, per case, for gmac and both baselines."""
    print("\nleast squares, wall seconds = slope x services + intercept")
    print("case                gmac s/service  intercept  baseline       same resources")
    for case in dict.fromkeys(row.case for row in rows):
        these = [row for row in rows if row.case == case]
        if len(these) < 2:
            continue
        xs = [float(row.count) for row in these]
        fits = [
            line_fit(xs, [median_seconds(runs(row)) for row in these])
            for runs in (lambda row: row.gmac, lambda row: row.base, lambda row: row.same)
        ]
        (gmac, gmac_at), (base, base_at), (same, same_at) = fits
        print(
            f"{case:<18}  {gmac:>14.4f}  {gmac_at:>9.2f}  {base:.4f} {base_at:>5.2f}  "
            f"{same:.4f} {same_at:>5.2f}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10, 50])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--profile", type=int, metavar="N", help="profile a plan of N services")
    parser.add_argument(
        "--full-up-to", type=int, metavar="N", help="above N services, only everything new"
    )
    args = parser.parse_args()

    print("gmac plan against the same Kubernetes objects declared by hand, one run")
    print(handwritten.NOTE)
    print(f"wall: median of {args.repeats} runs; RSS: gmac's own peak (VmHWM), and the largest")
    print(f"peak of its tree (the Pulumi CLI or the provider); {load_average()}\n")
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="gmac-plan-bench-") as tmp:
        if args.sizes:
            print(
                "services  case               resources  gmac (s)  baseline (s)  ratio  "
                "same (s)  ratio   RSS MiB  tree MiB"
            )
        for count in args.sizes:
            new_only = args.full_up_to is not None and count > args.full_up_to
            for row in measure(count, args.repeats, Path(tmp), new_only=new_only):
                rows.append(row)
                print(row.line(), flush=True)
            print(f"          ({load_average()})", flush=True)
        if len({row.count for row in rows}) >= 2:
            print_fits(rows)
        if args.profile:
            import plan_profile

            root = Path(tmp) / f"profile-{args.profile}"
            write_gmac_project(root, args.profile)
            plan_profile.report(root, gmac_environment())
    print(f"\n{load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
