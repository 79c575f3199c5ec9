"""The project's own repository on Gitea, where changes to the specs are reviewed: its open
pull requests, each with the plan comments CI left on it (gmac.app.pr_comments' markers).

The panel applies nothing: applying stays in git and CI. It links to each open pull request
and shows the plan CI commented, one per stack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from gmac.clients.gitea import GiteaConnection
from gmac.clients.gitea_changes import GiteaChanges, OpenPull

_MARKER = re.compile(r"^<!-- gmac-plan: ([A-Za-z0-9_.-]+) -->")


@dataclass(frozen=True)
class ProjectRepo:
    """Where the project's specs are reviewed: a Gitea server, `owner/name`, and a token."""

    url: str
    owner: str
    name: str
    token: str = field(default="", repr=False)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def web_url(self) -> str:
        return f"{self.url.rstrip('/')}/{self.owner}/{self.name}"

    def changes(self) -> GiteaChanges:
        return GiteaChanges(GiteaConnection(self.url, token=self.token), self.owner, self.name)


@dataclass(frozen=True)
class PlanComment:
    env: str
    url: str
    body: str


@dataclass(frozen=True)
class PullSummary:
    pull: OpenPull
    plans: tuple[PlanComment, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "number": self.pull.number,
            "title": self.pull.title,
            "url": self.pull.url,
            "branch": self.pull.branch,
            "author": self.pull.author,
            "updated_at": self.pull.updated_at,
            "plans": [{"env": p.env, "url": p.url, "body": p.body} for p in self.plans],
        }


def plan_comments(repo: ProjectRepo, number: int) -> tuple[PlanComment, ...]:
    found = []
    for comment in repo.changes().thread(number).comments():
        body = str(comment.get("body", ""))
        match = _MARKER.match(body)
        if match is not None:
            found.append(PlanComment(match.group(1), str(comment.get("html_url", "")), body))
    return tuple(found)


def open_pulls(repo: ProjectRepo, limit: int = 20) -> list[PullSummary]:
    """The open pull requests, most recently updated first, with their plan comments."""
    changes = repo.changes()
    return [
        PullSummary(pull, plan_comments(repo, pull.number)) for pull in changes.open_pulls(limit)
    ]
