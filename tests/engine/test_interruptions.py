"""Locks and interruptions: a second apply fails at once naming the holder; an apply killed or
interrupted half-way is recovered by the next run (or it says exactly what to do), and
nothing is lost or left twice in the state or the render folder."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.engine.conftest import (
    ENV,
    GMAC_LOCK,
    Project,
    children_of,
    kill_tree,
    wait_for,
)

# Enough services that an apply takes seconds, so there is a "while it runs".
SERVICES = 30


def with_services(project: Project, count: int = SERVICES) -> None:
    for index in range(count):
        project.write_service(f"gen-{index:02d}")


def change_every_service(project: Project, old: str, new: str) -> None:
    for index in range(SERVICES):
        project.edit(f"specs/services/gen-{index:02d}.yaml", old, new)


def start_apply(project: Project, log: Path) -> subprocess.Popen[str]:
    """An apply whose progress (stderr) goes to a file the test can watch as it grows."""
    handle = log.open("w", encoding="utf-8")
    proc = project.start("apply", "--env", ENV, "--yes", stdout=subprocess.PIPE, stderr=handle)
    handle.close()  # the child holds its own copy
    return proc


def progress_lines(log: Path) -> int:
    return log.read_text(encoding="utf-8").count("✓") if log.exists() else 0


def finish(proc: subprocess.Popen[str], project: Project, log: Path) -> None:
    """Wait for a started gmac, and keep what it printed for the traceback check."""
    try:
        out, _ = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            kill_tree(proc.pid)
            proc.wait()
    project.record(out or "", log.read_text(encoding="utf-8"))


def wait_gone(pids: list[int], timeout: float) -> None:
    def gone() -> bool:
        return not any(Path(f"/proc/{pid}").exists() and _alive(pid) for pid in pids)

    wait_for(gone, timeout, f"processes {pids} to end")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def assert_converged(project: Project) -> None:
    """A final plan without changes, each object once in the state, no orphaned file."""
    project.plan(code=0)
    urns = [resource["urn"] for resource in project.state_resources()]
    assert len(urns) == len(set(urns)), "a resource is in the state twice"
    assert project.pending_operations() == []
    assert set(project.rendered()) == project.kubernetes_in_state()
    assert not list(project.path(".gmac/state/.pulumi/locks").rglob("*.json"))


@pytest.mark.slow
def test_a_second_apply_fails_at_once_naming_the_holder(project: Project, tmp_path: Path) -> None:
    with_services(project)
    log = tmp_path / "first.log"
    first = start_apply(project, log)
    started = time.monotonic()
    try:
        # gmac takes its lock before the preview and holds it to the end of the update.
        lock = project.path(GMAC_LOCK)
        wait_for(
            lambda: lock.exists() and f'"pid": {first.pid}' in lock.read_text(encoding="utf-8"),
            60,
            "the first apply to take the lock",
            first,
        )
        second = project.run("apply", "--env", ENV, "--yes")
        assert first.poll() is None, "the first apply ended before the second was refused"
    finally:
        finish(first, project, log)
    first_seconds = time.monotonic() - started
    assert first.returncode == 0, log.read_text(encoding="utf-8")
    assert second.code == 1, str(second)
    holder = f"{os.environ.get('USER') or ''}@{socket.gethostname()} (pid {first.pid})"
    assert f"stack '{ENV}' is locked by" in second.stderr
    assert f"@{socket.gethostname()} (pid {first.pid})" in second.stderr, (holder, second.stderr)
    assert "`gmac apply` is running" in second.stderr
    assert "Wait for it to finish" in second.stderr
    assert second.seconds < first_seconds / 2, (second.seconds, first_seconds)
    assert_converged(project)


@pytest.mark.slow
@pytest.mark.parametrize("victims", ["gmac-only", "gmac-and-engine"])
def test_an_apply_killed_half_way_is_recovered(
    project: Project, tmp_path: Path, victims: str
) -> None:
    """SIGKILL of gmac alone (the engine finishes what it started and releases its lock), or
    of gmac and every process under it (the engine's lock is left behind)."""
    with_services(project)
    project.apply()
    change_every_service(project, "GREETING: hello", "GREETING: hi")
    log = tmp_path / "killed.log"
    proc = start_apply(project, log)
    try:
        wait_for(lambda: progress_lines(log) > 0, 120, "the apply to change resources", proc)
        engine = children_of(proc.pid)
        if victims == "gmac-only":
            proc.send_signal(signal.SIGKILL)
        else:
            engine = kill_tree(proc.pid)[1:]
        proc.wait(timeout=30)
    finally:
        finish(proc, project, log)
    assert proc.returncode == -signal.SIGKILL
    assert 0 < progress_lines(log) < 2 * SERVICES, "killed before or after the update"
    # The engine of a killed gmac finds its program gone and stops by itself.
    wait_gone(engine, 60)

    after = project.run("apply", "--env", ENV, "--yes")
    if after.code != 0:
        # What the next run may say instead of recovering: exactly what to do.
        assert after.code == 1, str(after)
        assert f"run `gmac unlock --env {ENV}`, then try again" in after.stderr, str(after)
        assert "that process is gone" in after.stderr
        released = project.ok("unlock", "--env", ENV)
        assert f"{ENV}: released 1 lock(s)" in released.stdout
        after = project.ok("apply", "--env", ENV, "--yes")
    if victims == "gmac-only":
        assert after.code == 0 and "unlock" not in after.stderr, str(after)
    assert_converged(project)
    rendered = project.rendered()
    for index in range(SERVICES):
        assert rendered[("ConfigMap", f"gen-{index:02d}-env")]["data"]["GREETING"] == "hi"


@pytest.mark.slow
def test_an_interrupted_apply_stops_cleanly_and_the_next_finishes(
    project: Project, tmp_path: Path
) -> None:
    with_services(project)
    project.apply()
    change_every_service(project, "GREETING: hello", "GREETING: hi")
    log = tmp_path / "interrupted.log"
    proc = start_apply(project, log)
    try:
        wait_for(lambda: progress_lines(log) > 0, 120, "the apply to change resources", proc)
        engine = children_of(proc.pid)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=120)
    finally:
        finish(proc, project, log)
    err = log.read_text(encoding="utf-8")
    assert proc.returncode == 130, err
    assert "interrupted: the engine finished the steps in flight and saved the state" in err
    wait_gone(engine, 30)
    assert not list(project.path(".gmac/state/.pulumi/locks").rglob("*.json"))

    project.apply()
    assert_converged(project)
    rendered = project.rendered()
    for index in range(SERVICES):
        assert rendered[("ConfigMap", f"gen-{index:02d}-env")]["data"]["GREETING"] == "hi"


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


