"""`gmac logs --follow` against a real VictoriaLogs (built from its module): the lines there,
then each line pushed afterwards, once, as it arrives."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gmac.clients.logs import Stream
from gmac.clients.victorialogs import VictoriaLogs
from gmac.dev import servers
from tests.gmac_process import start_gmac
from tests.real import require

REPO = Path(__file__).resolve().parents[2]
LABELS = {"namespace": "gmac-staging", "service": "api", "pod": "api-0"}


@pytest.fixture
def victorialogs(tmp_path: Path) -> Iterator[servers.Server]:
    binary = require(servers.find_victorialogs(), f"victoria-logs {servers.VICTORIALOGS_VERSION}")
    started = servers.start_victorialogs(tmp_path / "logs", binary)
    try:
        yield started
    finally:
        started.stop()


def _lines(proc: subprocess.Popen[str]) -> queue.Queue[str]:
    found: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            found.put(line)

    threading.Thread(target=read, daemon=True).start()
    return found


def _next(found: queue.Queue[str], timeout: float = 20.0) -> dict[str, object]:
    return json.loads(found.get(timeout=timeout))


def test_follow_prints_what_is_there_then_each_new_line(
    victorialogs: servers.Server, tmp_path: Path
) -> None:
    store = VictoriaLogs(victorialogs.url)
    now = time.time_ns()
    store.push([Stream(LABELS, [(now - 2_000_000_000, "first"), (now - 1_000_000_000, "second")])])
    other = {**LABELS, "service": "billing-worker"}
    store.push([Stream(other, [(now, "not the api's")])])
    specs = tmp_path / "specs"
    shutil.copytree(REPO / "specs", specs)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GMAC_")}
    env["GMAC_LOGS_URL"] = victorialogs.url
    proc = start_gmac(
        ["logs", "api", "--env", "staging", "--follow", "--json", "--specs", str(specs)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        found = _lines(proc)
        first, second = _next(found), _next(found)
        assert (first["line"], second["line"]) == ("first", "second")  # oldest first
        store.push([Stream(LABELS, [(time.time_ns(), "third, pushed later")])])
        third = _next(found)
        assert third["line"] == "third, pushed later"
        assert third["labels"]["pod"] == "api-0"  # type: ignore[index]
        time.sleep(5)  # two more polls: nothing is printed twice, nothing else arrives
        assert found.empty()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=15)
    assert proc.returncode == 130
    assert proc.stderr is not None and "Traceback" not in proc.stderr.read()
