"""The Project: one per repository; environments, access, git, images, monitoring, secrets."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import BeforeValidator, Discriminator, Field, Tag, model_validator
from pydantic_core import PydanticCustomError

from gmac.models.checks import not_a_boolean
from gmac.models.common import (
    AnyUrl,
    Duration,
    EmailAddress,
    Hostname,
    HostPort,
    Name,
    SpecModel,
    Url,
    empty_dict,
    empty_list,
    field_error,
)

Principal = str  # a user name or a role name; checked against `access` by the validator


class KubernetesTarget(SpecModel):
    """Where an environment's workloads go: a cluster context, or a directory of manifests."""

    context: str | None = None
    namespace: Name | None = None
    kubeconfig: str | None = None
    render_to: str | None = Field(
        default=None, description="Write manifests here instead of applying them to a cluster."
    )

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if self.render_to is None and self.context is None:
            raise ValueError("give either 'context' (a cluster) or 'render_to' (a directory)")
        if self.render_to is not None and self.context is not None:
            raise ValueError("give 'context' or 'render_to', not both")
        return self


class EnvironmentMonitoring(SpecModel):
    """The URLs `gmac status`, `metrics`, `logs` and the health CronJob use (docs/observe.md)."""

    prometheus: Url | None = Field(default=None, description="Prometheus' HTTP API.")
    alertmanager: Url | None = Field(default=None, description="Alertmanager's API.")
    logs: Url | None = Field(default=None, description="The log store (`monitoring.logs`).")
    pushgateway: Url | None = Field(
        default=None, description="Where the scheduled `gmac health` pushes its metrics."
    )


class Environment(SpecModel):
    kubernetes: KubernetesTarget
    domain: Hostname | None = Field(
        default=None, description="Fills `{domain}` in specs; 'localhost' when not given."
    )
    integrations: Literal["live", "offline"] = Field(
        default="live", description="'offline' skips calls to Stripe, Gitea and Turso."
    )
    inherits: Name | None = Field(
        default=None,
        description="Take this environment's per-environment values where this one has none.",
    )
    protect: bool = Field(
        default=False, description="Deleting or replacing stateful resources needs --allow-destroy."
    )
    build_images: bool | None = Field(
        default=None,
        description="Build the services' images for this environment; by default when "
        "`integrations` is live and it deploys to a cluster (previews build with the local "
        "builder).",
    )
    monitoring: EnvironmentMonitoring | None = Field(
        default=None, description="Where this environment's observe sources answer."
    )


class AccessRule(SpecModel):
    environments: list[str] = Field(min_length=1)
    apply: list[Principal] = empty_list()
    destroy: list[Principal] | None = Field(
        default=None, description="Who may destroy; those who may apply when not given."
    )
    reveal_secrets: list[Principal] = empty_list()


class Access(SpecModel):
    users: list[str] = Field(min_length=1)
    roles: dict[str, list[str]] = empty_dict()
    rules: list[AccessRule] = empty_list()


class SecretRef(SpecModel):
    secret: Name


class Git(SpecModel):
    provider: Literal["gitea"] = "gitea"
    url: Url
    org: str = Field(min_length=1)
    credentials: SecretRef | None = None


Builder = Literal["local", "cluster"]


class RegistryCredentials(SpecModel):
    """Who pushes: a user name, and a declared secret holding the password or token."""

    username: str = Field(min_length=1)
    secret: Name = Field(description="A declared secret: the password or token.")


class Images(SpecModel):
    registry: str = Field(min_length=1, description="Where built images are pushed.")
    builder: Builder = Field(
        default="local",
        description="Where images are built: 'local' (buildah where gmac runs) or 'cluster' "
        "(a rootless BuildKit Job in the environment's cluster); a service may override it.",
    )
    credentials: RegistryCredentials | None = Field(
        default=None, description="How to log in to the registry; anonymous when not given."
    )


class Email(SpecModel):
    to: EmailAddress
    from_: EmailAddress = Field(alias="from")
    smarthost: HostPort
    auth_secret: Name | None = None


class Alertmanager(SpecModel):
    email: Email
    group_wait: Duration = "30s"
    group_interval: Duration = Field(
        default="5m", description="How long to wait before notifying of a group's changes."
    )
    repeat_interval: Duration = "4h"


class Loki(SpecModel):
    retention: Duration = "30d"


class Logs(SpecModel):
    """The log store: Loki, or VictoriaLogs (which also takes Loki's push API)."""

    store: Literal["victorialogs", "loki"] = "victorialogs"
    retention: Duration = "30d"


class RegistryConnection(SpecModel):
    url: str = Field(min_length=1, description="The registry's libSQL URL (libsql://...).")
    token: Name | None = Field(default=None, description="A declared secret holding its token.")


class HealthChecks(SpecModel):
    """The CronJob that runs `gmac health` on the integrations' `health.every`."""

    image: str | None = Field(
        default=None,
        description="An image with gmac and the project's specs at /project/specs; "
        "`{images.registry}/gmac:latest` when not given.",
    )
    registry: RegistryConnection | None = Field(
        default=None, description="Where results are recorded; not recorded when not given."
    )


class Monitoring(SpecModel):
    alertmanager: Alertmanager | None = None
    loki: Loki | None = Field(default=None, description="Older spelling of logs: {store: loki}.")
    logs: Logs | None = None
    health_checks: HealthChecks | None = None

    @model_validator(mode="after")
    def _one_log_store(self) -> Self:
        if self.loki is not None and self.logs is not None:
            raise field_error("give 'logs' or the older 'loki', not both", "loki")
        return self

    def log_store(self) -> Logs | None:
        """The log store, whichever way it was written."""
        if self.loki is not None:
            return Logs(store="loki", retention=self.loki.retention)
        return self.logs


class Generate(SpecModel):
    length: int = Field(default=32, ge=16, le=256)


def _generate_form(value: Any) -> str:
    return "length" if isinstance(value, dict | Generate) else "flag"


def _generate_flag(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    message = not_a_boolean(value, "true, false or {length: N}")
    raise PydanticCustomError("invalid_bool", "{message}", {"message": message, "value": value})


# `true`, or `{length: N}`: the form the value has picks the one a problem is about.
GenerateSetting = Annotated[
    Annotated[bool, BeforeValidator(_generate_flag), Tag("flag")]
    | Annotated[Generate, Tag("length")],
    Discriminator(_generate_form),
]


class SecretDeclaration(SpecModel):
    """A secret the project uses. Its value lives encrypted in specs/secrets/, never here."""

    description: str | None = None
    generate: GenerateSetting = Field(
        default=False, description="gmac creates the value itself (webhook secrets, keys)."
    )
    provided_by: Name | None = Field(
        default=None, description="An integration writes the value back when it creates it."
    )
    rotate_every: Duration | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if self.generate and self.provided_by:
            raise ValueError("a secret is either generated or provided by an integration")
        return self


class Project(SpecModel):
    api_version: Literal["gmac.io/v1"] = Field(alias="apiVersion", default="gmac.io/v1")
    kind: Literal["Project"]
    name: Name
    owner: str = Field(min_length=1)
    access: Access | None = None
    git: Git | None = None
    images: Images | None = None
    environments: dict[Name, Environment] = Field(min_length=1)
    monitoring: Monitoring | None = None
    secrets: dict[Name, SecretDeclaration] = empty_dict()
    backend: AnyUrl | None = Field(
        default=None, description="A Pulumi backend URL for state; file://.gmac/state if not set."
    )
