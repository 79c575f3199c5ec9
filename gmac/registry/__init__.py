"""The registry: a libSQL database of what gmac did and what it manages.

Tables (migrations in `gmac/registry/migrations/`, numbered, forward-only, checksummed):
services, integrations and databases per environment as last applied; templates and
integration types (seed data); deployments (every apply and destroy); health results; drift
results; and the hash-chained audit log. `Registry.open(root)` opens it (the project's
`.gmac/registry.db`, or `GMAC_REGISTRY_URL`) and applies pending migrations.
"""

from __future__ import annotations

from gmac.registry._audit import AuditEntry, ChainReport
from gmac.registry._db import (
    TOKEN_VARIABLE,
    URL_VARIABLE,
    Database,
    Location,
    Migration,
    bundled_migrations,
    migrate,
    now_text,
    registry_location,
    split_statements,
)
from gmac.registry._health import HealthResult
from gmac.registry._records import Deployment, ServiceStatus
from gmac.registry._registry import Registry

__all__ = [
    "TOKEN_VARIABLE",
    "URL_VARIABLE",
    "AuditEntry",
    "ChainReport",
    "Database",
    "Deployment",
    "HealthResult",
    "Location",
    "Migration",
    "Registry",
    "ServiceStatus",
    "bundled_migrations",
    "migrate",
    "now_text",
    "registry_location",
    "split_statements",
]
