"""Checks of the local folders a spec names, relative to the project root (the folder that
holds the specs folder)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from gmac.errors import Problem
from gmac.load import Document
from gmac.load.files import display_path
from gmac.models import Service


def check_paths(services: Iterable[tuple[Service, Document]], root: Path) -> list[Problem]:
    """Each `repo.initial_files` is a folder under `root`."""
    problems: list[Problem] = []
    for service, document in services:
        folder = service.repo.initial_files if service.repo is not None else None
        if folder is None:
            continue
        path = ("repo", "initial_files")
        line, column = document.source.locate(path)
        if Path(folder).is_absolute():
            message = f"'{folder}' must be a folder relative to the project root"
        elif not (root / folder).is_dir():
            shown = display_path(root / folder)
            message = (
                f"no folder '{shown}': render one with 'gmac new service {service.name}' "
                "or give the folder of the service's code, relative to the project root"
            )
        else:
            continue
        problems.append(Problem(document.file, line, column, ".".join(path), message))
    return problems
