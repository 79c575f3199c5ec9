"""The Service component (`gmac:index:Service`): one spec Service as Kubernetes objects.

Children, each named after the service so that a rename (`renamed_from`) carries them along
through the alias the component inherits to its children:

    {name}-env       ConfigMap     the service's `env`, read with `envFrom`
    {name}-secrets   Secret        the secrets it names, each a `secretKeyRef` in the Deployment
    {name}           Deployment    probes from `health`, requests and limits, non-root
    {name}           Service       the service port (`http`) and the metrics port (`metrics`)
    {name}           Ingress       the host, with TLS from the secret `{name}-tls`
    {name}           HorizontalPodAutoscaler   from `autoscale`
    {name}           PodDisruptionBudget       when more than one pod runs
    {name}           ServiceMonitor            when `metrics` is set
    {name}-alerts    PrometheusRule            the service's `alerts`

Decisions worth knowing:
- A service without `image` has no workload (nothing to run), only its alert rules. A database
  service (`database:`) has no component at all: its database comes from the Turso integration.
- "Replicas" below means the smallest number of pods that run: `autoscale.min` when autoscaling,
  else `replicas`. The Deployment leaves `replicas` to the HorizontalPodAutoscaler when there is
  one, so an apply never fights the autoscaler. `replicas: 0` stops the service: no autoscaler.
- Pods run as user and group 65532, without privilege escalation or capabilities, with the
  runtime's default seccomp profile, and without a service account token.
- The pod template carries a digest of the secrets it reads (`gmac.io/secrets-digest`, an
  HMAC under a key kept in the state): a rotated secret rolls exactly the pods that read it.
- Secret values are only ever Pulumi secrets; when the values are not available (graphs,
  previews without the secret store) the data is left unknown, never written in plain text.
  Where manifests are rendered to files, the Secret has no data: each value is an annotation
  `sealed.gmac.io/<name>`, encrypted for the environment's recipients (docs/secrets.md).
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

import pulumi

from components._kube import child, metadata, secret_payload
from components._recording import recording_rules
from components._secrets import DIGEST_ANNOTATION, secrets_digest
from components.kube_object import KubeObject, Object
from components.service_fields import (
    autoscaler_spec,
    container_ports,
    ingress_spec,
    metrics_port,
    probe,
    resources,
    service_ports,
)

# A Service's fields only the cluster sets (its addresses).
CLUSTER_ASSIGNED = ["spec.clusterIP", "spec.clusterIPs"]

if TYPE_CHECKING:
    from components.context import CompileContext
    from gmac.models import Service as ServiceSpec

TYPE = "gmac:index:Service"
RUN_AS = 65532  # the `nonroot` user of distroless images
PROMETHEUS_API = "monitoring.coreos.com/v1"
CONFIG_HASH = "gmac.io/config-hash"


def min_replicas(service: ServiceSpec) -> int:
    """The fewest pods that run: `autoscale.min` when autoscaling, else `replicas`."""
    if service.replicas == 0:
        return 0
    return service.autoscale.min if service.autoscale is not None else service.replicas


def default_image(service: ServiceSpec, ctx: CompileContext) -> str | None:
    """The image to run when no Image component builds one: the prebuilt `image.ref`, or the
    tag the build pushes (`{images.registry}/{service}:{env}`). None without `image`."""
    if service.image is None:
        return None
    if service.image.ref is not None:
        return service.image.ref
    registry = ctx.project.images.registry if ctx.project.images else None
    name = f"{service.name}:{ctx.env}"
    return f"{registry.rstrip('/')}/{name}" if registry else name


def env_var_name(secret: str) -> str:
    """The variable a secret is read from: `stripe-secret-key` -> `STRIPE_SECRET_KEY`."""
    return secret.upper().replace("-", "_").replace(".", "_")


def alert_rules(name: str, service: ServiceSpec) -> dict[str, Any]:
    """The `spec` of the service's PrometheusRule: one group, the file `promtool` checks."""
    rules: list[dict[str, Any]] = recording_rules(name, service)
    for alert in service.alerts:
        rule: dict[str, Any] = {"alert": alert.name, "expr": alert.expr}
        if alert.for_ is not None:
            rule["for"] = alert.for_
        rule["labels"] = {**alert.labels, "severity": alert.severity, "service": name}
        annotations = {"summary": alert.summary or f"{name}: {alert.name}"}
        if alert.description is not None:
            annotations["description"] = alert.description
        rule["annotations"] = annotations
        rules.append(rule)
    return {"groups": [{"name": f"{name}.rules", "rules": rules}]}


