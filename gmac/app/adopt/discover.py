"""Finding each compiled resource's live counterpart by its natural identity.

The environment is compiled under Pulumi's mocks (gmac.compile.build_graph) with the run's
secret values, so each resource's inputs are what the engine would send, credentials
included (they stay in this process: nothing here prints an input). An input that holds
another resource's ID under the mocks (a Stripe price's `product`) gets the ID found for
that resource; when that one is missing, so is this one (it will be created after it).

Each adoptable resource is looked up by its provider (gmac.app.adopt.kinds) or, for a
Kubernetes object, in the environment's cluster (gmac.app.adopt.kubernetes). The spec's
`adopt:` map (gmac.app.adopt.spec_names) names the object where the look-up found several,
or any other the user means. An object adopted by two resources is an error: one line each.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from components.context import CompileContext
from gmac.app.adopt.kinds import is_kubernetes_object, is_made_on_apply, provider_for
from gmac.app.adopt.kubernetes import KubernetesFinder
from gmac.app.adopt.spec_names import document_of, spec_adoptions
from gmac.app.adopt.value import AMBIGUOUS, FOUND, MADE, MANAGED, MISSING, RENDERED, Adoption
from gmac.app.operations.run import PreparedRun
from gmac.app.run_secrets import secrets_for_run
from gmac.clients.kubernetes import KubeTarget
from gmac.compile import GraphNode, ResourceGraph, build_graph
from gmac.compile.capture import mock_id
from gmac.engine.adoption import urn_tail
from gmac.errors import AdoptionError
from gmac.plan import short_type
from gmac.providers import ADOPT_INPUT, Finding


def context(run: PreparedRun) -> CompileContext:
    """The run's compile context, with the secret values a plan reads."""
    found = secrets_for_run(run.request.specs, run.spec)
    return CompileContext(
        run.spec,
        secret_values=found.values,
        sealed_secrets=found.sealed,
        seal_recipients=found.seal_recipients,
    )


@dataclass
class _Discovery:
    run: PreparedRun
    graph: ResourceGraph
    wanted: Mapping[str, str]  # URN -> the ID the spec's `adopt:` names
    managed: Mapping[str, str]  # URN tail -> ID of what the state holds already
    kubernetes: KubernetesFinder | None
    found: dict[str, Adoption] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.nodes = {node.urn: node for node in self.graph.nodes}
        self.by_mock_id = {mock_id(n.name): n for n in self.graph.nodes if n.custom}

    def owner(self, node: GraphNode) -> tuple[str, str]:
        """The outermost gmac component above `node`: (`Service api`, `service api`)."""
        top: GraphNode | None = None
        current: GraphNode | None = node
        while current is not None:
            if current.type.startswith("gmac:"):
                top = current
            current = self.nodes.get(current.parent or "")
        if top is None:
            return "", ""
        return f"{short_type(top.type)} {top.name}", document_of(top.type, top.name)

    def adoption(self, node: GraphNode, status: str, **more: Any) -> Adoption:
        owner, document = self.owner(node)
        return Adoption(node.urn, node.type, node.name, owner, status, document, **more)

    def visit(self, node: GraphNode) -> Adoption:
        known = self.found.get(node.urn)
        if known is None:
            known = self.found[node.urn] = self._look_up(node)
        return known

    def _look_up(self, node: GraphNode) -> Adoption:
        if urn_tail(node.urn) in self.managed:
            return self.adoption(node, MANAGED, import_id=self.managed[urn_tail(node.urn)])
        if is_kubernetes_object(node.type):
            if self.kubernetes is None:
                return self.adoption(node, RENDERED, note="rendered to files: no cluster")
            return self._result(node, self.kubernetes.find(node.type, node.inputs))
        provider = provider_for(node.type)
        if provider is None:
            note = "gmac makes it on apply" if is_made_on_apply(node.type) else ""
            return self.adoption(node, MADE, note=note)
        inputs, waiting = self._resolved(node.inputs)
        if waiting is not None:
            return self.adoption(node, MISSING, note=f"after {waiting} is created")
        if node.urn in self.wanted:
            inputs[ADOPT_INPUT] = self.wanted[node.urn]
        finding: Finding = provider.find(inputs)
        result = self._result(node, finding)
        if result.status == FOUND:
            differences = provider.differences(result.import_id, inputs)
            then = "replace" if any(d.replaces for d in differences) else ""
            then = then or ("update" if differences else "")
            result = replace(result, differences=differences, then=then)
        return result

    def _result(self, node: GraphNode, finding: Finding) -> Adoption:
        if finding.problem:
            raise AdoptionError(f"{self.owner(node)[1]}: adopt: {node.name}: {finding.problem}")
        status = {"found": FOUND, "missing": MISSING}.get(finding.status, AMBIGUOUS)
        return self.adoption(
            node,
            status,
            what=finding.what,
            how=finding.how,
            import_id=finding.id,
            ours=finding.ours,
            candidates=finding.candidates,
        )

    def _resolved(self, inputs: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
        """The inputs with the IDs found for the resources they name; or the name of one
        that will be created first."""
        resolved = dict(inputs)
        for key, value in inputs.items():
            other = self.by_mock_id.get(value) if isinstance(value, str) else None
            if other is None:
                continue
            found = self.visit(other)
            if found.status not in (FOUND, MANAGED) or not found.import_id:
                return resolved, other.name
            resolved[key] = found.import_id
        return resolved, None


def _managed_ids(run: PreparedRun) -> dict[str, str]:
    """URN tail -> ID of every resource already in the state (a price whose product is
    managed needs that product's ID)."""
    exported = run.session.stack().export_stack().deployment or {}
    resources = exported.get("resources", []) if isinstance(exported, dict) else []
    return {urn_tail(str(r.get("urn", ""))): str(r.get("id") or "") for r in resources}


def discover(run: PreparedRun, only: Collection[str] | None = None) -> list[Adoption]:
    """What each compiled resource (or each of `only`, by URN) has running already.

    Raises AdoptionError, one line per problem, for an `adopt:` naming nothing, an ID that
    does not exist, or one object adopted by two resources."""
    ctx = context(run)
    graph = build_graph(ctx, reveal_secrets=True)
    kubernetes = run.spec.environment.kubernetes
    finder = None
    if kubernetes.render_to is None:
        target = KubeTarget(kubernetes.kubeconfig, kubernetes.context, run.request.root)
        finder = KubernetesFinder(target, ctx.namespace)
    wanted = spec_adoptions(run.spec, graph)
    discovery = _Discovery(run, graph, wanted, _managed_ids(run), finder)
    chosen = [n for n in graph.nodes if n.custom and (only is None or n.urn in only)]
    adoptions = [discovery.visit(node) for node in chosen]
    _refuse_doubles(adoptions)
    return adoptions


def _refuse_doubles(adoptions: list[Adoption]) -> None:
    by_object: dict[tuple[str, str], list[Adoption]] = {}
    for item in adoptions:
        if item.status == FOUND:
            by_object.setdefault((item.type, item.import_id), []).append(item)
    lines = [
        f"{group[0].what} ({import_id}) would be adopted by "
        + " and ".join(f"{item.name} ({item.document or item.owner})" for item in group)
        + ": a live object belongs to one resource; name another one with `adopt:`"
        for (_, import_id), group in sorted(by_object.items())
        if len(group) > 1
    ]
    if lines:
        raise AdoptionError("\n".join(lines))
