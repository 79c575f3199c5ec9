"""Who is running gmac, and whether the project's `access` rules let them.

The actor is, first found: `GMAC_ACTOR`; the CI's own variable for who started the run
(Gitea and GitHub Actions, GitLab, Woodpecker, Drone); `git config gmac.actor`;
`git config user.name`.

The rules, for an environment and an action:

- no `access` in the project: everyone may do everything;
- an actor not in `access.users` may do nothing (the single-user restriction: with
  `users: [gmackie]`, gmac acts for gmackie alone);
- the rules naming the environment decide: `apply` (also writing its secrets), `destroy`
  (those who may apply when not given) and `reveal_secrets`; a principal is a user or a role;
- an environment that no rule names is open to every user.

These are guard rails against mistakes, enforced by gmac itself: the actor is whoever the
environment says it is. What really keeps production safe is who holds its identity and its
cluster credentials; CI should set GMAC_ACTOR from the variable its server vouches for.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from gmac.errors import AccessDeniedError
from gmac.models.project import Access, Project

ACTOR_VARIABLE = "GMAC_ACTOR"
# The variable each CI sets to the user who started the run, checked in this order.
CI_ACTOR_VARIABLES = (
    "GITEA_ACTOR",
    "GITHUB_ACTOR",
    "GITLAB_USER_LOGIN",
    "CI_COMMIT_AUTHOR",  # Woodpecker
    "DRONE_COMMIT_AUTHOR",
)

Action = Literal["apply", "destroy", "reveal_secrets", "write_secrets"]
_VERBS: Mapping[str, str] = {
    "apply": "apply to",
    "destroy": "destroy",
    "reveal_secrets": "reveal the secrets of",
    "write_secrets": "change the secrets of",
}


@dataclass(frozen=True)
class Actor:
    name: str
    source: str  # where the name came from, for messages

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


def _expand(access: Access, principals: Iterable[str]) -> list[str]:
    users: list[str] = []
    for principal in principals:
        members = access.roles.get(principal, [principal])
        users.extend(member for member in members if member not in users)
    return users


def _describe(access: Access, principals: list[str]) -> str:
    parts = []
    for principal in principals:
        if principal in access.roles:
            members = ", ".join(access.roles[principal]) or "nobody"
            parts.append(f"{principal} ({members})")
        else:
            parts.append(principal)
    return ", ".join(parts)


def allowed_principals(access: Access, action: str, env: str) -> list[str] | None:
    """The users and roles the rules name for `action` in `env`; None when no rule names
    `env` (every user may)."""
    rules = [rule for rule in access.rules if env in rule.environments]
    if not rules:
        return None
    principals: list[str] = []
    for rule in rules:
        if action == "reveal_secrets":
            named = rule.reveal_secrets
        elif action == "destroy" and rule.destroy is not None:
            named = rule.destroy
        else:
            named = rule.apply
        principals.extend(p for p in named if p not in principals)
    return principals


def authorize(project: Project, action: str, env: str, actor: Actor) -> None:
    """Returns when `actor` may do `action` in `env`; raises AccessDeniedError, naming who
    may, when not."""
    verb = _VERBS[action]  # one of `Action`
    access = project.access
    if access is None:
        return
    where = f"(actor from {actor.source})"
    if actor.name not in access.users:
        users = ", ".join(access.users)
        raise AccessDeniedError(
            f"'{actor}' {where} is not a user of project '{project.name}': only {users} may "
            f"{verb} '{env}' (access.users)"
        )
    principals = allowed_principals(access, action, env)
    if principals is None or actor.name in _expand(access, principals):
        return
    who = _describe(access, principals) if principals else "nobody (no rule grants it)"
    raise AccessDeniedError(f"'{actor}' {where} may not {verb} '{env}': only {who} may")
