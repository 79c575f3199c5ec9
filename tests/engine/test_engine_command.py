"""The engine's command knows the CLI's version from the toolchain's stamp: opening a stack
runs no `pulumi version` first."""

from __future__ import annotations

from pathlib import Path

from semver import VersionInfo

from gmac.engine.command import EngineCommand
from gmac.engine.toolchain import PULUMI_VERSION, find
from gmac.engine.workspace import engine_command
from tests.real import require


def _fake_cli(root: Path) -> Path:
    calls = root / "calls"
    fake = root / "bin" / "pulumi"
    fake.parent.mkdir(parents=True)
    fake.write_text(f'#!/bin/sh\necho "$@" >> {calls}\necho v3.274.1\n')
    fake.chmod(0o755)
    return calls


def test_a_known_version_runs_no_cli(tmp_path: Path) -> None:
    calls = _fake_cli(tmp_path)
    command = EngineCommand(root=str(tmp_path), skip_version_check=True, version="3.274.1")
    assert command.version == VersionInfo(3, 274, 1)
    assert command.command == str(tmp_path / "bin" / "pulumi")
    assert not calls.exists()


def test_without_a_version_or_one_unreadable_the_cli_is_asked(tmp_path: Path) -> None:
    calls = _fake_cli(tmp_path)
    assert EngineCommand(root=str(tmp_path), skip_version_check=True).version == VersionInfo(
        3, 274, 1
    )
    garbled = EngineCommand(root=str(tmp_path), skip_version_check=True, version="not a version")
    assert garbled.version == VersionInfo(3, 274, 1)
    assert calls.read_text().splitlines() == ["version", "version"]


def test_the_toolchain_s_stamp_is_the_version_the_engine_uses() -> None:
    toolchain = require(find(), "the Pulumi toolchain", "run `gmac toolchain install`")
    assert toolchain.cli_version == PULUMI_VERSION
    command = engine_command(toolchain)
    assert str(command.version) == PULUMI_VERSION
    assert command.command == str(toolchain.pulumi)
