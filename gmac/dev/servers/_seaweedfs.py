"""SeaweedFS, the S3-compatible state backend of the tests: built from its Go module, started on
127.0.0.1 with its S3 gateway.

    ~/.cache/gmac/servers/seaweedfs/v0.0.0-20261109003541-7506e5f91cd6/
    ├── bin/weed              `weed` of github.com/seaweedfs/seaweedfs, CGO off
    └── .complete             the version, written last

SeaweedFS is Apache-2.0 (MinIO, AGPL, may not be used). The proxy serves it only as a
pseudo-version; its go.mod has one `replace` line of its own, so it is built inside its
module's folder in the module cache (`gobuild.build_in_module`), where that line applies.

`start_seaweedfs(home)` runs `weed server` with a master, a volume server, a filer and the S3
gateway, each on a free port of 127.0.0.1 (the Iceberg and Lance listeners off), its data in
`home`, and one S3 identity with an access key for the tests. Its S3 gateway honours
conditional writes (`If-None-Match: *`, `If-Match`), which gmac's stack lock relies on, under
a lock of the filer's: the server is ready once its filer joined that lock ring.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from gmac.dev import gobuild
from gmac.dev.gobuild import Progress
from gmac.dev.servers._build import STAMP, cache_root
from gmac.dev.servers._process import LOCALHOST, ServerError, ServerProcess, free_port
from gmac.dev.servers._servers import Server

SEAWEEDFS_MODULE = "github.com/seaweedfs/seaweedfs"
SEAWEEDFS_VERSION = "v0.0.0-20261109003541-7506e5f91cd6"
SEAWEEDFS_PACKAGE = "weed"
SEAWEEDFS_COMMIT = SEAWEEDFS_VERSION.rsplit("-", 1)[-1]
SEAWEEDFS_ACCESS_KEY = "gmac-tests"
SEAWEEDFS_SECRET_KEY = "gmac-tests-secret"
SEAWEEDFS_REGION = "us-east-1"
RING_JOINED = "LockRing: applying master ring update"


def _folder(root: Path | None = None) -> Path:
    return (root or cache_root()) / "seaweedfs" / SEAWEEDFS_VERSION


def find_seaweedfs(root: Path | None = None) -> Path | None:
    """The cached `weed` binary, or None; never builds."""
    folder = _folder(root)
    stamp = folder / STAMP
    complete = stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == SEAWEEDFS_VERSION
    return folder / "bin" / "weed" if complete else None


def build_seaweedfs(root: Path | None = None, progress: Progress = print) -> Path:
    """`weed` from its module; reuses a complete cache."""
    found = find_seaweedfs(root)
    if found is not None:
        progress(f"servers: seaweedfs {SEAWEEDFS_VERSION} already built ({found})")
        return found
    folder = _folder(root)
    binary = folder / "bin" / "weed"
    progress(f"servers: building seaweedfs {SEAWEEDFS_VERSION} (~10 min cold on two cores)")
    start = time.monotonic()
    source = gobuild.module_dir(SEAWEEDFS_MODULE, SEAWEEDFS_VERSION)
    gobuild.build_in_module(
        f"building seaweedfs {SEAWEEDFS_VERSION}",
        source / SEAWEEDFS_PACKAGE,
        binary,
        ldflags="-s -w -X github.com/seaweedfs/seaweedfs/weed/util/version.COMMIT="
        + SEAWEEDFS_COMMIT,
    )
    gobuild.timed(progress, "servers: seaweedfs built", start)
    (folder / STAMP).write_text(SEAWEEDFS_VERSION + "\n", encoding="utf-8")
    return binary


@dataclass
class SeaweedFS:
    """A started SeaweedFS: its S3 endpoint and the test identity's key."""

    server: Server
    s3_port: int
    access_key: str = SEAWEEDFS_ACCESS_KEY
    secret_key: str = SEAWEEDFS_SECRET_KEY
    region: str = SEAWEEDFS_REGION

    @property
    def endpoint(self) -> str:
        return f"http://{LOCALHOST}:{self.s3_port}"

    def backend_url(self, bucket: str, prefix: str = "") -> str:
        """A Pulumi S3 backend URL for `bucket` on this server (the form Pulumi's docs give
        for S3-compatible stores; Pulumi 3.274 turns `disableSSL` into its v2 options)."""
        path = f"/{prefix.strip('/')}" if prefix.strip("/") else ""
        return (
            f"s3://{bucket}{path}?endpoint={LOCALHOST}:{self.s3_port}"
            f"&s3ForcePathStyle=true&disableSSL=true&region={self.region}"
        )

    def credentials(self) -> dict[str, str]:
        """The environment variables that carry the key (for Pulumi and for boto3)."""
        return {"AWS_ACCESS_KEY_ID": self.access_key, "AWS_SECRET_ACCESS_KEY": self.secret_key}

    def stop(self) -> None:
        self.server.stop()

    def kill(self) -> None:
        self.server.kill()


