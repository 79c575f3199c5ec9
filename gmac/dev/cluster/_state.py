"""The state file of a running plane (STATE/cluster.json): its server, ports and processes,
so that `gmac dev cluster down` in another shell stops exactly what `up` started."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from gmac.dev.cluster._kubeconfig import CONTEXT
from gmac.dev.cluster._layout import PlaneFiles, Ports
from gmac.dev.cluster._processes import Running, is_ours, stop
from gmac.fs import write_atomically

# The start order; processes stop in reverse.
ORDER = ("kine", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")

Progress = Callable[[str], None]


def quiet(_line: str) -> None:
    """A Progress that says nothing."""


def _write(files: PlaneFiles, data: Mapping[str, Any]) -> None:
    write_atomically(files.state, json.dumps(data, indent=2) + "\n")


def save_state(
    files: PlaneFiles, server: str, ports: Ports, running: Mapping[str, Running]
) -> None:
    _write(
        files,
        {
            "server": server,
            "context": CONTEXT,
            "kubeconfig": str(files.kubeconfig),
            "ports": ports.as_dict(),
            "processes": {name: run.as_dict() for name, run in running.items()},
        },
    )


def read_state(state_dir: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(PlaneFiles(state_dir).state.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def recorded_processes(state_dir: Path) -> list[Running]:
    """The processes the state file lists that still run, in start order."""
    data = read_state(state_dir) or {}
    processes = data.get("processes", {})
    found = []
    for name in ORDER:
        entry = processes.get(name)
        if isinstance(entry, dict):
            running = Running(name, int(entry["pid"]), str(entry["binary"]), str(entry["log"]))
            if is_ours(running.pid, running.binary):
                found.append(running)
    return found


def stop_recorded(state_dir: Path, progress: Progress = quiet) -> list[str]:
    """Stop what a `gmac dev cluster up` started under `state_dir`; the names stopped."""
    stopped = []
    for running in reversed(recorded_processes(state_dir)):
        progress(f"stopping {running.name} (pid {running.pid})")
        stop(running)
        stopped.append(running.name)
    data = read_state(state_dir)
    if data is not None:
        data["processes"] = {}
        _write(PlaneFiles(state_dir), data)
    return stopped
