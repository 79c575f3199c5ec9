"""The image build provider against a local HTTP server playing the Kubernetes API server
(Jobs, Secrets, Pods; reached through the kubernetes package and a real kubeconfig) and the
registry."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
import yaml

from gmac.errors import IntegrationError
from gmac.providers import ImageBuildProvider
from tests.local_http import LocalServer, Request

COMMIT = "0123456789abcdef0123456789abcdef01234567"
DIGEST = "sha256:" + "ab" * 32
GIT_TOKEN = "gitea-secret-token"
JOBS = "/apis/batch/v1/namespaces/shop/jobs"
JOB = f"gmac-build-api-{COMMIT[:12]}"


class FakeCluster:
    """A Job that runs for `polls` status checks, then succeeds (or fails)."""

    def __init__(self, server: LocalServer, *, polls: int = 2, fail: bool = False) -> None:
        self.job: dict[str, Any] | None = None
        self.polls = polls
        self.fail = fail
        server.route("POST", JOBS, self.create_job)
        server.route("GET", f"{JOBS}/([^/]+)", self.get_job)
        server.route("DELETE", f"{JOBS}/([^/]+)", self.delete_job)
        server.answer("POST", "/api/v1/namespaces/shop/secrets", 201, {"kind": "Secret"})
        server.answer("DELETE", f"/api/v1/namespaces/shop/secrets/{JOB}-git", 200, {})
        server.route("GET", "/api/v1/namespaces/shop/pods", self.pods)
        server.answer(
            "GET", "/api/v1/namespaces/shop/pods/build-pod/log", 200, "error: Dockerfile not found"
        )

    def create_job(self, request: Request, _: Any) -> tuple[int, Any]:
        self.job = request.json()
        return 201, self.job

    def get_job(self, _: Request, match: Any) -> tuple[int, Any]:
        if self.job is None or match[1] != self.job["metadata"]["name"]:
            return 404, {"kind": "Status", "message": "not found"}
        self.polls -= 1
        status = {} if self.polls > 0 else ({"failed": 1} if self.fail else {"succeeded": 1})
        return 200, {**self.job, "status": status}

    def delete_job(self, _: Request, __: Any) -> tuple[int, Any]:
        self.job = None
        return 200, {}

    def pods(self, request: Request, _: Any) -> tuple[int, Any]:
        assert request.query == {"labelSelector": f"job-name={JOB}"}
        terminated = {"exitCode": 1 if self.fail else 0, "message": "" if self.fail else DIGEST}
        status = {
            "name": "buildkit",
            "image": "moby/buildkit:v0.22.0-rootless",
            "imageID": "docker.io/moby/buildkit@sha256:" + "0" * 64,
            "ready": False,
            "restartCount": 0,
            "state": {"terminated": terminated},
        }
        pod = {"metadata": {"name": "build-pod"}, "status": {"containerStatuses": [status]}}
        return 200, {"items": [pod]}


@pytest.fixture
def kubeconfig(server: LocalServer, tmp_path: Path) -> Path:
    path = tmp_path / "kubeconfig"
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "other",
        "clusters": [{"name": "local", "cluster": {"server": server.url}}],
        "users": [{"name": "admin", "user": {"token": "kube-token"}}],
        "contexts": [
            {"name": "prod", "context": {"cluster": "local", "user": "admin"}},
            {"name": "other", "context": {"cluster": "missing", "user": "admin"}},
        ],
    }
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture
def provider() -> ImageBuildProvider:
    built = ImageBuildProvider()
    built.poll_seconds = 0.01
    return built


def _props(kubeconfig: Path, **changes: Any) -> dict[str, Any]:
    return {
        "__provider": "pickled",
        "service": "api",
        "image": "registry.example.com/shop/api",
        "git_url": "https://git.example.com/shop/api.git",
        "commit": COMMIT,
        "git_token": GIT_TOKEN,
        "namespace": "shop",
        "kubeconfig": str(kubeconfig),
        "context": "prod",
        "dockerfile": "build/Dockerfile",
        "registry_secret": "gmac-registry",
        "builder_image": "moby/buildkit:v0.22.0-rootless",
        "timeout": 60,
        **changes,
    }


def test_build_submits_a_job_waits_and_returns_the_digest(
    server: LocalServer, kubeconfig: Path, provider: ImageBuildProvider
) -> None:
    cluster = FakeCluster(server)
    result = provider.create(_props(kubeconfig))

    outs = result.outs or {}
    assert outs["ref"] == f"registry.example.com/shop/api:{COMMIT[:12]}@{DIGEST}"
    assert outs["digest"] == DIGEST
    assert outs["job"] == JOB == f"gmac-build-api-{COMMIT[:12]}"
    assert all(r.headers["authorization"] == "Bearer kube-token" for r in server.requests)

    secret = server.sent("POST", "/api/v1/namespaces/shop/secrets")[0].json()
    assert secret["stringData"] == {"GIT_AUTH_TOKEN": GIT_TOKEN}
    assert len(server.sent("DELETE", f"/api/v1/namespaces/shop/secrets/{JOB}-git")) == 1

    job = server.sent("POST", JOBS)[0]
    assert GIT_TOKEN not in job.body.decode()  # the token only travels in the Secret
    assert cluster.job is not None
    spec = cluster.job["spec"]
    assert spec["backoffLimit"] == 0
    container = spec["template"]["spec"]["containers"][0]
    assert container["image"] == "moby/buildkit:v0.22.0-rootless"
    assert container["securityContext"]["runAsUser"] == 1000
    assert container["securityContext"]["seccompProfile"] == {"type": "Unconfined"}
    script = container["command"][2]
    assert f"context=https://git.example.com/shop/api.git#{COMMIT}" in script
    assert "filename=build/Dockerfile" in script
    assert f"name=registry.example.com/shop/api:{COMMIT[:12]},push=true" in script
    assert "id=GIT_AUTH_TOKEN,env=GIT_AUTH_TOKEN" in script
    assert "/dev/termination-log" in script
    env = {item["name"]: item for item in container["env"]}
    assert env["GIT_AUTH_TOKEN"]["valueFrom"]["secretKeyRef"]["name"] == f"{JOB}-git"
    volumes = {v["name"]: v for v in spec["template"]["spec"]["volumes"]}
    assert volumes["docker-config"]["secret"]["secretName"] == "gmac-registry"
    assert volumes["docker-config"]["secret"]["optional"] is True


def test_spec_values_cannot_break_out_of_the_build_script(
    server: LocalServer, kubeconfig: Path, provider: ImageBuildProvider
) -> None:
    cluster = FakeCluster(server)
    provider.create(_props(kubeconfig, dockerfile="x; rm -rf /"))
    assert cluster.job is not None
    script = cluster.job["spec"]["template"]["spec"]["containers"][0]["command"][2]
    assert "'filename=x; rm -rf /'" in script


def test_a_failed_build_shows_the_end_of_its_log(
    server: LocalServer, kubeconfig: Path, provider: ImageBuildProvider
) -> None:
    FakeCluster(server, fail=True)
    with pytest.raises(IntegrationError) as caught:
        provider.create(_props(kubeconfig))
    message = str(caught.value)
    assert message.startswith(f"image: build of registry.example.com/shop/api at {COMMIT[:12]}")
    assert f"job {JOB} in namespace shop" in message
    assert "error: Dockerfile not found" in message
    assert GIT_TOKEN not in message
    # The git token Secret is removed even when the build fails.
    assert len(server.sent("DELETE", f"/api/v1/namespaces/shop/secrets/{JOB}-git")) == 1


def test_an_earlier_failed_job_is_replaced(
    server: LocalServer, kubeconfig: Path, provider: ImageBuildProvider
) -> None:
    cluster = FakeCluster(server)
    cluster.job = {"metadata": {"name": JOB}}
    cluster.polls = 1  # the first GET sees it failed
    cluster.fail = True
    server.route("DELETE", f"{JOBS}/{JOB}", lambda r, m: _reset(cluster))
    provider.create(_props(kubeconfig))
    assert server.sent("DELETE", f"{JOBS}/{JOB}")[0].query == {"propagationPolicy": "Foreground"}
    assert len(server.sent("POST", JOBS)) == 1


def _reset(cluster: FakeCluster) -> tuple[int, Any]:
    cluster.job, cluster.fail, cluster.polls = None, False, 2
    return 200, {}


def test_a_running_job_for_the_same_commit_is_awaited_not_resubmitted(
    server: LocalServer, kubeconfig: Path, provider: ImageBuildProvider
) -> None:
    cluster = FakeCluster(server, polls=3)
    cluster.job = {"metadata": {"name": JOB}}
    provider.create(_props(kubeconfig))
    assert server.sent("POST", JOBS) == []


def test_no_commit_yet_is_a_clear_error(kubeconfig: Path, provider: ImageBuildProvider) -> None:
    with pytest.raises(IntegrationError, match="no commit on its default branch yet; push one"):
        provider.create(_props(kubeconfig, commit=""))


def test_a_timeout_names_the_job(
    server: LocalServer, kubeconfig: Path, provider: ImageBuildProvider
) -> None:
    FakeCluster(server, polls=10**6)
    with pytest.raises(IntegrationError, match=f"did not finish within 0s \\(job {JOB}"):
        provider.create(_props(kubeconfig, timeout=0))


def test_update_with_the_same_commit_does_not_rebuild(
    server: LocalServer, kubeconfig: Path, provider: ImageBuildProvider
) -> None:
    stored = {**_props(kubeconfig), "ref": "r", "digest": DIGEST, "tag": "t", "job": JOB}
    result = provider.update("id", stored, _props(kubeconfig, git_token="rotated"))
    assert server.requests == []
    assert (result.outs or {})["ref"] == "r"
    assert (result.outs or {})["git_token"] == "rotated"


def test_read_asks_the_registry_for_the_digest(
    server: LocalServer, kubeconfig: Path, provider: ImageBuildProvider
) -> None:
    host = server.url.removeprefix("http://")
    stored = {**_props(kubeconfig, image=f"{host}/shop/api"), "digest": DIGEST, "ref": "r"}
    manifest = f"/v2/shop/api/manifests/{DIGEST}"
    server.answer("HEAD", manifest, 200)
    assert provider.read("id", stored).id == "id"
    assert "manifest" in server.sent("HEAD", manifest)[0].headers["accept"]
    server.answer("HEAD", manifest, 404)
    assert provider.read("id", stored).id is None
    server.answer("HEAD", manifest, 401)  # cannot tell without credentials: keep the state
    kept = provider.read("id", stored)
    assert kept.id == "id"
    assert kept.outs == {k: v for k, v in stored.items() if k != "__provider"}


def test_delete_removes_the_job_only(
    server: LocalServer, kubeconfig: Path, provider: ImageBuildProvider
) -> None:
    server.answer("DELETE", f"{JOBS}/{JOB}", 404, {"kind": "Status"})
    provider.delete("id", {**_props(kubeconfig), "job": JOB})
    request = server.sent("DELETE", f"{JOBS}/{JOB}")[0]
    assert request.query == {"propagationPolicy": "Background"}
    assert len(server.requests) == 1


def test_kubeconfig_problems_are_one_line_errors(
    tmp_path: Path, kubeconfig: Path, provider: ImageBuildProvider
) -> None:
    with pytest.raises(IntegrationError) as caught:
        provider.create(_props(kubeconfig, context="nope"))
    assert str(caught.value) == (
        "kubernetes: the kubeconfig has no context 'nope' (its contexts: prod, other)"
    )
    with pytest.raises(
        IntegrationError, match=r"^kubernetes: cannot use the kubeconfig: .*missing"
    ):
        provider.create(_props(kubeconfig, context=""))  # the current context points nowhere
    with pytest.raises(IntegrationError, match=r"^kubernetes: no kubeconfig file .*absent"):
        provider.create(_props(tmp_path / "absent"))


def test_exec_credential_plugins_are_used(
    server: LocalServer, kubeconfig: Path, tmp_path: Path, provider: ImageBuildProvider
) -> None:
    """As kubectl does (EKS, GKE, OIDC): the plugin's token authenticates every call."""
    plugin = tmp_path / "credential-plugin"
    credential = {
        "apiVersion": "client.authentication.k8s.io/v1",
        "kind": "ExecCredential",
        "status": {"token": "token-from-plugin"},
    }
    plugin.write_text(f"#!/bin/sh\necho '{json.dumps(credential)}'\n")
    plugin.chmod(0o755)
    config = yaml.safe_load(kubeconfig.read_text())
    exec_config = {"apiVersion": "client.authentication.k8s.io/v1", "command": str(plugin)}
    config["users"][0]["user"] = {"exec": exec_config}
    kubeconfig.write_text(yaml.safe_dump(config))
    FakeCluster(server)

    provider.create(_props(kubeconfig))

    assert server.requests
    assert all(r.headers["authorization"] == "Bearer token-from-plugin" for r in server.requests)


