"""The rendered Next.js app installs from its lockfile, passes its own strict type check, and
(slow) builds to a standalone server that answers on /api/health and /api/metrics.

npm's own cache (~/.npm) makes a second install take seconds; timings are printed at the end.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from gmac.app.scaffold import NewService, create_service, default_answer, read_project
from gmac.load.templates import catalogue

from .conftest import EXAMPLE_SPECS, free_port, get, require_tool, run, serving

NODE_ENV = {"NEXT_TELEMETRY_DISABLED": "1", "npm_config_update_notifier": "false"}


@pytest.fixture(scope="module")
def nextjs_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A project with a new nextjs-web service, its dependencies installed (`npm ci`)."""
    npm = require_tool("npm")
    require_tool("node")
    root = tmp_path_factory.mktemp("nextjs")
    shutil.copytree(EXAMPLE_SPECS, root / "specs")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        info = catalogue()["nextjs-web"]
        answers = {q.field: default_answer(q, info, "storefront") for q in info.questions}
        state = read_project(Path("specs"))
        code = create_service(state, NewService("storefront", info, answers)).code_dir
    run(
        [npm, "ci", "--prefer-offline", "--no-audit", "--no-fund"],
        code,
        label="npm ci (nextjs-web)",
        env=NODE_ENV,
    )
    yield code


@pytest.mark.slow
def test_nextjs_app_type_checks(nextjs_app: Path) -> None:
    npx = require_tool("npx")
    run([npx, "--no-install", "tsc", "--noEmit"], nextjs_app, label="tsc --noEmit (nextjs-web)")


@pytest.mark.slow
def test_nextjs_app_builds_and_serves_health_and_metrics(nextjs_app: Path) -> None:
    if os.environ.get("GMAC_SKIP_NEXT_BUILD") == "1":
        pytest.skip("GMAC_SKIP_NEXT_BUILD=1: the Next.js build is left out")
    npm, node = require_tool("npm"), require_tool("node")
    run([npm, "run", "build"], nextjs_app, label="next build (nextjs-web)", env=NODE_ENV)
    server = nextjs_app / ".next" / "standalone" / "server.js"
    assert server.is_file(), 'output: "standalone" writes a self-contained server'
    port = free_port()
    env = {**NODE_ENV, "PORT": str(port), "HOSTNAME": "127.0.0.1"}
    health = f"http://127.0.0.1:{port}/api/health"
    with serving([node, str(server)], server.parent, health, env):
        status, body = get(health)
        assert status == 200
        assert '"status":"ok"' in body
        status, metrics = get(f"http://127.0.0.1:{port}/api/metrics")
        assert status == 200
        assert 'http_requests_total{route="/api/health",code="200",service="storefront"}' in metrics
        assert "process_cpu_user_seconds_total" in metrics
