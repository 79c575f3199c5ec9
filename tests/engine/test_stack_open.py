"""Opening a stack: a new one is created the SDK's way (`pulumi stack select`, then `stack
init`); one that exists is opened without any CLI call, so a run's first engine command is
the run itself. The real Pulumi CLI runs every command; the test only records them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi import automation as auto

import gmac.engine.stack as stack_module
from gmac.engine.command import EngineCommand
from gmac.engine.known_stack import KnownStack
from gmac.engine.settings import EngineSettings
from gmac.engine.stack import StackOptions, StackSession
from gmac.engine.toolchain import Toolchain
from gmac.engine.workspace import engine_command


def _program() -> None:
    pulumi.export("answer", 42)


def _recording(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []
    real = engine_command

    class Recording(EngineCommand):
        def run(
            self,
            args: list[str],
            cwd: str,
            additional_env: Mapping[str, str],
            *rest: Any,
            **kwargs: Any,
        ) -> auto.CommandResult:
            calls.append([arg for arg in args if not arg.startswith("-")][:2])
            return super().run(args, cwd, additional_env, *rest, **kwargs)

    def recording(toolchain: Toolchain) -> EngineCommand:
        made = real(toolchain)
        return Recording(
            root=str(toolchain.bin_dir.parent), skip_version_check=True, version=str(made.version)
        )

    monkeypatch.setattr(stack_module, "engine_command", recording)
    return calls


def _file_backend(root: Path) -> EngineSettings:
    state = root / "state"
    state.mkdir()
    return EngineSettings(root=root, backend_url=f"file://{state}", passphrase="stack-open-test")


def test_an_existing_stack_is_opened_without_a_cli_call(
    tmp_path: Path, toolchain: Toolchain, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _file_backend(tmp_path)
    calls = _recording(monkeypatch)

    first = StackSession(settings, "local", _program, toolchain)
    assert not isinstance(first.stack(), KnownStack)
    assert calls[:2] == [["stack", "select"], ["stack", "init"]]
    first.up(StackOptions())

    calls.clear()
    again = StackSession(settings, "local", _program, toolchain)
    assert isinstance(again.stack(), KnownStack)
    assert calls == []
    result = again.preview(StackOptions())
    assert [call[0] for call in calls] == ["preview"]
    assert result.changes.get("same") == 1  # the stack itself, unchanged: the right stack
    assert again.outputs() == {"answer": 42}


def test_reading_the_outputs_of_a_stack_selects_nothing_first(
    tmp_path: Path, toolchain: Toolchain, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _file_backend(tmp_path)
    # A project's workspace has its project file before any stack does.
    (tmp_path / "Pulumi.yaml").write_text("name: gmac\nruntime: python\n", encoding="utf-8")
    calls = _recording(monkeypatch)

    assert StackSession(settings, "local", _program, toolchain).existing_outputs() is None
    assert ["stack", "init"] not in calls  # reading creates no stack
    StackSession(settings, "local", _program, toolchain).up(StackOptions())

    calls.clear()
    outputs = StackSession(settings, "local", _program, toolchain).existing_outputs()
    assert outputs is not None
    assert outputs["answer"].value == 42
    # The SDK reads the outputs twice (plain, then --show-secrets, to know which are secret);
    # nothing selects the stack first.
    assert calls == [["stack", "output"], ["stack", "output"]]
