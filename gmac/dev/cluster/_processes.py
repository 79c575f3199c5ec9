"""Starting and stopping the control plane's processes, and finding them again later.

Each process runs in its own session (a Ctrl-C in the terminal that ran `gmac dev cluster up`
does not reach it) with its output appended to a log file. A process is known again by its pid
*and* its executable, so a pid the kernel has given to another program is never signalled.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

STOP_TIMEOUT = 15.0


@dataclass(frozen=True)
class Running:
    name: str
    pid: int
    binary: str
    log: str

    def as_dict(self) -> dict[str, object]:
        return {"pid": self.pid, "binary": self.binary, "log": self.log}


def spawn(
    name: str, argv: Sequence[str], log: Path, env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as handle:
        handle.write(f"==> {time.strftime('%Y-%m-%d %H:%M:%S')} starting {name}\n".encode())
        handle.flush()
        return subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            env=None if env is None else dict(env),
            start_new_session=True,
        )


def _state(pid: int) -> str | None:
    """The process state letter from /proc (R, S, Z, ...), None when there is no process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()[0]


def is_ours(pid: int, binary: str) -> bool:
    """A live (not zombie) process with this pid that runs `binary`."""
    state = _state(pid)
    if state is None or state == "Z":
        return False
    try:
        argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0", 1)[0].decode()
    except OSError:
        return False
    return argv0 == binary


def stop(
    running: Running,
    process: subprocess.Popen[bytes] | None = None,
    timeout: float = STOP_TIMEOUT,
) -> None:
    """SIGTERM, then SIGKILL after `timeout`; reaps the process when it is our child."""
    if process is not None and process.poll() is not None:
        return
    if process is None and not is_ours(running.pid, running.binary):
        return
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.kill(running.pid, sig)
        except ProcessLookupError:
            return
        if _wait_gone(running, process, wait):
            return


def _wait_gone(running: Running, process: subprocess.Popen[bytes] | None, wait: float) -> bool:
    if process is not None:
        try:
            process.wait(wait)
        except subprocess.TimeoutExpired:
            return False
        return True
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if not is_ours(running.pid, running.binary):
            return True
        time.sleep(0.1)
    return False


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def log_tail(path: Path, lines: int = 20) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.rstrip().splitlines()[-lines:])
