"""Spec models: pydantic, `extra="forbid"`, one module per kind."""

from typing import Annotated

from pydantic import Field, TypeAdapter

from gmac.models.common import API_VERSION, PerEnv, SpecModel
from gmac.models.integration import (
    INTEGRATION_TYPES,
    Integration,
    StripeIntegration,
    TursoIntegration,
    WebhookIntegration,
)
from gmac.models.project import Environment, Project, SecretDeclaration
from gmac.models.service import Alert, Service

SpecDocument = Annotated[Project | Service | Integration, Field(discriminator="kind")]
SPEC_KINDS = ("Project", "Service", "Integration")
spec_document_adapter: TypeAdapter[Project | Service | Integration] = TypeAdapter(SpecDocument)

__all__ = [
    "API_VERSION",
    "INTEGRATION_TYPES",
    "SPEC_KINDS",
    "Alert",
    "Environment",
    "Integration",
    "PerEnv",
    "Project",
    "SecretDeclaration",
    "Service",
    "SpecDocument",
    "SpecModel",
    "StripeIntegration",
    "TursoIntegration",
    "WebhookIntegration",
    "spec_document_adapter",
]
