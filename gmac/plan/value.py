"""The Plan: what a preview, a refresh or a destroy would change, as a frozen value.

Built from the engine's steps by gmac.plan.build; rendered as a table, JSON or Markdown by
gmac.render; compared with a saved plan by gmac.plan.saved. It holds no secret: the engine's
steps arrive with every secret masked as `[secret]`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

CHANGE_OPS = ("create", "update", "replace", "delete", "import")


def short_type(type_: str) -> str:
    """`kubernetes:apps/v1:Deployment` -> `Deployment`; providers keep their package."""
    if type_.startswith("pulumi:providers:"):
        return f"provider:{type_.rsplit(':', 1)[-1]}"
    if type_ == "pulumi-python:dynamic:Resource":
        return "dynamic"
    return type_.rsplit(":", 1)[-1]


@dataclass(frozen=True)
class PropertyChange:
    path: str
    kind: str
    old: Any = None
    new: Any = None

    @property
    def forces_replacement(self) -> bool:
        return self.kind.endswith("-replace")


@dataclass(frozen=True)
class Change:
    op: str
    urn: str
    type: str
    name: str
    component: str
    properties: tuple[PropertyChange, ...] = ()
    owner: str = ""  # the gmac component instance it belongs to, e.g. "Service api"
    replace_reasons: tuple[str, ...] = ()
    # A digest of the inputs the resource will have: a create lists no properties, so a saved
    # plan tells two creates apart by this. Secrets enter it masked, so never their values.
    inputs_digest: str = ""
    # The resource will hold a secret (an input the engine masks): shown as [secret].
    secret: bool = False
    # An import (an object that already runs, adopted): the live object's ID, and what the
    # apply does to it next ("update", "replace"; "" when it already matches the spec).
    import_id: str = ""
    then: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "op": self.op,
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "component": self.component,
            "owner": self.owner,
            "properties": [vars(prop) for prop in self.properties],
            "replace_reasons": list(self.replace_reasons),
            "inputs_digest": self.inputs_digest,
            "secret": self.secret,
            "import_id": self.import_id,
            "then": self.then,
        }


@dataclass(frozen=True)
class RecordOrigin:
    """Where a plan answered without the engine came from: the no-change record left by a
    plan or an apply (gmac.app.operations.no_change), and when that run was."""

    command: str
    at: str

    def as_dict(self) -> dict[str, str]:
        return {"command": self.command, "at": self.at}


@dataclass(frozen=True)
class Plan:
    environment: str
    changes: tuple[Change, ...]
    unchanged: int = 0
    diagnostics: tuple[str, ...] = field(default=())
    origin: RecordOrigin | None = None  # None: the engine's own preview

    @property
    def has_changes(self) -> bool:
        return any(change.op in CHANGE_OPS for change in self.changes)

    def counts(self) -> dict[str, int]:
        counted = Counter(change.op for change in self.changes)
        result = {op: counted.get(op, 0) for op in CHANGE_OPS}
        result["same"] = self.unchanged
        return result

    def as_dict(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "has_changes": self.has_changes,
            "summary": self.counts(),
            "changes": [change.as_dict() for change in self.changes],
            "diagnostics": list(self.diagnostics),
            "from_record": self.origin.as_dict() if self.origin is not None else None,
        }


def plan_from_dict(data: Mapping[str, Any]) -> Plan:
    changes = tuple(
        Change(
            op=str(item["op"]),
            urn=str(item["urn"]),
            type=str(item["type"]),
            name=str(item["name"]),
            component=str(item.get("component", "")),
            owner=str(item.get("owner", "")),
            properties=tuple(PropertyChange(**prop) for prop in item.get("properties", [])),
            replace_reasons=tuple(item.get("replace_reasons", [])),
            inputs_digest=str(item.get("inputs_digest", "")),
            secret=bool(item.get("secret", False)),
            import_id=str(item.get("import_id", "")),
            then=str(item.get("then", "")),
        )
        for item in data.get("changes", [])
    )
    origin = data.get("from_record")
    return Plan(
        str(data["environment"]),
        changes,
        unchanged=int(data["summary"]["same"]),
        diagnostics=tuple(data.get("diagnostics", [])),
        origin=RecordOrigin(str(origin["command"]), str(origin["at"])) if origin else None,
    )
