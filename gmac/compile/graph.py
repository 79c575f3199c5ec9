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
import json
import logging
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pulumi
from pulumi.output import Unknown
from pulumi.runtime import mocks, rpc
from pulumi.runtime.stack import run_pulumi_func
from rich.markup import escape
from rich.tree import Tree

from components.context import CompileContext
from gmac.compile._program import compile_spec

PROJECT = "gmac"  # the Pulumi project, as in Pulumi.yaml
STACK_TYPE = "pulumi:pulumi:Stack"
SECRET = "[secret]"
UNKNOWN = "[unknown]"

_log = logging.getLogger("gmac.compile.graph")


@dataclass(frozen=True)
class GraphNode:
    """One registered resource: a component (`custom` False) or a provider's resource."""

    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    aliases: tuple[str, ...]
    properties: Mapping[str, Any]
    inputs: Mapping[str, Any]
    provider: str | None = None  # the URN of an explicit provider; None for the default

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "custom": self.custom,
            "aliases": list(self.aliases),
            "properties": _plain(self.properties),
            "inputs": _plain(self.inputs),
        }
        if self.provider is not None:
            data["provider"] = self.provider
        return data


@dataclass(frozen=True)
class ResourceGraph:
    """Every resource of one stack, parents before children, siblings by type then name."""

    project: str
    stack: str
    nodes: tuple[GraphNode, ...]

    def children(self, parent: str | None) -> tuple[GraphNode, ...]:
        """The resources directly under `parent` (a URN; None for the stack's own)."""
        return self._children.get(parent, ())

    @cached_property
    def _children(self) -> dict[str | None, tuple[GraphNode, ...]]:
        index: dict[str | None, list[GraphNode]] = {}
        for node in self.nodes:
            index.setdefault(node.parent, []).append(node)
        return {parent: tuple(nodes) for parent, nodes in index.items()}

    def descendants(self, urn: str) -> tuple[GraphNode, ...]:
        """Every resource under `urn`, at any depth."""
        found: list[GraphNode] = []
        for node in self.children(urn):
            found.append(node)
            found.extend(self.descendants(node.urn))
        return tuple(found)

    def of_type(self, type_: str) -> tuple[GraphNode, ...]:
        return tuple(node for node in self.nodes if node.type == type_)

    def get(self, type_: str, name: str) -> GraphNode:
        for node in self.nodes:
            if node.type == type_ and node.name == name:
                return node
        raise KeyError(f"no {type_} named '{name}' in stack '{self.stack}'")

    def to_dict(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "stack": self.stack,
            "resources": [node.to_dict() for node in self.nodes],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# Capturing ---------------------------------------------------------------------------------


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


class _Mocks(mocks.Mocks):
    """Every resource's outputs are its inputs; calls return nothing."""

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        return (f"{args.name}-id" if args.custom else None), dict(args.inputs)

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        return {}, None


class _RecordingMonitor(mocks.MockMonitor):
    """The mock monitor, keeping each registration with its parent and aliases, which
    `MockResourceArgs` does not carry."""

    def __init__(self) -> None:
        super().__init__(_Mocks())
        self.registrations: list[_Registration] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (the gRPC method name)
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
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


def _current_loop() -> asyncio.AbstractEventLoop | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            loop = asyncio.get_event_loop()
    except RuntimeError:
        return None
    return None if loop.is_closed() else loop


def _drain(loop: asyncio.AbstractEventLoop) -> None:
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())


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
    previous = _current_loop()
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
            # Leave a usable loop behind, as found: other Pulumi programs in this process
            # (tests under `pulumi.runtime.test`) expect one.
            asyncio.set_event_loop(previous or asyncio.new_event_loop())
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


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


# Key properties: what the tree shows of each resource -------------------------------------


def _get(data: Any, *path: str | int) -> Any:
    for step in path:
        if isinstance(step, int):
            if not isinstance(data, list) or len(data) <= step:
                return None
        elif not isinstance(data, dict):
            return None
        data = data[step] if isinstance(step, int) else data.get(step)
    return data


def _pairs(data: Any) -> str | None:
    if not isinstance(data, dict) or not data:
        return None
    return " ".join(f"{key}={value}" for key, value in data.items())


def _probe(probe: Any) -> str | None:
    path, port = _get(probe, "httpGet", "path"), _get(probe, "httpGet", "port")
    return f"GET :{port}{path}" if path is not None else None


