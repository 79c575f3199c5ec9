"""Image builds without a Docker daemon: a rootless BuildKit Job in the cluster.

`create` and `update` submit the Job (`_image_job`), which builds the repository at the
commit and pushes `image:tag`; the provider waits for it and returns `image:tag@sha256:...`.
The same commit and Dockerfile mean the same image: `diff` reports no change, so nothing is
rebuilt. The cluster is reached through `gmac.clients.kubernetes` (the kubeconfig and context
given), the registry through `gmac.clients.registry`.

Credentials: the Gitea token reaches the build as a Kubernetes Secret the provider creates
for the Job and removes afterwards (BuildKit's `GIT_AUTH_TOKEN`). Pushing uses the registry
credentials from the secret store (`registry_username`, `registry_password`) the same way, a
Secret of the Job's own holding a `.dockerconfigjson`; without them, the
`kubernetes.io/dockerconfigjson` Secret named by `registry_secret`, if it exists.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pulumi
from pulumi.dynamic import (
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

from gmac.clients.kubernetes_jobs import NamespaceJobs
from gmac.clients.registry import has_manifest
from gmac.errors import IntegrationError
from gmac.providers._base import Props, compare, outputs, published, secret_options
from gmac.providers._connections import kube_target
from gmac.providers._image_job import (
    CONTAINER,
    DEFAULT_BUILD_TIMEOUT,
    DEFAULT_BUILDER_IMAGE,
    DOCKER_CONFIG_KEY,
    GIT_TOKEN_KEY,
    job_manifest,
    job_name,
)

_LOG_LINES = 20
_GONE_WITHIN = 120  # seconds for an earlier failed Job to be deleted
_MANAGED = {"app.kubernetes.io/managed-by": "gmac"}


def _fail(message: str, hint: str = "") -> IntegrationError:
    return IntegrationError("image", message, hint=hint)


@published
class ImageBuildProvider(ResourceProvider):
    """An image built in the cluster from a repository at a commit (see the module docs)."""

    poll_seconds = 2.0

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # Where and how the build runs (cluster, namespace, builder) does not change the image.
        return compare(
            olds,
            news,
            update=("image", "commit", "dockerfile"),
            credentials=("git_token", "registry_password"),
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
        if digest and has_manifest(p.text("image"), digest) is False:
            return ReadResult(None, {})
        return ReadResult(id_, p.raw)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        """Removes the build Job if it is still there; pushed images stay in the registry."""
        p = Props(props)
        if not p.text("job"):
            return
        with self._cluster(p) as jobs:
            jobs.delete_job(p.text("job"), propagation="Background")

    # The build ------------------------------------------------------------------------------

    @staticmethod
    @contextmanager
    def _cluster(p: Props) -> Iterator[NamespaceJobs]:
        with kube_target(p).client() as api_client:
            yield NamespaceJobs(api_client, p.text("namespace"))

    def _build(self, p: Props) -> dict[str, Any]:
        commit = p.text("commit")
        service = p.text("service")
        if not commit:
            raise _fail(
                f"{service}: the repository has no commit on its default branch yet",
                hint="push one (with a Dockerfile), then apply again",
            )
        tag = commit[:12]
        name = job_name(service, tag)
        git_secret = f"{name}-git" if p.text("git_token") else None
        push_secret = f"{name}-registry" if p.text("registry_password") else None
        with self._cluster(p) as jobs:
            # Left by an interrupted build, they get the current values.
            if git_secret:
                jobs.put_secret(git_secret, {GIT_TOKEN_KEY: p.text("git_token")}, _MANAGED)
            if push_secret:
                jobs.put_secret(push_secret, {DOCKER_CONFIG_KEY: _docker_config(p)}, _MANAGED)
            try:
                self._start(jobs, p, name, tag, git_secret=git_secret, push_secret=push_secret)
                digest = self._wait(jobs, p, name)
            finally:
                for secret in (git_secret, push_secret):
                    if secret:
                        jobs.delete_secret(secret)
        image = p.text("image")
        return outputs(p, ref=f"{image}@{digest}", digest=digest, tag=tag, job=name)

    def _start(
        self,
        jobs: NamespaceJobs,
        p: Props,
        name: str,
        tag: str,
        *,
        git_secret: str | None,
        push_secret: str | None,
    ) -> None:
        """Submits the Job; one left by an earlier failed attempt is removed first."""
        manifest = job_manifest(p, name, tag, git_secret, push_secret)
        existing = jobs.job_state(name)
        if existing is not None:
            if not existing.failed:
                return  # running or done: wait for it instead of building twice
            jobs.delete_job(name, propagation="Foreground")
            self._until_gone(jobs, name)
        jobs.create_job(manifest)

    def _until_gone(self, jobs: NamespaceJobs, name: str) -> None:
        deadline = time.monotonic() + _GONE_WITHIN
        while jobs.job_state(name) is not None:
            if time.monotonic() > deadline:
                raise _fail(f"the earlier build job {name} is not going away")
            time.sleep(self.poll_seconds)

    def _wait(self, jobs: NamespaceJobs, p: Props, name: str) -> str:
        timeout = p.number("timeout", DEFAULT_BUILD_TIMEOUT)
        deadline = time.monotonic() + timeout
        where = f"job {name} in namespace {p.text('namespace')}"
        while True:
            state = jobs.existing_job_state(name)
            if state.succeeded:
                return self._digest(jobs, name)
            if state.failed:
                raise _fail(
                    f"build of {p.text('image')} at {p.text('commit')[:12]} failed ({where})",
                    hint=self._log_tail(jobs, p, name),
                )
            if time.monotonic() > deadline:
                image = p.text("image")
                raise _fail(f"build of {image} did not finish within {timeout}s ({where})")
            time.sleep(self.poll_seconds)

    @staticmethod
    def _digest(jobs: NamespaceJobs, name: str) -> str:
        for pod in jobs.job_pods(name):
            message = pod.messages.get(CONTAINER, "").strip()
            if message.startswith("sha256:"):
                return message
        raise _fail(f"build job {name} succeeded but reported no image digest")

    @staticmethod
    def _log_tail(jobs: NamespaceJobs, p: Props, name: str) -> str:
        for pod in jobs.job_pods(name):
            try:
                log = jobs.pod_log(pod.name, CONTAINER, _LOG_LINES).strip()
            except IntegrationError:
                continue
            if log:
                return "last lines of the build log:\n" + log
        return f"see `kubectl logs job/{name} -n {p.text('namespace')}`"


def _docker_config(p: Props) -> str:
    """A `.dockerconfigjson` for the image's registry, from the secret store's values."""
    host = p.text("image").split("/", 1)[0]
    login = f"{p.text('registry_username')}:{p.text('registry_password')}"
    auth = base64.b64encode(login.encode()).decode()
    return json.dumps({"auths": {host: {"auth": auth}}})


class ImageBuild(Resource, module="image", name="Build"):
    """An image built in the cluster (see `ImageBuildProvider`); `ref` is `image@digest`."""

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
        registry_username: str = "",
        registry_password: pulumi.Input[str] = "",
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
            "registry_username": registry_username,
            "registry_password": registry_password,
            "builder_image": builder_image,
            "timeout": timeout,
            "ref": None,
            "digest": None,
            "tag": None,
            "job": None,
        }
        super().__init__(
            ImageBuildProvider(),
            resource_name,
            props,
            secret_options(opts, "git_token", "registry_password"),
        )
