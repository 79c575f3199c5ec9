"""The resource graph: compile an environment under Pulumi's mocks, in this process.

No engine, no cluster and no integration is called: `pulumi.runtime.set_mocks` stands in for
the engine, and a recording resource monitor keeps every registration (type, name, parent,
aliases, inputs). The graph is what `gmac graph` prints and what the golden files hold.

URNs are the engine's, not the mock monitor's: a child's type is qualified by its parent's
(`gmac:index:Service$kubernetes:apps/v1:Deployment`) and the stack itself is left out. Aliases
are those that rename (old URNs with another name), including those a child inherits from a
renamed parent, computed as the engine computes them.

Inputs are shown as the engine would receive them, except that secrets read `[secret]`,
values not known before apply read `[unknown]`, and internal `__` properties are left out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.output import Unknown
from pulumi.runtime import mocks, rpc
from pulumi.runtime.stack import run_pulumi_func

from components.context import CompileContext
from gmac.compile._program import compile_spec
from gmac.compile.event_loops import ThreadLoops, current_loop, leave_a_loop
from gmac.compile.graph import GraphNode, ResourceGraph
from gmac.compile.key_properties import SECRET, key_properties

PROJECT = "gmac"  # the Pulumi project, as in Pulumi.yaml
STACK_TYPE = "pulumi:pulumi:Stack"
UNKNOWN = "[unknown]"

_log = logging.getLogger("gmac.compile.graph")


@dataclass(frozen=True)
class _Registration:
    type: str
    name: str
    mock_urn: str
    mock_parent: str
    custom: bool
    aliases: tuple[Any, ...]
    inputs: Mapping[str, Any]
    provider: str


def mock_id(name: str) -> str:
    """The ID a custom resource named `name` has under the mocks: an input that holds it is
    that resource's ID (a Stripe price's `product`)."""
    return f"{name}-id"


class _Mocks(mocks.Mocks):
    """Every resource's outputs are its inputs; calls return nothing."""

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        return (mock_id(args.name) if args.custom else None), dict(args.inputs)

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        return {}, None


class _RecordingMonitor(mocks.MockMonitor):
    """The mock monitor, keeping each registration with its parent and aliases, which
    `MockResourceArgs` does not carry."""

    def __init__(self) -> None:
        super().__init__(_Mocks())
        self.registrations: list[_Registration] = []
        self.thread_loops = ThreadLoops()

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (the gRPC method name)
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        self.thread_loops.note_this_threads_loop()
        if request.type != STACK_TYPE:
            registered = self.resources[response.urn]
            self.registrations.append(
                _Registration(
                    type=request.type,
                    name=request.name,
                    mock_urn=response.urn,
                    mock_parent=request.parent,
                    custom=bool(request.custom),
                    aliases=tuple(request.aliases),
                    inputs=registered.state,
                    provider=request.provider,
                )
            )
        return response


