"""Where the CPU of a no-change plan goes, process by process: gmac against both baselines.

    python bench/process_cpu.py                    # 50 services, 3 rounds
    python bench/process_cpu.py --services 10 --repeats 5

It writes the project of bench/plan_bench.py, applies it with gmac and with both hand-written
programs (bench/handwritten.py: the flat one, and `same`, with the components and the
secrets key gmac's stack holds), then runs, alternating, gmac's no-change plan with the
engine (`gmac plan --env local --json --no-cache`) and both baselines' no-change previews.
While each runs, its tree is read from /proc every 10 ms (from the root down, through each
thread's `children`): the CPU time (user + system) of every process, named by its role, and
of the root's main thread and its busiest other thread (where the Automation API runs the
program). A process's last 10 ms can be missed. Printed: the median of each over the
rounds, and the wall time.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import handwritten
import plan_bench
from bench_timing import load_average

TICK = os.sysconf("SC_CLK_TCK")
ROLES = (  # (what the command line holds, the role); the first that matches
    ("pulumi.dynamic", "the dynamic-provider process"),
    ("pulumi-resource-kubernetes", "the Kubernetes provider"),
    ("pulumi ", "the Pulumi CLI"),  # run as `pulumi` or by its path: `.../bin/pulumi`
)


def _cpu(path: Path) -> float | None:
    """CPU seconds (user + system) from a /proc stat file, None once it is gone."""
    try:
        text = path.read_text()
    except OSError:
        return None
    fields = text[text.rfind(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def _role(pid: int, root: int) -> str:
    if pid == root:
        return "the Python process"
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "other"
    # The program's own name without its folder, then its arguments.
    command = " ".join([Path(words[0].decode()).name, *(w.decode() for w in words[1:])])
    return next((role for needle, role in ROLES if needle in command), "other")


def _tasks(pid: int) -> list[str]:
    try:
        return [task.name for task in Path(f"/proc/{pid}/task").iterdir()]
    except OSError:
        return []


def _children(pid: int, tasks: Sequence[str]) -> list[int]:
    """The processes any thread of `pid` started (each thread keeps its own list)."""
    found = []
    for tid in tasks:
        with contextlib.suppress(OSError):
            found += [
                int(child) for child in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()
            ]
    return found


def sampled(command: Sequence[str], cwd: Path, env: Mapping[str, str]) -> dict[str, float]:
    """Run `command`; the CPU seconds of each role in its tree and of its root's main
    thread and busiest other thread, and the wall time."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(command), cwd=cwd, env=dict(env), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    cpu: dict[int, float] = {}
    roles: dict[int, str] = {}
    threads: dict[int, float] = {}
    while proc.poll() is None:
        todo = [proc.pid]
        while todo:  # the tree, from the root down
            pid = todo.pop()
            tasks = _tasks(pid)
            seconds = _cpu(Path(f"/proc/{pid}/stat"))
            if seconds is None:
                continue
            cpu[pid] = seconds
            # Read again each time: a child seen between fork and exec still has its
            # parent's command line; one that is exiting has none ("other").
            role = _role(pid, proc.pid)
            if role != "other" or pid not in roles:
                roles[pid] = role
            if pid == proc.pid:
                for tid in tasks:
                    found = _cpu(Path(f"/proc/{pid}/task/{tid}/stat"))
                    if found is not None:
                        threads[int(tid)] = found
            todo += _children(pid, tasks)
        time.sleep(0.01)
    wall = time.perf_counter() - start
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{command[0]} exited {proc.returncode}: {stderr[-1500:]}")
    result: dict[str, float] = {"wall, s": wall}
    for pid, seconds in cpu.items():
        result[roles[pid]] = result.get(roles[pid], 0.0) + seconds
    others = sorted((s for tid, s in threads.items() if tid != proc.pid), reverse=True)
    result["  its main thread"] = threads.get(proc.pid, 0.0)
    result["  its busiest other thread (the program)"] = others[0] if others else 0.0
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--services", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    count = args.services
    with tempfile.TemporaryDirectory(prefix="gmac-process-cpu-") as tmp:
        gmac_root, base_root, same_root = (Path(tmp) / name for name in ("gmac", "flat", "same"))
        plan_bench.write_gmac_project(gmac_root, count)
        base_root.mkdir()
        same_root.mkdir()
        plan_bench.apply_all(gmac_root, base_root, same_root, count)
        gmac = [*plan_bench.gmac_command(), "plan", "--env", "local", "--json", "--no-cache"]
        runs: dict[str, tuple[list[str], Path, dict[str, str]]] = {
            "gmac": (gmac, gmac_root, plan_bench.gmac_environment()),
        }
        for name, root, components in (("flat", base_root, False), ("same", same_root, True)):
            settings = plan_bench.local_settings(count, root, components=components)
            command = handwritten.command("preview", root, settings)
            runs[name] = (command, root, handwritten.environment())
        print(f"no-change plans of {count} services, {args.repeats} rounds; {load_average()}")
        taken: dict[str, list[dict[str, float]]] = {name: [] for name in runs}
        for _ in range(args.repeats):
            for name, (command, root, env) in runs.items():
                taken[name].append(sampled(command, root, env))
        rows = list(dict.fromkeys(key for name in runs for run in taken[name] for key in run))
        print(f"\n{'median CPU seconds':<40}" + "".join(f"{name:>10}" for name in runs))
        for row in rows:
            values = [statistics.median(run.get(row, 0.0) for run in taken[n]) for n in runs]
            print(f"{row:<40}" + "".join(f"{value:>10.2f}" for value in values))
    print(f"\n{load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
