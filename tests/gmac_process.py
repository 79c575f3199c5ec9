"""gmac as a process, the one way every test starts it.

The console script is the one installed beside the interpreter running the tests (the
project's `.venv/bin/gmac` in CI), never whatever `gmac` happens to be first on `PATH`: a
new machine has no other, and a developer's other one may be an older gmac.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tests.gmac_result import Result


def gmac_executable() -> Path:
    """`gmac` beside `sys.executable` (not resolved: a venv's python is a symlink)."""
    beside = Path(sys.executable).with_name("gmac")
    assert beside.is_file(), (
        f"no gmac console script beside {sys.executable}: run scripts/bootstrap "
        "(pip install -e '.[dev]' into the interpreter that runs the tests)"
    )
    return beside


def gmac_command(*args: str) -> list[str]:
    """The argument list that runs `gmac ARGS...`."""
    return [str(gmac_executable()), *args]


def run_gmac(
    args: Sequence[str],
    *,
    cwd: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 300,
) -> Result:
    """Run `gmac ARGS...` to the end; its exit code, output and duration."""
    start = time.monotonic()
    proc = subprocess.run(
        gmac_command(*args),
        cwd=cwd,
        env=None if env is None else dict(env),
        input=stdin,
        stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Result(tuple(args), proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start)


def start_gmac(
    args: Sequence[str],
    *,
    cwd: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    **popen: Any,
) -> subprocess.Popen[str]:
    """Start `gmac ARGS...` in the background (no input)."""
    popen.setdefault("stdin", subprocess.DEVNULL)
    return subprocess.Popen(
        gmac_command(*args),
        cwd=cwd,
        env=None if env is None else dict(env),
        text=True,
        **popen,
    )
