"""Never a silent takeover: before an apply changes anything, each resource it would create
is looked up, and one that already runs stops it, with a line naming each object and what
to do (`gmac adopt`, then `gmac apply --adopt`).

The providers refuse too, in their create (a race with someone making the object meanwhile),
but only here does an apply stop before its first change. The Kubernetes objects need it
most: server-side apply makes or takes over an object alike. An object gmac's marker proves
gmac made (an earlier apply whose answer or state was lost) is no obstacle: that apply goes
on as it would have.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gmac.app.adopt.discover import discover
from gmac.app.adopt.kinds import is_kubernetes_object, provider_for
from gmac.app.adopt.kubernetes import KubernetesFinder
from gmac.app.adopt.value import AMBIGUOUS, FOUND
from gmac.app.observe import namespace
from gmac.app.operations.run import PreparedRun
from gmac.clients.kubernetes import KubeTarget
from gmac.engine.steps import StepRecord
from gmac.errors import ExistingObjectError
from gmac.plan import Change, Plan


@dataclass(frozen=True)
class _Existing:
    owner: str  # the gmac component it belongs to: `Service api`
    what: str
    ids: tuple[str, ...]


def _looked_up(type_: str, renders: bool) -> bool:
    if is_kubernetes_object(type_):
        return not renders
    return provider_for(type_) is not None


def refuse_existing(run: PreparedRun, plan: Plan, steps: Sequence[StepRecord] = ()) -> None:
    """Raises ExistingObjectError naming every object the plan would create that exists.

    A Kubernetes object is looked up by the inputs the preview's `steps` give it; the rest
    (and a Kubernetes object the steps do not describe) by `discover`, which compiles the
    program under mocks: an environment of Kubernetes objects alone needs no second compile."""
    renders = run.spec.environment.kubernetes.render_to is not None
    creates = {c.urn: c for c in plan.changes if c.op == "create" and _looked_up(c.type, renders)}
    if not creates:
        return
    described = {
        step.urn: step.new_inputs
        for step in steps
        if step.urn in creates and is_kubernetes_object(step.type) and step.new_inputs
    }
    found = _kubernetes_objects(run, [creates[urn] for urn in described], described)
    rest = set(creates) - set(described)
    if rest:
        found += [
            _Existing(item.owner, item.what, tuple(c.id for c in item.candidates))
            for item in discover(run, only=rest)
            if item.status in (FOUND, AMBIGUOUS) and not item.ours
        ]
    if not found:
        return
    env = run.env
    lines = [
        f"{item.what} ({', '.join(item.ids)}) already exists and gmac did not make it: "
        f"`gmac adopt --env {env}` reviews it, `gmac apply --env {env} --adopt` takes it over"
        for item in sorted(found, key=lambda item: (item.owner, item.what))
    ]
    what = ", ".join(item.what for item in found)
    raise ExistingObjectError("gmac", what, message="\n".join([*lines, "nothing was changed"]))


def _kubernetes_objects(
    run: PreparedRun, changes: Sequence[Change], inputs: Mapping[str, Mapping[str, Any]]
) -> list[_Existing]:
    """The objects of `changes` that run already and are not gmac's own."""
    if not changes:
        return []
    kubernetes = run.spec.environment.kubernetes
    target = KubeTarget(kubernetes.kubeconfig, kubernetes.context, run.request.root)
    finder = KubernetesFinder(target, namespace(run.spec))
    found = []
    for change in changes:
        finding = finder.find(change.type, inputs[change.urn])
        if finding.candidates and not finding.ours:
            found.append(
                _Existing(change.owner, finding.what, tuple(c.id for c in finding.candidates))
            )
    return found
