"""What `gmac adopt` found for each compiled resource, as frozen values the render layer
shows: found (with the live object's ID and what adopting it changes), missing (it will be
created), ambiguous (the candidates, one to name in the spec), and the resources there is
nothing to look for (already managed, made by gmac on apply, rendered to files)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gmac.plan import Plan, PropertyChange
from gmac.providers import Candidate, Difference

FOUND, MISSING, AMBIGUOUS = "found", "missing", "ambiguous"
MANAGED, MADE, RENDERED = "managed", "made on apply", "rendered"
LOOKED_UP = (FOUND, MISSING, AMBIGUOUS)


@dataclass(frozen=True)
class Adoption:
    urn: str
    type: str
    name: str
    owner: str  # the gmac component it is part of: `Service api`, `Stripe stripe`
    status: str
    document: str = ""  # where its `adopt:` would go: `service api`, `integration stripe`
    what: str = ""  # the live object as a person names it: `Gitea repository gmac/api`
    how: str = ""  # by name, by gmac's marker, named in the spec, ...
    import_id: str = ""
    ours: bool = False  # gmac's marker: an earlier attempt of gmac's made it
    candidates: tuple[Candidate, ...] = ()
    differences: tuple[Difference, ...] = ()  # live against the spec, from its provider
    then: str = ""  # after the import: update, replace, or nothing
    changes: tuple[PropertyChange, ...] = ()  # the plan's, after the import
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "owner": self.owner,
            "status": self.status,
            "document": self.document,
            "what": self.what,
            "how": self.how,
            "id": self.import_id,
            "made_by_gmac": self.ours,
            "candidates": [{"id": c.id, "label": c.label} for c in self.candidates],
            "then": self.then,
            "changes": [vars(change) for change in self.changes],
            "note": self.note,
        }


@dataclass(frozen=True)
class AdoptionReport:
    environment: str
    adoptions: tuple[Adoption, ...]
    plan: Plan  # the preview with the found objects imported

    def of(self, status: str) -> tuple[Adoption, ...]:
        return tuple(item for item in self.adoptions if item.status == status)

    @property
    def ready(self) -> bool:
        """Every object that exists is found once: `gmac apply --adopt` may go on."""
        return not self.of(AMBIGUOUS)

    def counts(self) -> dict[str, int]:
        return {status: len(self.of(status)) for status in (*LOOKED_UP, MANAGED, MADE, RENDERED)}

    def as_dict(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "ready": self.ready,
            "summary": self.counts(),
            "resources": [item.as_dict() for item in self.adoptions],
            "plan": self.plan.as_dict(),
        }
