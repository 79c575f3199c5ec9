"""gmac's stack lock where the state is, between processes that present different host names
(each in a UTS namespace of its own), on a file backend's folder and in a real S3 bucket
(SeaweedFS): one holder at a time, a live holder's lease renewed, a dead one's taken over once
it lapsed, a lock broken by `unlock` stopping the run that lost it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gmac.engine.lock import parse_holder, read_holder, stack_lock
from gmac.engine.lock_stores import lock_store
from gmac.errors import LockHeldError
from tests.engine.conftest import on_host

RACERS = 8

# One process taking the lock: `python -c HOLDER BACKEND ROOT COMMAND LEASE HOLD [BREAK]`.
# It prints "ready", waits for the file ROOT/go, then prints what happened, one line each:
# "locked", then "released" (after HOLD seconds, or once ROOT/release exists) or "lost: ...";
# or "held: ...".
HOLDER = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from gmac.engine.lock import stack_lock
    from gmac.engine.lock_stores import lock_store
    from gmac.errors import LockHeldError, LockLostError
    backend, root, command, lease, hold = sys.argv[1:6]
    store = lock_store(backend, Path(root), "gmac", "local")
    print("ready", flush=True)
    go = Path(root) / "go"
    while not go.exists():  # every racer starts at once
        time.sleep(0.001)
    lost = []
    try:
        with stack_lock(store, "local", command, lease=float(lease),
                        on_lost=lambda: lost.append(1), break_other_hosts=len(sys.argv) > 6):
            print("locked", flush=True)
            deadline = time.monotonic() + float(hold)
            release = Path(root) / "release"
            while time.monotonic() < deadline and not lost and not release.exists():
                time.sleep(0.05)
    except LockHeldError as error:
        print("held:", error, flush=True)
    except LockLostError as error:
        print("lost:", error, flush=True)
    else:
        print("released", flush=True)
    """
)


