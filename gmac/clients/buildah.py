"""buildah, daemonless: builds and pushes images where gmac runs, with no Docker daemon.

Every call is `buildah --root R/storage --runroot R/run --storage-driver vfs ...` with `R`
under `~/.cache/gmac/buildah` (`GMAC_BUILDAH_STORAGE` moves it), and RUN steps use
`--isolation chroot`: no daemon, no user namespaces, no overlay mounts, so it runs in a CI
runner's container as well as on a laptop. Short image names resolve on Docker Hub, as a
Dockerfile expects (`golang:1.24` is `docker.io/library/golang:1.24`), through a
registries.conf of gmac's own beside the storage; an image already in the storage is used
without pulling. A Dockerfile's cache mounts (`RUN --mount=type=cache`, the templates' module
and compiler caches) are kept in `R/tmp` between builds.

Output is streamed line by line to a callback while the last lines are kept: a failure is
one `ImageBuildError` saying which kind it is (a step, a base image, the registry, the
credentials), with the output's end. Credentials reach buildah only as an auth file
(`--authfile`, mode 0600, in a private temporary folder removed afterwards), never on its
command line or in its environment.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from gmac.errors import ImageBuildError, ToolchainMissingError

STORAGE_VARIABLE = "GMAC_BUILDAH_STORAGE"
INSTALL_HINT = "apt-get install --no-install-recommends buildah (scripts/install-system-packages)"
TAIL_LINES = 12
REGISTRIES_CONF = 'unqualified-search-registries = ["docker.io"]\nshort-name-mode = "permissive"\n'

LineSink = Callable[[str], None]

_STEP_FAILED = re.compile(r'building at STEP "(?P<step>.*)": (?P<why>[^:"]+)$')
_BASE_IMAGE = re.compile(
    r"creating build container: (?:.*?initializing source docker://(?P<image>\S+?): )?"
    r"(?P<why>.+)$"
)
_UNREACHABLE = re.compile(
    r"connection refused|no such host|i/o timeout|network is unreachable|no route to host"
)
_WENT_AWAY = re.compile(r"connection reset|broken pipe|EOF|unexpected end|server closed")
_REFUSED = re.compile(r"unauthorized|authentication required|401 Unauthorized|denied", re.I)


def default_storage() -> Path:
    override = os.environ.get(STORAGE_VARIABLE)
    return Path(override) if override else Path.home() / ".cache" / "gmac" / "buildah"


def find_buildah() -> str | None:
    return shutil.which("buildah")


def is_local_registry(host: str) -> bool:
    """A registry on this machine speaks plain HTTP (Docker's own rule for `localhost`)."""
    name = (
        host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]", maxsplit=1)[0] + "]"
    )
    return name in ("localhost", "127.0.0.1", "[::1]") or name.startswith("127.")


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str = field(repr=False)


@contextmanager
def auth_file(host: str, credentials: Credentials | None) -> Iterator[Path | None]:
    """A containers auth file for `host`, readable by this user only, removed afterwards."""
    if credentials is None or not credentials.password:
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix="gmac-auth-"))
    try:
        path = folder / "auth.json"
        token = base64.b64encode(f"{credentials.username}:{credentials.password}".encode())
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump({"auths": {host: {"auth": token.decode()}}}, handle)
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class BuildSpec:
    """One `buildah bud`: the context, its Dockerfile, the image:tag to name the result."""

    context: Path
    dockerfile: Path
    name: str
    build_args: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    code: int
    tail: tuple[str, ...]


