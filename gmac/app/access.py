"""Whether the project's `access` rules let an actor (gmac.app.actor) do something.

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

from collections.abc import Iterable, Mapping
from typing import Literal

from gmac.app.actor import Actor
from gmac.errors import AccessDeniedError
from gmac.models.project import Access, Project

Action = Literal["apply", "destroy", "reveal_secrets", "write_secrets"]
_VERBS: Mapping[str, str] = {
    "apply": "apply to",
    "destroy": "destroy",
    "reveal_secrets": "reveal the secrets of",
    "write_secrets": "change the secrets of",
}


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
