"""`compile_spec`: the components of one environment, created inside a Pulumi program.

What a spec compiles to:

    the environment            Namespace   "{namespace}"        (every object waits for it)
    `generate:` secrets        Secrets     "secrets"            (values kept in the state)
    Project.monitoring         Monitoring  "monitoring"
    Service                    Service     "{service}"          (not for database services)
    Service with `repo`        Repository  "{service}"          (online environments only)
    Service with `image.build` Image       "{service}"          (where the environment builds
                                                                 images: components/image.py)
    Integration                Stripe / Turso / Webhook "{integration}" (online only)

A database service (`database:`) compiles to no workload: its database is created by the
Turso integration, which gets the database added to its list when it does not name it itself.

Integration components are imported when first used: an offline environment needs none of
them, and they may import the compiler's context without an import cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pulumi

from components.context import MANAGED_BY, CompileContext
from components.kube_object import KubeObject
from components.monitoring import Monitoring
from components.secrets import ProvidedSealed, Secrets, generated_names
from components.service import Service as ServiceComponent
from gmac.models import (
    Integration,
    Service,
    StripeIntegration,
    TursoIntegration,
    WebhookIntegration,
)
from gmac.models.integration import TursoDatabase

MONITORING_NAME = "monitoring"

IntegrationFactory = Callable[
    [Integration, CompileContext, pulumi.ResourceOptions | None], pulumi.ComponentResource
]


def _stripe(
    item: Integration, ctx: CompileContext, opts: pulumi.ResourceOptions | None
) -> pulumi.ComponentResource:
    from components.stripe import Stripe  # noqa: PLC0415 (imported when used)

    assert isinstance(item, StripeIntegration)
    return Stripe(item.name, item, ctx, opts=opts)


def _turso(
    item: Integration, ctx: CompileContext, opts: pulumi.ResourceOptions | None
) -> pulumi.ComponentResource:
    from components.turso import Turso  # noqa: PLC0415 (imported when used)

    assert isinstance(item, TursoIntegration)
    return Turso(item.name, item, ctx, opts=opts)


def _webhook(
    item: Integration, ctx: CompileContext, opts: pulumi.ResourceOptions | None
) -> pulumi.ComponentResource:
    from components.webhook import Webhook  # noqa: PLC0415 (imported when used)

    assert isinstance(item, WebhookIntegration)
    return Webhook(item.name, item, ctx, opts=opts)


# The registry: one line per integration type. A new kind adds its line here.
INTEGRATIONS: Mapping[str, IntegrationFactory] = {
    "stripe": _stripe,
    "turso": _turso,
    "webhook": _webhook,
}


@dataclass(frozen=True)
class CompiledStack:
    """The components created for one environment, by spec name."""

    env: str
    secrets: Secrets | None = None
    # Every secret kept in the state (generated, provided) by name, as outputs.
    state_values: Mapping[str, pulumi.Output[str]] = field(default_factory=dict)
    monitoring: Monitoring | None = None
    services: Mapping[str, ServiceComponent] = field(default_factory=dict)
    repositories: Mapping[str, pulumi.ComponentResource] = field(default_factory=dict)
    images: Mapping[str, pulumi.ComponentResource] = field(default_factory=dict)
    integrations: Mapping[str, pulumi.ComponentResource] = field(default_factory=dict)


# The attributes of integration components that hold the secrets they provide, by name.
_PROVIDING_ATTRIBUTES = ("signing_secrets", "tokens")


def provided_outputs(integrations: Mapping[str, Any]) -> dict[str, pulumi.Output[str]]:
    """The secret outputs of the compiled integration components, by secret name."""
    found: dict[str, pulumi.Output[str]] = {}
    for component in integrations.values():
        for attribute in _PROVIDING_ATTRIBUTES:
            values = getattr(component, attribute, None)
            if isinstance(values, dict):
                found.update(values)
    return found


def _renamed(service: Service) -> pulumi.ResourceOptions | None:
    if service.renamed_from is None:
        return None
    return pulumi.ResourceOptions(aliases=[pulumi.Alias(name=service.renamed_from)])


def integrations_to_compile(
    spec_integrations: Sequence[Integration], services: Sequence[Service]
) -> list[Integration]:
    """The integrations as declared, with the first Turso integration also creating every
    database that a database service declares and the integration does not list."""
    wanted = [service.database for service in services if service.database is not None]
    result: list[Integration] = []
    added = False
    for item in spec_integrations:
        compiled = item
        if isinstance(item, TursoIntegration) and not added:
            added = True
            listed = {database.name for database in item.databases}
            extra = [
                TursoDatabase(name=database.name, group=database.group)
                for database in wanted
                if database.name not in listed
            ]
            if extra:
                compiled = item.model_copy(update={"databases": [*item.databases, *extra]})
        result.append(compiled)
    return result


def namespace_labels(ctx: CompileContext) -> dict[str, str]:
    return {
        "app.kubernetes.io/part-of": ctx.project.name,
        "app.kubernetes.io/managed-by": MANAGED_BY,
    }


def compile_spec(
    ctx: CompileContext, kubernetes: pulumi.ProviderResource | None = None
) -> CompiledStack:
    """Create the components of `ctx`'s environment; call it inside a Pulumi program.

    `kubernetes` is the provider for every Kubernetes object (the engine picks the cluster or
    a render directory); without it Pulumi's default provider is used.
    """
    spec = ctx.spec
    # The environment's namespace is gmac's to create: every Kubernetes object waits for it.
    namespace = KubeObject(
        ctx.namespace,
        "v1",
        "Namespace",
        {"metadata": {"name": ctx.namespace, "labels": namespace_labels(ctx)}},
        pulumi.ResourceOptions(provider=kubernetes),
    )
    k8s_opts = pulumi.ResourceOptions(
        providers=[kubernetes] if kubernetes is not None else None, depends_on=[namespace]
    )
    online = not ctx.offline

    # Secrets kept in the state come first: integrations and services read them as outputs.
    secrets = Secrets(ctx, generated_names(ctx, spec.read_secrets()))
    ctx = replace(
        ctx,
        state_values={**ctx.state_values, **secrets.values},
        state_sealed={**ctx.state_sealed, **secrets.sealed},
        digest_key=secrets.digest_key,
    )

    integrations: dict[str, pulumi.ComponentResource] = {}
    if online:
        for item in integrations_to_compile(spec.integrations, spec.services):
            integrations[item.name] = INTEGRATIONS[item.type](item, ctx, None)
        # What an integration provides (a signing secret, a token) reaches the services that
        # read it in the same update, output to input (sealed, where manifests are files).
        provided = provided_outputs(integrations)
        sealed: dict[str, pulumi.Output[str]] = {}
        wanted = {name: provided[name] for name in spec.service_secrets() if name in provided}
        if ctx.renders_manifests and wanted:
            sealed = ProvidedSealed(ctx, wanted).sealed
        ctx = replace(
            ctx,
            state_values={**ctx.state_values, **provided},
            state_sealed={**ctx.state_sealed, **sealed},
        )

    monitoring = None
    if spec.project.monitoring is not None:
        monitoring = Monitoring(MONITORING_NAME, spec.project.monitoring, ctx, opts=k8s_opts)

    webhooks = {
        item.name: item for item in spec.integrations if isinstance(item, WebhookIntegration)
    }
    services: dict[str, ServiceComponent] = {}
    repositories: dict[str, pulumi.ComponentResource] = {}
    images: dict[str, pulumi.ComponentResource] = {}
    for service in spec.services:
        if service.database is not None:
            continue
        image: pulumi.Input[str] | None = None
        repository = None
        if online and service.repo is not None:
            from components.repository import Repository  # noqa: PLC0415 (imported when used)

            hooks = [webhooks[name] for name in service.repo.webhooks]
            repository = Repository(service.name, service, ctx, hooks, opts=_renamed(service))
            repositories[service.name] = repository
        if service.image is not None and service.image.build:
            from components.image import Image, builds_image  # noqa: PLC0415 (imported when used)

            if builds_image(service, ctx):
                built = Image(service.name, service, ctx, repository, opts=_renamed(service))
                images[service.name] = built
                image = built.ref
        services[service.name] = ServiceComponent(
            service.name, service, ctx, image=image, opts=k8s_opts
        )
    return CompiledStack(
        env=ctx.env,
        secrets=secrets,
        state_values=dict(ctx.state_values),
        monitoring=monitoring,
        services=services,
        repositories=repositories,
        images=images,
        integrations=integrations,
    )
