"""Who is running gmac.

The actor is, first found: `GMAC_ACTOR`; the CI's own variable for who started the run
(Gitea and GitHub Actions, GitLab, Woodpecker, Drone); `git config gmac.actor`;
`git config user.name`. Each answer carries where it came from, for messages.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass

ACTOR_VARIABLE = "GMAC_ACTOR"
# The variable each CI sets to the user who started the run, checked in this order.
CI_ACTOR_VARIABLES = (
    "GITEA_ACTOR",
    "GITHUB_ACTOR",
    "GITLAB_USER_LOGIN",
    "CI_COMMIT_AUTHOR",  # Woodpecker
    "DRONE_COMMIT_AUTHOR",
)


@dataclass(frozen=True)
class Actor:
    name: str
    source: str  # where the name came from, for messages
    proof: str = ""  # how the name was proven (gmac.app.proof); empty: only claimed

    def __str__(self) -> str:
        return self.name


def _git_config(key: str) -> str:
    try:
        found = subprocess.run(
            ["git", "config", "--get", key],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return found.stdout.strip() if found.returncode == 0 else ""


def current_actor(
    environ: Mapping[str, str] | None = None, git: Callable[[str], str] = _git_config
) -> Actor:
    source = os.environ if environ is None else environ
    for variable in (ACTOR_VARIABLE, *CI_ACTOR_VARIABLES):
        value = source.get(variable, "").strip()
        if value:
            return Actor(value, variable)
    for key in ("gmac.actor", "user.name"):
        value = git(key)
        if value:
            return Actor(value, f"git config {key}")
    return Actor("unknown", "nothing: set GMAC_ACTOR")
