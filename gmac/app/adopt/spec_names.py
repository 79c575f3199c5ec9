"""The spec's `adopt:` maps: in a service or an integration, the name of one of its resources
(as `gmac adopt` shows it) -> the ID of the live object it takes over.

    kind: Integration
    name: stripe
    adopt: {stripe-product-pro: prod_Q2x...}

A name that is not one of the document's Gitea, Stripe or Turso resources is an error with
the file, line and column of the key (Kubernetes objects are found by namespace and name;
there is never a choice to make).
"""

from __future__ import annotations

from collections.abc import Mapping

from gmac.app.adopt.kinds import provider_for
from gmac.compile import GraphNode, ResourceGraph
from gmac.errors import AdoptionError, Problem
from gmac.suggest import did_you_mean
from gmac.validate import Spec

# The gmac components whose name is a service's, or an integration's.
_DOCUMENTS = {
    "Service": "service",
    "Repository": "service",
    "Image": "service",
    "Stripe": "integration",
    "Turso": "integration",
    "Webhook": "integration",
}


def document_of(component_type: str, name: str) -> str:
    """`service api` for the component `gmac:index:Repository` named `api`; "" when the
    component belongs to the project (monitoring, the secrets)."""
    kind = _DOCUMENTS.get(component_type.rsplit(":", 1)[-1])
    return f"{kind} {name}" if kind else ""


def _owned(graph: ResourceGraph) -> dict[str, list[GraphNode]]:
    """The adoptable resources of each document (`service api`), by the outermost gmac
    component above them."""
    nodes = {node.urn: node for node in graph.nodes}
    owned: dict[str, list[GraphNode]] = {}
    for node in graph.nodes:
        if provider_for(node.type) is None:
            continue
        top: GraphNode | None = None
        current: GraphNode | None = node
        while current is not None:
            if current.type.startswith("gmac:"):
                top = current
            current = nodes.get(current.parent or "")
        if top is not None and document_of(top.type, top.name):
            owned.setdefault(document_of(top.type, top.name), []).append(node)
    return owned


def _problem(spec: Spec, kind: str, name: str, key: str, message: str) -> str:
    origin = spec.origin(kind.capitalize(), name)
    if origin is None:
        return f"{kind} '{name}': adopt.{key}: {message}"
    line, column = origin.source.locate(("adopt", key), at_key=True)
    return str(Problem(origin.file, line, column, f"adopt.{key}", message))


def spec_adoptions(spec: Spec, graph: ResourceGraph) -> Mapping[str, str]:
    """URN -> the ID the spec names for it. AdoptionError: one line per key naming nothing."""
    owned = _owned(graph)
    wanted: dict[str, str] = {}
    problems: list[str] = []
    documents = [("service", item.name, item.adopt) for item in spec.services]
    documents += [("integration", item.name, item.adopt) for item in spec.integrations]
    for kind, name, adopt in documents:
        mine = {node.name: node for node in owned.get(f"{kind} {name}", [])}
        for key, live_id in sorted(adopt.items()):
            node = mine.get(key)
            if node is None:
                known = ", ".join(sorted(mine)) or "none"
                message = (
                    f"no Gitea, Stripe or Turso resource '{key}' in {kind} '{name}'"
                    f"{did_you_mean(key, mine)} (its resources: {known})"
                )
                problems.append(_problem(spec, kind, name, key, message))
            else:
                wanted[node.urn] = str(live_id)
    if problems:
        raise AdoptionError("\n".join(problems))
    return wanted
