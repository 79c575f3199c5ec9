"""The Jobs client and the kubeconfig it is reached by, through the kubernetes package,
against a local HTTP server playing the API server (the calls, their answers and errors)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from gmac.clients.http import RetryPolicy
from gmac.clients.kubernetes import KubeTarget
from gmac.clients.kubernetes_jobs import JobState, NamespaceJobs, PodSummary
from gmac.errors import IntegrationError
from tests.local_http import LocalServer

JOBS = "/apis/batch/v1/namespaces/shop/jobs"
SECRETS = "/api/v1/namespaces/shop/secrets"
JOB = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "build"}}


def _kubeconfig(folder: Path, server: str, user: dict[str, Any]) -> Path:
    path = folder / "kubeconfig"
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "test",
        "clusters": [{"name": "local", "cluster": {"server": server}}],
        "users": [{"name": "ci", "user": user}],
        "contexts": [{"name": "test", "context": {"cluster": "local", "user": "ci"}}],
    }
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture
def jobs(server: LocalServer, tmp_path: Path) -> Iterator[NamespaceJobs]:
    path = _kubeconfig(tmp_path, server.url, {"token": "kube-token"})
    with KubeTarget(str(path)).client() as api_client:
        yield NamespaceJobs(api_client, "shop", retry=RetryPolicy(attempts=3, base_delay=0.01))


def test_a_left_secret_gets_the_new_values(server: LocalServer, jobs: NamespaceJobs) -> None:
    server.answer("POST", SECRETS, 409, {"kind": "Status", "message": "already exists"})
    server.answer("PUT", f"{SECRETS}/git", 200, {"kind": "Secret"})
    jobs.put_secret("git", {"TOKEN": "t"}, {"app.kubernetes.io/managed-by": "gmac"})
    sent = server.sent("PUT", f"{SECRETS}/git")[0].json()
    assert sent["stringData"] == {"TOKEN": "t"}
    assert sent["metadata"] == {"name": "git", "labels": {"app.kubernetes.io/managed-by": "gmac"}}
    assert server.requests[0].headers["authorization"] == "Bearer kube-token"


def test_job_state_and_a_missing_job(server: LocalServer, jobs: NamespaceJobs) -> None:
    assert jobs.job_state("build") is None
    with pytest.raises(IntegrationError) as caught:
        jobs.existing_job_state("build")
    assert str(caught.value) == f"kubernetes: GET {JOBS}/build: not found (404)"
    server.answer("GET", f"{JOBS}/build", 200, {**JOB, "status": {"failed": 1}})
    assert jobs.job_state("build") == JobState(succeeded=False, failed=True)
    server.answer("GET", f"{JOBS}/build", 200, JOB)
    assert jobs.existing_job_state("build") == JobState(succeeded=False, failed=False)


def test_pods_come_back_with_their_termination_messages(
    server: LocalServer, jobs: NamespaceJobs
) -> None:
    status = {
        "name": "buildkit",
        "image": "moby/buildkit",
        "imageID": "moby/buildkit@sha256:00",
        "ready": False,
        "restartCount": 0,
        "state": {"terminated": {"exitCode": 0, "message": "sha256:ab"}},
    }
    waiting = {**status, "name": "sidecar", "state": {"waiting": {"reason": "PodInitializing"}}}
    pod = {"metadata": {"name": "build-1"}, "status": {"containerStatuses": [status, waiting]}}
    server.answer("GET", "/api/v1/namespaces/shop/pods", 200, {"items": [pod]})
    pods = jobs.job_pods("build")
    assert pods == [PodSummary("build-1", {"buildkit": "sha256:ab", "sidecar": ""})]
    assert server.requests[0].query == {"labelSelector": "job-name=build"}
    server.answer("GET", "/api/v1/namespaces/shop/pods/build-1/log", 200, "line 1\nline 2\n")
    assert jobs.pod_log("build-1", "buildkit", 2) == "line 1\nline 2\n"
    assert server.requests[-1].query == {"container": "buildkit", "tailLines": "2"}


def test_busy_servers_are_asked_again_but_a_create_only_when_safe(
    server: LocalServer, jobs: NamespaceJobs
) -> None:
    answers = [(503, {"kind": "Status", "message": "busy"}), (200, JOB)]
    server.route("GET", f"{JOBS}/build", lambda _r, _m: answers.pop(0))
    assert jobs.job_state("build") == JobState(succeeded=False, failed=False)
    assert len(server.sent("GET", f"{JOBS}/build")) == 2

    server.answer("POST", JOBS, 500, {"kind": "Status", "message": "etcd timeout"})
    with pytest.raises(IntegrationError) as caught:
        jobs.create_job(JOB)
    assert str(caught.value) == f"kubernetes: POST {JOBS}: etcd timeout (500)"
    assert len(server.sent("POST", JOBS)) == 1


def test_answers_the_client_refuses_are_one_line(server: LocalServer, jobs: NamespaceJobs) -> None:
    server.answer("GET", "/api/v1/namespaces/shop/pods", 401, {"kind": "Status"})
    with pytest.raises(IntegrationError, match=r"^kubernetes: token rejected \(401\)$"):
        jobs.job_pods("build")
    broken = {"metadata": {"name": "p"}, "status": {"containerStatuses": [{"name": "x"}]}}
    server.answer("GET", "/api/v1/namespaces/shop/pods", 200, {"items": [broken]})
    with pytest.raises(IntegrationError, match=r"^kubernetes: GET .*/pods: unexpected answer: "):
        jobs.job_pods("build")


def test_relative_paths_are_relative_to_the_kubeconfig(
    server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "token").write_text("token-from-file\n")
    path = _kubeconfig(tmp_path, server.url, {"tokenFile": "token"})
    monkeypatch.chdir("/")
    server.answer("DELETE", f"{SECRETS}/git", 200, {"kind": "Status"})
    with KubeTarget(str(path)).client() as api_client:
        NamespaceJobs(api_client, "shop").delete_secret("git")
    assert server.requests[0].headers["authorization"] == "Bearer token-from-file"


def test_an_empty_kubeconfig_or_context_means_the_default(
    server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _kubeconfig(tmp_path, server.url, {"token": "kube-token"})
    monkeypatch.setenv("KUBECONFIG", str(path))
    with KubeTarget("", "").client() as api_client:
        assert api_client.configuration.host == server.url
