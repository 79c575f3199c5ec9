"""Generated values and rotation periods."""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from gmac.models.project import Generate, Project, SecretDeclaration
from gmac.secrets._file import SecretFile, parse_timestamp

ALPHABET = string.ascii_letters + string.digits
DEFAULT_LENGTH = 32
_DURATION_PART = re.compile(r"([0-9]+)(ms|s|m|h|d|w|y)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def duration(text: str) -> timedelta:
    """A validated spec duration such as `90d` or `1h30m`."""
    seconds = sum(int(n) * _UNIT_SECONDS[unit] for n, unit in _DURATION_PART.findall(text))
    return timedelta(seconds=seconds)


def generate_value(declaration: SecretDeclaration) -> str:
    """A new random value: letters and digits, `generate.length` of them (32 by default)."""
    length = (
        declaration.generate.length
        if isinstance(declaration.generate, Generate)
        else DEFAULT_LENGTH
    )
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


@dataclass(frozen=True)
class DueSecret:
    name: str
    reason: str


def _due(name: str, every: str | None, changed: str, now: datetime) -> DueSecret | None:
    if every is None or not changed:
        return None
    age = now - parse_timestamp(changed)
    if age < duration(every):
        return None
    days = age.days
    return DueSecret(
        name, f"last changed {days} day{'s' if days != 1 else ''} ago, rotates every {every}"
    )


def due_secrets(project: Project, file: SecretFile | None, now: datetime) -> list[DueSecret]:
    """The secrets of the file whose `rotate_every` has passed since their value last
    changed (generated ones live in the state: `due_generated`)."""
    due: list[DueSecret] = []
    for name, declaration in sorted(project.secrets.items()):
        entry = file.entries.get(name) if file is not None else None
        if entry is None or declaration.generate:
            continue
        found = _due(name, declaration.rotate_every, entry.changed, now)
        if found is not None:
            due.append(found)
    return due


def due_generated(project: Project, dates: Mapping[str, str], now: datetime) -> list[DueSecret]:
    """The generated secrets (in the state, made at `dates`) whose `rotate_every` passed."""
    due: list[DueSecret] = []
    for name, declaration in sorted(project.secrets.items()):
        if declaration.generate and name in dates:
            found = _due(name, declaration.rotate_every, dates[name], now)
            if found is not None:
                due.append(found)
    return due
