"""Fixtures for the end-to-end tests: the real `gmac` console script, the real Pulumi engine
and Kubernetes provider, each test in a project of its own under tmp_path.

The `local` environment renders manifests to .gmac/render/local, keeps its state in
.gmac/state (a file backend) and its passphrase in .gmac/passphrase, all under the project:
two tests never share a stack, a lock or a rendered file.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.gmac_process import gmac_command, run_gmac, start_gmac
from tests.gmac_result import Result
from tests.real import require, require_toolchain

REPO = Path(__file__).resolve().parents[2]
ENV = "local"
# gmac's own lock, held for a whole apply (gmac.engine.lock).
GMAC_LOCK = Path(".gmac/state/.gmac-locks/gmac/local.json")
PULUMI_LOCKS = Path(".gmac/state/.pulumi/locks")
STACK_FILE = Path(".gmac/state/.pulumi/stacks/gmac/local.json")
RENDER = Path(".gmac/render/local")
S3_BUCKET = "gmac-state"
# Variables of the developer's shell that would change what a test sees.
_SCRUBBED_PREFIXES = ("GMAC_", "PULUMI_")


@pytest.fixture(scope="session")
def toolchain() -> Any:
    """The Pulumi CLI and Kubernetes provider that `gmac toolchain install` built."""
    return require_toolchain()


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real SeaweedFS (its S3 gateway) on 127.0.0.1 with one bucket for S3 state backends,
    stopped at the end of the session."""
    import boto3

    from gmac.dev.servers import find_seaweedfs, start_seaweedfs

    binary = require(find_seaweedfs(), "SeaweedFS")
    server = start_seaweedfs(tmp_path_factory.mktemp("seaweedfs"), binary)
    try:
        client = boto3.client(
            "s3",
            endpoint_url=server.endpoint,
            aws_access_key_id=server.access_key,
            aws_secret_access_key=server.secret_key,
            region_name=server.region,
        )
        client.create_bucket(Bucket=S3_BUCKET)
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3_backend(seaweedfs: Any) -> str:
    """The Pulumi backend URL of a fresh prefix in the tests' bucket: a state of its own."""
    import uuid

    url: str = seaweedfs.backend_url(S3_BUCKET, f"states-{uuid.uuid4().hex[:12]}")
    return url


def on_host(host: str, argv: list[str]) -> list[str]:
    """`argv` run under a host name of its own (a UTS namespace: needs root), so that two
    processes of one machine present two hosts."""
    return ["unshare", "--uts", "sh", "-c", 'hostname "$0" && exec "$@"', host, *argv]


def gmac_on_host(host: str, *args: str) -> list[str]:
    return on_host(host, gmac_command(*args))


def base_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED_PREFIXES)}
    # The example project lets only gmackie apply (access.users).
    env["GMAC_ACTOR"] = "gmackie"
    # Its registry is the temporary project's: allowed in CI too (gmac.app.recording).
    env["GMAC_EPHEMERAL_REGISTRY"] = "1"
    # Wide enough that a table row is one line: assertions read rows, not folded cells.
    env["COLUMNS"] = "250"
    env.pop("GMAC_TOOLCHAIN_CACHE", None)
    return env


