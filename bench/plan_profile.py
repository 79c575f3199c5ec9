"""Where the time of one `gmac plan` or `gmac apply` goes: imports, load+validate, compile,
the engine, what gmac does around it, output.

    report(root, env)                       one `gmac plan --env local` in `root`, then a summary
    report(root, env, "--yes", command="apply", env_name="bench", phases=APPLY_PHASES)

The plan runs in a child interpreter started with `-X importtime` (every import's own and
cumulative time, on stderr) whose runner wraps gmac's phases in wall-clock timers before the
CLI starts (PHASES: a module and a function each; a phase another engineer renamed or removed
is reported as not found, never a failure). The compile runs in the engine's thread while
the main thread waits on the preview, so the two overlap: "the engine's preview" is the wall
time gmac's main thread spends inside Stack.preview, the compile included.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# (label, module, attribute): patched before gmac.cli is imported, so `from m import f`
# elsewhere picks up the timed function.
PHASES = (
    ("the plan operation (what follows, and lazy imports)", "gmac.app.operations.plan", "preview"),
    ("  load + validate the specs", "gmac.validate", "validate_directory"),
    ("  the secrets", "gmac.app.run_secrets", "secrets_for_run"),
    ("  the no-change record's key", "gmac.app.operations.no_change", "look_up"),
    ("  opening the stack (Pulumi CLI calls)", "pulumi.automation", "create_or_select_stack"),
    ("  the engine's preview (main thread waits)", "pulumi.automation._stack", "Stack.preview"),
    ("    compile (in the engine's thread)", "gmac.compile", "compile_spec"),
    ("  building the Plan from the events", "gmac.app.operations.run", "PreparedRun.plan"),
    ("rendering the plan (console)", "gmac.render.plan", "render_table"),
    ("rendering the plan (--json)", "gmac.render.plan", "render_json"),
)

# What `gmac apply` does beyond the two engine runs (gmac/app/operations/updates.py).
APPLY_PHASES = (
    ("the apply operation (what follows, lazy imports)", "gmac.app.operations.updates", "apply"),
    ("  the registry's durability check", "gmac.app.recording", "require_durable_registry"),
    ("  the sources' digest (the index)", "gmac.app.operations.no_change", "sources_before"),
    ("  load + validate the specs", "gmac.validate", "validate_directory"),
    ("  the secrets", "gmac.app.run_secrets", "secrets_for_run"),
    ("  the no-change record's key", "gmac.app.operations.no_change", "look_up"),
    ("  opening the stack (Pulumi CLI calls)", "pulumi.automation", "create_or_select_stack"),
    ("  the engine's preview (main thread waits)", "pulumi.automation._stack", "Stack.preview"),
    ("  objects that already run", "gmac.app.adopt", "refuse_existing"),
    ("    their compile under mocks", "gmac.app.adopt.discover", "build_graph"),
    ("    the API server's discovery", "kubernetes.dynamic", "DynamicClient.__init__"),
    ("    a GET per object", "gmac.clients.kubernetes_objects", "LiveObjects.get"),
    ("  opening the registry", "gmac.registry", "Registry.open"),
    ("  the registry's deployment row", "gmac.registry", "Registry.add_deployment"),
    ("  the registry's audit entry", "gmac.registry", "Registry.audit"),
    ("  the cluster watch's start", "gmac.app.cluster_watch", "ClusterWatch.__enter__"),
    ("  the cluster watch's end", "gmac.app.cluster_watch", "ClusterWatch.__exit__"),
    ("  the engine's update (main thread waits)", "pulumi.automation._stack", "Stack.up"),
    ("    compile (in the engine's thread, both runs)", "gmac.compile", "compile_spec"),
    ("  building the Plan from the events", "gmac.app.operations.run", "PreparedRun.plan"),
    ("  the record after the update", "gmac.app.operations.updates", "record_applied"),
    ("rendering the outcome (console)", "gmac.render.plan", "render_table"),
)

RUNNER = """
import atexit, importlib, json, sys, time
from pathlib import Path
START = time.perf_counter()
out = Path(sys.argv.pop(1))
phases, spent = json.loads(sys.argv.pop(1)), {}

def timer(label, function):
    def timed(*args, **kwargs):
        began = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            seconds, calls = spent.get(label, (0.0, 0))
            spent[label] = (seconds + time.perf_counter() - began, calls + 1)
    return timed

missing, swapped = [], {}
for label, module, attribute in phases:
    try:
        owner = importlib.import_module(module)
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        original = getattr(owner, name)
        swapped[id(original)] = timer(label, original)
        setattr(owner, name, swapped[id(original)])
    except (ImportError, AttributeError):
        missing.append(label)
# A module imported above may hold a function by `from m import f`, taken before m.f was
# swapped: swap those names too (later imports take the timed one from m).
for loaded in list(sys.modules.values()):
    names = getattr(loaded, "__dict__", {})
    for key, value in list(names.items()):
        if callable(value) and id(value) in swapped and names[key] is not swapped[id(value)]:
            setattr(loaded, key, swapped[id(value)])

def write():
    wall = time.perf_counter() - START
    out.write_text(json.dumps({"spent": spent, "missing": missing, "wall": wall}))

atexit.register(write)
from gmac.cli import main
sys.argv[0] = "gmac"
main()
"""

_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def imports(stderr: str) -> tuple[float, list[tuple[float, str]]]:
    """Total import time and the top-level imports by cumulative time (seconds)."""
    top = []
    for match in _IMPORT_LINE.finditer(stderr):
        if len(match.group(3)) == 1:  # a top-level import: one space after the bar
            top.append((int(match.group(2)) / 1e6, match.group(4)))
    return sum(seconds for seconds, _ in top), sorted(top, reverse=True)


def report(
    root: Path,
    env: dict[str, str],
    *flags: str,
    command: str = "plan",
    env_name: str = "local",
    phases: tuple[tuple[str, str, str], ...] = PHASES,
) -> None:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        argv = [sys.executable, "-X", "importtime", "-c", RUNNER, out.name]
        argv += [json.dumps(phases), command, "--env", env_name, *flags]
        began = time.perf_counter()
        done = subprocess.run(
            argv,
            cwd=root,
            env={**env, "PYTHONPATH": str(REPO)},
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - began
        figures = json.loads(Path(out.name).read_text() or "{}")
    if done.returncode not in (0, 2):
        print(f"the profiled {command} exited {done.returncode}:\n{done.stderr[-2000:]}")
        return
    total, top = imports(done.stderr)
    services = len(list((root / "specs" / "services").glob("*.yaml")))
    shown = " ".join([f"gmac {command} --env {env_name}", *flags])
    print(f"\nwhere the time goes: one `{shown}` of {services} services, everything new,")
    print(f"in a child under -X importtime (which adds a little), wall {wall:.2f} s:")
    print(f"  {'imports (all, incl. lazy ones)':<54} {total:>7.2f} s")
    for seconds, name in top[:6]:
        print(f"    {name:<52} {seconds:>7.2f} s")
    for label, _module, _attribute in phases:
        if label in figures.get("spent", {}):
            seconds, calls = figures["spent"][label]
            print(f"  {label:<54} {seconds:>7.2f} s" + (f"  ({calls} calls)" if calls > 1 else ""))
        elif label in figures.get("missing", []):
            print(f"  {label:<54}       - (not found in this version)")
        else:
            print(f"  {label:<54}       - (not called)")
    print(f"  {'the process (interpreter start to exit)':<54} {figures.get('wall', 0):>7.2f} s")
    print(f"  (the gmac process's plugin children ran beside it; {os.cpu_count()} cores)")
