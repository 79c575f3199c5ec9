"""Step 3 of the pipeline: a validated Spec in, Pulumi component resources out.

    compile_spec(ctx, kubernetes=None) -> CompiledStack   inside a Pulumi program
    build_graph(ctx) -> ResourceGraph                      the same, under Pulumi's mocks

Components live in `components/`, one per spec kind; this package never imports
`pulumi.automation` (that is the engine's).
"""

from components.context import CompileContext
from gmac.compile._program import INTEGRATIONS, CompiledStack, compile_spec
from gmac.compile.capture import build_graph, capture
from gmac.compile.graph import GraphNode, ResourceGraph
from gmac.compile.key_properties import key_properties

__all__ = [
    "INTEGRATIONS",
    "CompileContext",
    "CompiledStack",
    "GraphNode",
    "ResourceGraph",
    "build_graph",
    "capture",
    "compile_spec",
    "key_properties",
]
