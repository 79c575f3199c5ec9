"""Images on the dev control plane: an apply runs the digest it pushed, an unchanged apply
builds nothing, a source change is a plan that changes the digest and nothing else, a
rollback is a plan like any other (and reuses the image already in the registry). The
cluster builder's Job is accepted by the real API server (a server-side dry run)."""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

import kubernetes
import pytest

from gmac.dev.cluster import ControlPlane
from gmac.dev.servers import RegistryServer
from gmac.providers import read_outcome
from gmac.providers._base import Props
from gmac.providers._image_job import job_manifest, job_name
from tests.images import _project as shared
from tests.images._project import BuildProject, make_project, record

buildah = shared.buildah
bases = shared.bases
registry = shared.registry
_serial = itertools.count(1)


def _project(base: Path, plane: ControlPlane, registry_host: str) -> tuple[BuildProject, str]:
    namespace = f"images-{next(_serial)}-{int(time.time()) % 100000}"
    staging = {
        "kubernetes": {
            "context": plane.context,
            "kubeconfig": str(plane.kubeconfig),
            "namespace": namespace,
        },
        # Live integrations and a cluster: images are built by default. This project has no
        # Gitea, Stripe or Turso to call.
        "integrations": "live",
    }
    project = make_project(base, registry_host, project={"environments": {"staging": staging}})
    init = project.gmac("stack", "init", "--env", "staging")
    assert init.code == 0, init
    return project, namespace


def _image(kube: Any, namespace: str, name: str) -> str:
    deployment = kubernetes.client.AppsV1Api(kube).read_namespaced_deployment(name, namespace)
    return str(deployment.spec.template.spec.containers[0].image)


def _changes(project: BuildProject) -> list[dict[str, Any]]:
    planned = project.gmac("plan", "--env", "staging", "--json")
    assert planned.code in (0, 2), planned
    return [c for c in planned.json()["changes"] if c["op"] != "same"]


