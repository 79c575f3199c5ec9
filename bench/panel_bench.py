"""The panel's overview against local servers: its server time and its page weight.

    python bench/panel_bench.py                   # 50 services
    python bench/panel_bench.py --services 10 --apply

A project of N services (bench/cluster_bench.py's), its environment on the local control
plane (`gmac.dev.cluster`, started here) with Debian's Alertmanager as its alert source and
a registry holding a deployment of every service; with --apply they are applied first
(through the real engine), so that every Deployment is read back with its replicas. The
panel (`gmac.web`, served by uvicorn on 127.0.0.1) is signed in with its one-time link;
GET / is timed over 20 requests after 3 warm ones (the first validates the specs, later
ones reuse them until a spec file changes). The page weight is the HTML and the one
stylesheet it loads: the overview loads nothing else.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from cluster_bench import ENV, write_project  # noqa: E402

TOKEN = "bench-once-token-0123456789abcdef"


def _serve(specs: Path, port: int) -> threading.Thread:
    import uvicorn

    from gmac.web import ServeOptions, create_app

    app = create_app(ServeOptions(specs=specs, port=port, once_token=TOKEN))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    thread = threading.Thread(target=uvicorn.Server(config).run, daemon=True)
    thread.start()
    return thread


def _record(specs: Path) -> None:
    from gmac.registry import Registry, now_text
    from gmac.validate import validate_directory

    spec = validate_directory(specs, ENV)[ENV]
    with Registry.open(specs.parent) as registry:
        deployment = registry.add_deployment(
            environment=ENV,
            operation="apply",
            actor="bench",
            started_at=now_text(),
            summary={"create": 10 * len(spec.services)},
            owners={},
            git_commit="",
            outcome="succeeded",
        )
        registry.sync_inventory(spec, deployment)


def measure(count: int, kubeconfig: Path, alertmanager: str, *, apply: bool) -> dict[str, float]:
    from gmac.dev.servers import free_port

    with tempfile.TemporaryDirectory(prefix=f"gmac-panel-bench-{count}-") as folder:
        root = Path(folder)
        write_project(root, count, kubeconfig)
        path = root / "specs" / "project.yaml"
        project = yaml.safe_load(path.read_text())
        project["environments"][ENV]["monitoring"] = {"alertmanager": alertmanager}
        path.write_text(yaml.safe_dump(project, sort_keys=False))
        os.environ.update(
            GMAC_ACTOR="bench",
            GMAC_PASSPHRASE="bench-passphrase",
            GMAC_SECRET_APP_KEY="bench-secret-value",
        )
        if apply:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "gmac",
                    "apply",
                    "--env",
                    ENV,
                    "--yes",
                    "--specs",
                    str(root / "specs"),
                ],
                cwd=root,
                check=True,
                stdout=subprocess.DEVNULL,
            )
        else:
            _record(root / "specs")
        port = free_port()
        _serve(root / "specs", port)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            for _ in range(100):
                try:
                    client.get("/signin")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            client.get(f"/signin/once?token={TOKEN}")
            for _ in range(3):
                page = client.get("/")
            times = []
            for _ in range(20):
                start = time.perf_counter()
                page = client.get("/")
                times.append((time.perf_counter() - start) * 1000)
            assert page.status_code == 200 and page.text.count("data-service=") == count
            css = client.get("/static/panel.css").content
    return {
        "services": count,
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(sorted(times)[int(len(times) * 0.95) - 1], 1),
        "html_kb": round(len(page.content) / 1024, 1),
        "css_kb": round(len(css) / 1024, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--services", type=int, default=50)
    parser.add_argument("--apply", action="store_true", help="apply the services first")
    options = parser.parse_args()

    from gmac.dev import servers
    from gmac.dev.cluster import ControlPlane, find

    binaries = find()
    if binaries is None:
        raise SystemExit("the control plane is not built: run scripts/install-cluster")
    state = Path(tempfile.mkdtemp(prefix="gmac-panel-bench-"))
    plane = ControlPlane(
        state / "plane", binaries, progress=lambda line: print(line, file=sys.stderr)
    )
    plane.start()
    alertmanager = servers.start_alertmanager(state / "alertmanager")
    try:
        row = measure(options.services, plane.kubeconfig, alertmanager.url, apply=options.apply)
    finally:
        alertmanager.stop()
        plane.stop()
        shutil.rmtree(state, ignore_errors=True)
    print(
        f"overview of {row['services']} services: median {row['median_ms']} ms, "
        f"p95 {row['p95_ms']} ms (server time on 127.0.0.1); page {row['html_kb']} KiB HTML "
        f"+ {row['css_kb']} KiB CSS = {row['html_kb'] + row['css_kb']:.1f} KiB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
