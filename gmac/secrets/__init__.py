"""The secret store: one encrypted file per environment under `specs/secrets/`.

Values are encrypted with AES-256-GCM under a data key wrapped for X25519 recipients (see
`_crypto`); private identities live outside the repository (`GMAC_IDENTITY` or
`~/.config/gmac/identity`). The design, the file format and the threat model are in
docs/secrets.md.
"""

from gmac.secrets._crypto import CryptoError, Identity, Recipient
from gmac.secrets._file import Entry, SecretFile, parse_timestamp, timestamp, utc_now
from gmac.secrets._identity import (
    IDENTITY_VARIABLE,
    create_identity_file,
    identity_path,
    load_identities,
)
from gmac.secrets._store import OpenFile, SecretStore, open_file, unseal
from gmac.secrets._values import DueSecret, due_secrets, duration, generate_value

__all__ = [
    "IDENTITY_VARIABLE",
    "CryptoError",
    "DueSecret",
    "Entry",
    "Identity",
    "OpenFile",
    "Recipient",
    "SecretFile",
    "SecretStore",
    "create_identity_file",
    "due_secrets",
    "duration",
    "generate_value",
    "identity_path",
    "load_identities",
    "open_file",
    "parse_timestamp",
    "timestamp",
    "unseal",
    "utc_now",
]