@pytest.mark.parametrize("lock_left", [True, False], ids=["lock-left", "no-lock"])
@pytest.mark.parametrize("cut_short", ["checkpoint", "attributes"])
def test_a_checkpoint_cut_short_is_repaired(
    project: Project, lock_left: bool, cut_short: str
) -> None:
    """A run killed while the backend wrote the checkpoint leaves it empty, or leaves the
    `.attrs` file the backend rewrites in place before renaming the new checkpoint in empty:
    the next run says what to do, and `gmac unlock` repairs it; nothing else is lost."""
    project.apply()
    project.edit("specs/services/api.yaml", "LOG_LEVEL: info", "LOG_LEVEL: debug")
    project.apply()
    stacks = project.path(".gmac/state/.pulumi/stacks/gmac")
    assert (stacks / f"{ENV}.json.bak").exists()
    attributes = stacks / f"{ENV}.json.attrs"
    assert attributes.exists()
    damaged = stacks / f"{ENV}.json" if cut_short == "checkpoint" else attributes
    damaged.write_text("", encoding="utf-8")
    if lock_left:
        locks = project.path(f".gmac/state/.pulumi/locks/organization/gmac/{ENV}")
        locks.mkdir(parents=True, exist_ok=True)
        holder = {
            "pid": _dead_pid(),
            "username": "root",
            "hostname": socket.gethostname(),
            "timestamp": "2026-11-25T23:02:55Z",
        }
        (locks / "killed.json").write_text(json.dumps(holder), encoding="utf-8")

    refused = project.run("apply", "--env", ENV, "--yes")
    assert refused.code == 1, str(refused)
    assert f"the state of '{ENV}' was cut short by a run killed while saving it" in refused.stderr
    assert f"run `gmac unlock --env {ENV}`, then try again" in refused.stderr
    assert ("that process is gone" in refused.stderr) == lock_left

    unlocked = project.ok("unlock", "--env", ENV)
    assert ("released 1 lock(s)" in unlocked.stdout) == lock_left
    if cut_short == "checkpoint":
        assert "its backup is back" in unlocked.stdout, str(unlocked)
    else:
        assert "attributes file was cut short by a killed run: it is removed" in unlocked.stdout
    project.apply()
    assert_converged(project)
    assert project.rendered()[("ConfigMap", "api-env")]["data"]["LOG_LEVEL"] == "debug"
    assert project.rendered()[("ConfigMap", "api-env")]["data"]["LOG_LEVEL"] == "debug"
