"""What every component needs to know about the environment it is compiled for."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gmac.models import Environment, Project
from gmac.validate import Spec

MANAGED_BY = "gmac"
# Rendered Secrets carry each value sealed (encrypted as the store holds it) in an annotation
# with this prefix, never the value; `gmac secrets unseal` opens them (docs/secrets.md).
SEALED_PREFIX = "sealed.gmac.io/"


@dataclass(frozen=True)
class CompileContext:
    """One environment of a validated project, plus the secret values known for it.

    `secret_values` is None when values are not available (graphs under mocks, previews
    without the secret store); components then still declare every resource, with the
    secret data left unknown. Values are only ever handed to Pulumi as secrets.

    `sealed_secrets` holds, for environments that render manifests to files, each value as
    the secret store holds it (encrypted for the environment's recipients): rendered Secrets
    carry those, never values (docs/secrets.md).

    Secrets that live in the stack's state rather than the store (generated ones, and those
    an integration provides) are Pulumi outputs: the compiler fills `state_values` (and
    `state_sealed`, their sealed form for rendered manifests) as it creates them, before the
    services that read them. `seal_recipients` are the age keys such values are sealed for;
    `digest_key` keys the digest that rolls a Deployment when a secret it reads changes.
    """

    spec: Spec
    secret_values: Mapping[str, str] | None = field(default=None, repr=False)
    sealed_secrets: Mapping[str, str] | None = field(default=None, repr=False)
    seal_recipients: tuple[str, ...] = ()
    state_values: Mapping[str, Any] = field(default_factory=dict, repr=False)
    state_sealed: Mapping[str, Any] = field(default_factory=dict, repr=False)
    digest_key: Any = field(default=None, repr=False)

    @property
    def env(self) -> str:
        return self.spec.env

    @property
    def project(self) -> Project:
        return self.spec.project

    @property
    def environment(self) -> Environment:
        return self.spec.project.environments[self.spec.env]

    @property
    def namespace(self) -> str:
        return self.environment.kubernetes.namespace or self.project.name

    @property
    def renders_manifests(self) -> bool:
        """Kubernetes objects are written to files (`render_to`), not sent to a cluster."""
        return self.environment.kubernetes.render_to is not None

    @property
    def offline(self) -> bool:
        """Integrations (Gitea, Stripe, Turso) are not called in this environment."""
        return self.environment.integrations == "offline"

    def labels(self, service: str, component: str | None = None) -> dict[str, str]:
        """The recommended `app.kubernetes.io/*` labels of a service's objects."""
        labels = {
            "app.kubernetes.io/name": service,
            "app.kubernetes.io/instance": f"{service}-{self.env}",
            "app.kubernetes.io/part-of": self.project.name,
            "app.kubernetes.io/managed-by": MANAGED_BY,
        }
        if component is not None:
            labels["app.kubernetes.io/component"] = component
        return labels
