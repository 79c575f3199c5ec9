"""The image providers. The local builder's for real: buildah builds a small image on the
base the templates use, pushes it to Debian's docker-registry on 127.0.0.1, and the digest
the provider returns is the one the registry holds. The cluster builder's Job, its script
and what the provider does without any cluster, as units; that the real API server accepts
the Job is tests/cluster/test_images.py."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from gmac.clients.build_context import context_digest, file_digest, inputs_digest
from gmac.clients.registry import Registry, has_manifest
from gmac.dev.servers import RegistryServer, find_registry, start_registry
from gmac.errors import ImageBuildError, IntegrationError
from gmac.providers import INPUTS_LABEL, ImageBuildProvider, LocalImageBuildProvider, read_outcome
from gmac.providers._base import Props
from gmac.providers._image_job import build_script, job_manifest, job_name
from tests.images import _project as shared
from tests.images._project import PACKAGES
from tests.real import require

buildah = shared.buildah
bases = shared.bases
registry = shared.registry

COMMIT = "0123456789abcdef0123456789abcdef01234567"
GIT_TOKEN = "gitea-secret-token"
JOB = f"gmac-build-api-{COMMIT[:12]}"
PASSWORD = "pushing-password-77"


# The local builder, for real -------------------------------------------------------------


def _context(folder: Path, text: str = "hello") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Dockerfile").write_text(
        "FROM gcr.io/distroless/static-debian12:nonroot\nCOPY greeting.txt /greeting.txt\n"
    )
    (folder / "greeting.txt").write_text(text)
    return folder


def _local_props(
    context: Path, image: str, log: Path | None = None, **changes: Any
) -> dict[str, Any]:
    dockerfile = context / "Dockerfile"
    inputs = inputs_digest(context_digest(context), file_digest(dockerfile), {})
    return {
        "__provider": "pickled",
        "service": "greeter",
        "image": image,
        "tag": f"ctx-{inputs[7:19]}",
        "context": str(context),
        "dockerfile": str(dockerfile),
        "inputs": inputs,
        "build_args": {},
        "username": "",
        "password": "",
        "credential": "",
        "revision": "",
        "log": str(log or ""),
        **changes,
    }


def test_local_build_pushes_and_returns_the_registrys_digest(
    tmp_path: Path, registry: RegistryServer, bases: None
) -> None:
    provider = LocalImageBuildProvider()
    image = f"{registry.host}/shop/greeter"
    log = tmp_path / "greeter.log"
    props = _local_props(_context(tmp_path / "ctx"), image, log)

    outs = provider.create(props).outs or {}

    digest = outs["digest"]
    assert outs["ref"] == f"{image}@{digest}"
    client = Registry(registry.host)
    manifest = client.manifest("shop/greeter", props["tag"])
    assert manifest is not None and manifest.digest == digest
    assert outs["size"] == manifest.size > 0
    labels = client.labels("shop/greeter", digest)
    assert labels is not None and labels[INPUTS_LABEL] == props["inputs"]
    outcome = read_outcome(log)
    assert outcome is not None and outcome.status == "built" and outcome.digest == digest
    assert "STEP 2/3: COPY greeting.txt /greeting.txt" in log.read_text()
    assert has_manifest(image, digest) is True

    # The same inputs again, without the state (a killed run, `gmac build` before an apply):
    # found in the registry by their label, not rebuilt.
    again = provider.create(props).outs or {}
    assert again["digest"] == digest
    reused = read_outcome(log)
    assert reused is not None and reused.status == "reused"
    assert "buildah" not in log.read_text()

    # Unchanged inputs: the update keeps the digest; new inputs build a new one.
    kept = provider.update("id", {**props, **outs}, props).outs or {}
    assert kept["digest"] == digest
    changed = _local_props(_context(tmp_path / "ctx", "changed"), image, log)
    assert provider.diff("id", {**props, **outs}, changed).changes
    rebuilt = provider.update("id", {**props, **outs}, changed).outs or {}
    assert rebuilt["digest"] != digest

    # read: the registry has it; a digest it does not have means the image is gone.
    assert provider.read("id", {**props, **outs}).id == "id"
    missing = {**props, **outs, "digest": "sha256:" + "0" * 64}
    assert provider.read("id", missing).id is None


def test_local_build_diff_ignores_the_provider_paths_and_the_log(tmp_path: Path) -> None:
    provider = LocalImageBuildProvider()
    old = _local_props(_context(tmp_path / "a"), "r.example.com/shop/greeter")
    moved = {
        **old,
        "__provider": "another pickle",
        "context": "/elsewhere",
        "dockerfile": "/elsewhere/Dockerfile",
        "log": "/tmp/other.log",
        "revision": "abc",
    }
    assert not provider.diff("id", old, moved).changes
    assert provider.diff("id", old, {**old, "password": "new"}).changes  # a new credential
    assert not provider.diff("id", old, {**old, "password": ""}).changes  # none known: kept
    assert provider.diff("id", old, {**old, "tag": "pr-7"}).changes


def test_buildah_refuses_a_push_without_credentials_in_one_line(
    tmp_path: Path, buildah: Any, bases: None
) -> None:
    require(find_registry(), "docker-registry", PACKAGES)
    guarded = start_registry(tmp_path / "guarded", users={"ci": PASSWORD})
    try:
        image = f"{guarded.host}/shop/greeter"
        props = _local_props(_context(tmp_path / "ctx"), image)
        with pytest.raises(ImageBuildError) as refused:
            LocalImageBuildProvider().create(props)
        assert refused.value.cause == "credentials"
        assert str(refused.value) == (
            f"image: greeter: registry {guarded.host} wants credentials (401); "
            "set images.credentials in the project"
        )
        with_password = {**props, "username": "ci", "password": PASSWORD, "credential": "pw"}
        outs = LocalImageBuildProvider().create(with_password).outs or {}
        assert outs["ref"].startswith(f"{image}@sha256:")
        assert has_manifest(image, outs["digest"]) is None  # anonymous: cannot tell
        assert has_manifest(image, outs["digest"], "ci", PASSWORD) is True
    finally:
        guarded.stop()


def test_no_dockerfile_is_a_clear_error(tmp_path: Path) -> None:
    context = _context(tmp_path / "ctx")
    props = _local_props(context, "127.0.0.1:1/shop/greeter")
    (context / "Dockerfile").unlink()
    with pytest.raises(ImageBuildError, match=r"^image: greeter: no Dockerfile at .*Dockerfile"):
        LocalImageBuildProvider().create(props)


# The cluster builder, as units ---------------------------------------------------------------


@pytest.fixture
def kubeconfig(tmp_path: Path) -> Path:
    path = tmp_path / "kubeconfig"
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "other",
        "clusters": [{"name": "local", "cluster": {"server": "http://127.0.0.1:9"}}],
        "users": [{"name": "admin", "user": {"token": "kube-token"}}],
        "contexts": [
            {"name": "prod", "context": {"cluster": "local", "user": "admin"}},
            {"name": "other", "context": {"cluster": "missing", "user": "admin"}},
        ],
    }
    path.write_text(yaml.safe_dump(config))
    return path


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
        "registry_username": "",
        "registry_password": "",
        "builder_image": "moby/buildkit:v0.22.0-rootless",
        "timeout": 60,
        **changes,
    }


def test_the_job_builds_the_commit_and_pushes_with_its_own_secrets(kubeconfig: Path) -> None:
    p = Props(_props(kubeconfig))
    assert job_name("api", COMMIT[:12]) == JOB
    job = job_manifest(p, JOB, COMMIT[:12], f"{JOB}-git", f"{JOB}-registry")
    spec = job["spec"]
    assert spec["backoffLimit"] == 0
    container = spec["template"]["spec"]["containers"][0]
    assert container["image"] == "moby/buildkit:v0.22.0-rootless"
    assert container["securityContext"]["runAsUser"] == 1000
    assert GIT_TOKEN not in str(job)  # the token only travels in the Secret
    script = container["command"][2]
    assert f"context=https://git.example.com/shop/api.git#{COMMIT}" in script
    assert "filename=build/Dockerfile" in script
    assert f"name=registry.example.com/shop/api:{COMMIT[:12]},push=true" in script
    assert "id=GIT_AUTH_TOKEN,env=GIT_AUTH_TOKEN" in script
    env = {item["name"]: item for item in container["env"]}
    assert env["GIT_AUTH_TOKEN"]["valueFrom"]["secretKeyRef"]["name"] == f"{JOB}-git"
    volumes = {v["name"]: v for v in spec["template"]["spec"]["volumes"]}
    assert volumes["docker-config"]["secret"]["secretName"] == f"{JOB}-registry"
    assert volumes["docker-config"]["secret"]["optional"] is False
    # Without credentials from the store: the namespace's own Secret, if it has one.
    fallback = job_manifest(p, JOB, COMMIT[:12], None)
    secret = {v["name"]: v for v in fallback["spec"]["template"]["spec"]["volumes"]}
    assert secret["docker-config"]["secret"] == {
        "secretName": "gmac-registry",
        "optional": True,
        "items": [{"key": ".dockerconfigjson", "path": "config.json"}],
    }


def test_spec_values_cannot_break_out_of_the_build_script(kubeconfig: Path) -> None:
    script = build_script(Props(_props(kubeconfig, dockerfile="x; rm -rf /")), COMMIT[:12])
    assert "'filename=x; rm -rf /'" in script


def test_no_commit_yet_is_a_clear_error(kubeconfig: Path) -> None:
    with pytest.raises(IntegrationError, match="no commit on its default branch yet; push one"):
        ImageBuildProvider().create(_props(kubeconfig, commit=""))


def test_update_with_the_same_commit_does_not_rebuild(kubeconfig: Path) -> None:
    digest = "sha256:" + "ab" * 32
    stored = {**_props(kubeconfig), "ref": "r", "digest": digest, "tag": "t", "job": JOB}
    result = ImageBuildProvider().update("id", stored, _props(kubeconfig, git_token="rotated"))
    assert (result.outs or {})["ref"] == "r"
    assert (result.outs or {})["git_token"] == "rotated"


def test_kubeconfig_problems_are_one_line_errors(tmp_path: Path, kubeconfig: Path) -> None:
    provider = ImageBuildProvider()
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


def test_an_unreachable_cluster_is_named(tmp_path: Path) -> None:
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
        ImageBuildProvider().delete("id", {**_props(path), "job": JOB})
    assert str(caught.value) == (
        f"kubernetes: cannot reach http://127.0.0.1:{port}: NewConnectionError"
    )


@pytest.fixture
def _unused() -> Iterator[None]:
    yield
