"""The validated project for one environment: what every later step works from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from gmac.load import Document
from gmac.models import Environment, Integration, Project, Service


@dataclass(frozen=True)
class Spec:
    """A valid project resolved for one environment: per-environment values picked,
    `{variables}` filled in, template defaults applied, services outside `env` left out."""

    env: str
    project: Project
    services: tuple[Service, ...]
    integrations: tuple[Integration, ...]
    variables: Mapping[str, str] = field(default_factory=dict)
    documents: Mapping[tuple[str, str], Document] = field(default_factory=dict, repr=False)
    # The project root (the folder holding the specs folder) when read from files: local
    # folders that specs name (`repo.initial_files`) are relative to it.
    root: Path | None = None

    @property
    def environment(self) -> Environment:
        return self.project.environments[self.env]

    def service(self, name: str) -> Service:
        return next(service for service in self.services if service.name == name)

    def integration(self, name: str) -> Integration:
        return next(item for item in self.integrations if item.name == name)

    def origin(self, kind: str, name: str) -> Document | None:
        """The document a spec came from, to point at it in later errors."""
        return self.documents.get((kind, name))

    def service_secrets(self) -> set[str]:
        """The secrets the services read (their Kubernetes Secrets)."""
        return {name for service in self.services for name in service.secrets}

    def read_secrets(self) -> set[str]:
        """Every declared secret whose value the compiled program uses in this environment:
        the services' (in clear where it applies to a cluster, sealed where it renders files),
        the integrations' and the Git server's credentials when integrations are online, and
        the Alertmanager smarthost password."""
        project = self.project
        names = self.service_secrets()
        if self.environment.integrations != "offline":
            names |= set(project.secrets)
        alertmanager = project.monitoring.alertmanager if project.monitoring else None
        if alertmanager is not None and alertmanager.email.auth_secret is not None:
            names.add(alertmanager.email.auth_secret)
        return names & set(project.secrets)

    def state_secrets(self) -> set[str]:
        """The secrets that live in the stack's state, not in the store: generated ones and
        those an integration provides (online environments only)."""
        declared = self.project.secrets
        read = self.read_secrets()
        generated = {name for name in read if declared[name].generate}
        if self.environment.integrations == "offline":
            return generated
        return generated | {name for name in read if declared[name].provided_by}
