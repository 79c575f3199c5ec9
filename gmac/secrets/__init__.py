"""The secret store: one encrypted file per environment under `specs/secrets/`, in SOPS'
format with age recipients, so `sops --decrypt` opens what gmac writes and gmac reads what
sops writes (gmac.secrets._file). Identities are age keys kept outside the repository
(gmac.secrets._identity). The design, the format and the threat model are in
docs/secrets.md.

The store knows no policy: who may read or change a value is gmac.app's to decide.
"""

from gmac.age import CryptoError, Identity, Recipient, decrypt_with, encrypt_for
from gmac.secrets._file import Entry, SecretFile, parse_timestamp, timestamp, utc_now
from gmac.secrets._identity import (
    IDENTITY_FILE_VARIABLE,
    IDENTITY_VARIABLE,
    create_identity_file,
    describe_sources,
    identity_files,
    identity_path,
    load_identities,
)
from gmac.secrets._legacy import LegacyFile
from gmac.secrets._store import (
    OpenFile,
    SecretStore,
    migrate_hint,
    new_file,
    open_file,
    open_legacy,
)
from gmac.secrets._values import (
    DueSecret,
    due_generated,
    due_secrets,
    duration,
    generate_value,
)

__all__ = [
    "IDENTITY_FILE_VARIABLE",
    "IDENTITY_VARIABLE",
    "CryptoError",
    "DueSecret",
    "Entry",
    "Identity",
    "LegacyFile",
    "OpenFile",
    "Recipient",
    "SecretFile",
    "SecretStore",
    "create_identity_file",
    "decrypt_with",
    "describe_sources",
    "due_generated",
    "due_secrets",
    "duration",
    "encrypt_for",
    "generate_value",
    "identity_files",
    "identity_path",
    "load_identities",
    "migrate_hint",
    "new_file",
    "open_file",
    "open_legacy",
    "parse_timestamp",
    "timestamp",
    "utc_now",
]
