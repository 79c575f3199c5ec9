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

from gmac.app.adopt.discover import discover
from gmac.app.adopt.kinds import is_kubernetes_object, provider_for
from gmac.app.adopt.value import AMBIGUOUS, FOUND
from gmac.app.operations.run import PreparedRun
from gmac.errors import ExistingObjectError
from gmac.plan import Plan


def _looked_up(type_: str, renders: bool) -> bool:
    if is_kubernetes_object(type_):
        return not renders
    return provider_for(type_) is not None


def refuse_existing(run: PreparedRun, plan: Plan) -> None:
    """Raises ExistingObjectError naming every object the plan would create that exists."""
    renders = run.spec.environment.kubernetes.render_to is not None
    creates = {c.urn for c in plan.changes if c.op == "create" and _looked_up(c.type, renders)}
    if not creates:
        return
    found = [
        item
        for item in discover(run, only=creates)
        if item.status in (FOUND, AMBIGUOUS) and not item.ours
    ]
    if not found:
        return
    env = run.env
    lines = [
        f"{item.what} ({', '.join(c.id for c in item.candidates)}) already exists and gmac "
        f"did not make it: `gmac adopt --env {env}` reviews it, `gmac apply --env {env} "
        "--adopt` takes it over"
        for item in sorted(found, key=lambda item: (item.owner, item.what))
    ]
    what = ", ".join(item.what for item in found)
    raise ExistingObjectError("gmac", what, message="\n".join([*lines, "nothing was changed"]))
