"""Where private identities come from: `GMAC_IDENTITY`, else `~/.config/gmac/identity`.

Identities never live in the repository. `GMAC_IDENTITY` holds one or more keys
(`GMAC-SK-...`, separated by white space), which is how CI passes one in; on a workstation
`gmac secrets keygen` writes the key file with mode 0600 (`$XDG_CONFIG_HOME/gmac/identity`
when that variable is set). A key file readable by others is refused, as ssh does.
"""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path

from gmac.errors import IdentityError
from gmac.secrets._crypto import CryptoError, Identity

IDENTITY_VARIABLE = "GMAC_IDENTITY"


def identity_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "gmac" / "identity"


def _parse_lines(text: str, source: str) -> list[Identity]:
    found: list[Identity] = []
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.split("#", 1)[0].split()
        for word in words:
            try:
                found.append(Identity.parse(word, source))
            except CryptoError as error:
                where = f"{source}:{number}" if source != IDENTITY_VARIABLE else source
                raise IdentityError(f"{where}: not a gmac identity ({error})") from None
    return found


def _read_file(path: Path) -> list[Identity]:
    """The identities in a key file; [] when there is none. Refuses a file others can read."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return []
    except OSError as error:
        raise IdentityError(f"cannot read the identity file {path}: {error.strerror}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise IdentityError(
            f"the identity file {path} can be read by others (mode {stat.S_IMODE(mode):04o}): "
            f"run `chmod 600 {path}`"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise IdentityError(f"cannot read the identity file {path}: {error.strerror}") from None
    return _parse_lines(text, str(path))


def load_identities() -> list[Identity]:
    """Every identity available to this process; empty when there is none."""
    from_env = os.environ.get(IDENTITY_VARIABLE)
    if from_env and from_env.strip():
        return _parse_lines(from_env, IDENTITY_VARIABLE)
    return _read_file(identity_path())


def describe_sources() -> str:
    return f"{IDENTITY_VARIABLE} or {identity_path()}"


def create_identity_file() -> tuple[Identity, Path, bool]:
    """The first identity of the key file, creating the file (mode 0600) when there is none.
    Returns the identity, the file and whether it was created now."""
    path = identity_path()
    existing = _read_file(path)
    if existing:
        return existing[0], path, False
    if path.exists():
        raise IdentityError(f"the identity file {path} holds no identity: remove it or fix it")
    identity = Identity.generate()
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = f"# gmac identity, created {created}\n# public key: {identity.recipient}\n{identity}\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another gmac created it meanwhile: use theirs
        return _read_file(path)[0], path, False
    except OSError as error:
        raise IdentityError(f"cannot write the identity file {path}: {error.strerror}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return Identity(identity.raw, str(path)), path, True
