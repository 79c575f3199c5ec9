"""`gmac graph`: the resource graph as a tree, type, name and key properties of each node."""

from __future__ import annotations

from rich.markup import escape
from rich.tree import Tree

from gmac.compile import GraphNode, ResourceGraph


def _label(node: GraphNode) -> str:
    text = f"[cyan]{escape(node.type)}[/] [bold]{escape(node.name)}[/]"
    details = [f"{key}={value}" for key, value in node.properties.items()]
    if node.aliases:
        details.append(
            "renamed_from=" + ",".join(alias.rsplit("::", 1)[-1] for alias in node.aliases)
        )
    if details:
        text += "  [dim]" + escape("  ".join(details)) + "[/]"
    return text


def render_tree(graph: ResourceGraph) -> Tree:
    """The graph as a rich Tree: type, name and key properties of every resource."""
    root = Tree(f"[bold]stack {escape(graph.stack)}[/] ({len(graph.nodes)} resources)")

    def add(branch: Tree, parent: str | None) -> None:
        for node in graph.children(parent):
            add(branch.add(_label(node)), node.urn)

    add(root, None)
    return root
