"""The effective spec of an environment as plain data, for `gmac show` and JSON output."""

from __future__ import annotations

from typing import Any

import yaml

from gmac.validate import Spec


def effective_spec(spec: Spec) -> dict[str, Any]:
    """Every document after overlays, interpolation and template defaults, in file order."""

    def dump(model: Any) -> dict[str, Any]:
        data: dict[str, Any] = model.model_dump(mode="json", by_alias=True, exclude_none=True)
        return data

    return {
        "environment": spec.env,
        "variables": dict(spec.variables),
        "project": dump(spec.project),
        "services": [dump(service) for service in spec.services],
        "integrations": [dump(integration) for integration in spec.integrations],
    }


def summary(spec: Spec) -> dict[str, int]:
    return {
        "services": len(spec.services),
        "integrations": len(spec.integrations),
        "secrets": len(spec.project.secrets),
    }


def validation_line(counts: dict[str, dict[str, int]]) -> str:
    """`✓ specs valid: 4 services, ...; environments: ...` (markup)."""
    first = next(iter(counts.values()))
    names = ", ".join(counts)
    return (
        f"[green]✓[/] specs valid: {first['services']} services, "
        f"{first['integrations']} integrations, {first['secrets']} secrets; "
        f"environments: {names}"
    )


def effective_yaml(spec: Spec) -> str:
    """`gmac show`: the effective spec as a YAML stream, one document per spec."""
    data = effective_spec(spec)
    documents = [data["project"], *data["services"], *data["integrations"]]
    head = f"# effective spec for environment '{spec.env}'\n"
    return head + yaml.safe_dump_all(documents, sort_keys=False, explicit_start=True)