def test_cluster_errors_are_one_line_without_credentials(
    server: LocalServer, kubeconfig: Path, provider: ImageBuildProvider
) -> None:
    FakeCluster(server)
    denied = {"kind": "Status", "message": 'jobs.batch is forbidden: User "ci" cannot create'}
    server.answer("POST", JOBS, 403, denied)
    with pytest.raises(IntegrationError) as caught:
        provider.create(_props(kubeconfig))
    assert str(caught.value) == (
        f"kubernetes: POST {JOBS}: permission denied: {denied['message']} (403)"
    )
    assert "kube-token" not in str(caught.value)
    assert GIT_TOKEN not in str(caught.value)
    # The git token Secret is removed when the build cannot even start.
    assert len(server.sent("DELETE", f"/api/v1/namespaces/shop/secrets/{JOB}-git")) == 1


def test_an_unreachable_cluster_is_named(tmp_path: Path, provider: ImageBuildProvider) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    path = tmp_path / "kubeconfig"
    config = {
        "current-context": "prod",
        "clusters": [{"name": "c", "cluster": {"server": f"http://127.0.0.1:{port}"}}],
        "users": [{"name": "u", "user": {"token": "kube-token"}}],
        "contexts": [{"name": "prod", "context": {"cluster": "c", "user": "u"}}],
    }
    path.write_text(yaml.safe_dump(config))
    with pytest.raises(IntegrationError) as caught:
        provider.delete("id", {**_props(path), "job": JOB})
    assert str(caught.value) == (
        f"kubernetes: cannot reach http://127.0.0.1:{port}: NewConnectionError"
    )
