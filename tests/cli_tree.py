"""Every command of gmac's command line, read from the typer app itself: what the tests that
must cover each command (JSON answers, the README's examples) walk, so that a command added
tomorrow is covered, or named, without anyone remembering to list it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import click
import typer.main

from gmac.cli import app


@dataclass(frozen=True)
class Command:
    path: tuple[str, ...]  # ("secrets", "recipients", "add")
    command: click.Command

    @property
    def name(self) -> str:
        return " ".join(self.path)

    @property
    def options(self) -> set[str]:
        return {opt for param in self.command.params for opt in param.opts}

    def required_arguments(self) -> list[click.Parameter]:
        return [param for param in self.command.params if param.required]


def _walk(command: click.Command, path: tuple[str, ...]) -> Iterator[Command]:
    subcommands = getattr(command, "commands", None)
    if subcommands is None:
        yield Command(path, command)
        return
    # A group that runs on its own (`gmac health`) is a command too.
    if path and getattr(command, "invoke_without_command", False):
        yield Command(path, command)
    for name, sub in sorted(subcommands.items()):
        yield from _walk(sub, (*path, name))


def commands() -> list[Command]:
    """Every command, groups that run on their own included, in name order."""
    return list(_walk(typer.main.get_command(app), ()))
