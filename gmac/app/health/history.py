"""`gmac health history`: each integration's recorded checks over time, and its last failure.

Results are what `gmac health` recorded in the registry (by hand, in CI, or by the
environment's health CronJob): one per integration and run, `ok` or `failing` with what
failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gmac.errors import UsageError
from gmac.registry import HealthResult, Registry
from gmac.suggest import did_you_mean
from gmac.validate import validate_directory

GIT_TARGET = "git"


@dataclass(frozen=True)
class HealthHistoryRequest:
    specs: Path
    env: str | None = None
    integration: str | None = None
    limit: int = 20


@dataclass(frozen=True)
class IntegrationHistory:
    environment: str
    integration: str
    results: tuple[HealthResult, ...]  # newest first
    last_failure: HealthResult | None

    def to_dict(self) -> dict[str, Any]:
        def one(result: HealthResult) -> dict[str, str]:
            return {"status": result.status, "detail": result.detail, "at": result.checked_at}

        return {
            "environment": self.environment,
            "integration": self.integration,
            "results": [one(result) for result in self.results],
            "last_failure": None if self.last_failure is None else one(self.last_failure),
        }


def health_history(request: HealthHistoryRequest) -> list[IntegrationHistory]:
    if request.limit < 1:
        raise UsageError("--limit: give at least 1")
    specs = validate_directory(request.specs, request.env)
    histories: list[IntegrationHistory] = []
    with Registry.open(request.specs.resolve().parent) as registry:
        for spec in specs.values():
            names = [item.name for item in spec.integrations]
            if spec.project.git is not None:
                names.insert(0, GIT_TARGET)
            if request.integration is not None:
                if request.integration not in names:
                    hint = did_you_mean(request.integration, names)
                    raise UsageError(
                        f"no integration '{request.integration}' in environment '{spec.env}'"
                        f"{hint} (its integrations: {', '.join(names) or 'none'})"
                    )
                names = [request.integration]
            failures = registry.last_failures(spec.env)
            for name in names:
                results = registry.health_history(
                    environment=spec.env, target=name, limit=request.limit
                )
                histories.append(
                    IntegrationHistory(spec.env, name, tuple(results), failures.get(name))
                )
    return histories
