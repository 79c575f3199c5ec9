"""A project of its own that builds images to a given registry, and reading back what a
build pushed (skopeo, umoci). Shared by tests/images and tests/cluster/test_images.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from gmac.clients.buildah import Buildah, find_buildah
from gmac.dev import base_images
from gmac.dev.servers import RegistryServer, find_registry, start_registry
from tests.gmac_process import run_gmac
from tests.gmac_result import Result
from tests.real import require, require_toolchain

PACKAGES = "run scripts/install-system-packages"
TIMINGS: dict[str, str] = {}


def record(label: str, value: str) -> None:
    """A build time or an image size, printed at the end of the run (tests/images/conftest)."""
    TIMINGS[label] = value


def require_tool(name: str) -> str:
    # Debian keeps some (debootstrap) in the admin folders, which CI's PATH may leave out.
    admin_path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    return require(shutil.which(name, path=admin_path), name, PACKAGES)


@pytest.fixture(scope="session")
def buildah() -> Buildah:
    require(find_buildah(), "buildah", PACKAGES)
    return Buildah.found()


@pytest.fixture(scope="session")
def bases(buildah: Buildah) -> None:
    """The base images the templates' Dockerfiles name, made once and kept in the storage."""
    if base_images.missing(buildah):
        require_tool("debootstrap")
        # Debian bookworm's nodejs is 18: the Node 20 the node base image copies is this
        # machine's own (base_images.host_node says which version it found).
        require(shutil.which("node"), "Node.js 20", "put a Node.js 20 with npm on PATH")
    started = time.monotonic()
    timings = base_images.ensure(buildah, progress=lambda text: None)
    if timings:
        parts = ", ".join(f"{name} {seconds:.0f}s" for name, seconds in timings.items())
        record("base images (cold)", f"{time.monotonic() - started:.0f}s ({parts})")
    else:
        record("base images", "cached in buildah's storage")


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[RegistryServer]:
    require(find_registry(), "docker-registry", PACKAGES)
    server = start_registry(tmp_path / "registry")
    try:
        yield server
    finally:
        server.stop()


PROJECT: dict[str, Any] = {
    "apiVersion": "gmac.io/v1",
    "kind": "Project",
    "name": "shop",
    "owner": "tester",
    "environments": {
        "staging": {
            "kubernetes": {"render_to": ".gmac/render/staging"},
            "integrations": "offline",
            "build_images": True,
        }
    },
}


@dataclass
class BuildProject:
    """A project of its own whose `staging` builds images and pushes them to `registry`."""

    root: Path
    env_vars: dict[str, str] = field(default_factory=dict)

    @property
    def specs(self) -> Path:
        return self.root / "specs"

    def gmac(self, *args: str, timeout: float = 1500, **env: str) -> Result:
        return run_gmac([*args], cwd=self.root, env={**self.env_vars, **env}, timeout=timeout)

    def new(self, name: str, template: str) -> Path:
        made = self.gmac("new", "service", name, "--template", template, "--yes")
        assert made.code == 0, made
        return self.root / "services" / name

    def build(self, name: str, *args: str, **env: str) -> Result:
        return self.gmac("build", name, "--env", "staging", *args, **env)

    def state(self) -> dict[str, Any]:
        """The staging stack's state file, as the engine wrote it."""
        found = sorted(self.root.glob(".gmac/**/stacks/**/staging.json"))
        if not found:
            return {}
        return dict(json.loads(found[-1].read_text()))

    def state_text(self) -> str:
        return "\n".join(p.read_text() for p in self.root.glob(".gmac/**/stacks/**/*.json"))


def make_project(
    base: Path,
    registry: str,
    *,
    project: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> BuildProject:
    require_toolchain()
    root = base / "project"
    (root / "specs").mkdir(parents=True)
    document = {**PROJECT, **(project or {})}
    document["images"] = {"registry": f"{registry}/shop", **document.get("images", {})}
    (root / "specs" / "project.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    env_vars = {
        **os.environ,
        "GMAC_ACTOR": "tester",
        "GMAC_PASSPHRASE": "image-test-passphrase",
        "GMAC_EPHEMERAL_REGISTRY": "1",
        "COLUMNS": "200",
        "NO_COLOR": "1",
        **(env or {}),
    }
    return BuildProject(root, env_vars)


def built_resources(state: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The image builds the state records."""
    resources = (state.get("checkpoint", {}).get("latest") or {}).get("resources") or []
    return [r for r in resources if str(r.get("urn", "")).endswith("-build")]


def pending_operations(state: Mapping[str, Any]) -> list[Any]:
    return list((state.get("checkpoint", {}).get("latest") or {}).get("pending_operations") or [])


@dataclass
class Unpacked:
    rootfs: Path
    config: dict[str, Any]  # the runtime bundle's config.json (user, args, env)


def unpack(ref: str, into: Path) -> Unpacked:
    """The pushed image, copied out of the registry by skopeo and unpacked by umoci."""
    skopeo, umoci = require_tool("skopeo"), require_tool("umoci")
    into.mkdir(parents=True, exist_ok=True)
    layout = into / "oci"
    _tool([skopeo, "copy", "--src-tls-verify=false", f"docker://{ref}", f"oci:{layout}:image"])
    bundle = into / "bundle"
    _tool([umoci, "unpack", "--image", f"{layout}:image", str(bundle)])
    return Unpacked(bundle / "rootfs", json.loads((bundle / "config.json").read_text()))


def _tool(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
