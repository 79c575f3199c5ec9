"""The effective spec of an environment as plain data, for `gmac show` and JSON output."""

from __future__ import annotations

from typing import Any

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
