"""gmac.dev.servers itself: the cache is recognised without building, a server started on a free
127.0.0.1 port stops with everything it started, one that cannot start says why."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gmac.dev import servers
from gmac.dev.servers import ServerError, ServerProcess
from tests.integrations.conftest import require


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "Z" not in _state(pid)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


def test_install_finds_a_complete_cache_without_building(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    require(servers.find_gitea(), f"gitea {servers.GITEA_VERSION}")
    require(servers.find_stripe_mock(), f"stripe-mock {servers.STRIPE_MOCK_VERSION}")
    monkeypatch.setenv("PATH", "/nonexistent")  # no go: a build would fail at once
    lines: list[str] = []
    servers.build_gitea(progress=lines.append)
    servers.build_stripe_mock(progress=lines.append)
    assert all("already built" in line for line in lines), lines
    build = servers.find_gitea()
    assert build is not None
    for folder in ("templates", "options", "public"):
        assert (build.assets / folder).is_dir()


def test_a_stopped_server_leaves_no_process(tmp_path: Path) -> None:
    binary = require(servers.find_stripe_mock(), "stripe-mock")
    server = servers.start_stripe_mock(tmp_path / "stripe", binary)
    pid = server.process.pid
    assert pid is not None and _alive(pid)
    assert server.url.startswith("http://127.0.0.1:")
    server.stop()
    assert not _alive(pid)
    assert not server.running


def test_a_server_that_exits_while_starting_shows_its_log(tmp_path: Path) -> None:
    process = ServerProcess(
        name="broken",
        argv=["/bin/sh", "-c", "echo 'cannot bind: address in use' >&2; exit 3"],
        cwd=tmp_path,
        log=tmp_path / "broken.out",
        ready_url="http://127.0.0.1:9/",
    )
    with pytest.raises(ServerError) as caught:
        process.start(timeout=10)
    assert str(caught.value) == (
        "broken exited with code 3 while starting:\ncannot bind: address in use"
    )


def test_a_missing_build_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GMAC_SERVERS_CACHE", str(tmp_path / "empty"))
    assert servers.find_gitea() is None
    with pytest.raises(ServerError, match=r"gitea is not installed: run scripts/install-servers"):
        servers.start_gitea(tmp_path / "gitea")
