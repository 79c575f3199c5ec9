"""The templates rendered by `gmac new`, built by `gmac build` with buildah from their
Dockerfiles unchanged, pushed to a real registry, read back, unpacked and started."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from gmac.clients.buildah import Buildah
from gmac.clients.registry import Registry
from gmac.dev.servers import RegistryServer
from gmac.providers import INPUTS_LABEL
from gmac.render.build import size_text
from tests.gmac_result import Result

from ._project import BuildProject, Unpacked, make_project, record, unpack
from ._serve import free_port, get, in_rootfs, serving

REPO = Path(__file__).resolve().parents[2]
NONROOT = 65532


def _built(result: Result) -> dict[str, object]:
    assert result.code == 0, result
    data: dict[str, object] = result.json()
    assert data["status"] == "built", data
    return data


def _read_back(registry: RegistryServer, path: str, digest: str) -> dict[str, object]:
    """The manifest and config the registry holds for `digest`: what was pushed."""
    client = Registry(registry.host)
    manifest = client.manifest(path, digest)
    assert manifest is not None, f"{path}@{digest} is not in the registry"
    assert manifest.digest == digest
    assert manifest.media_type.endswith(("oci.image.manifest.v1+json", "manifest.v2+json"))
    return client.config(path, manifest)


def _go_build_caches() -> list[Path]:
    """The Go build caches the templates' cache mounts left beside buildah's storage (Go
    writes a README into each)."""
    kept = Buildah.found().root / "tmp"
    readmes = kept.glob("buildah-cache*/**/README") if kept.is_dir() else []
    return [r.parent for r in readmes if "Go build system" in r.read_text(errors="replace")]


def _check_go_image(unpacked: Unpacked, config: dict[str, object], name: str) -> Path:
    settings = config["config"]
    assert isinstance(settings, dict)
    assert settings["User"] == f"{NONROOT}:{NONROOT}"
    assert settings["Entrypoint"] == [f"/{name}"]
    assert unpacked.config["process"]["user"] == {"uid": NONROOT, "gid": NONROOT}
    passwd = (unpacked.rootfs / "etc/passwd").read_text()
    assert f"nonroot:x:{NONROOT}:{NONROOT}:" in passwd
    binary = unpacked.rootfs / name
    assert binary.is_file()
    assert not (unpacked.rootfs / "bin/sh").exists(), "distroless: no shell"
    return binary


def test_done_when_new_go_api_then_gmac_build_pushes_to_the_projects_registry(
    tmp_path: Path, registry: RegistryServer, bases: None
) -> None:
    """`gmac new service probe -t go-api --yes && gmac build probe --env staging` in the
    example project, its registry pointed at the local one."""
    project = make_project(tmp_path, registry.host)
    shutil.rmtree(project.specs)
    shutil.copytree(REPO / "specs", project.specs, ignore=shutil.ignore_patterns("secrets"))
    project_file = project.specs / "project.yaml"
    document = yaml.safe_load(project_file.read_text())
    document["images"]["registry"] = f"{registry.host}/gmac"
    document["environments"]["staging"].update(
        kubernetes={"render_to": ".gmac/render/staging"},
        integrations="offline",
        build_images=True,
    )
    project_file.write_text(yaml.safe_dump(document, sort_keys=False))
    project.env_vars["GMAC_ACTOR"] = "gmackie"

    made = project.gmac("new", "service", "probe", "-t", "go-api", "--yes")
    assert made.code == 0, made
    caches = "compiler cache warm" if _go_build_caches() else "compiler cache empty"
    cold = project.build("probe", "--json")
    data = _built(cold)
    digest = str(data["digest"])
    assert data["ref"] == f"{registry.host}/gmac/probe@{digest}"
    record(f"go-api: first build and push (gmac build, {caches})", f"{cold.seconds:.0f}s")
    # The Dockerfile's cache mounts are kept beside buildah's storage, out of the image.
    assert _go_build_caches(), "no Go build cache was kept beside the storage"
    record("go-api: image size (compressed, as pushed)", size_text(int(str(data["size"]))))
    assert "STEP" in cold.stderr and "pushing" in cold.stderr  # streamed, a line per stage

    config = _read_back(registry, "gmac/probe", digest)
    labels = config["config"]["Labels"]  # type: ignore[index]
    assert labels[INPUTS_LABEL].startswith("sha256:")
    unpacked = unpack(str(data["ref"]), tmp_path / "unpacked")
    binary = _check_go_image(unpacked, config, "probe")

    port, metrics_port = free_port(), free_port()
    env = {"PORT": str(port), "METRICS_PORT": str(metrics_port)}
    health = f"http://127.0.0.1:{port}/healthz"
    command = in_rootfs(unpacked.rootfs, f"{NONROOT}:{NONROOT}", [f"/{binary.name}"])
    with serving(command, health, env):
        status, body = get(health)
        assert (status, '"status":"ok"' in body) == (200, True)
        status, metrics = get(f"http://127.0.0.1:{metrics_port}/metrics")
        assert status == 200
        assert 'http_requests_total{code="200",method="get",service="probe"}' in metrics
        assert "http_request_duration_seconds_bucket" in metrics

    warm = project.build("probe", "--json")
    assert warm.code == 0, warm
    assert warm.json()["status"] == "unchanged"
    assert warm.json()["digest"] == digest
    assert "Copying blob" not in warm.stderr  # nothing built, nothing pushed
    record("go-api: unchanged, second gmac build (nothing rebuilt)", f"{warm.seconds:.0f}s")

    main = project.root / "services/probe/main.go"
    main.write_text(main.read_text() + "\n// a change of the source\n")
    rebuilt = project.build("probe", "--json")
    assert _built(rebuilt)["digest"] != digest
    record("go-api: rebuild after a source change (caches warm)", f"{rebuilt.seconds:.0f}s")


def test_worker_image_runs_its_jobs_and_serves_metrics(
    tmp_path: Path, project: BuildProject, registry: RegistryServer
) -> None:
    project.new("mailer", "worker")
    result = project.build("mailer", "--json")
    data = _built(result)
    record("worker: first build and push", f"{result.seconds:.0f}s")
    record("worker: image size", size_text(int(str(data["size"]))))
    config = _read_back(registry, "shop/mailer", str(data["digest"]))
    unpacked = unpack(str(data["ref"]), tmp_path / "unpacked")
    binary = _check_go_image(unpacked, config, "mailer")

    port = free_port()
    env = {"METRICS_PORT": str(port), "INTERVAL": "100ms"}
    ready = f"http://127.0.0.1:{port}/healthz"
    command = in_rootfs(unpacked.rootfs, f"{NONROOT}:{NONROOT}", [f"/{binary.name}"])
    with serving(command, ready, env):
        status, metrics = get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200
        assert 'worker_jobs_total{result="ok",service="mailer"}' in metrics
        assert "worker_last_success_timestamp_seconds" in metrics


def test_nextjs_web_image_serves_health_and_metrics_as_user_1000(
    tmp_path: Path, project: BuildProject, registry: RegistryServer
) -> None:
    project.new("web", "nextjs-web")
    result = project.build("web", "--json")
    data = _built(result)
    record("nextjs-web: first build and push", f"{result.seconds:.0f}s")
    record("nextjs-web: image size", size_text(int(str(data["size"]))))
    config = _read_back(registry, "shop/web", str(data["digest"]))
    settings = config["config"]
    assert isinstance(settings, dict)
    assert settings["User"] == "1000:1000"
    assert settings["Cmd"] == ["node", "server.js"]
    unpacked = unpack(str(data["ref"]), tmp_path / "unpacked")
    assert unpacked.config["process"]["user"] == {"uid": 1000, "gid": 1000}
    assert (unpacked.rootfs / "app/server.js").is_file()
    assert (unpacked.rootfs / "app/.next/static").is_dir()
    assert (unpacked.rootfs / "app/node_modules/next").is_dir()  # the standalone server's
    assert not (unpacked.rootfs / "app/app").exists(), "the standalone output, not the sources"

    port = free_port()
    env = {"PORT": str(port), "HOSTNAME": "127.0.0.1", "NODE_ENV": "production"}
    command = in_rootfs(unpacked.rootfs, "1000:1000", ["node", "server.js"], workdir="/app")
    health = f"http://127.0.0.1:{port}/api/health"
    with serving(command, health, env, timeout=120):
        status, body = get(health)
        assert status == 200
        assert '"status":"ok"' in body
        status, metrics = get(f"http://127.0.0.1:{port}/api/metrics")
        assert status == 200
        assert 'http_requests_total{route="/api/health",code="200",service="web"}' in metrics
        assert "process_cpu_user_seconds_total" in metrics
