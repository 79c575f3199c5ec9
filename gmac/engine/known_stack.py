"""Opening a stack that already exists without `pulumi stack select`.

The SDK's `Stack` runs `pulumi stack select` when it is made: one more start of the Pulumi CLI,
0.5-1 s on two cores, paid by every plan. Every command the SDK then runs on the stack passes
`--stack` itself (`Stack._run_pulumi_cmd_sync`), so for a stack whose checkpoint is already in
a file backend, in a workspace that already has its project file, the selection changes
nothing. Anything else (a new stack, another backend) is opened the SDK's way.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pulumi import automation as auto
from pulumi.automation._stack import StackInitMode

PROJECT_FILES = ("Pulumi.yaml", "Pulumi.yml", "Pulumi.json")


class KnownStack(auto.Stack):
    """A `Stack` made without its constructor's CLI call; it sets the same attributes."""

    # Stack.__init__ is not called: selecting the stack is all it would add.
    def __init__(self, name: str, workspace: auto.Workspace) -> None:
        self.name = name
        self.workspace = workspace
        self._mode = StackInitMode.SELECT


def open_known_stack(
    name: str,
    program: Callable[[], None],
    options: auto.LocalWorkspaceOptions,
    checkpoint: Path | None,
) -> auto.Stack | None:
    """The stack, opened without a CLI call, when its checkpoint and the workspace's project
    file are both there; None when it must be opened (or created) the SDK's way."""
    work_dir = Path(options.work_dir or ".")
    if checkpoint is None or not checkpoint.is_file():
        return None
    if not any((work_dir / project_file).is_file() for project_file in PROJECT_FILES):
        return None
    options.program = program
    return KnownStack(name, auto.LocalWorkspace(**vars(options)))
