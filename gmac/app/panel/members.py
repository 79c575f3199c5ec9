"""Who may sign in to the panel, and with which roles.

The project's `access.users` are the panel's users (the single-user restriction: with
`users: [gmackie]` only gmackie gets in, whoever else the sign-in provider knows); their
roles are the `access.roles` naming them. A project without `access` admits its `owner`
alone. The signed-in user becomes the actor of what they do, proven by the sign-in
(gmac.app.proof): the access rules then decide each action as they do on the command line.
"""

from __future__ import annotations

from dataclasses import dataclass

from gmac.app.actor import Actor
from gmac.errors import AccessDeniedError
from gmac.models.project import Project


@dataclass(frozen=True)
class Member:
    name: str
    roles: tuple[str, ...]
    via: str  # how they signed in: gitea, password, one-time link, API token

    def actor(self) -> Actor:
        return Actor(
            self.name, f"the panel ({self.via})", proof=f"the panel's sign-in ({self.via})"
        )


def users(project: Project) -> list[str]:
    return list(project.access.users) if project.access is not None else [project.owner]


def member(project: Project, name: str, via: str) -> Member:
    """The member `name`, signed in `via`; AccessDeniedError when the project does not
    admit them."""
    admitted = users(project)
    if name not in admitted:
        where = "access.users" if project.access is not None else "the project's owner"
        raise AccessDeniedError(
            f"'{name}' is not a user of project '{project.name}': only "
            f"{', '.join(admitted)} may sign in ({where})"
        )
    roles = (
        tuple(sorted(role for role, names in project.access.roles.items() if name in names))
        if project.access is not None
        else ()
    )
    return Member(name, roles, via)