@dataclass(frozen=True)
class Buildah:
    executable: str
    root: Path

    @classmethod
    def found(cls, root: Path | None = None) -> Buildah:
        executable = find_buildah()
        if executable is None:
            raise ToolchainMissingError(f"buildah is not installed: {INSTALL_HINT}")
        return cls(executable, root or default_storage())

    def command(self, *args: str) -> list[str]:
        return [
            self.executable,
            "--root",
            str(self.root / "storage"),
            "--runroot",
            str(self.root / "run"),
            "--storage-driver",
            "vfs",
            *args,
        ]

    def _environment(self) -> dict[str, str]:
        conf = self.root / "registries.conf"
        if not conf.is_file() or conf.read_text() != REGISTRIES_CONF:
            self.root.mkdir(parents=True, exist_ok=True)
            conf.write_text(REGISTRIES_CONF)
        environment = {k: v for k, v in os.environ.items() if k != "REGISTRY_AUTH_FILE"}
        # buildah keeps a Dockerfile's cache mounts (`RUN --mount=type=cache`) under TMPDIR:
        # beside the storage, they are kept between builds and removed with it.
        scratch = self.root / "tmp"
        scratch.mkdir(parents=True, exist_ok=True)
        return {
            **environment,
            "CONTAINERS_REGISTRIES_CONF": str(conf),
            "BUILDAH_ISOLATION": "chroot",
            "TMPDIR": str(scratch),
        }

    def run(self, args: list[str], on_line: LineSink | None = None) -> Outcome:
        """Runs `buildah ARGS`, each line of its output (both streams) to `on_line`."""
        tail: deque[str] = deque(maxlen=TAIL_LINES)
        process = subprocess.Popen(
            self.command(*args),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            env=self._environment(),
        )
        assert process.stdout is not None
        try:
            for raw in process.stdout:
                line = raw.rstrip("\n")
                tail.append(line)
                if on_line is not None:
                    on_line(line)
        except BaseException:
            process.kill()  # interrupted: no build is left running behind gmac
            raise
        finally:
            process.stdout.close()
            process.wait()
        return Outcome(process.returncode, tuple(tail))

    def build(
        self, who: str, spec: BuildSpec, on_line: LineSink | None = None, auth: Path | None = None
    ) -> str:
        """Builds `spec`; the new image's ID."""
        with tempfile.TemporaryDirectory(prefix="gmac-build-") as scratch:
            iidfile = Path(scratch) / "iid"
            args = ["bud", "--isolation", "chroot", "-f", str(spec.dockerfile), "-t", spec.name]
            args += ["--iidfile", str(iidfile)]
            for key, value in sorted(spec.build_args.items()):
                args += ["--build-arg", f"{key}={value}"]
            for key, value in sorted(spec.labels.items()):
                args += ["--label", f"{key}={value}"]
            if auth is not None:
                args += ["--authfile", str(auth)]
            outcome = self.run([*args, str(spec.context)], on_line)
            if outcome.code != 0:
                raise build_failure(who, outcome.tail)
            return iidfile.read_text().strip()

    def push(
        self,
        who: str,
        image: str,
        destination: str,
        on_line: LineSink | None = None,
        auth: Path | None = None,
    ) -> str:
        """Pushes the local `image` to `destination` (`host/path:tag`); the pushed digest."""
        host = destination.split("/", 1)[0]
        with tempfile.TemporaryDirectory(prefix="gmac-push-") as scratch:
            digestfile = Path(scratch) / "digest"
            args = ["push", "--digestfile", str(digestfile)]
            if is_local_registry(host):
                args.append("--tls-verify=false")
            if auth is not None:
                args += ["--authfile", str(auth)]
            outcome = self.run([*args, image, f"docker://{destination}"], on_line)
            if outcome.code != 0:
                raise push_failure(who, host, outcome.tail)
            return digestfile.read_text().strip()

    def remove(self, image: str) -> None:
        """Removes a local image (a pushed build); nothing when it is not there."""
        self.run(["rmi", image])

    def image_label(self, name: str, key: str) -> str | None:
        """The value of label `key` on the local image `name`; None when either is missing."""
        template = "{{index .OCIv1.Config.Labels " + json.dumps(key) + "}}"
        outcome = self.run(["inspect", "--type", "image", "--format", template, name])
        value = outcome.tail[-1].strip() if outcome.code == 0 and outcome.tail else ""
        return None if value in ("", "<no value>") else value


def _last_error(tail: tuple[str, ...]) -> str:
    errors = [line for line in tail if line.startswith(("Error:", "error"))]
    return (errors[-1] if errors else (tail[-1] if tail else "")).removeprefix("Error: ")


def _output(tail: tuple[str, ...]) -> tuple[str, ...]:
    """The build's own last lines, without buildah's repetition of the failure."""
    noise = ("subprocess exited with status", "Error: building at STEP")
    return tuple(line for line in tail if line.strip() and not line.startswith(noise))


def build_failure(who: str, tail: tuple[str, ...]) -> ImageBuildError:
    error = _last_error(tail)
    step = _STEP_FAILED.search(error)
    if step is not None:
        message = f"build step failed: {step['step']} ({step['why']})"
        return ImageBuildError(who, message, cause="step", output=_output(tail))
    base = _BASE_IMAGE.search(error)
    if base is not None:
        image = base["image"] or _first_from(tail)
        why = base["why"]
        return ImageBuildError(
            who, f"base image {image} cannot be pulled: {why}", cause="base-image"
        )
    return ImageBuildError(who, f"buildah failed: {error}", cause="builder", output=_output(tail))


def _first_from(tail: tuple[str, ...]) -> str:
    for line in reversed(tail):
        found = re.search(r"STEP \d+/\d+: FROM (\S+)", line)
        if found:
            return found.group(1)
    return "(unknown)"


def push_failure(who: str, host: str, tail: tuple[str, ...]) -> ImageBuildError:
    error = _last_error(tail)
    reason = error.rsplit(": ", 1)[-1] if ": " in error else error
    if _REFUSED.search(error):
        return ImageBuildError(
            who, f"registry {host} refused the credentials ({reason})", cause="credentials"
        )
    started = any(line.startswith(("Copying blob", "Copying config")) for line in tail)
    if _UNREACHABLE.search(error) and not started:
        return ImageBuildError(who, f"registry {host} is unreachable ({reason})", cause="registry")
    if _WENT_AWAY.search(error) or _UNREACHABLE.search(error):
        return ImageBuildError(
            who, f"registry {host} went away during the push ({reason})", cause="registry"
        )
    return ImageBuildError(who, f"push to {host} failed: {error}", cause="registry")
