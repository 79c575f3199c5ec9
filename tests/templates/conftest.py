"""Fixtures for the template tests: a copy of the example project to add services to, the
real tools (Go, npm) the rendered code is built with, and a running-server helper.

Without Go or npm these tests skip (in CI a skip is a failure: tests/conftest.py). Timings of
the builds are printed at the end of the run.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.gmac_process import gmac_command

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_SPECS = REPO / "specs"
# Where installers put Go when it is not on PATH (scripts/bootstrap, the Go tarball).
GO_FALLBACKS = ("/usr/local/go/bin/go", str(Path.home() / ".local/go/bin/go"))
TIMINGS: dict[str, float] = {}


def require_tool(name: str, *fallbacks: str) -> str:
    found = shutil.which(name) or next((f for f in fallbacks if Path(f).is_file()), None)
    if found is not None:
        return found
    # A skip; in CI a failure (tests/conftest.py).
    pytest.skip(f"'{name}' is not installed: the rendered code of the templates is built with it")


def run(
    command: Sequence[str],
    cwd: Path,
    *,
    label: str | None = None,
    timeout: float = 600,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a tool; fail the test with its output when it fails. `label` records its time."""
    started = time.monotonic()
    result = subprocess.run(
        list(command),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if label is not None:
        TIMINGS[label] = time.monotonic() - started
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(command)} failed ({result.returncode}) in {cwd}:\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return result


def gmac(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The gmac command line as a user runs it (never raises; check returncode)."""
    return subprocess.run(
        gmac_command(*args),
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},
    )


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


@contextmanager
def serving(
    command: Sequence[str], cwd: Path, ready_url: str, env: dict[str, str], timeout: float = 60
) -> Iterator[subprocess.Popen[str]]:
    """Start a server, wait until `ready_url` answers 200, and stop it afterwards."""
    process = subprocess.Popen(
        list(command),
        cwd=cwd,
        env={**os.environ, **env},
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                output = process.stdout.read() if process.stdout else ""
                pytest.fail(f"{command[0]} exited with {process.returncode}:\n{output}")
            try:
                if get(ready_url)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"{ready_url} did not answer within {timeout:.0f}s")
            time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the example project (specs/) in a temporary folder, the working directory."""
    shutil.copytree(EXAMPLE_SPECS, tmp_path / "specs")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GMAC_TEMPLATES", raising=False)
    return tmp_path


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TIMINGS:
        terminalreporter.section("template build timings")
        for label, seconds in TIMINGS.items():
            terminalreporter.write_line(f"{label}: {seconds:.1f}s")
