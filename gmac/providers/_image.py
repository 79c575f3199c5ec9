"""Image builds without a Docker daemon: a rootless BuildKit Job in the cluster.

`create` and `update` submit a Kubernetes Job running `buildctl-daemonless.sh` (BuildKit's
rootless image), which fetches the repository at the commit straight from Gitea (a git
build context), builds the Dockerfile and pushes `image:tag` to the registry. The Job writes
the pushed digest to its termination message; the provider waits for the Job and returns
`image:tag@sha256:...`. The same commit and Dockerfile mean the same image: `diff` reports
no change, so nothing is rebuilt. See docs/image-builds.md for why BuildKit.

Credentials: the Gitea token reaches the build as a Kubernetes Secret the provider creates
for the Job and removes afterwards (BuildKit's `GIT_AUTH_TOKEN`); pushing uses the
`kubernetes.io/dockerconfigjson` Secret named by `registry_secret`, if it exists.
"""

from __future__ import annotations

import re
import shlex
import time
from typing import Any
from urllib.parse import quote

import pulumi
from pulumi.dynamic import (
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

from gmac.clients.http import Api
from gmac.errors import IntegrationError
from gmac.providers._base import Props, compare, outputs, secret_options
from gmac.providers._kube import cluster_api

DEFAULT_BUILDER_IMAGE = "moby/buildkit:v0.22.0-rootless"
DEFAULT_BUILD_TIMEOUT = 1800
CONTAINER = "buildkit"
_LOG_LINES = 20
_MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]
)


def _fail(message: str, hint: str = "") -> IntegrationError:
    return IntegrationError("image", message, hint=hint)


def job_name(service: str, tag: str) -> str:
    """`gmac-build-<service>-<tag>`, cut to a valid object name (63 characters)."""
    stem = re.sub(r"[^a-z0-9-]+", "-", f"gmac-build-{service}".lower())[: 63 - len(tag) - 1]
    return f"{stem.rstrip('-')}-{tag}"


def build_script(p: Props, tag: str) -> str:
    """The shell command of the build container; every value from the spec is quoted."""
    context = f"{p.text('git_url')}#{p.text('commit')}"
    output = f"type=image,name={p.text('image')}:{tag},push=true"
    command = [
        "buildctl-daemonless.sh",
        "build",
        "--frontend",
        "dockerfile.v0",
        "--opt",
        f"context={context}",
        "--opt",
        f"filename={p.text('dockerfile', 'Dockerfile')}",
        "--output",
        output,
        "--metadata-file",
        "/tmp/metadata.json",
    ]
    if p.text("git_token"):
        command += ["--secret", "id=GIT_AUTH_TOKEN,env=GIT_AUTH_TOKEN"]
    digest = (
        'sed -n \'s/.*"containerimage.digest": *"\\(sha256:[0-9a-f]*\\)".*/\\1/p\' '
        "/tmp/metadata.json | head -n 1 > /dev/termination-log"
    )
    return f"set -eu\n{shlex.join(command)}\n{digest}\n"


def job_manifest(p: Props, name: str, tag: str, git_secret: str | None) -> dict[str, Any]:
    labels = {
        "app.kubernetes.io/name": p.text("service"),
        "app.kubernetes.io/component": "image-build",
        "app.kubernetes.io/managed-by": "gmac",
    }
    env: list[dict[str, Any]] = [
        {"name": "BUILDKITD_FLAGS", "value": "--oci-worker-no-process-sandbox"},
        {"name": "DOCKER_CONFIG", "value": "/home/user/.docker"},
    ]
    if git_secret:
        env.append(
            {
                "name": "GIT_AUTH_TOKEN",
                "valueFrom": {"secretKeyRef": {"name": git_secret, "key": "GIT_AUTH_TOKEN"}},
            }
        )
    registry_secret = p.text("registry_secret")
    volumes: list[dict[str, Any]] = [{"name": "buildkitd", "emptyDir": {}}]
    mounts: list[dict[str, Any]] = [
        {"name": "buildkitd", "mountPath": "/home/user/.local/share/buildkit"}
    ]
    if registry_secret:
        volumes.append(
            {
                "name": "docker-config",
                "secret": {
                    "secretName": registry_secret,
                    "optional": True,
                    "items": [{"key": ".dockerconfigjson", "path": "config.json"}],
                },
            }
        )
        mounts.append({"name": "docker-config", "mountPath": "/home/user/.docker"})
    unconfined = {"type": "Unconfined"}
    container = {
        "name": CONTAINER,
        "image": p.text("builder_image", DEFAULT_BUILDER_IMAGE),
        "command": ["sh", "-c", build_script(p, tag)],
        "env": env,
        "securityContext": {
            "runAsUser": 1000,
            "runAsGroup": 1000,
            "seccompProfile": unconfined,
            "appArmorProfile": unconfined,
        },
        "volumeMounts": mounts,
        "terminationMessagePolicy": "File",
    }
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "backoffLimit": 0,
            "activeDeadlineSeconds": p.number("timeout", DEFAULT_BUILD_TIMEOUT),
            "ttlSecondsAfterFinished": 86400,
            "template": {
                "metadata": {
                    "labels": labels,
                    "annotations": {
                        f"container.apparmor.security.beta.kubernetes.io/{CONTAINER}": "unconfined"
                    },
                },
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [container],
                    "volumes": volumes,
                },
            },
        },
    }