def _deployment(inputs: Mapping[str, Any]) -> dict[str, Any]:
    container = _get(inputs, "spec", "template", "spec", "containers", 0) or {}
    ports = [f"{p.get('name')}:{p.get('containerPort')}" for p in container.get("ports", [])]
    secrets = [
        _get(env, "valueFrom", "secretKeyRef", "key")
        for env in container.get("env", [])
        if _get(env, "valueFrom", "secretKeyRef")
    ]
    return {
        "image": container.get("image"),
        "replicas": _get(inputs, "spec", "replicas")
        if _get(inputs, "spec", "replicas") is not None
        else "autoscaled",
        "ports": " ".join(ports) or None,
        "liveness": _probe(container.get("livenessProbe")),
        "readiness": _probe(container.get("readinessProbe")),
        "requests": _pairs(_get(container, "resources", "requests")),
        "limits": _pairs(_get(container, "resources", "limits")),
        "env_from": " ".join(
            str(_get(source, "configMapRef", "name")) for source in container.get("envFrom", [])
        )
        or None,
        "secrets": " ".join(str(key) for key in secrets) or None,
        "non_root": _get(inputs, "spec", "template", "spec", "securityContext", "runAsNonRoot"),
    }


def _service(inputs: Mapping[str, Any]) -> dict[str, Any]:
    ports = _get(inputs, "spec", "ports") or []
    return {"ports": " ".join(f"{p.get('name')}:{p.get('port')}" for p in ports) or None}


def _ingress(inputs: Mapping[str, Any]) -> dict[str, Any]:
    rules = _get(inputs, "spec", "rules") or []
    hosts = [
        f"{rule.get('host')}{path.get('path')}"
        for rule in rules
        for path in _get(rule, "http", "paths") or []
    ]
    tls = [host for item in _get(inputs, "spec", "tls") or [] for host in item.get("hosts", [])]
    return {"hosts": " ".join(hosts) or None, "tls": " ".join(tls) or None}


def _autoscaler(inputs: Mapping[str, Any]) -> dict[str, Any]:
    cpu = _get(inputs, "spec", "metrics", 0, "resource", "target", "averageUtilization")
    return {
        "min": _get(inputs, "spec", "minReplicas"),
        "max": _get(inputs, "spec", "maxReplicas"),
        "cpu_percent": cpu,
    }


def _data_keys(inputs: Mapping[str, Any]) -> dict[str, Any]:
    found: list[str] = []
    for field in ("data", "stringData"):
        value = inputs.get(field)
        if value == SECRET:
            return {"keys": SECRET}
        if isinstance(value, dict):
            found.extend(value)
    return {"keys": " ".join(sorted(found)) or None}


def _rules(inputs: Mapping[str, Any]) -> dict[str, Any]:
    groups = _get(inputs, "spec", "groups") or []
    alerts = [rule.get("alert") for group in groups for rule in group.get("rules", [])]
    return {"alerts": " ".join(str(alert) for alert in alerts) or None}


def _monitor(inputs: Mapping[str, Any]) -> dict[str, Any]:
    endpoints = _get(inputs, "spec", "endpoints") or []
    return {
        "endpoints": " ".join(
            f"{e.get('port')}{e.get('path', '')} every {e.get('interval')}" for e in endpoints
        )
        or None
    }


_KEY_PROPERTIES: Mapping[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "kubernetes:apps/v1:Deployment": _deployment,
    "kubernetes:core/v1:Service": _service,
    "kubernetes:networking.k8s.io/v1:Ingress": _ingress,
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": _autoscaler,
    "kubernetes:policy/v1:PodDisruptionBudget": lambda inputs: {
        "max_unavailable": _get(inputs, "spec", "maxUnavailable")
    },
    "kubernetes:core/v1:ConfigMap": _data_keys,
    "kubernetes:core/v1:Secret": _data_keys,
    "kubernetes:monitoring.coreos.com/v1:PrometheusRule": _rules,
    "kubernetes:monitoring.coreos.com/v1:ServiceMonitor": _monitor,
}


def key_properties(type_: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The few properties that say what a resource is; all of `inputs` for unknown types
    that are not Kubernetes objects (integrations), none for components."""
    summarize = _KEY_PROPERTIES.get(type_)
    if summarize is not None:
        found = summarize(inputs)
    elif type_.startswith("kubernetes:"):
        found = {}
    else:
        found = {key: value for key, value in inputs.items() if isinstance(value, str | int | bool)}
    return {key: value for key, value in found.items() if value is not None}


# Rendering ---------------------------------------------------------------------------------


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