@dataclass
class Project:
    """A copy of specs/ and Pulumi.yaml, and the gmac commands run in it."""

    root: Path
    env: dict[str, str] = field(default_factory=base_environment)
    outputs: list[str] = field(default_factory=list)

    # -- running gmac ------------------------------------------------------------------

    def start(self, *args: str, **popen: Any) -> subprocess.Popen[str]:
        return start_gmac(args, cwd=self.root, env=self.env, **popen)

    def run(
        self, *args: str, timeout: float = 180, extra_env: dict[str, str] | None = None
    ) -> Result:
        env = {**self.env, **(extra_env or {})}
        result = run_gmac(args, cwd=self.root, env=env, timeout=timeout)
        self.record(result.stdout, result.stderr)
        return result

    def record(self, *texts: str) -> None:
        """Everything gmac printed, checked for tracebacks when the test ends."""
        self.outputs.extend(texts)

    def ok(self, *args: str, code: int = 0, **kwargs: Any) -> Result:
        result = self.run(*args, **kwargs)
        assert result.code == code, str(result)
        return result

    def plan(self, *args: str, code: int | None = None) -> Result:
        result = self.run("plan", "--env", ENV, *args)
        assert result.code in (0, 2) if code is None else result.code == code, str(result)
        return result

    def plan_json(self, code: int | None = None) -> dict[str, Any]:
        data: dict[str, Any] = self.plan("--json", code=code).json()
        return data

    def apply(self, *args: str, code: int = 0) -> Result:
        return self.ok("apply", "--env", ENV, "--yes", *args, code=code)

    # -- the project's files -----------------------------------------------------------

    def path(self, relative: str | Path) -> Path:
        return self.root / relative

    def edit(self, relative: str, old: str, new: str) -> None:
        """Replace the one occurrence of `old`: an edit that changes nothing proves nothing."""
        path = self.path(relative)
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {relative}"
        path.write_text(text.replace(old, new), encoding="utf-8")

    def write_service(self, name: str, **fields: Any) -> None:
        spec = {
            "apiVersion": "gmac.io/v1",
            "kind": "Service",
            "name": name,
            "image": {"build": False, "ref": "nginx:1.27"},
            "port": 8080,
            "replicas": 2,
            "env": {"GREETING": "hello"},
            **fields,
        }
        path = self.path(f"specs/services/{name}.yaml")
        path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")

    # -- what the engine left behind ---------------------------------------------------

    def state_resources(self) -> list[dict[str, Any]]:
        """The resources of the stack's checkpoint, read from the file backend."""
        path = self.path(STACK_FILE)
        if not path.exists():
            return []
        latest = json.loads(path.read_text(encoding="utf-8"))["checkpoint"].get("latest") or {}
        return list(latest.get("resources") or [])

    def pending_operations(self) -> list[Any]:
        path = self.path(STACK_FILE)
        latest = json.loads(path.read_text(encoding="utf-8"))["checkpoint"].get("latest") or {}
        return list(latest.get("pending_operations") or [])

    def kubernetes_in_state(self) -> set[tuple[str, str]]:
        """(kind, name) of every Kubernetes object the state holds."""
        found = set()
        for resource in self.state_resources():
            if resource["type"].startswith("kubernetes:"):
                outputs = resource.get("outputs", {})
                found.add((outputs["kind"], outputs["metadata"]["name"]))
        return found

    def rendered(self) -> dict[tuple[str, str], dict[str, Any]]:
        """Every rendered manifest by (kind, name)."""
        manifests: dict[tuple[str, str], dict[str, Any]] = {}
        for path in sorted(self.path(RENDER).rglob("*.yaml")):
            for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
                if doc:
                    key = (doc["kind"], doc["metadata"]["name"])
                    assert key not in manifests, f"{key} rendered twice"
                    manifests[key] = doc
        return manifests

    def files_under(self, relative: str) -> list[Path]:
        return [p for p in self.path(relative).rglob("*") if p.is_file()]


def copy_project(destination: Path) -> Path:
    destination.mkdir(parents=True)
    shutil.copytree(REPO / "specs", destination / "specs")
    shutil.copy2(REPO / "Pulumi.yaml", destination / "Pulumi.yaml")
    return destination


@pytest.fixture
def project(tmp_path: Path, toolchain: Any) -> Iterator[Project]:
    proj = Project(copy_project(tmp_path / "project"))
    yield proj
    for text in proj.outputs:
        assert "Traceback" not in text, text


def base64_of(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def wait_for(
    predicate: Any, timeout: float, what: str, proc: subprocess.Popen[str] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"gmac ended (exit {proc.returncode}) before {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


def children_of(pid: int) -> list[int]:
    """Processes whose parent is `pid` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def descendants(pid: int) -> list[int]:
    found = []
    for child in children_of(pid):
        found += [child, *descendants(child)]
    return found


def kill_tree(pid: int) -> list[int]:
    """SIGKILL a process and every process under it (found first, then all killed)."""
    victims = [pid, *descendants(pid)]
    for victim in victims:
        with contextlib.suppress(ProcessLookupError):
            os.kill(victim, signal.SIGKILL)
    return victims
