"""The `gmac secrets` use cases over the encrypted store (gmac.secrets): access checks, the
store, the audit log. Each takes a `SecretsContext` made by `context(specs, env)`."""

from gmac.app.secrets.context import SecretsContext, context
from gmac.app.secrets.migrate import Migrated, legacy_environments, migrate
from gmac.app.secrets.recipients import RecipientInfo, add_recipient, recipients, remove_recipient
from gmac.app.secrets.rotation import RotationOutcome, next_rotation, rotate_secrets
from gmac.app.secrets.unseal import unseal_manifests
from gmac.app.secrets.values import SecretInfo, list_secrets, remove, reveal, set_secret

__all__ = [
    "Migrated",
    "RecipientInfo",
    "RotationOutcome",
    "SecretInfo",
    "SecretsContext",
    "add_recipient",
    "context",
    "legacy_environments",
    "list_secrets",
    "migrate",
    "next_rotation",
    "recipients",
    "remove",
    "remove_recipient",
    "reveal",
    "rotate_secrets",
    "set_secret",
    "unseal_manifests",
]
