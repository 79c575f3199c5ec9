"""One environment's Pulumi stack, driven through the Automation API.

Every operation passes `show_secrets=False` (the SDK's default for up, refresh and destroy is
True) and captures the CLI's output instead of printing it, so no secret reaches the terminal
by way of the engine.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from gmac.engine.errors import engine_error
from gmac.engine.events import EventCollector, StepListener
from gmac.engine.settings import EngineSettings
from gmac.engine.steps import StepRecord
from gmac.errors import LockHeldError
from gmac.toolchain import Toolchain

PROJECT_NAME_FALLBACK = "gmac"


@dataclass(frozen=True)
class RunResult:
    steps: tuple[StepRecord, ...]
    diagnostics: tuple[str, ...]
    changes: dict[str, int]


@dataclass(frozen=True)
class StackOptions:
    """What differs between two runs of the same stack: one object, not 25 keywords."""

    targets: Sequence[str] = ()
    listener: StepListener | None = None
    parallel: int | None = None


class StackSession:
    def __init__(
        self,
        settings: EngineSettings,
        env: str,
        program: Callable[[], None],
        toolchain: Toolchain,
    ) -> None:
        self._settings = settings
        self._env = env
        self._program = program
        self._toolchain = toolchain
        self._stack: auto.Stack | None = None

    def _env_vars(self) -> dict[str, str]:
        env = self._toolchain.env()
        env["PULUMI_CONFIG_PASSPHRASE"] = self._settings.passphrase
        env["PULUMI_BACKEND_URL"] = self._settings.backend_url
        env.pop("PULUMI_CONFIG_PASSPHRASE_FILE", None)
        return env

    def stack(self) -> auto.Stack:
        if self._stack is not None:
            return self._stack
        command = auto.PulumiCommand(
            root=str(self._toolchain.bin_dir.parent), skip_version_check=True
        )
        options = auto.LocalWorkspaceOptions(
            work_dir=str(self._settings.root),
            pulumi_home=str(self._toolchain.pulumi_home),
            env_vars=self._env_vars(),
            secrets_provider="passphrase",
            pulumi_command=command,
        )
        try:
            self._stack = auto.create_or_select_stack(
                stack_name=self._env,
                project_name=PROJECT_NAME_FALLBACK,
                program=self._program,
                opts=options,
            )
        except auto.errors.CommandError as error:
            raise engine_error(error, self._env, "open the stack") from None
        return self._stack

    def _run(
        self, action: str, call: Callable[[EventCollector], Any], options: StackOptions
    ) -> RunResult:
        collector = EventCollector(options.listener)
        try:
            result = call(collector)
        except auto.errors.CommandError as error:
            mapped = engine_error(error, self._env, action, collector.errors)
            if isinstance(mapped, LockHeldError):
                mapped = LockHeldError(self._lock_message())
            raise mapped from None
        summary = (
            getattr(result, "change_summary", None)
            or getattr(getattr(result, "summary", None), "resource_changes", None)
            or {}
        )
        return RunResult(
            tuple(collector.steps),
            tuple(collector.diagnostics),
            {str(k): int(v) for k, v in summary.items()},
        )

    def _common(self, options: StackOptions, collector: EventCollector) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"on_event": collector, "on_output": _discard, "color": "never"}
        if options.targets:
            kwargs["target"] = list(options.targets)
            kwargs["target_dependents"] = True
        if options.parallel:
            kwargs["parallel"] = options.parallel
        return kwargs

    def preview(self, options: StackOptions) -> RunResult:
        stack = self.stack()
        return self._run(
            "preview", lambda c: stack.preview(diff=True, **self._common(options, c)), options
        )

    def up(self, options: StackOptions) -> RunResult:
        stack = self.stack()
        return self._run(
            "apply", lambda c: stack.up(show_secrets=False, **self._common(options, c)), options
        )

    def refresh(self, options: StackOptions, *, preview_only: bool) -> RunResult:
        stack = self.stack()
        return self._run(
            "refresh",
            lambda c: stack.refresh(
                preview_only=preview_only, show_secrets=False, **self._common(options, c)
            ),
            options,
        )

    def destroy(self, options: StackOptions) -> RunResult:
        stack = self.stack()
        return self._run(
            "destroy",
            lambda c: stack.destroy(show_secrets=False, **self._common(options, c)),
            options,
        )

    def _lock_files(self) -> list[Path]:
        if not self._settings.backend_url.startswith("file://"):
            return []
        state = Path(self._settings.backend_url.removeprefix("file://"))
        return sorted(state.glob(f".pulumi/locks/**/{self._env}/*.json"))

    def _lock_message(self) -> str:
        holders = [holder for holder in map(_lock_holder, self._lock_files()) if holder]
        who = ", ".join(str(holder) for holder in holders) or "another run"
        stale = holders and not any(holder.alive for holder in holders)
        advice = (
            f"that process is gone: run `gmac unlock --env {self._env}`, then try again"
            if stale
            else "wait for it to finish, then try again"
        )
        return f"stack '{self._env}' is locked by {who}: {advice}"

    def unlock(self) -> int:
        """Release a lock left by a killed run. A file backend's lock is removed only when
        the process that took it is gone from this host; other backends cancel the update."""
        if not self._settings.backend_url.startswith("file://"):
            self.stack().cancel()
            return 1
        released = 0
        for lock in self._lock_files():
            holder = _lock_holder(lock)
            if holder is not None and holder.alive:
                raise LockHeldError(
                    f"stack '{self._env}' is locked by {holder}, which is "
                    "still running: wait for it to finish"
                )
            lock.unlink(missing_ok=True)
            released += 1
        return released

    def outputs(self) -> dict[str, Any]:
        return {
            key: ("[secret]" if value.secret else value.value)
            for key, value in self.stack().outputs().items()
        }


@dataclass(frozen=True)
class LockHolder:
    user: str
    host: str
    pid: int

    @property
    def alive(self) -> bool:
        if self.host != socket.gethostname():
            return True  # cannot tell from here: assume the other machine is still at work
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    started: str = ""

    def __str__(self) -> str:
        since = f" since {self.started[:19].replace('T', ' ')} UTC" if self.started else ""
        return f"{self.user}@{self.host} (pid {self.pid}){since}"


def _lock_holder(path: Path) -> LockHolder | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return LockHolder(
            user=str(data.get("username", "?")),
            host=str(data.get("hostname", "?")),
            pid=int(data.get("pid", 0)),
            started=str(data.get("timestamp", "")),
        )
    except (OSError, ValueError, TypeError):
        return None


def _discard(_line: str) -> None:
    """The CLI's progress text: gmac renders progress from events instead."""
