"""An OCI registry on 127.0.0.1: Debian's `docker-registry` (Distribution 2.8).

Debian's own configuration (`/etc/docker/registry/config.yml`) wants an htpasswd file and
listens on every address, so `start_registry` writes one of its own: storage in `home`,
deletes allowed, plain HTTP on a free port of 127.0.0.1 (Docker's and buildah's rule for a
registry on this machine). Given `users`, it turns on htpasswd authentication, the file
made by `htpasswd -B` (bcrypt, the only hash Distribution takes; Debian's apache2-utils),
each password on its standard input, never on a command line.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gmac.dev.servers._process import LOCALHOST, ServerError, ServerProcess, free_port
from gmac.dev.servers._servers import Server

REGISTRY_BINARY = "docker-registry"
HTPASSWD_BINARY = "htpasswd"
HOW = "run scripts/install-system-packages"


def find_registry() -> Path | None:
    found = shutil.which(REGISTRY_BINARY)
    return Path(found) if found else None


@dataclass
class RegistryServer(Server):
    """A running registry; `host` is what image names start with (`127.0.0.1:PORT`)."""

    users: Mapping[str, str] | None = None

    @property
    def host(self) -> str:
        return f"{LOCALHOST}:{self.port}"


def _htpasswd(path: Path, users: Mapping[str, str]) -> None:
    tool = shutil.which(HTPASSWD_BINARY)
    if tool is None:
        raise ServerError(f"{HTPASSWD_BINARY} (Debian's apache2-utils) is not installed: {HOW}")
    lines = []
    for user, password in users.items():
        made = subprocess.run(
            [tool, "-iBn", user], input=password, capture_output=True, text=True, check=False
        )
        if made.returncode != 0:
            raise ServerError(f"htpasswd failed for {user}: {made.stderr.strip()}")
        lines.append(made.stdout.strip())
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)


def _config(home: Path, port: int, htpasswd: Path | None) -> str:
    auth = (
        f"auth:\n  htpasswd:\n    realm: gmac-test-registry\n    path: {htpasswd}\n"
        if htpasswd is not None
        else ""
    )
    return (
        "version: 0.1\n"
        "log:\n  level: warn\n  accesslog:\n    disabled: true\n"
        f"storage:\n  filesystem:\n    rootdirectory: {home / 'data'}\n"
        "  delete:\n    enabled: true\n"
        f"http:\n  addr: {LOCALHOST}:{port}\n"
        f"{auth}"
    )


def start_registry(
    home: Path,
    users: Mapping[str, str] | None = None,
    binary: Path | None = None,
    port: int | None = None,
    timeout: float = 60.0,
) -> RegistryServer:
    """`docker-registry serve` on a free port (or `port`) of 127.0.0.1, data in `home`."""
    binary = binary or find_registry()
    if binary is None:
        raise ServerError(f"{REGISTRY_BINARY} is not installed: {HOW}")
    home.mkdir(parents=True, exist_ok=True)
    htpasswd = home / "htpasswd" if users else None
    if htpasswd is not None and users:
        _htpasswd(htpasswd, users)
    port = port or free_port()
    config = home / "config.yml"
    config.write_text(_config(home, port, htpasswd), encoding="utf-8")
    headers = {}
    if users:
        user, password = next(iter(users.items()))
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        headers = {"Authorization": f"Basic {token}"}
    url = f"http://{LOCALHOST}:{port}"
    process = ServerProcess(
        name="docker-registry",
        argv=[str(binary), "serve", str(config)],
        cwd=home,
        log=home / "registry.out",
        ready_url=f"{url}/v2/",
        ready_headers=headers,
    )
    server = RegistryServer("docker-registry", url, port, home, process, users)
    server.start(timeout)
    return server
