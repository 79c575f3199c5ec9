"""VictoriaLogs, the log store the tests query: built from its Go module, started on 127.0.0.1.

    ~/.cache/gmac/servers/victoria-logs/v1.52.2/
    ├── bin/victoria-logs     `app/victoria-logs` of github.com/VictoriaMetrics/VictoriaLogs
    └── .complete             the version, written last

VictoriaLogs (Apache-2.0) accepts Loki's push API (`POST /insert/loki/api/v1/push`) and
answers LogsQL at `/select/logsql/query`. Its go.mod has no `replace` lines, so it is built
inside its module's own folder in the module cache (`gobuild.build_in_module`), CGO off (its
zstd then is the pure Go one). Loki itself may not be used here (AGPL) and cannot be built.
"""

from __future__ import annotations

import time
from pathlib import Path

from gmac.dev import gobuild
from gmac.dev.gobuild import Progress
from gmac.dev.servers._build import STAMP, cache_root
from gmac.dev.servers._process import LOCALHOST, ServerError, ServerProcess, free_port
from gmac.dev.servers._servers import Server

VICTORIALOGS_MODULE = "github.com/VictoriaMetrics/VictoriaLogs"
VICTORIALOGS_VERSION = "v1.52.2"
VICTORIALOGS_PACKAGE = "app/victoria-logs"


def _folder(root: Path | None = None) -> Path:
    return (root or cache_root()) / "victoria-logs" / VICTORIALOGS_VERSION


def find_victorialogs(root: Path | None = None) -> Path | None:
    """The cached victoria-logs binary, or None; never builds."""
    folder = _folder(root)
    stamp = folder / STAMP
    complete = stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == (
        VICTORIALOGS_VERSION
    )
    return folder / "bin" / "victoria-logs" if complete else None


def build_victorialogs(root: Path | None = None, progress: Progress = print) -> Path:
    """victoria-logs from its module; reuses a complete cache."""
    found = find_victorialogs(root)
    if found is not None:
        progress(f"servers: victoria-logs {VICTORIALOGS_VERSION} already built ({found})")
        return found
    folder = _folder(root)
    binary = folder / "bin" / "victoria-logs"
    progress(f"servers: building victoria-logs {VICTORIALOGS_VERSION} (a few minutes cold)")
    start = time.monotonic()
    source = gobuild.module_dir(VICTORIALOGS_MODULE, VICTORIALOGS_VERSION)
    gobuild.build_in_module(
        f"building victoria-logs {VICTORIALOGS_VERSION}",
        source / VICTORIALOGS_PACKAGE,
        binary,
        ldflags="-s -w -X github.com/VictoriaMetrics/VictoriaMetrics/lib/buildinfo.Version="
        f"victoria-logs-{VICTORIALOGS_VERSION}",
    )
    gobuild.timed(progress, "servers: victoria-logs built", start)
    (folder / STAMP).write_text(VICTORIALOGS_VERSION + "\n", encoding="utf-8")
    return binary


def start_victorialogs(
    home: Path, binary: Path | None = None, *, retention: str = "30d", timeout: float = 60.0
) -> Server:
    """VictoriaLogs on a free port of 127.0.0.1, its data in `home`, `retention` as gmac
    compiles it (`-retentionPeriod`)."""
    binary = binary or find_victorialogs()
    if binary is None:
        raise ServerError("victoria-logs is not installed: run scripts/install-servers")
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://{LOCALHOST}:{port}"
    process = ServerProcess(
        name="victoria-logs",
        argv=[
            str(binary),
            f"-httpListenAddr={LOCALHOST}:{port}",
            f"-storageDataPath={home / 'data'}",
            f"-retentionPeriod={retention}",
            "-loggerLevel=WARN",
        ],
        cwd=home,
        log=home / "victoria-logs.out",
        ready_url=f"{url}/health",
    )
    server = Server("victoria-logs", url, port, home, process)
    server.start(timeout)
    return server
