"""Machines read gmac's stdout: every read command answers `--json`, and every `--json`
command answers JSON on stdout when it fails too (an error object, or the specs' problems),
never an empty document. Both walk the command line itself (tests/cli_tree.py), so a command
added later is held to the same rule."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import click
import pytest

from tests.cli_tree import Command, commands
from tests.gmac_process import run_gmac

# Commands that change something (or hand a file to another tool) rather than read: they
# print what they did, and need no --json. A new command that only reads gets --json.
NOT_READS = {
    "apply": "changes the environment",
    "destroy": "changes the environment",
    "refresh": "writes the state",
    "unlock": "releases a lock",
    "schema": "its output is JSON already (a JSON Schema)",
    "stack init": "writes stack settings",
    "new service": "writes a service",
    "dev cluster install": "builds the control plane",
    "dev cluster up": "starts the control plane",
    "dev cluster down": "stops the control plane",
    "pr comment": "posts a comment",
    "preview up": "creates a preview",
    "preview down": "destroys a preview",
    "preview cleanup": "destroys previews",
    "secrets keygen": "writes an identity",
    "secrets set": "writes a secret",
    "secrets rm": "removes a secret",
    "secrets rotate": "rotates secrets",
    "secrets migrate": "rewrites secrets files",
    "secrets recipients add": "changes a secrets file",
    "secrets recipients rm": "changes a secrets file",
    "secrets unseal": "prints Kubernetes manifests for `kubectl apply -f -`",
    "toolchain install": "builds the toolchain",
    "serve": "runs the web panel",
    "panel password": "sets the panel's password",
    "panel token add": "makes a panel token",
    "panel token revoke": "revokes a panel token",
}
# A --json command that has no way to fail from its input: said here, not skipped quietly.
CANNOT_FAIL = {"templates list": "lists the built-in templates; it reads no input"}

JSON_COMMANDS = [command for command in commands() if "--json" in command.options]


def test_every_read_command_answers_json() -> None:
    missing = [
        command.name
        for command in commands()
        if "--json" not in command.options and command.name not in NOT_READS
    ]
    assert not missing, f"read commands without --json: {missing}"
    unknown = set(NOT_READS) - {command.name for command in commands()}
    assert not unknown, f"NOT_READS names commands that do not exist: {unknown}"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _failing_arguments(command: Command, missing: Path) -> list[str]:
    """The command with every required value given as something that does not exist."""
    args = list(command.path)
    for param in command.required_arguments():
        if isinstance(param, click.Argument):
            args.append("no-such-thing")
        else:
            args += [param.opts[0], "no-such-thing"]
    if "--specs" in command.options:
        args += ["--specs", str(missing)]
    return [*args, "--json"]


@pytest.mark.parametrize(
    "command", [c for c in JSON_COMMANDS if c.name not in CANNOT_FAIL], ids=lambda c: c.name
)
def test_a_failing_json_command_answers_json_on_stdout(command: Command, tmp_path: Path) -> None:
    unreachable = f"http://127.0.0.1:{_closed_port()}"
    env = {
        **os.environ,
        # Commands that need no specs fail on the servers they read instead.
        "GMAC_REGISTRY_URL": unreachable,
        "GMAC_ALERTMANAGER_URL": unreachable,
        "GMAC_HTTP_ATTEMPTS": "1",
    }
    result = run_gmac(_failing_arguments(command, tmp_path / "missing"), cwd=tmp_path, env=env)
    assert result.code == 1, str(result)
    assert "Traceback" not in result.stderr, str(result)
    answer = json.loads(result.stdout)
    assert isinstance(answer, dict), str(result)
    if "problems" in answer:
        assert answer["valid"] is False and answer["problems"], str(result)
    else:
        assert answer["error"]["message"], str(result)
        assert answer["error"]["message"] in result.stderr, str(result)


def test_the_commands_that_cannot_fail_exist() -> None:
    names = {command.name for command in JSON_COMMANDS}
    assert set(CANNOT_FAIL) <= names