@pytest.fixture(params=["file", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The state's URL: a folder both "hosts" share, or a fresh bucket on SeaweedFS."""
    if request.param == "file":
        state = tmp_path / "shared-state"
        state.mkdir()
        yield f"file://{state}"
    else:
        yield request.getfixturevalue("s3_backend")


@pytest.fixture
def lock_env(
    request: pytest.FixtureRequest, backend: str, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """The holders' environment; the S3 key is the test's own too (it reads the lock)."""
    if backend.startswith("s3://"):
        for name, value in request.getfixturevalue("seaweedfs").credentials().items():
            monkeypatch.setenv(name, value)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GMAC_", "PULUMI_"))}
    return {**env, "GMAC_EPHEMERAL_REGISTRY": "1"}  # the registry of a test's temporary folder


class Holders:
    """Lock-taking processes, each on a host of its own, all stopped when the test ends."""

    def __init__(self, backend: str, root: Path, env: dict[str, str]) -> None:
        self.backend, self.root, self.env = backend, root, env
        self.started: list[subprocess.Popen[str]] = []

    def start(
        self, host: str, *, lease: float = 60, hold: float = 60, break_: bool = False
    ) -> subprocess.Popen[str]:
        argv = [sys.executable, "-c", HOLDER, self.backend, str(self.root), "apply"]
        argv += [str(lease), str(hold), *(["break"] if break_ else [])]
        proc = subprocess.Popen(
            on_host(host, argv), env=self.env, stdout=subprocess.PIPE, text=True, cwd=self.root
        )
        self.started.append(proc)
        return proc

    def go(self, *ready: subprocess.Popen[str]) -> None:
        """Release the processes started so far, once each of `ready` says it is."""
        for proc in ready:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        (self.root / "go").touch()

    def release(self) -> None:
        (self.root / "release").touch()

    def store(self) -> Any:
        return lock_store(self.backend, self.root, "gmac", "local")


@pytest.fixture
def holders(backend: str, tmp_path: Path, lock_env: dict[str, str]) -> Iterator[Holders]:
    root = tmp_path / "runs"
    root.mkdir()
    found = Holders(backend, root, lock_env)
    try:
        yield found
    finally:
        for proc in found.started:
            proc.kill()
            proc.wait()


def line(proc: subprocess.Popen[str]) -> str:
    """The next thing the process says, past its "ready"."""
    assert proc.stdout is not None
    said = proc.stdout.readline().strip()
    return proc.stdout.readline().strip() if said == "ready" else said


def held_by(holders: Holders) -> str:
    entry = holders.store().read()
    holder = None if entry is None else parse_holder(entry.data)
    return holder.host if holder else ""


def test_racing_processes_on_many_hosts_one_gets_the_lock(holders: Holders) -> None:
    """Eight processes, each presenting its own host, released at once: exactly one holds."""
    racers = [holders.start(f"runner-{index}") for index in range(RACERS)]
    holders.go(*racers)
    outcomes = [line(proc) for proc in racers]
    winners = [index for index, said in enumerate(outcomes) if said == "locked"]
    assert len(winners) == 1, outcomes
    assert held_by(holders) == f"runner-{winners[0]}"
    refused = [said for said in outcomes if said != "locked"]
    assert all(said.startswith("held: stack 'local' is locked by ") for said in refused), refused
    assert all(f"@runner-{winners[0]} (pid " in said for said in refused), refused
    assert all("it runs on another host" in said for said in refused), refused
    holders.release()
    assert line(racers[winners[0]]) == "released"
    assert holders.store().read() is None


def test_a_live_holder_on_another_host_keeps_it_and_a_dead_one_lapses(holders: Holders) -> None:
    """The holder presents runner-a; this test's own process, another host name, asks."""
    lease = 4.0
    first = holders.start("runner-a", lease=lease)
    holders.go(first)
    assert line(first) == "locked"
    # Well past its lease: its heartbeat renewed it, so it is still held.
    time.sleep(2 * lease)
    with pytest.raises(LockHeldError) as raised, stack_lock(holders.store(), "local", "apply"):
        pass
    said = str(raised.value)
    assert said.startswith("stack 'local' is locked by "), said
    assert "@runner-a (pid" in said and "`gmac apply` is running on it" in said
    assert f"taken over once {lease:.0f}s pass without a renewal" in said
    assert "`gmac unlock --env local` releases its lock now" in said

    first.kill()  # no release: its record stays, and nobody but runner-a could check its pid
    first.wait()
    with pytest.raises(LockHeldError), stack_lock(holders.store(), "local", "apply"):
        pass  # not before the lease lapsed
    time.sleep(lease + 1.5)
    with stack_lock(holders.store(), "local", "apply"):
        assert held_by(holders) == os.uname().nodename
    assert holders.store().read() is None


def test_unlock_from_another_host_stops_the_run_that_lost_it(holders: Holders) -> None:
    first = holders.start("runner-a", lease=2.0)
    holders.go(first)
    assert line(first) == "locked"
    breaker = holders.start("runner-b", hold=0, break_=True)
    assert line(breaker) == "locked"
    assert line(breaker) == "released"
    said = line(first)  # its next renewal finds the record replaced
    assert said.startswith("lost: stack 'local': this run lost its lock at "), said
    assert "another run replaced its record" in said


def test_on_this_host_a_killed_holder_is_taken_over_at_once(holders: Holders) -> None:
    first = holders.start(os.uname().nodename)  # this host's own name: its pid is checked
    holders.go(first)
    assert line(first) == "locked"
    with pytest.raises(LockHeldError, match="its process is alive on this host"):  # noqa: SIM117
        with stack_lock(holders.store(), "local", "apply"):
            pass
    first.kill()
    first.wait()
    with stack_lock(holders.store(), "local", "apply"):
        entry = holders.store().read()
        assert entry is not None and f'"pid": {os.getpid()}'.encode() in entry.data


def test_the_file_lock_is_a_file_in_the_state_folder(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with stack_lock(lock_store(f"file://{state}", tmp_path, "gmac", "local"), "local", "apply"):
        holder = read_holder(state / ".gmac-locks" / "gmac" / "local.json")
        assert holder is not None and holder.pid == os.getpid() and holder.command == "apply"
    assert not list((state / ".gmac-locks").rglob("*.json"))