class Service(pulumi.ComponentResource):
    """A spec Service compiled to Kubernetes objects in the environment's namespace."""

    deployment: KubeObject | None
    kube_service: KubeObject | None

    def __init__(
        self,
        name: str,
        service: ServiceSpec,
        ctx: CompileContext,
        image: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        if service.renamed_from is not None:
            renamed = pulumi.ResourceOptions(aliases=[pulumi.Alias(name=service.renamed_from)])
            opts = pulumi.ResourceOptions.merge(opts, renamed)
        super().__init__(TYPE, name, None, opts)
        self._name = name
        self._spec = service
        self._ctx = ctx
        self._selector = {
            "app.kubernetes.io/name": name,
            "app.kubernetes.io/instance": f"{name}-{ctx.env}",
        }
        component = "server" if service.port is not None else "worker"
        self._labels = ctx.labels(name, component)
        self.deployment = None
        self.kube_service = None
        outputs: dict[str, pulumi.Input[Any]] = {}

        if service.database is None:
            run = image if image is not None else default_image(service, ctx)
            if run is not None:
                self._workload(run)
                outputs["image"] = run
        if service.alerts or recording_rules(name, service):
            rules = {"spec": alert_rules(name, service)}
            self._child(f"{name}-alerts", PROMETHEUS_API, "PrometheusRule", rules)
        if self.kube_service is not None:
            outputs["address"] = f"{name}.{ctx.namespace}.svc"
        self.register_outputs(outputs)

    # The workload and what serves it ------------------------------------------------------

    def _workload(self, image: pulumi.Input[str]) -> None:
        name, service, ctx = self._name, self._spec, self._ctx
        annotations: dict[str, pulumi.Input[str]] = {}
        container: Object = {
            "name": name,
            "image": image,
            "ports": container_ports(service),
            "resources": resources(service),
            "securityContext": {
                "runAsNonRoot": True,
                "allowPrivilegeEscalation": False,
                "capabilities": {"drop": ["ALL"]},
            },
        }
        if service.env:
            config = self._child(f"{name}-env", "v1", "ConfigMap", {"data": dict(service.env)})
            container["envFrom"] = [{"configMapRef": {"name": config.metadata["name"]}}]
            digest = hashlib.sha256(json.dumps(service.env, sort_keys=True).encode()).hexdigest()
            annotations[CONFIG_HASH] = digest[:16]
        if service.secrets:
            secret = self._secret()
            container["env"] = [self._secret_env(secret, key) for key in service.secrets]
            rolls = secrets_digest(ctx, service.secrets)
            if rolls is not None:
                annotations[DIGEST_ANNOTATION] = rolls  # a new value rolls the pods
        if service.health is not None:
            liveness = probe(service)
            container["livenessProbe"] = liveness
            container["readinessProbe"] = {**liveness, "periodSeconds": 5}

        replicas = min_replicas(service)
        autoscale = service.autoscale if replicas > 0 else None
        template: Object = {
            "metadata": {"labels": self._labels},
            "spec": {
                "automountServiceAccountToken": False,
                "securityContext": {
                    "runAsNonRoot": True,
                    "runAsUser": RUN_AS,
                    "runAsGroup": RUN_AS,
                    "fsGroup": RUN_AS,
                    "seccompProfile": {"type": "RuntimeDefault"},
                },
                "containers": [container],
            },
        }
        if annotations:
            template["metadata"] = {"labels": self._labels, "annotations": annotations}
        spec: Object = {
            "selector": {"matchLabels": self._selector},
            "template": template,
        }
        if autoscale is None:
            spec["replicas"] = service.replicas
        self.deployment = self._child(name, "apps/v1", "Deployment", {"spec": spec})

        ports = service_ports(service)
        if ports:
            self.kube_service = self._child(
                name,
                "v1",
                "Service",
                {"spec": {"type": "ClusterIP", "selector": self._selector, "ports": ports}},
                # The cluster assigns the address and gmac never sets it. A Service adopted
                # (`gmac apply --adopt`) keeps the live address among its inputs, and
                # without this a later run would read its absence as a change of an
                # immutable field: a replacement, refused for an import.
                opts=pulumi.ResourceOptions.merge(
                    child(self), pulumi.ResourceOptions(ignore_changes=CLUSTER_ASSIGNED)
                ),
            )
        if service.ingress is not None and service.port is not None:
            self._ingress()
        if autoscale is not None:
            scaling = {"spec": autoscaler_spec(name, autoscale)}
            self._child(name, "autoscaling/v2", "HorizontalPodAutoscaler", scaling)
        if replicas > 1:
            budget = {"maxUnavailable": 1, "selector": {"matchLabels": self._selector}}
            self._child(name, "policy/v1", "PodDisruptionBudget", {"spec": budget})
        if service.metrics is not None and self.kube_service is not None:
            self._service_monitor()

    def _child(
        self,
        name: str,
        api_version: str,
        kind: str,
        fields: Object,
        *,
        annotations: dict[str, pulumi.Input[str]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> KubeObject:
        """One of the service's objects: named, labelled and in the namespace, its child."""
        meta = metadata(name, self._ctx, self._labels, annotations)
        fields = {"metadata": meta, **fields}
        return KubeObject(name, api_version, kind, fields, opts or child(self))

    # Secrets ------------------------------------------------------------------------------

    def _secret(self) -> KubeObject:
        name, ctx = self._name, self._ctx
        data, sealed = secret_payload(ctx, self._spec.secrets)
        fields: Object = {"type": "Opaque"}
        if data:
            # No `stringData` at all rather than an empty one: the API server drops an empty
            # map, and every later plan and drift would show it missing.
            fields["stringData"] = data
        return self._child(f"{name}-secrets", "v1", "Secret", fields, annotations=sealed)

    @staticmethod
    def _secret_env(secret: KubeObject, key: str) -> Object:
        return {
            "name": env_var_name(key),
            "valueFrom": {"secretKeyRef": {"name": secret.metadata["name"], "key": key}},
        }

    # Traffic and monitoring ---------------------------------------------------------------

    def _ingress(self) -> None:
        name, ingress = self._name, self._spec.ingress
        assert ingress is not None
        spec = ingress_spec(name, ingress)
        self._child(name, "networking.k8s.io/v1", "Ingress", {"spec": spec})

    def _service_monitor(self) -> None:
        name, service, ctx = self._name, self._spec, self._ctx
        assert service.metrics is not None
        port = "http" if metrics_port(service) == service.port else "metrics"
        spec = {
            "selector": {"matchLabels": self._selector},
            "namespaceSelector": {"matchNames": [ctx.namespace]},
            "endpoints": [{"port": port, "path": service.metrics.path, "interval": "30s"}],
        }
        self._child(name, PROMETHEUS_API, "ServiceMonitor", {"spec": spec})