def _identities() -> str:
    return json.dumps(
        {
            "identities": [
                {
                    "name": SEAWEEDFS_ACCESS_KEY,
                    "credentials": [
                        {"accessKey": SEAWEEDFS_ACCESS_KEY, "secretKey": SEAWEEDFS_SECRET_KEY}
                    ],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                }
            ]
        }
    )


def start_seaweedfs(home: Path, binary: Path | None = None, *, timeout: float = 60.0) -> SeaweedFS:
    """`weed server` with its filer and S3 gateway on free ports of 127.0.0.1, data in `home`."""
    binary = binary or find_seaweedfs()
    if binary is None:
        raise ServerError("seaweedfs is not installed: run scripts/install-servers")
    data = home / "data"
    data.mkdir(parents=True, exist_ok=True)
    config = home / "s3.json"
    config.write_text(_identities(), encoding="utf-8")
    config.chmod(0o600)
    names = ("master", "volume", "filer", "s3")
    ports = {name: (free_port(), free_port()) for name in names}  # (http, grpc)
    argv = [
        str(binary),
        "server",
        f"-ip={LOCALHOST}",
        f"-ip.bind={LOCALHOST}",
        f"-dir={data}",
        "-filer",
        "-s3",
        f"-s3.config={config}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-volume.max=100",  # not preallocated; each bucket (a collection) takes 7
        "-master.volumeSizeLimitMB=64",
        "-volume.preStopSeconds=0",
    ]
    for name, (http, grpc) in ports.items():
        argv += [f"-{name}.port={http}", f"-{name}.port.grpc={grpc}"]
    s3_port = ports["s3"][0]
    process = ServerProcess(
        name="seaweedfs",
        argv=argv,
        cwd=home,
        log=home / "seaweedfs.out",
        ready_url=f"http://{LOCALHOST}:{s3_port}/healthz",
    )
    server = Server("seaweedfs", f"http://{LOCALHOST}:{s3_port}", s3_port, home, process)
    started = time.monotonic()
    server.start(timeout)
    _wait_for_lock_ring(process, timeout - (time.monotonic() - started))
    return SeaweedFS(server, s3_port)


def _wait_for_lock_ring(process: ServerProcess, timeout: float) -> None:
    """The S3 gateway answers before its filer joins the lock ring (some seconds later), and
    until then every conditional write fails ("no lock server found"); the filer logs when
    it joined."""
    deadline = time.monotonic() + max(timeout, 1.0)
    while time.monotonic() < deadline:
        if RING_JOINED in process.log.read_text(encoding="utf-8", errors="replace"):
            return
        if not process.running:
            break
        time.sleep(0.2)
    tail = process.log_tail()
    process.stop()
    raise ServerError(f"seaweedfs: its filer never joined the lock ring:\n{tail}")
