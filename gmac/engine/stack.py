"""One environment's Pulumi stack, driven through the Automation API.

Every operation passes `show_secrets=False` (the SDK's default for up, refresh and destroy is
True) and captures the CLI's output instead of printing it, so no secret reaches the terminal
by way of the engine.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from gmac.engine.adoption import adopting
from gmac.engine.checkpoint import Checkpoint, Repair
from gmac.engine.command import EngineCommand
from gmac.engine.errors import engine_error
from gmac.engine.events import EventCollector, StepListener
from gmac.engine.known_stack import open_known_stack
from gmac.engine.lock import lease_seconds, read_holder, stack_lock
from gmac.engine.lock_stores import lock_store
from gmac.engine.settings import EngineSettings
from gmac.engine.steps import StepRecord
from gmac.engine.toolchain import Toolchain
from gmac.engine.workspace import engine_command, workspace_options
from gmac.errors import EngineError, LockHeldError, LockLostError

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
    replace: Sequence[str] = ()  # URNs to replace even if unchanged (a rotation)
    # Resources that take over an object that already runs: URN tail -> the live object's ID
    # (gmac.engine.adoption).
    adoptions: Mapping[str, str] = field(default_factory=dict)


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
        self._command: EngineCommand | None = None  # made with the stack: it runs the CLI
        self._lock_lost = threading.Event()  # set when gmac's lock is taken from this run

    def stack(self) -> auto.Stack:
        if self._stack is not None:
            return self._stack
        self._command = engine_command(self._toolchain)
        options = workspace_options(self._settings, self._toolchain, self._command)
        try:
            self._stack = self._known_stack(options) or auto.create_or_select_stack(
                stack_name=self._env,
                project_name=PROJECT_NAME_FALLBACK,
                program=self._program,
                opts=options,
            )
        except auto.errors.CommandError as error:
            raise self._error(error, "open the stack") from None
        return self._stack

    def exported_resources(self) -> list[dict[str, Any]]:
        """The resources of the stack's state, as `pulumi stack export` gives them; a state
        the CLI cannot read (a wrong passphrase) fails as any engine command does."""
        try:
            exported = self.stack().export_stack().deployment or {}
        except auto.errors.CommandError as error:
            raise self._error(error, "read the state") from None
        resources = exported.get("resources", []) if isinstance(exported, dict) else []
        return [resource for resource in resources if isinstance(resource, dict)]

    def _known_stack(self, options: auto.LocalWorkspaceOptions) -> auto.Stack | None:
        """The stack opened without a CLI call, when its checkpoint is already there."""
        checkpoint = self._checkpoint()
        path = checkpoint.path if checkpoint else None
        return open_known_stack(self._env, self._program, options, path)

    def _checkpoint(self) -> Checkpoint | None:
        state = self._state_dir()
        return Checkpoint(state, PROJECT_NAME_FALLBACK, self._env) if state else None

    def _damaged_message(self) -> str:
        holders = [holder for holder in map(read_holder, self._lock_files()) if holder]
        gone = [str(holder) for holder in holders if not holder.alive]
        by = f", and its lock is held by {', '.join(gone)}: that process is gone" if gone else ""
        return (
            f"the state of '{self._env}' was cut short by a run killed while saving it{by}; "
            f"run `gmac unlock --env {self._env}`, then try again (unlock puts back the "
            "state's backup, at most one step older; nothing else is lost)"
        )

    def _error(
        self, error: auto.errors.CommandError, action: str, diagnostics: Sequence[str] = ()
    ) -> Exception:
        checkpoint = self._checkpoint()
        if checkpoint is not None and checkpoint.damaged():
            # Whichever command reads the state first meets it: one answer for all of them.
            return EngineError(self._damaged_message())
        mapped = engine_error(
            error, self._env, action, diagnostics, self._settings.passphrase_source
        )
        return LockHeldError(self._lock_message()) if isinstance(mapped, LockHeldError) else mapped

    def _run(
        self, action: str, call: Callable[[EventCollector], Any], options: StackOptions
    ) -> RunResult:
        if self._lock_lost.is_set():
            raise LockLostError(f"stack '{self._env}': this run lost its lock; {action} not run")
        collector = EventCollector(options.listener)
        try:
            result = call(collector)
        except auto.errors.CommandError as error:
            raise self._error(error, action, collector.errors) from None
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
            # Exactly these: with their dependents, targeting a service would pull in every
            # resource that waits for the environment's namespace, which the plan never showed.
            kwargs["target"] = list(options.targets)
        if options.parallel:
            kwargs["parallel"] = options.parallel
        if options.replace:
            kwargs["replace"] = list(options.replace)
        if options.adoptions:
            kwargs["program"] = adopting(self._program, options.adoptions)
        return kwargs

    def preview(self, options: StackOptions) -> RunResult:
        stack = self.stack()
        # A preview changes nothing: its steps are the plan, not progress to show.
        options = replace(options, listener=None)
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

    def _state_dir(self) -> Path | None:
        url = self._settings.backend_url
        return Path(url.removeprefix("file://")) if url.startswith("file://") else None

    def _lock_files(self) -> list[Path]:
        state = self._state_dir()
        return sorted(state.glob(f".pulumi/locks/**/{self._env}/*.json")) if state else []

    def exclusive(self, command: str) -> AbstractContextManager[None]:
        """gmac's lock on this stack for a whole command, held where the state is (see
        gmac.engine.lock and gmac.engine.lock_stores). A run that loses it stops its engine
        command; `unlock` also breaks a lock held from another host."""
        store = lock_store(
            self._settings.backend_url, self._settings.root, PROJECT_NAME_FALLBACK, self._env
        )
        return stack_lock(
            store,
            self._env,
            command,
            lease=lease_seconds(),
            on_lost=self._lock_taken,
            break_other_hosts=command == "unlock",
        )

    def _lock_taken(self) -> None:
        """The lock was taken from this run: no engine command starts any more, and the one
        running stops after the steps in flight."""
        self._lock_lost.set()
        self.interrupt()

    def _lock_message(self) -> str:
        holders = [holder for holder in map(read_holder, self._lock_files()) if holder]
        who = ", ".join(str(holder) for holder in holders) or "another run"
        stale = holders and not any(holder.alive for holder in holders)
        advice = (
            f"that process is gone: run `gmac unlock --env {self._env}`, then try again"
            if stale
            else "wait for it to finish, then try again"
        )
        return f"stack '{self._env}' is locked by {who}: {advice}"

    def unlock(self) -> tuple[int, Repair | None]:
        """Release a lock left by a killed run, and repair the state when that run was killed
        while saving it: how many locks there were, and the repair made, if any. A file
        backend's lock is removed only when the process that took it is gone from this host;
        other backends cancel the update."""
        if self._state_dir() is None:
            self.stack().cancel()
            return 1, None
        released = 0
        for lock in self._lock_files():
            holder = read_holder(lock)
            if holder is not None and holder.alive:
                raise LockHeldError(
                    f"stack '{self._env}' is locked by {holder}, which is "
                    "still running: wait for it to finish"
                )
            lock.unlink(missing_ok=True)
            lock.with_name(lock.name + ".attrs").unlink(missing_ok=True)
            released += 1
        checkpoint = self._checkpoint()
        return released, checkpoint.restore() if checkpoint is not None else None

    def interrupt(self) -> bool:
        """Cancel the engine command running now, cleanly (as one Ctrl-C would): it finishes
        the steps in flight, saves the state and fails; whether one was running."""
        return self._command is not None and self._command.interrupt() > 0

    def existing_outputs(self) -> dict[str, auto.OutputValue] | None:
        """The outputs of the stack as last updated, without running the program or creating
        the stack: None when it does not exist yet."""
        self._command = self._command or engine_command(self._toolchain)
        options = workspace_options(self._settings, self._toolchain, self._command)
        try:
            stack = self._known_stack(options) or auto.Stack.select(
                self._env, auto.LocalWorkspace(**vars(options))
            )
            return dict(stack.outputs())
        except auto.errors.StackNotFoundError:
            return None
        except auto.errors.CommandError as error:
            raise self._error(error, "read the outputs") from None

    def outputs(self) -> dict[str, Any]:
        return {
            key: ("[secret]" if value.secret else value.value)
            for key, value in self.stack().outputs().items()
        }


def _discard(_line: str) -> None:
    """The CLI's progress text: gmac renders progress from events instead."""
