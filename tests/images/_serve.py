"""Starting what an unpacked image runs: its entrypoint, as the image's numeric user, and
stopping it with everything it started (its own process group)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def in_rootfs(
    rootfs: Path, user: str, argv: Sequence[str], workdir: str | None = None
) -> list[str]:
    """`argv` run inside the unpacked root filesystem as `user` (`uid:gid`, numeric), with
    /dev and /proc mounted in a mount namespace of its own (gone with the process). Without
    `workdir` it needs no shell in the image (distroless has none)."""
    command = " ".join(argv)
    if workdir is not None:
        # The image's own PATH (its tools live in /usr/local/bin), not the one CI runs with.
        command = f"/bin/sh -c 'export PATH={IMAGE_PATH}; cd {workdir} && exec {command}'"
    # Debian keeps chroot in the admin folders, which CI's PATH may leave out.
    admin_path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    chroot = shutil.which("chroot", path=admin_path) or "chroot"
    script = (
        f"mkdir -p {rootfs}/dev {rootfs}/proc && "
        f"mount --rbind /dev {rootfs}/dev && mount -t proc proc {rootfs}/proc && "
        f"exec {chroot} --userspec={user} {rootfs} {command}"
    )
    return ["unshare", "--mount", "--kill-child", "sh", "-c", script]


@contextlib.contextmanager
def serving(
    command: Sequence[str],
    ready_url: str,
    env: dict[str, str],
    *,
    timeout: float = 60,
) -> Iterator[subprocess.Popen[str]]:
    """Start a server, wait until `ready_url` answers 200, and stop its whole group."""
    process = subprocess.Popen(
        list(command),
        env={"PATH": os.environ.get("PATH", ""), **env},
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                output = process.stdout.read() if process.stdout else ""
                pytest.fail(f"{command[0]} exited with {process.returncode}:\n{output}")
            with contextlib.suppress(OSError):
                if get(ready_url)[0] == 200:
                    break
            if time.monotonic() > deadline:
                pytest.fail(f"{ready_url} did not answer within {timeout:.0f}s")
            time.sleep(0.2)
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):  # whatever of the group is left
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        if process.stdout:
            process.stdout.close()
