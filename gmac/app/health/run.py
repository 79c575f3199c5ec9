"""`gmac health`: check every integration of one or every environment now, record each
report in the registry, and publish the metrics where asked."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gmac.app.health._checks import HealthReport, check_environment
from gmac.app.health._metrics import push_metrics, write_metrics_file
from gmac.app.run_secrets import secrets_for_run
from gmac.errors import GmacError
from gmac.registry import Registry
from gmac.validate import validate_directory


@dataclass(frozen=True)
class HealthRequest:
    specs: Path
    env: str | None = None
    record: bool = True
    metrics_file: Path | None = None
    pushgateway: str | None = None


def _record(specs: Path, report: HealthReport) -> None:
    with Registry.open(specs.resolve().parent) as registry:
        for target, results in report.targets().items():
            failed = [r for r in results if not r.healthy]
            detail = "; ".join(f"{r.check}: {r.detail}" for r in failed)
            registry.add_health(report.environment, target, "failing" if failed else "ok", detail)


@dataclass(frozen=True)
class HealthRun:
    """The reports, and what went wrong publishing them (the metrics file, the Pushgateway):
    a failed push does not hide what the checks found."""

    reports: list[HealthReport]
    errors: list[GmacError] = field(default_factory=list)


def run_health(request: HealthRequest) -> HealthRun:
    reports = _checked(request)
    errors: list[GmacError] = []
    if request.metrics_file is not None:
        try:
            write_metrics_file(reports, request.metrics_file)
        except GmacError as error:
            errors.append(error)
    if request.pushgateway:
        try:
            push_metrics(reports, request.pushgateway)
        except GmacError as error:
            errors.append(error)
    return HealthRun(reports, errors)


def check_health(request: HealthRequest) -> list[HealthReport]:
    """The reports; a failure to publish them raises."""
    run = run_health(request)
    if run.errors:
        raise run.errors[0]
    return run.reports


def _checked(request: HealthRequest) -> list[HealthReport]:
    reports = []
    for spec in validate_directory(request.specs, request.env).values():
        offline = spec.environment.integrations == "offline"
        values = {} if offline else secrets_for_run(request.specs, spec).values
        report = check_environment(spec, values)
        reports.append(report)
        if request.record and not report.offline:
            _record(request.specs, report)
    return reports
