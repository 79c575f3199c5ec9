"""A Service: one deployable unit, its repository, image, workload, ingress and alerts."""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import Field, model_validator

from gmac.models.common import (
    AlertName,
    CpuQuantity,
    Duration,
    EnvValue,
    EnvVarName,
    IngressHost,
    MemoryQuantity,
    Name,
    PerEnv,
    Port,
    PromQL,
    SpecModel,
    UrlPath,
    empty_dict,
    empty_list,
    field_error,
)


class Repo(SpecModel):
    default_branch: str = "main"
    protected_branches: list[str] = empty_list()
    webhooks: list[Name] = empty_list(description="Webhook integrations to install.")
    private: bool = True
    initial_files: str | None = Field(
        default=None,
        description="A folder, relative to the project root, committed as the first commit of "
        "a new repository (`gmac new service` renders one).",
    )


class Image(SpecModel):
    build: bool = Field(default=True, description="Build the image (see docs/image-builds.md).")
    ref: str | None = Field(default=None, description="A prebuilt image to run instead.")
    dockerfile: str = Field(default="Dockerfile", description="Relative to the build context.")
    builder: Literal["local", "cluster"] | None = Field(
        default=None,
        description="'local' or 'cluster'; the project's `images.builder` if not given.",
    )
    context: str | None = Field(
        default=None,
        description="The local builder's context folder, relative to the project root; "
        "`repo.initial_files`, else `services/{name}`, when not given.",
    )
    build_args: dict[str, str] = empty_dict(description="`--build-arg` values.")
    tag: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$",
        description="The tag pushed; derived from the build inputs when not given (previews "
        "push `pr-N`). Deployments always run the digest.",
    )

    @model_validator(mode="before")
    @classmethod
    def _ref_means_no_build(cls, data: Any) -> Any:
        # `image: {ref: x}` says it all: a prebuilt image is not also built.
        if isinstance(data, dict) and "ref" in data and "build" not in data:
            return {**data, "build": False}
        return data

    @model_validator(mode="after")
    def _build_or_ref(self) -> Self:
        if self.build == (self.ref is not None):
            raise ValueError("set 'build: true' or give a prebuilt image 'ref', not both")
        return self


class Autoscale(SpecModel):
    min: int = Field(ge=1)
    max: int = Field(ge=1)
    cpu_percent: int = Field(default=80, ge=1, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) is more than max ({self.max})")
        return self


class Limits(SpecModel):
    cpu: CpuQuantity | None = None
    memory: MemoryQuantity | None = None


class Resources(SpecModel):
    cpu: CpuQuantity
    memory: MemoryQuantity
    limits: Limits | None = Field(
        default=None, description="Defaults: memory limit = request, no CPU limit."
    )


class Health(SpecModel):
    path: UrlPath
    port: Port | None = Field(default=None, description="Defaults to the service port.")
    initial_delay: Duration = "5s"


class CustomMetric(SpecModel):
    """A series of the service's own, recorded by Prometheus and shown by `gmac metrics`."""

    name: str = Field(
        pattern=r"^[a-zA-Z_][a-zA-Z0-9_:]*$", description="The recorded series' name."
    )
    expr: PromQL
    unit: str = Field(
        default="",
        max_length=24,
        description="seconds, bytes, ratio, percent, or any short text such as 'signups/s'.",
    )
    description: str | None = None


class Metrics(SpecModel):
    path: UrlPath = "/metrics"
    port: Port | None = None
    custom: list[CustomMetric] = empty_list(
        description="Recording rules in the service's PrometheusRule."
    )

    @model_validator(mode="after")
    def _unique_custom(self) -> Self:
        names = [metric.name for metric in self.custom]
        index = next((i for i, name in enumerate(names) if name in names[:i]), None)
        if index is not None:
            message = f"custom metric '{names[index]}' is declared twice"
            raise field_error(message, "custom", index, "name")
        return self


class Ingress(SpecModel):
    host: IngressHost = Field(description="A host name, or a wildcard: '*.example.com'.")
    path: UrlPath = "/"
    tls: bool = True


class Alert(SpecModel):
    name: AlertName
    expr: PromQL
    for_: Duration | None = Field(default=None, alias="for")
    severity: Literal["critical", "warning", "info"] = "warning"
    summary: str | None = None
    description: str | None = None
    labels: dict[str, str] = empty_dict()


class Database(SpecModel):
    engine: Literal["turso"]
    name: Name
    group: str = "default"
    migrations: str | None = Field(
        default=None, description="A folder of .sql files applied in order, each once."
    )


class Service(SpecModel):
    api_version: Literal["gmac.io/v1"] = Field(alias="apiVersion", default="gmac.io/v1")
    kind: Literal["Service"]
    name: Name
    renamed_from: Name | None = Field(
        default=None,
        description="The previous name: its resources are kept (Pulumi aliases), not recreated.",
    )
    template: Name | None = None
    environments: list[str] | None = Field(
        default=None, description="Where the service runs; every environment when not given."
    )
    repo: Repo | None = None
    image: Image | None = None
    port: Port | None = None
    replicas: PerEnv[int] = Field(default=1, ge=0)
    autoscale: PerEnv[Autoscale] | None = None
    resources: PerEnv[Resources] | None = None
    health: Health | None = None
    metrics: Metrics | None = None
    ingress: PerEnv[Ingress] | None = None
    env: dict[EnvVarName, PerEnv[EnvValue]] = empty_dict()
    secrets: list[Name] = empty_list()
    uses: list[Name] = empty_list(description="Integrations this service consumes.")
    databases: list[Name] = empty_list()
    alerts: list[Alert] = empty_list()
    database: Database | None = None
    adopt: dict[str, str] = empty_dict(
        description="Objects that already run, to take over: the resource's name as `gmac "
        "adopt` shows it -> the live object's ID (`api-hook-ci: '17'`).",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        # Each error names the field it is about, so the problem points at that line.
        if self.database is not None and (self.image is not None or self.port is not None):
            field = "image" if self.image is not None else "port"
            raise field_error("a database service has no 'image' or 'port'", field)
        if self.ingress is not None and self.port is None:
            raise field_error("'ingress' needs 'port'", "ingress")
        if self.health is not None and self.port is None and self.health.port is None:
            raise field_error("'health' needs 'port' or 'health.port'", "health")
        if self.port is not None and self.image is None:
            raise field_error("'port' needs an 'image' to run", "port")
        names = [alert.name for alert in self.alerts]
        index = next((i for i, name in enumerate(names) if name in names[:i]), None)
        if index is not None:
            raise field_error(f"alert '{names[index]}' is declared twice", "alerts", index, "name")
        return self
