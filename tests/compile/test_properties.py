"""Properties of what any service compiles to, over generated services (hypothesis)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.service import min_replicas
from gmac.compile import GraphNode, ResourceGraph
from tests.compile.conftest import graph_of, make_spec

SERVICE = "gmac:index:Service"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
LABELS = (
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/managed-by",
)
# Names chosen to collide if naming were careless: `api-env` is also the ConfigMap of `api`.
NAMES = ("api", "api-env", "api-secrets", "api-alerts", "web", "w1", "monitoring")
SECRETS = ("db-password", "api-key")

compile_settings = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

durations = st.builds(lambda n, unit: f"{n}{unit}", st.integers(1, 90), st.sampled_from("smh"))
quantities = st.sampled_from(["50m", "100m", "0.5", "1", "2"])
memories = st.sampled_from(["64Mi", "128Mi", "1Gi"])


@st.composite
def service_docs(draw: st.DrawFn, name: str) -> dict[str, Any]:
    doc: dict[str, Any] = {"name": name}
    runs = draw(st.integers(0, 9)) > 0
    if runs:
        if draw(st.booleans()):
            doc["image"] = {
                "build": False,
                "ref": f"registry.example.org/{name}:{draw(st.integers(1, 9))}",
            }
        else:
            doc["image"] = {"build": True}
        if draw(st.booleans()):
            doc["port"] = draw(st.integers(1024, 9000))
    port = doc.get("port")
    if runs and (port or draw(st.booleans())):
        health: dict[str, Any] = {"path": draw(st.sampled_from(["/healthz", "/ready", "/"]))}
        if port is None or draw(st.booleans()):
            health["port"] = draw(st.integers(9001, 9100))
        if draw(st.booleans()):
            health["initial_delay"] = draw(durations)
        if draw(st.booleans()) or port is not None:
            doc["health"] = health
    if draw(st.booleans()):
        doc["metrics"] = draw(st.sampled_from([{}, {"port": 9200}, {"path": "/stats"}]))
    if port is not None and draw(st.booleans()):
        doc["ingress"] = {"host": f"{name}.example.org", "tls": draw(st.booleans())}
    doc["replicas"] = draw(st.integers(0, 4))
    if draw(st.booleans()):
        low = draw(st.integers(1, 3))
        doc["autoscale"] = {
            "min": low,
            "max": draw(st.integers(low, 6)),
            "cpu_percent": draw(st.integers(10, 100)),
        }
    if draw(st.booleans()):
        resources: dict[str, Any] = {"cpu": draw(quantities), "memory": draw(memories)}
        if draw(st.booleans()):
            resources["limits"] = {"cpu": draw(quantities), "memory": draw(memories)}
        doc["resources"] = resources
    doc["env"] = draw(
        st.dictionaries(
            st.sampled_from(["LOG_LEVEL", "MODE", "node_name"]), st.text(max_size=8), max_size=3
        )
    )
    doc["secrets"] = draw(st.lists(st.sampled_from(SECRETS), unique=True, max_size=2))
    doc["alerts"] = [
        {"name": alert, "expr": f'up{{job="{name}"}} == 0', "severity": severity}
        for alert, severity in draw(
            st.dictionaries(
                st.sampled_from(["Down", "Slow"]),
                st.sampled_from(["critical", "warning", "info"]),
                max_size=2,
            )
        ).items()
    ]
    return doc


@st.composite
def projects(draw: st.DrawFn, min_size: int = 1, max_size: int = 3) -> list[dict[str, Any]]:
    names = draw(
        st.lists(st.sampled_from(NAMES), unique=True, min_size=min_size, max_size=max_size)
    )
    return [draw(service_docs(name)) for name in names]


def subtree(graph: ResourceGraph, service: str) -> list[GraphNode]:
    top = graph.get(SERVICE, service)
    return [top, *graph.descendants(top.urn)]


def _template(node: GraphNode) -> dict[str, Any]:
    return node.inputs["spec"]["template"]


@compile_settings
@given(projects())
def test_every_deployment_has_probes_resources_labels_and_runs_as_non_root(
    docs: list[dict[str, Any]],
) -> None:
    spec = make_spec(docs)
    graph = graph_of(spec)
    for service in spec.services:
        deployments = [n for n in subtree(graph, service.name) if n.type == DEPLOYMENT]
        assert len(deployments) == (1 if service.image is not None else 0)
        for node in deployments:
            template = _template(node)
            container = template["spec"]["containers"][0]
            for labels in (node.inputs["metadata"]["labels"], template["metadata"]["labels"]):
                assert set(LABELS) <= set(labels)
                assert labels["app.kubernetes.io/name"] == service.name
            selector = node.inputs["spec"]["selector"]["matchLabels"]
            assert selector.items() <= template["metadata"]["labels"].items()
            assert {"cpu", "memory"} <= set(container["resources"]["requests"])
            assert "memory" in container["resources"]["limits"]
            assert template["spec"]["securityContext"]["runAsNonRoot"] is True
            assert container["securityContext"]["runAsNonRoot"] is True
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            has_probes = "livenessProbe" in container and "readinessProbe" in container
            assert has_probes == (service.health is not None)
            if service.health is not None:
                assert container["livenessProbe"]["httpGet"]["path"] == service.health.path
            assert container["image"]


@compile_settings
@given(projects())
def test_disruption_budget_iff_more_than_one_pod_and_autoscaler_iff_autoscale(
    docs: list[dict[str, Any]],
) -> None:
    spec = make_spec(docs)
    graph = graph_of(spec)
    for service in spec.services:
        types = [n.type for n in subtree(graph, service.name)]
        runs = service.image is not None
        assert (PDB in types) == (runs and min_replicas(service) > 1)
        assert (HPA in types) == (runs and service.autoscale is not None and service.replicas > 0)
        if HPA in types:
            assert "replicas" not in graph.get(DEPLOYMENT, service.name).inputs["spec"]


@compile_settings
@given(st.data())
def test_editing_one_service_leaves_every_other_resource_alone(data: st.DataObject) -> None:
    docs = data.draw(projects(min_size=2, max_size=3))
    edited_name = docs[-1]["name"]
    edited = data.draw(service_docs(edited_name))
    before = graph_of(make_spec(docs))
    after = graph_of(make_spec([*docs[:-1], edited]))
    for node in before.nodes:
        top = node
        while top.parent is not None:
            top = next(n for n in before.nodes if n.urn == top.parent)
        if top.type == SERVICE and top.name == edited_name:
            continue
        assert node in after.nodes, f"{node.urn} changed when only '{edited_name}' was edited"


@compile_settings
@given(projects(max_size=4))
def test_names_are_unique_and_children_carry_their_service_name(docs: list[dict[str, Any]]) -> None:
    graph = graph_of(make_spec(docs))
    urns = [node.urn for node in graph.nodes]
    assert len(urns) == len(set(urns))
    objects = [
        (node.type, node.inputs["metadata"].get("namespace"), node.inputs["metadata"]["name"])
        for node in graph.nodes
        if node.type.startswith("kubernetes:")
    ]
    assert len(objects) == len(set(objects)), "two Kubernetes objects with one name"
    for node in graph.nodes:
        if node.type.startswith("kubernetes:"):
            assert node.inputs["metadata"]["name"] == node.name, "no auto-naming suffix"
    for service in graph.of_type(SERVICE):
        for child in graph.descendants(service.urn):
            # The engine carries a renamed parent's alias to children named with its prefix.
            assert child.name.startswith(service.name)


@compile_settings
@given(projects(max_size=2), st.sampled_from(["renamed", "api-v2", "x"]))
def test_a_rename_keeps_every_resource_through_aliases(
    docs: list[dict[str, Any]], new_name: str
) -> None:
    old_name = docs[0]["name"]
    if any(doc["name"] == new_name for doc in docs):
        return
    before = graph_of(make_spec(docs))
    renamed = {**docs[0], "name": new_name, "renamed_from": old_name}
    after = graph_of(make_spec([renamed, *docs[1:]]))
    old_urns = {node.urn for node in subtree(before, old_name)}
    new_nodes = subtree(after, new_name)
    assert len(new_nodes) == len(old_urns)
    for node in new_nodes:
        assert len(old_urns.intersection(node.aliases)) == 1, f"{node.urn} keeps no old resource"
    assert set().union(*(node.aliases for node in new_nodes)) >= old_urns


@compile_settings
@given(
    projects(), st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=12, max_size=20)
)
def test_secret_values_never_appear_in_plain_text(docs: list[dict[str, Any]], token: str) -> None:
    values = {"db-password": f"PW:{token}", "api-key": f"KEY:{token}"}
    graph = graph_of(make_spec(docs), secret_values=values)
    text = graph.to_json()
    for value in values.values():
        assert value not in text
    for node in graph.of_type("kubernetes:core/v1:Secret"):
        assert node.inputs.get("stringData", "[secret]") == "[secret]"
    revealed = graph_of(make_spec(docs), secret_values=values, reveal_secrets=True)
    for doc in docs:
        if doc.get("image") and doc["secrets"]:
            secret = revealed.get("kubernetes:core/v1:Secret", f"{doc['name']}-secrets")
            assert secret.inputs["stringData"] == {key: values[key] for key in doc["secrets"]}
