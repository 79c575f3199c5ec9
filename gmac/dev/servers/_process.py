"""A server process on 127.0.0.1: a free port, a log file, waiting until it answers, and
stopping it and everything it started (its own process group)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

LOCALHOST = "127.0.0.1"
STOP_SECONDS = 10.0


class ServerError(RuntimeError):
    """A server would not start; the message ends with the last lines of its log."""


def free_port() -> int:
    """A port nothing listens on right now (the kernel's pick for a throwaway socket)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOCALHOST, 0))
        return int(probe.getsockname()[1])


def answers(url: str, headers: Mapping[str, str] | None = None, timeout: float = 2.0) -> bool:
    """Whether `url` answers with a success status."""
    request = urllib.request.Request(url, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return 200 <= int(response.status) < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _log_tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.rstrip().splitlines()[-lines:]) or "(empty log)"


@dataclass
class ServerProcess:
    """One server: `argv` run in `cwd`, its output in `log`, ready once `ready_url` answers."""

    name: str
    argv: Sequence[str]
    cwd: Path
    log: Path
    ready_url: str
    ready_headers: Mapping[str, str] = field(default_factory=dict)
    env: Mapping[str, str] | None = None
    process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> None:
        if self.running:
            return
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                list(self.argv),
                cwd=self.cwd,
                env=None if self.env is None else dict(self.env),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() ends its children too
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                self.process = None
                raise ServerError(
                    f"{self.name} exited with code {code} while starting:\n{_log_tail(self.log)}"
                )
            if answers(self.ready_url, self.ready_headers, timeout=1.0):
                return
            time.sleep(0.1)
        self.stop()
        raise ServerError(
            f"{self.name} did not answer {self.ready_url} within {timeout:g}s:\n"
            f"{_log_tail(self.log)}"
        )

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def _signal(self, number: signal.Signals) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, number)

    def kill(self) -> None:
        """Dies at once, as a crashed server does (SIGKILL to its whole group)."""
        if self.process is None:
            return
        self._signal(signal.SIGKILL)
        self.process.wait()
        self.process = None

    def stop(self) -> None:
        """SIGTERM to its group, SIGKILL if it is still there after STOP_SECONDS."""
        if self.process is None:
            return
        self._signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self._signal(signal.SIGKILL)
            self.process.wait()
        # Children that outlived their parent in the group.
        self._signal(signal.SIGKILL)
        self.process = None

    def log_tail(self, lines: int = 30) -> str:
        return _log_tail(self.log, lines)
