"""How long `gmac validate` takes on a large project, and what position tracking costs.

    python bench/validate_bench.py                  # 1,000 services, 5 repeats
    python bench/validate_bench.py --services 5000 --repeats 3
    python bench/validate_bench.py --profile        # where the time goes (pip install pyinstrument)

It writes a project of N services like specs/services/api.yaml (per-environment replicas,
ingress, env, secrets, alerts, a template), then times, in this process:

- gmac: load (position-aware YAML) + validate, for every environment and for one, each
  repeat starting as a new process does, with no PromQL expression checked yet; with every
  file parsed (no parse cache, as the first run) and with the files taken from the parse
  cache (gmac.load.parse_cache, as every run after it);
- baseline: `yaml.safe_load` of the same files plus a bare pydantic validation of each
  document for one environment (no positions, no interpolation, no templates, no
  cross-references), so the overhead of gmac's own work shows;

and the wall time of the `gmac validate` command, which adds interpreter start and imports:
the first run (no cache), a run with nothing changed, and a run after one service's file
was edited (a value changed in another file before each repeat).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml
from bench_timing import gmac_command

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "specs"
TEMPLATES = ("go-api", "worker", "nextjs-web")

SERVICE = """\
apiVersion: gmac.io/v1
kind: Service
name: {name}
template: {template}
repo:
  default_branch: main
  protected_branches: [main]
  webhooks: [ci]
image: {{build: true}}
{port}replicas: {{staging: 1, production: {replicas}}}
autoscale: {{min: {replicas}, max: {max_replicas}, cpu_percent: 70}}
resources:
  staging: {{cpu: 100m, memory: 128Mi}}
  default: {{cpu: 250m, memory: 256Mi, limits: {{memory: 512Mi}}}}
{ingress}env:
  LOG_LEVEL: {{production: warn, default: debug}}
  SERVICE_NAME: "{{name}}"
  PUBLIC_URL: "https://{name}.{{domain}}"
  WORKERS: 4
secrets: [stripe-secret-key, turso-app-token]
uses: [stripe, turso]
databases: [registry]
alerts:
  - name: HighErrorRate
    expr: sum(rate(http_requests_total{{service="{name}",code=~"5.."}}[5m])) > 0.05
    for: 10m
    severity: critical
    summary: "{name}: more than 5% of requests fail"
  - name: Slow
    expr: histogram_quantile(0.95, rate(http_duration_bucket{{service="{name}"}}[5m])) > 0.5
    for: 15m
"""


def service_text(index: int) -> str:
    template = TEMPLATES[index % len(TEMPLATES)]
    web = template != "worker"
    return SERVICE.format(
        name=f"svc-{index:04d}",
        template=template,
        port="port: 8080\n" if web else "",
        ingress=f'ingress: {{host: "svc-{index:04d}.{{domain}}"}}\n' if web else "",
        replicas=1 + index % 3,
        max_replicas=4 + index % 3,
    )


def write_project(root: Path, services: int) -> list[Path]:
    """The example project with its services replaced by `services` generated ones. Its
    secrets files (specs/secrets/, once a value is set) are not specs: left out."""
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("secrets"))
    for path in (root / "services").glob("*.yaml"):
        if path.name != "registry-db.yaml":  # the database the generated services use
            path.unlink()
    for index in range(services):
        (root / "services" / f"svc-{index:04d}.yaml").write_text(
            service_text(index), encoding="utf-8"
        )
    return sorted(root.rglob("*.yaml"))


Times = tuple[list[float], list[float]]  # wall-clock seconds, CPU seconds


def fresh_caches() -> None:
    """Empty what a new `gmac validate` process starts without, so that a repeat in this
    process does not reuse the checks of the run before: the PromQL checks' cache. (The
    template catalogue, read once per process, stays as the first run left it.)"""
    from gmac.models.common import _promql_trouble

    _promql_trouble.cache_clear()


def timed(function: Callable[[], Any], repeats: int) -> Times:
    """Wall and CPU time of each run: on a busy machine the CPU time is the steadier figure."""
    wall, cpu = [], []
    for _ in range(repeats):
        fresh_caches()
        start, start_cpu = time.perf_counter(), time.process_time()
        function()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return wall, cpu


def gmac_validate(root: Path, env: str | None) -> None:
    """What `gmac validate` does once it has started."""
    from gmac.validate import validate_directory

    specs = validate_directory(root, env)
    assert len(specs) == (1 if env else 3)


def gmac_load(root: Path) -> None:
    from gmac.load import load_specs
    from gmac.validate import _gc_paused

    with _gc_paused():  # as validate_directory loads
        documents, problems = load_specs(root)
    assert not problems and documents


def baseline(files: list[Path], env: str) -> None:
    """PyYAML (libyaml) and pydantic alone: the least any validator of these files does."""
    from gmac.models import spec_document_adapter

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    documents = []
    for path in files:
        # The least interpolation that makes the hosts valid: a plain text replacement.
        text = path.read_text(encoding="utf-8").replace("{domain}", "gmac.io")
        documents.extend(yaml.load_all(text, Loader=loader))
    context = {"env": env, "environments": ["local", "staging", "production"]}
    for document in documents:
        if document:
            spec_document_adapter.validate_python(document, context=context)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@contextlib.contextmanager
def parse_cache(on: bool) -> Iterator[None]:
    """The parse cache on (as gmac runs) or off (every file parsed, as a first run)."""
    before = os.environ.get("GMAC_SPEC_CACHE")
    os.environ["GMAC_SPEC_CACHE"] = "on" if on else "off"
    try:
        yield
    finally:
        if before is None:
            del os.environ["GMAC_SPEC_CACHE"]
        else:
            os.environ["GMAC_SPEC_CACHE"] = before


def edit_one(root: Path, repeat: int) -> None:
    """Change a value in one service's file, another file each repeat."""
    path = root / "services" / f"svc-{repeat:04d}.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("WORKERS: 4", "WORKERS: 5"), encoding="utf-8")


