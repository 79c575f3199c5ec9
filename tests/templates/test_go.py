"""The rendered Go API and worker build with `go build`, start, and answer on their health and
metrics endpoints. The go.sum of each template pins its modules; the module cache (or the Go
module proxy) supplies them."""

from __future__ import annotations

from pathlib import Path

import pytest

from gmac.app.scaffold import NewService, create_service, default_answer, read_project
from gmac.load.templates import catalogue

from .conftest import GO_FALLBACKS, free_port, get, require_tool, run, serving

# No network fetches beyond the module proxy, and a read-only go.mod: the pins must suffice.
GO_ENV = {"GOFLAGS": "-mod=readonly -buildvcs=false", "CGO_ENABLED": "0"}


def _render(template: str, name: str) -> Path:
    info = catalogue()[template]
    answers = {q.field: default_answer(q, info, name) for q in info.questions}
    return create_service(read_project(Path("specs")), NewService(name, info, answers)).code_dir


def _build(code: Path, label: str) -> Path:
    go = require_tool("go", *GO_FALLBACKS)
    run([go, "vet", "./..."], code, env=GO_ENV)
    run([go, "build", "-o", "server", "."], code, label=f"go build ({label})", env=GO_ENV)
    run([go, "test", "./..."], code, env=GO_ENV)
    return code / "server"


@pytest.mark.usefixtures("project")
def test_go_api_builds_serves_health_and_metrics() -> None:
    binary = _build(_render("go-api", "orders"), "go-api")
    port, metrics_port = free_port(), free_port()
    env = {"PORT": str(port), "METRICS_PORT": str(metrics_port)}
    with serving([str(binary)], binary.parent, f"http://127.0.0.1:{port}/healthz", env):
        status, body = get(f"http://127.0.0.1:{port}/healthz")
        assert (status, '"status":"ok"' in body) == (200, True)
        assert get(f"http://127.0.0.1:{port}/")[0] == 200
        status, metrics = get(f"http://127.0.0.1:{metrics_port}/metrics")
        assert status == 200
        # The request metrics the example alerts use, counted for the calls above.
        assert 'http_requests_total{code="200",method="get",service="orders"}' in metrics
        assert "http_request_duration_seconds_bucket" in metrics
        assert "go_goroutines" in metrics
        assert get(f"http://127.0.0.1:{port}/metrics")[0] == 404, "metrics on their own port"


@pytest.mark.usefixtures("project")
def test_go_api_serves_metrics_on_the_api_port_when_they_share_it() -> None:
    binary = _build(_render("go-api", "shared"), "go-api, shared port")
    port = free_port()
    env = {"PORT": str(port), "METRICS_PORT": str(port)}
    with serving([str(binary)], binary.parent, f"http://127.0.0.1:{port}/healthz", env):
        status, metrics = get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200
        assert "http_requests_total" in metrics


@pytest.mark.usefixtures("project")
def test_worker_builds_runs_jobs_and_serves_metrics() -> None:
    binary = _build(_render("worker", "mailer"), "worker")
    port = free_port()
    env = {"METRICS_PORT": str(port), "INTERVAL": "100ms"}
    with serving([str(binary)], binary.parent, f"http://127.0.0.1:{port}/healthz", env):
        status, metrics = get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200
        assert 'worker_jobs_total{result="ok",service="mailer"}' in metrics
        assert "worker_last_success_timestamp_seconds" in metrics
        assert get(f"http://127.0.0.1:{port}/healthz") == (200, "ok\n")
