"""Building the servers from their Go modules into the cache, once.

    ~/.cache/gmac/servers/            ($GMAC_SERVERS_CACHE)
    ├── gitea/v1.26.0/
    │   ├── bin/gitea                 sqlite tags, CGO, no `bindata`
    │   ├── assets/{templates,options,public}   read at run time (STATIC_ROOT_PATH)
    │   └── .complete                 the version, written last
    └── stripe-mock/v0.203.0/
        ├── bin/stripe-mock
        ├── build/                    the wrapper module it is built in
        └── .complete

Both are built through gmac.dev.gobuild. Gitea is built inside its module's own folder in the
Go module cache, so that its go.mod's `replace` directives apply (a wrapper module ignores
them, `go install code.gitea.io/gitea@v1.26.0` refuses them); stripe-mock, which has none,
through a wrapper module that requires it. Gitea 1.27 moved its module path to `gitea.dev`,
whose modules the Go proxy here does not serve; 1.26.0 is the newest release that builds
from the proxy alone.

Without the `bindata` tag Gitea reads its templates, locale options and public files from
`STATIC_ROOT_PATH` at run time, so those three folders are copied next to the binary.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from gmac.dev import gobuild
from gmac.dev.gobuild import Progress
from gmac.errors import BuildError

GITEA_MODULE = "code.gitea.io/gitea"
GITEA_VERSION = "v1.26.0"
GITEA_TAGS = "sqlite sqlite_unlock_notify"
GITEA_ASSETS = ("templates", "options", "public")
STRIPE_MOCK_MODULE = "github.com/stripe/stripe-mock"
STRIPE_MOCK_VERSION = "v0.203.0"
STRIPE_MOCK_GO_VERSION = "1.22.1"  # the `go` line of its own go.mod
# Debian's binaries (`prometheus-alertmanager`, `prometheus-pushgateway` packages), installed
# by scripts/install-system-packages.
ALERTMANAGER_BINARY = "prometheus-alertmanager"
PUSHGATEWAY_BINARY = "prometheus-pushgateway"

CACHE_VARIABLE = "GMAC_SERVERS_CACHE"
DEFAULT_CACHE_ROOT = Path.home() / ".cache" / "gmac" / "servers"
STAMP = ".complete"


def cache_root() -> Path:
    """$GMAC_SERVERS_CACHE, else ~/.cache/gmac/servers; read at each call."""
    override = os.environ.get(CACHE_VARIABLE)
    return Path(override).expanduser() if override else DEFAULT_CACHE_ROOT


@dataclass(frozen=True)
class GiteaBuild:
    binary: Path
    assets: Path  # STATIC_ROOT_PATH: holds templates/, options/ and public/
    version: str


def _gitea_dir(root: Path | None = None) -> Path:
    return (root or cache_root()) / "gitea" / GITEA_VERSION


def _stripe_mock_dir(root: Path | None = None) -> Path:
    return (root or cache_root()) / "stripe-mock" / STRIPE_MOCK_VERSION


def _complete(folder: Path, version: str) -> bool:
    stamp = folder / STAMP
    return stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == version


def find_gitea(root: Path | None = None) -> GiteaBuild | None:
    """The cached Gitea build, or None; never builds."""
    folder = _gitea_dir(root)
    if not _complete(folder, GITEA_VERSION):
        return None
    return GiteaBuild(folder / "bin" / "gitea", folder / "assets", GITEA_VERSION)


def find_stripe_mock(root: Path | None = None) -> Path | None:
    folder = _stripe_mock_dir(root)
    return folder / "bin" / "stripe-mock" if _complete(folder, STRIPE_MOCK_VERSION) else None


def find_alertmanager() -> Path | None:
    found = shutil.which(ALERTMANAGER_BINARY)
    return Path(found) if found else None


def find_pushgateway() -> Path | None:
    found = shutil.which(PUSHGATEWAY_BINARY)
    return Path(found) if found else None


def _stamp(folder: Path, version: str) -> None:
    (folder / STAMP).write_text(version + "\n", encoding="utf-8")


# Builds -------------------------------------------------------------------------------------


def build_gitea(root: Path | None = None, progress: Progress = print) -> GiteaBuild:
    """Gitea from its module, with its run-time assets; reuses a complete cache."""
    found = find_gitea(root)
    if found is not None:
        progress(f"servers: gitea {GITEA_VERSION} already built ({found.binary})")
        return found
    if shutil.which("gcc") is None and shutil.which("cc") is None:
        raise BuildError("building gitea: no C compiler (gcc): sqlite needs CGO")
    folder = _gitea_dir(root)
    binary = folder / "bin" / "gitea"
    source = gobuild.module_dir(GITEA_MODULE, GITEA_VERSION)
    progress(f"servers: building gitea {GITEA_VERSION} (tags: {GITEA_TAGS}; ~20 min cold)")
    start = time.monotonic()
    plain_version = GITEA_VERSION.lstrip("v")
    gobuild.build_in_module(
        f"building gitea {GITEA_VERSION}",
        source,
        binary,
        tags=GITEA_TAGS,
        ldflags=f'-s -w -X "main.Version={plain_version}" -X "main.Tags={GITEA_TAGS}"',
        env=gobuild.go_env(cgo=True),
    )
    gobuild.timed(progress, "servers: gitea built", start)
    assets = folder / "assets"
    for name in GITEA_ASSETS:
        target = assets / name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(source / name, target)
        # The module cache is read-only; the copies need not be.
        for path in (target, *target.rglob("*")):
            path.chmod(0o755 if path.is_dir() else 0o644)
    progress(f"servers: gitea assets copied to {assets}")
    _stamp(folder, GITEA_VERSION)
    return GiteaBuild(binary, assets, GITEA_VERSION)


def build_stripe_mock(root: Path | None = None, progress: Progress = print) -> Path:
    found = find_stripe_mock(root)
    if found is not None:
        progress(f"servers: stripe-mock {STRIPE_MOCK_VERSION} already built ({found})")
        return found
    folder = _stripe_mock_dir(root)
    progress(f"servers: building stripe-mock {STRIPE_MOCK_VERSION}")
    start = time.monotonic()
    build_dir = folder / "build"
    binary = folder / "bin" / "stripe-mock"
    gobuild.wrapper_module(build_dir, "servers/stripe-mock", STRIPE_MOCK_GO_VERSION)
    gobuild.build(
        f"building stripe-mock {STRIPE_MOCK_VERSION}",
        build_dir,
        [STRIPE_MOCK_MODULE],
        [binary],
        require=[f"{STRIPE_MOCK_MODULE}@{STRIPE_MOCK_VERSION}"],
    )
    gobuild.timed(progress, "servers: stripe-mock built", start)
    _stamp(folder, STRIPE_MOCK_VERSION)
    return binary


def install(root: Path | None = None, progress: Progress = print) -> None:
    """Build what is missing; say where the Debian servers are (or how to get them)."""
    # Here, not at the top: _seaweedfs imports this module.
    from gmac.dev.servers._seaweedfs import build_seaweedfs  # noqa: PLC0415
    from gmac.dev.servers._victorialogs import build_victorialogs  # noqa: PLC0415

    build_stripe_mock(root, progress)
    build_gitea(root, progress)
    build_seaweedfs(root, progress)
    build_victorialogs(root, progress)
    for name, found in (
        (ALERTMANAGER_BINARY, find_alertmanager()),
        (PUSHGATEWAY_BINARY, find_pushgateway()),
    ):
        where = str(found) if found else "missing: run scripts/install-system-packages"
        progress(f"servers: {name}: {where}")