def test_apply_runs_the_pushed_digest_and_rebuilds_only_what_changed(
    tmp_path: Path, control_plane: ControlPlane, kube: Any, registry: RegistryServer, bases: None
) -> None:
    project, namespace = _project(tmp_path, control_plane, registry.host)
    code = project.new("probe", "go-api")
    log = project.root / ".gmac/builds/staging/probe.log"

    first = project.gmac("apply", "--env", "staging", "--yes")
    assert first.code == 0, first
    built = read_outcome(log)
    assert built is not None and built.status == "built", built
    assert built.ref == f"{registry.host}/shop/probe@{built.digest}"
    assert _image(kube, namespace, "probe") == built.ref
    record("apply with a first build (dev control plane)", f"{first.seconds:.0f}s")

    stamp = log.stat().st_mtime_ns
    second = project.gmac("apply", "--env", "staging", "--yes")
    assert second.code == 0, second
    assert log.stat().st_mtime_ns == stamp, "an unchanged apply ran a build"
    assert _image(kube, namespace, "probe") == built.ref
    record("unchanged second apply (nothing rebuilt)", f"{second.seconds:.0f}s")
    assert _changes(project) == []

    main = code / "main.go"
    original = main.read_text()
    main.write_text(original + "\n// a change of the source\n")
    changes = _changes(project)
    by_name = {c["name"]: c for c in changes}
    assert set(by_name) == {"probe-build", "probe"}, changes
    # The build's inputs changed (a dynamic resource's diff names no properties).
    assert by_name["probe-build"]["op"] == "update", changes
    deployment = by_name["probe"]
    assert deployment["type"] == "kubernetes:apps/v1:Deployment"
    paths = [p["path"] for p in deployment["properties"]]
    assert deployment["op"] == "update", deployment
    assert paths == ["spec.template.spec.containers[0].image"], deployment

    changed = project.gmac("apply", "--env", "staging", "--yes")
    assert changed.code == 0, changed
    rebuilt = read_outcome(log)
    assert rebuilt is not None and rebuilt.status == "built"
    assert rebuilt.digest != built.digest
    assert _image(kube, namespace, "probe") == rebuilt.ref
    record("apply after a source change (rebuild)", f"{changed.seconds:.0f}s")

    # A rollback: the old source again is the old inputs, whose image the registry holds.
    main.write_text(original)
    assert {c["name"] for c in _changes(project)} == {"probe-build", "probe"}
    back = project.gmac("apply", "--env", "staging", "--yes")
    assert back.code == 0, back
    rolled = read_outcome(log)
    assert rolled is not None and rolled.status == "reused", rolled
    assert rolled.digest == built.digest
    assert _image(kube, namespace, "probe") == built.ref
    record("rollback apply (image found in the registry, not rebuilt)", f"{back.seconds:.0f}s")

    # A pull request that changes the source: its preview builds it, tag pr-5, by digest.
    main.write_text(original + "\n// the pull request's change\n")
    preview = project.gmac("preview", "up", "--pr", "5")
    assert preview.code == 0, preview
    assert "probe: building from the pull request's checkout as tag pr-5" in preview.stderr
    preview_log = project.root / ".gmac/builds/pr-5/probe.log"
    pr_build = read_outcome(preview_log)
    assert pr_build is not None and pr_build.status == "built" and pr_build.tag == "pr-5"
    assert _image(kube, f"{namespace}-pr-5", "probe") == pr_build.ref != built.ref
    assert _image(kube, namespace, "probe") == built.ref  # staging is left as it was
    record("preview up building the pull request's image", f"{preview.seconds:.0f}s")

    # Back to staging's source: the preview reuses staging's image and builds nothing.
    main.write_text(original)
    stamp = preview_log.stat().st_mtime_ns
    again = project.gmac("preview", "up", "--pr", "5")
    assert again.code == 0, again
    assert f"probe: reusing staging's image {built.ref}: its context" in again.stderr
    assert preview_log.stat().st_mtime_ns == stamp, "the preview rebuilt an unchanged image"
    assert _image(kube, f"{namespace}-pr-5", "probe") == built.ref
    down = project.gmac("preview", "down", "--pr", "5")
    assert down.code == 0, down


def test_the_cluster_builders_job_is_accepted_by_the_api_server(kube: Any) -> None:
    namespace = f"image-job-{int(time.time()) % 100000}"
    core = kubernetes.client.CoreV1Api(kube)
    core.create_namespace({"metadata": {"name": namespace}})
    commit = "0123456789abcdef0123456789abcdef01234567"
    p = Props(
        {
            "service": "api",
            "image": "registry.example.com/shop/api",
            "git_url": "https://git.example.com/shop/api.git",
            "commit": commit,
            "git_token": "a-token",
            "dockerfile": "build/Dockerfile",
            "registry_secret": "gmac-registry",
            "builder_image": "moby/buildkit:v0.22.0-rootless",
            "timeout": 1800,
        }
    )
    tag = commit[:12]
    name = job_name("api", tag)
    manifest = job_manifest(p, name, tag, f"{name}-git", f"{name}-registry")
    try:
        accepted = kubernetes.client.BatchV1Api(kube).create_namespaced_job(
            namespace, manifest, dry_run="All"
        )
        container = accepted.spec.template.spec.containers[0]
        assert accepted.metadata.name == name
        assert container.image == "moby/buildkit:v0.22.0-rootless"
        assert container.security_context.run_as_user == 1000
        assert container.security_context.seccomp_profile.type == "Unconfined"
        assert accepted.spec.backoff_limit == 0
        volumes = {v.name: v for v in accepted.spec.template.spec.volumes}
        assert volumes["docker-config"].secret.secret_name == f"{name}-registry"
        # A dry run creates nothing.
        jobs = kubernetes.client.BatchV1Api(kube).list_namespaced_job(namespace)
        assert jobs.items == []
    finally:
        core.delete_namespace(namespace)


@pytest.fixture(autouse=True)
def _cluster_needed(control_plane: ControlPlane) -> None:
    """Every test here runs against the session's control plane."""
