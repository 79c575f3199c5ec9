"""What the Stripe providers share: gmac's marker and metadata on every object it makes.

Every object gmac creates carries in its metadata the spec's `gmac_project`,
`gmac_environment` and `gmac_id`, and `gmac_key`: the marker of its create (the resource's
key and create inputs, hashed; the same on every run). The marker proves an earlier attempt
of the same create made an object (its answer lost); the other three say which logical
resource an object was made for, and for which project and environment.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from gmac.errors import ExistingObjectError
from gmac.providers._adopt import Candidate, Finding
from gmac.providers._base import Props, resource_marker

MARKER_KEY = "gmac_key"  # the metadata key of the marker
OWNER_KEYS = ("gmac_project", "gmac_environment")  # whose object it is


def marked(kind: str, p: Props, params: Any) -> tuple[str, Any]:
    """The marker of a create's inputs, and the inputs with it in their metadata."""
    marker = resource_marker(kind, p.text("key"), params)
    return marker, {**params, "metadata": {**params.get("metadata", {}), MARKER_KEY: marker}}


def metadata_of(found: Any) -> dict[str, str]:
    metadata: Any = getattr(found, "metadata", None) or {}
    values = metadata.to_dict() if hasattr(metadata, "to_dict") else dict(metadata)
    return {str(key): str(value) for key, value in values.items()}


def our_metadata(p: Props, live: Any) -> dict[str, str]:
    """The live values of the metadata keys gmac sets; keys added by hand are left alone."""
    values = live.to_dict() if hasattr(live, "to_dict") else dict(live or {})
    return {key: str(values[key]) for key in p.mapping("metadata") if key in values}


def metadata_update(old: Props, new: Props) -> dict[str, str]:
    """New metadata, with keys gmac no longer sets cleared (Stripe clears a key set to "")."""
    cleared = {key: "" for key in old.mapping("metadata") if key not in new.mapping("metadata")}
    return {**cleared, **new.mapping("metadata")}


def made_for(p: Props, found: Any) -> bool:
    """Whether `found` carries the spec's gmac metadata: made by gmac for this resource."""
    wanted = p.mapping("metadata")
    live = metadata_of(found)
    return bool(wanted) and all(live.get(key) == value for key, value in wanted.items())


def someone_elses(p: Props, found: Any) -> bool:
    """Whether `found` was made by gmac for another project or environment: never ours."""
    wanted = p.mapping("metadata")
    live = metadata_of(found)
    return any(key in live and live[key] != wanted.get(key) for key in OWNER_KEYS)


def events(p: Props) -> Any:
    # Stripe's types list every event name as a Literal; the spec's pattern checked the shape.
    return p.strings("enabled_events")


def created(found: Any) -> str:
    stamp = getattr(found, "created", None)
    if not isinstance(stamp, int | float):
        return ""
    return datetime.fromtimestamp(stamp, UTC).strftime("created %Y-%m-%d")


def candidate(found: Any, *details: str) -> Candidate:
    return Candidate(str(found.id), ", ".join(d for d in (*details, created(found)) if d))


def look_up(
    what: str, p: Props, marker: str, found: Sequence[Any], *more: tuple[str, list[Any]]
) -> Finding:
    """The first of: the object with the marker (ours), those made for this resource (gmac's
    metadata), then each further look-up in order (`how`, what it found)."""
    ours = [item for item in found if metadata_of(item).get(MARKER_KEY) == marker]
    if ours:
        return Finding(what, (candidate(ours[0]),), how="by gmac's marker", ours=True)
    steps = [("by gmac's metadata", [item for item in found if made_for(p, item)]), *more]
    for how, items in steps:
        if items:
            unique = list({item.id: item for item in items}.values())
            return Finding(what, tuple(candidate(item) for item in unique), how=how)
    return Finding(what)


def refusal(service: str, what: str, finding: Finding) -> ExistingObjectError:
    ids = ", ".join(candidate.id for candidate in finding.candidates)
    return ExistingObjectError(service, f"{what} ({ids}, {finding.how})")
