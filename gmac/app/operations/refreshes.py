"""`gmac drift` (what a refresh would change, nothing written) and `gmac refresh`."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from gmac.app.operations.request import RunRequest
from gmac.app.operations.run import PreparedRun, prepare
from gmac.app.operations.state import state_resources
from gmac.plan import Plan

if TYPE_CHECKING:
    from gmac.engine.stack import RunResult, StackOptions


def drift(request: RunRequest) -> Plan:
    """What refresh would change in the state to match the live resources (nothing written)."""
    from gmac.app.recording import record_drift  # noqa: PLC0415 (the registry: see apply)

    run = prepare(request)
    found = _refresh(run, preview_only=True)
    record_drift(request.root, request.env, found)
    return found


def refresh(request: RunRequest) -> Plan:
    run = prepare(request)
    with run.session.exclusive("refresh"):
        return _refresh(run, preview_only=False)


def _refresh(run: PreparedRun, *, preview_only: bool) -> Plan:
    """Read the live resources. Where manifests are rendered to a folder there is no live
    Kubernetes object to read (the provider fails to reach a cluster): only the other
    resources, the integrations, are read, and the plan says so."""
    render_to = run.spec.environment.kubernetes.render_to

    def refresh(options: StackOptions) -> RunResult:
        return run.session.refresh(options, preview_only=preview_only)

    if render_to is None:
        return _counted(run, run.plan(run.call(refresh)))
    live = [
        urn
        for urn, type_, _, _ in state_resources(run)
        if not type_.startswith(("kubernetes:", "gmac:"))
    ]
    note = (
        f"'{run.env}' renders Kubernetes manifests to {render_to}: there is no live "
        "cluster to compare them with" + ("; only the integrations were read" if live else "")
    )
    if not live:
        return _counted(run, Plan(run.env, (), diagnostics=(note,)))
    found = run.plan(run.call(refresh, live))
    return _counted(run, replace(found, diagnostics=(note, *found.diagnostics)))


def _counted(run: PreparedRun, found: Plan) -> Plan:
    """Up to date: every resource of the state that the refresh found unchanged, or did not
    read at all (a component, a rendered manifest), counted as a plan counts them."""
    changed = {change.urn for change in found.changes}
    total = sum(urn not in changed for urn, _, _, _ in state_resources(run))
    return replace(found, unchanged=total)
