"""The Pulumi CLI as gmac runs it: in its own session, with its output in files.

The SDK's `PulumiCommand.run` reads the CLI's output through pipes and leaves it in gmac's
process group. Both go wrong when gmac is interrupted or killed:

- killed (SIGKILL), gmac's end of the pipes closes and the CLI dies of SIGPIPE on its next
  line of progress, leaving its lock and half-finished operations in the state;
- Ctrl-C in a terminal reaches the whole group, and a second signal from gmac would make
  the CLI stop at once instead of finishing the steps in flight.

Here the CLI writes to files and has a session of its own. If gmac dies, the CLI finds its
program gone, finishes the steps in flight, saves the state and releases its lock. gmac
passes on one interrupt (the CLI then cancels cleanly) and a second one (the CLI stops now).

The command keeps a handle on the CLI process it runs, so that gmac can cancel a run for a
reason of its own (`interrupt()`: the cluster went away mid-apply) the same clean way.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import IO

from pulumi import automation as auto
from pulumi.automation.errors import create_command_error
from semver import VersionInfo

from gmac.errors import InterruptedRunError


class EngineCommand(auto.PulumiCommand):
    def __init__(
        self, root: str | None = None, skip_version_check: bool = False, version: str | None = None
    ) -> None:
        """`version`: the CLI's version where it is known already (the toolchain stamps it
        when it installs the CLI); with `skip_version_check`, the SDK's `pulumi version` run
        (a quarter of a second, at every stack opened) is then not needed."""
        known = _parsed(version) if skip_version_check else None
        if known is not None:
            self.command = str(Path(root) / "bin" / "pulumi") if root else "pulumi"
            self.version = known
        else:
            super().__init__(root=root, version=None, skip_version_check=skip_version_check)
        self._running: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()

    def interrupt(self) -> int:
        """Ask the CLI commands running now to cancel cleanly (one SIGINT each, as Ctrl-C
        would); how many there were."""
        with self._lock:
            running = list(self._running)
        for process in running:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        return len(running)

    def run(
        self,
        args: list[str],
        cwd: str,
        additional_env: Mapping[str, str],
        on_output: auto.OnOutput | None = None,
        on_error: auto.OnOutput | None = None,
    ) -> auto.CommandResult:
        # Commands must fail rather than wait for input that never comes (as the SDK does).
        command = [self.command, "--non-interactive", *args]
        env = {**os.environ, **additional_env, "PULUMI_AUTOMATION_API": "true"}
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            process = subprocess.Popen(
                command,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
            with self._lock:
                self._running.add(process)
            try:
                code, interrupted = _wait(process)
            finally:
                with self._lock:
                    self._running.discard(process)
            stdout, stderr = _lines(out), _lines(err)
        _replay(stdout, on_output)
        _replay(stderr, on_error)
        if interrupted:
            raise InterruptedRunError(
                "interrupted: the engine finished the steps in flight and saved the state; "
                "run the command again to carry on"
            )
        result = auto.CommandResult(stdout="\n".join(stdout), stderr="\n".join(stderr), code=code)
        if code != 0:
            raise create_command_error(result)
        return result


def _parsed(version: str | None) -> VersionInfo | None:
    try:
        return VersionInfo.parse(version.strip().removeprefix("v")) if version else None
    except ValueError:
        return None


def _wait(process: subprocess.Popen[bytes]) -> tuple[int, bool]:
    """The CLI's exit code, and whether gmac was interrupted while it ran."""
    interrupts = 0
    while True:
        try:
            return process.wait(), interrupts > 0
        except KeyboardInterrupt:
            interrupts += 1
            # The first interrupt cancels cleanly; the second stops the CLI at once.
            process.send_signal(signal.SIGINT)


def _lines(stream: IO[str]) -> list[str]:
    stream.seek(0)
    return [line.rstrip() for line in stream.read().splitlines()]


def _replay(lines: list[str], callback: auto.OnOutput | None) -> None:
    if callback is not None:
        for line in lines:
            callback(line)