def cli_times(root: Path, repeats: int, mode: str) -> Times:
    """`mode`: "first" (no parse cache), "unchanged" or "one edited"."""
    command = [*gmac_command(), "validate", "--specs", str(root)]
    environment = {**os.environ, "GMAC_SPEC_CACHE": "off" if mode == "first" else "on"}
    subprocess.run(command, capture_output=True, env=environment, check=False)  # the cache
    wall, cpu = [], []
    for repeat in range(repeats):
        if mode == "one edited":
            edit_one(root, repeat)
        start, start_cpu = time.perf_counter(), children_cpu()
        result = subprocess.run(
            command, capture_output=True, text=True, env=environment, check=False
        )
        wall.append(time.perf_counter() - start)
        cpu.append(children_cpu() - start_cpu)
        if result.returncode != 0:
            sys.exit(f"gmac validate failed:\n{result.stderr}")
    return wall, cpu


def row(label: str, times: Times) -> str:
    wall, cpu = times
    return (
        f"  {label:<44} wall min {min(wall) * 1000:7.1f} ms, median "
        f"{statistics.median(wall) * 1000:7.1f} ms; CPU min {min(cpu) * 1000:7.1f} ms"
    )


def profile(root: Path) -> None:
    try:
        from pyinstrument import Profiler
    except ImportError:
        sys.exit("--profile needs pyinstrument: pip install pyinstrument")
    profiler = Profiler(interval=0.0005)
    profiler.start()
    gmac_validate(root, None)
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="profile one full validation")
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="gmac-bench-") as directory:
        root = Path(directory) / "specs"
        files = write_project(root, arguments.services)
        size = sum(path.stat().st_size for path in files)
        print(
            f"gmac validate bench: {arguments.services} services, {len(files)} files, "
            f"{size / 1024:.0f} KiB; {arguments.repeats} repeats; Python {sys.version.split()[0]}; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
        gmac_validate(root, None)  # imports, template catalogue: not what is measured
        baseline(files, "production")
        if arguments.profile:
            profile(root)
            return
        repeats = arguments.repeats
        print("in process:")
        for cached in (False, True):
            with parse_cache(cached):
                gmac_load(root)  # fills the cache for the cached rows
                label = "files from the parse cache" if cached else "every file parsed"
                print(f" {label}:")
                all_envs = timed(lambda: gmac_validate(root, None), repeats)
                print(row("gmac load + validate, all 3 environments", all_envs))
                one_env = timed(lambda: gmac_validate(root, "production"), repeats)
                print(row("gmac load + validate, --env production", one_env))
                load = timed(lambda: gmac_load(root), repeats)
                print(row("  of which: load (the spec files)", load))
        print(
            row(
                "baseline: yaml.safe_load + pydantic, 1 env",
                timed(lambda: baseline(files, "production"), repeats),
            )
        )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  peak RSS of this process: {peak:.0f} MiB")
        print("command line (interpreter start, imports, all environments):")
        print(row("gmac validate, first run (no parse cache)", cli_times(root, repeats, "first")))
        print(row("gmac validate, nothing changed", cli_times(root, repeats, "unchanged")))
        print(row("gmac validate, one file edited", cli_times(root, repeats, "one edited")))
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"  peak RSS of gmac validate: {child:.0f} MiB")


if __name__ == "__main__":
    main()
