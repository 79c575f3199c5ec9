"""What the benches share: a timed child process with its peak RSS, medians, a line fit.

timed(command, cwd, env) -> Run     wall time, the process's own peak RSS (VmHWM sampled
                                    until it exits) and the largest peak RSS in its tree
gmac_command() -> [path]            the `gmac` console script of this interpreter's venv, with
                                    gmac's code byte-compiled first (compile_sources)
compile_sources()                   byte-compile gmac/, components/ and bench/ once
line_fit(xs, ys) -> (slope, intercept)   least squares (statistics.linear_regression)
load_average() -> str               the 1, 5 and 15 minute load averages, as `uptime` says
"""

from __future__ import annotations

import compileall
import functools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_rss_kib: int  # the process's own (VmHWM): not the Pulumi CLI or plugins it starts
    tree_rss_kib: int  # the largest of the process and its descendants (wait4's ru_maxrss)
    code: int
    stdout: str
    stderr: str  # its last 2,000 characters, for a failure's message


def _vm_hwm(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def timed(command: Sequence[str], cwd: Path, env: dict[str, str]) -> Run:
    """Run `command` to its end: wall time, its own peak RSS, its tree's largest."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(command), cwd=cwd, env=env, stdout=out, stderr=err)
        peak = 0
        while True:
            peak = max(peak, _vm_hwm(proc.pid))
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid != 0:
                break
            time.sleep(0.005)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        tail = err.read()[-2000:]
        return Run(seconds, peak, usage.ru_maxrss, proc.returncode, out.read(), tail)


REPO = Path(__file__).resolve().parents[1]


@functools.cache
def compile_sources() -> None:
    """Byte-compile gmac's code and the benches before anything is timed.

    An installed package comes with its .pyc files, and an editable checkout gets them on the
    first run, unless PYTHONDONTWRITEBYTECODE is set (as on some build machines): then every
    timed run of gmac would compile its ~120 modules from source (0.1 to 0.3 s), while the
    baselines import Pulumi's precompiled ones. compileall writes them either way."""
    for folder in ("gmac", "components", "bench"):
        compileall.compile_dir(REPO / folder, quiet=1)


def gmac_command() -> list[str]:
    compile_sources()
    gmac = Path(sys.executable).parent / "gmac"
    return [str(gmac) if gmac.exists() else "gmac"]


def median_seconds(runs: Sequence[Run]) -> float:
    return statistics.median(run.seconds for run in runs)


def peak_mib(runs: Sequence[Run]) -> float:
    return max(run.peak_rss_kib for run in runs) / 1024


def line_fit(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float]:
    """Least squares: seconds per service (slope) and the intercept."""
    fit = statistics.linear_regression(xs, ys)
    return fit.slope, fit.intercept


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average: {one:.2f}, {five:.2f}, {fifteen:.2f}"
