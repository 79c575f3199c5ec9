"""Adopting what already runs: how a provider finds a resource's live counterpart, takes it
over when asked, and refuses to take one over silently.

- `find(props)` looks the object up by its natural identity (a repository by owner/name, a
  Stripe product by gmac's metadata, else by name, ...) and answers a `Finding`: no
  candidate (it will be created), one, or several (the user names one in the spec).
  `ours` says gmac's own marker proves an earlier attempt of this very create made it (a
  lost answer): that one is taken over without asking, as before.
- The `adopt` input names the live object to take over: a create that carries it makes
  nothing, it sets the object to the declared settings and keeps its ID. Pulumi's `import`
  option cannot do this for a Python dynamic provider (the engine's import read carries no
  inputs, so neither the pickled provider nor its credentials reach `read`: pulumi/pulumi
  #16175), so gmac's providers adopt in their create and the plan shows it as an import.
- `differences(id, props)` is what an adoption would then change: the live values against
  the spec's, for the inputs the provider's diff looks at.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gmac.providers._base import Props, changed

ADOPT_INPUT = "adopt"  # the input naming the live object a create takes over


@dataclass(frozen=True)
class Candidate:
    """One live object that could be the resource: its ID, and words to tell it apart."""

    id: str
    label: str = ""


@dataclass(frozen=True)
class Finding:
    """What a look-up found for one resource."""

    what: str  # the object as a person names it: `Gitea repository gmac/api`
    candidates: tuple[Candidate, ...] = ()
    how: str = ""  # `by name`, `by gmac's marker`, `by lookup key`, `named in the spec`
    ours: bool = False  # gmac's marker proves an earlier attempt of this create made it
    problem: str = ""  # the spec's `adopt:` names nothing that exists, ...

    @property
    def status(self) -> str:
        if self.problem:
            return "error"
        if not self.candidates:
            return "missing"
        return "found" if len(self.candidates) == 1 else "ambiguous"

    @property
    def id(self) -> str:
        return self.candidates[0].id if len(self.candidates) == 1 else ""


@dataclass(frozen=True)
class Difference:
    """One input whose live value is not the spec's; `replaces`: the API cannot change it in
    place (a new object replaces the adopted one)."""

    key: str
    live: Any
    spec: Any
    replaces: bool = False


def adopt_id(p: Props) -> str:
    return p.text(ADOPT_INPUT)


def differences(
    live: Mapping[str, Any],
    spec: Mapping[str, Any],
    *,
    update: tuple[str, ...],
    replace: tuple[str, ...] = (),
    unordered: tuple[str, ...] = (),
) -> tuple[Difference, ...]:
    """The inputs of `update` and `replace` whose live value differs from the spec's."""
    old, new = Props(live).raw, Props(spec).raw
    found = [
        Difference(key, old.get(key), new.get(key), replaces=key in replace)
        for key in (*replace, *update)
        if changed(old.get(key), new.get(key), unordered=key in unordered)
    ]
    return tuple(found)


def named_in_spec(what: str, wanted: str, found: Candidate | None) -> Finding:
    """The Finding for an ID the spec's `adopt:` names: the object, or a problem."""
    if found is None:
        return Finding(what, how="named in the spec", problem=f"no {what} {wanted}")
    return Finding(what, (found,), how="named in the spec")