def _ignore_leftovers(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """The SDK leaves tasks behind that asyncio would report at exit; keep them out of
    gmac's output (they are logged at debug level)."""
    _log.debug("asyncio: %s", context.get("message"), exc_info=context.get("exception"))


def _drain(loop: asyncio.AbstractEventLoop) -> None:
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
    # Join the worker threads the monitor answered on, so their loops can be closed.
    loop.run_until_complete(loop.shutdown_default_executor())


def _discard(_: object) -> None:
    return None


def capture(
    program: Callable[[], object],
    *,
    stack: str,
    project: str = PROJECT,
    reveal_secrets: bool = False,
) -> ResourceGraph:
    """Run `program` as a Pulumi program under mocks and return what it registered.

    Runs in a fresh event loop of its own; the Pulumi runtime is reset before and after.
    `reveal_secrets` shows secret inputs as their values, for tests that check generated
    configuration (Kubernetes Secrets are always secret, whatever they hold); gmac's own
    commands never set it.
    """
    previous = current_loop()
    loop = asyncio.new_event_loop()
    loop.set_exception_handler(_ignore_leftovers)
    asyncio.set_event_loop(loop)
    monitor = _RecordingMonitor()
    try:
        pulumi.runtime.reset_options(project=project, stack=stack, preview=True)
        pulumi.runtime.set_mocks(
            monitor.mocks,
            project=project,
            stack=stack,
            preview=True,
            monitor=monitor,
            logger=_log,
        )
        loop.run_until_complete(run_pulumi_func(lambda: _discard(program())))
    finally:
        try:
            _drain(loop)
        finally:
            loop.close()
            monitor.thread_loops.close_all()
            leave_a_loop(previous)
            pulumi.runtime.reset_options()
    return _graph(
        monitor.registrations, project=project, stack=stack, reveal_secrets=reveal_secrets
    )


def build_graph(
    ctx: CompileContext, *, project: str = PROJECT, reveal_secrets: bool = False
) -> ResourceGraph:
    """Compile `ctx`'s environment under mocks: the stack is named after the environment."""
    return capture(
        lambda: compile_spec(ctx), stack=ctx.env, project=project, reveal_secrets=reveal_secrets
    )


# From registrations to the graph --------------------------------------------------------------


def _graph(
    registrations: list[_Registration], *, project: str, stack: str, reveal_secrets: bool
) -> ResourceGraph:
    by_mock_urn = {item.mock_urn: item for item in registrations}
    children: dict[str, list[_Registration]] = {}
    for item in registrations:
        parent = item.mock_parent if item.mock_parent in by_mock_urn else ""
        children.setdefault(parent, []).append(item)
    for siblings in children.values():
        siblings.sort(key=_order)

    # First every URN (a provider may sort after the resources that use it), then the nodes.
    prefix = f"urn:pulumi:{stack}::{project}::"
    chains: dict[str, str] = {}

    def qualify(item: _Registration, parent_chain: str) -> None:
        chains[item.mock_urn] = f"{parent_chain}${item.type}" if parent_chain else item.type
        for sub in children.get(item.mock_urn, []):
            qualify(sub, chains[item.mock_urn])

    for top in children.get("", []):
        qualify(top, "")

    def real_urn(mock_urn: str) -> str:
        return f"{prefix}{chains[mock_urn]}::{by_mock_urn[mock_urn].name}"

    nodes: list[GraphNode] = []

    def visit(item: _Registration, parent: GraphNode | None) -> None:
        urn = real_urn(item.mock_urn)
        parent_chain = chains.get(item.mock_parent, "")
        inputs = _clean(item.inputs, reveal_secrets)
        provider = item.provider.rsplit("::", 1)[0] if item.provider else None
        node = GraphNode(
            urn=urn,
            type=item.type,
            name=item.name,
            parent=parent.urn if parent else None,
            custom=item.custom,
            aliases=_aliases(item, urn, prefix, parent_chain, parent),
            properties=key_properties(item.type, inputs),
            inputs=inputs,
            provider=real_urn(provider) if provider in chains else None,
        )
        nodes.append(node)
        for sub in children.get(item.mock_urn, []):
            visit(sub, node)

    for top in children.get("", []):
        visit(top, None)
    return ResourceGraph(project=project, stack=stack, nodes=tuple(nodes))


def _order(item: _Registration) -> tuple[str, str]:
    return (item.type, item.name)


def _aliases(
    item: _Registration, urn: str, prefix: str, parent_chain: str, parent: GraphNode | None
) -> tuple[str, ...]:
    found: list[str] = []
    for alias in item.aliases:
        if alias.HasField("spec"):
            type_ = alias.spec.type or item.type
            qualified = f"{parent_chain}${type_}" if parent_chain else type_
            found.append(f"{prefix}{qualified}::{alias.spec.name or item.name}")
        elif alias.urn:
            found.append(alias.urn)
    # A child inherits each alias of its parent: the same name with the parent's old name as
    # its prefix, under the parent's old URN (the engine's rule for aliases of children).
    if parent is not None and item.name.startswith(parent.name):
        for parent_alias in parent.aliases:
            old_chain, old_parent_name = parent_alias[len(prefix) :].rsplit("::", 1)
            old_name = old_parent_name + item.name[len(parent.name) :]
            found.append(f"{prefix}{old_chain}${item.type}::{old_name}")
    # Only renames: the Kubernetes SDK also aliases each object to its type's older API
    # versions, which says nothing about gmac and changes with the SDK.
    return tuple(sorted({alias for alias in found if alias.rsplit("::", 1)[-1] != item.name}))


def _clean(value: Any, reveal: bool) -> Any:
    """Inputs as plain JSON values: secrets and unknowns marked, integral floats as ints."""
    if rpc.is_rpc_secret(value):
        return _clean(rpc.unwrap_rpc_secret(value), reveal) if reveal else SECRET
    if isinstance(value, Unknown):
        return UNKNOWN
    if isinstance(value, dict):
        return {
            str(key): _clean(item, reveal)
            for key, item in sorted(value.items())
            if not str(key).startswith("__")
        }
    if isinstance(value, list | tuple):
        return [_clean(item, reveal) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, pulumi.Resource):
        return f"[resource {type(value).__name__}]"
    return str(value)