def _registry_parts(image: str) -> tuple[str, str]:
    """`registry.example.com/team/api` -> (`registry.example.com`, `team/api`)."""
    host, _, path = image.partition("/")
    if not path or ("." not in host and ":" not in host and host != "localhost"):
        return "registry-1.docker.io", image if path else f"library/{image}"
    return host, path


class ImageBuildProvider(ResourceProvider):
    """An image built in the cluster from a repository at a commit (see the module docs)."""

    poll_seconds = 2.0

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # Where and how the build runs (cluster, namespace, builder) does not change the image.
        return compare(
            olds,
            news,
            update=("image", "commit", "dockerfile"),
            credentials=("git_token",),
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = Props(props)
        return CreateResult(p.text("image"), self._build(p))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        old, new = Props(olds), Props(news)
        unchanged = all(old.text(k) == new.text(k) for k in ("image", "commit", "dockerfile"))
        if unchanged and old.text("ref"):
            kept = {k: old.raw.get(k) for k in ("ref", "digest", "tag", "job")}
            return UpdateResult(outputs(new, **kept))
        return UpdateResult(self._build(new))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Whether the registry still has the digest; when it cannot say, the stored state."""
        p = Props(props)
        digest = p.text("digest")
        if not digest:
            return ReadResult(id_, p.raw)
        host, path = _registry_parts(p.text("image"))
        scheme = "http" if host.startswith(("localhost", "127.0.0.1")) else "https"
        registry = Api("registry", f"{scheme}://{host}", timeout=15.0)
        try:
            answer = registry.send(
                "HEAD", f"/v2/{path}/manifests/{digest}", headers={"Accept": _MANIFEST_TYPES}
            )
        except IntegrationError:
            return ReadResult(id_, p.raw)
        if answer.status_code == 404:
            return ReadResult(None, {})
        return ReadResult(id_, p.raw)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        """Removes the build Job if it is still there; pushed images stay in the registry."""
        p = Props(props)
        if not p.text("job"):
            return
        api = self._cluster(p)
        api.request(
            "DELETE",
            f"{self._jobs(p)}/{quote(p.text('job'), safe='')}",
            params={"propagationPolicy": "Background"},
            allow_missing=True,
        )

    # The build ------------------------------------------------------------------------------

    @staticmethod
    def _cluster(p: Props) -> Api:
        return cluster_api(p.text("kubeconfig"), p.text("context"))

    @staticmethod
    def _jobs(p: Props) -> str:
        return f"/apis/batch/v1/namespaces/{quote(p.text('namespace'), safe='')}/jobs"

    @staticmethod
    def _core(p: Props, kind: str) -> str:
        return f"/api/v1/namespaces/{quote(p.text('namespace'), safe='')}/{kind}"

    def _build(self, p: Props) -> dict[str, Any]:
        commit = p.text("commit")
        service = p.text("service")
        if not commit:
            raise _fail(
                f"{service}: the repository has no commit on its default branch yet",
                hint="push one (with a Dockerfile), then apply again",
            )
        api = self._cluster(p)
        tag = commit[:12]
        name = job_name(service, tag)
        git_secret = f"{name}-git" if p.text("git_token") else None
        if git_secret:
            self._put_secret(api, p, git_secret, name)
        try:
            self._start(api, p, name, tag, git_secret)
            digest = self._wait(api, p, name)
        finally:
            if git_secret:
                api.request(
                    "DELETE",
                    f"{self._core(p, 'secrets')}/{git_secret}",
                    allow_missing=True,
                )
        image = p.text("image")
        return outputs(p, ref=f"{image}:{tag}@{digest}", digest=digest, tag=tag, job=name)

    def _put_secret(self, api: Api, p: Props, secret: str, job: str) -> None:
        body = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": secret, "labels": {"app.kubernetes.io/managed-by": "gmac"}},
            "type": "Opaque",
            "stringData": {"GIT_AUTH_TOKEN": p.text("git_token")},
        }
        answer = api.send("POST", self._core(p, "secrets"), json=body)
        if answer.status_code == 409:  # left by an interrupted build: replace its value
            api.request("PUT", f"{self._core(p, 'secrets')}/{secret}", json=body)
        else:
            api.check("POST", self._core(p, "secrets"), answer)

    def _start(self, api: Api, p: Props, name: str, tag: str, git_secret: str | None) -> None:
        """Submits the Job; one left by an earlier failed attempt is removed first."""
        manifest = job_manifest(p, name, tag, git_secret)
        existing = api.request("GET", f"{self._jobs(p)}/{name}", allow_missing=True)
        if existing is not None:
            if not (existing.get("status") or {}).get("failed"):
                return  # running or done: wait for it instead of building twice
            api.request(
                "DELETE",
                f"{self._jobs(p)}/{name}",
                params={"propagationPolicy": "Foreground"},
                allow_missing=True,
            )
            self._until_gone(api, p, name)
        api.request("POST", self._jobs(p), json=manifest)

    def _until_gone(self, api: Api, p: Props, name: str) -> None:
        deadline = time.monotonic() + 120
        while api.request("GET", f"{self._jobs(p)}/{name}", allow_missing=True) is not None:
            if time.monotonic() > deadline:
                raise _fail(f"the earlier build job {name} is not going away")
            time.sleep(self.poll_seconds)

    def _wait(self, api: Api, p: Props, name: str) -> str:
        timeout = p.number("timeout", DEFAULT_BUILD_TIMEOUT)
        deadline = time.monotonic() + timeout
        while True:
            job = api.request("GET", f"{self._jobs(p)}/{name}")
            status = job.get("status") or {}
            if status.get("succeeded"):
                return self._digest(api, p, name)
            if status.get("failed"):
                raise _fail(
                    f"build of {p.text('image')} at {p.text('commit')[:12]} failed "
                    f"(job {name} in namespace {p.text('namespace')})",
                    hint=self._log_tail(api, p, name),
                )
            if time.monotonic() > deadline:
                raise _fail(
                    f"build of {p.text('image')} did not finish within {timeout}s "
                    f"(job {name} in namespace {p.text('namespace')})"
                )
            time.sleep(self.poll_seconds)

    def _pods(self, api: Api, p: Props, name: str) -> list[dict[str, Any]]:
        answer = api.request(
            "GET", self._core(p, "pods"), params={"labelSelector": f"job-name={name}"}
        )
        return list((answer or {}).get("items") or [])

    def _digest(self, api: Api, p: Props, name: str) -> str:
        for pod in self._pods(api, p, name):
            for status in (pod.get("status") or {}).get("containerStatuses") or []:
                terminated = (status.get("state") or {}).get("terminated") or {}
                message = str(terminated.get("message") or "").strip()
                if status.get("name") == CONTAINER and message.startswith("sha256:"):
                    return message
        raise _fail(f"build job {name} succeeded but reported no image digest")

    def _log_tail(self, api: Api, p: Props, name: str) -> str:
        for pod in self._pods(api, p, name):
            pod_name = quote(str((pod.get("metadata") or {}).get("name", "")), safe="")
            params = {"container": CONTAINER, "tailLines": str(_LOG_LINES)}
            try:
                log = api.request("GET", f"{self._core(p, 'pods')}/{pod_name}/log", params=params)
            except IntegrationError:
                continue
            if isinstance(log, str) and log.strip():
                return "last lines of the build log:\n" + log.strip()
        return f"see `kubectl logs job/{name} -n {p.text('namespace')}`"


class ImageBuild(Resource, module="image", name="Build"):
    """An image built in the cluster (see `ImageBuildProvider`); `ref` is `image:tag@digest`."""

    ref: pulumi.Output[str]
    digest: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        service: str,
        image: str,
        git_url: pulumi.Input[str],
        commit: pulumi.Input[str],
        git_token: pulumi.Input[str],
        namespace: str,
        kubeconfig: str = "",
        context: str = "",
        dockerfile: str = "Dockerfile",
        registry_secret: str = "",
        builder_image: str = DEFAULT_BUILDER_IMAGE,
        timeout: int = DEFAULT_BUILD_TIMEOUT,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "service": service,
            "image": image,
            "git_url": git_url,
            "commit": commit,
            "git_token": git_token,
            "namespace": namespace,
            "kubeconfig": kubeconfig,
            "context": context,
            "dockerfile": dockerfile,
            "registry_secret": registry_secret,
            "builder_image": builder_image,
            "timeout": timeout,
            "ref": None,
            "digest": None,
            "tag": None,
            "job": None,
        }
        super().__init__(
            ImageBuildProvider(), resource_name, props, secret_options(opts, "git_token")
        )
