"""The effective spec of an environment as plain data, for `gmac show` and JSON output."""

from __future__ import annotations

from collections.abc import Mapping
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
    """What `spec`'s environment has: the services that run there (a service's
    `environments`, every one when not given), the integrations and the declared secrets."""
    return {
        "services": len(spec.services),
        "integrations": len(spec.integrations),
        "secrets": len(spec.project.secrets),
    }


def _declared_services(spec: Spec) -> int:
    """Every Service spec, wherever it runs."""
    return sum(1 for kind, _ in spec.documents if kind == "Service")


def validation_line(specs: Mapping[str, Spec]) -> str:
    """`✓ specs valid: 5 services, ...; environments: local (4 services), ...` (markup).

    One rule counts services: the headline counts every Service spec; an environment where
    fewer of them run says how many beside its name.
    """
    first = next(iter(specs.values()))
    declared = _declared_services(first)
    counts = {name: summary(spec) for name, spec in specs.items()}
    names = ", ".join(
        name if count["services"] == declared else f"{name} ({_services(count['services'])})"
        for name, count in counts.items()
    )
    head = counts[next(iter(counts))]
    return (
        f"[green]✓[/] specs valid: {_services(declared)}, "
        f"{head['integrations']} integrations, {head['secrets']} secrets; "
        f"environments: {names}"
    )


def _services(count: int) -> str:
    return f"{count} service" if count == 1 else f"{count} services"


def effective_yaml(spec: Spec) -> str:
    """`gmac show`: the effective spec as a YAML stream, one document per spec."""
    data = effective_spec(spec)
    documents = [data["project"], *data["services"], *data["integrations"]]
    head = f"# effective spec for environment '{spec.env}'\n"
    return head + yaml.safe_dump_all(documents, sort_keys=False, explicit_start=True)
