"""Where private identities (age keys) come from, first found:

1. `GMAC_IDENTITY`: one or more keys themselves (`AGE-SECRET-KEY-1...`, separated by white
   space), which is how CI passes one in;
2. `GMAC_IDENTITY_FILE`: a key file;
3. `~/.config/gmac/identity` (`$XDG_CONFIG_HOME/gmac/identity`), written by
   `gmac secrets keygen`;
4. sops' own: `SOPS_AGE_KEY`, `SOPS_AGE_KEY_FILE`, `~/.config/sops/age/keys.txt`, so a key
   made with `age-keygen` for sops works as it is.

Key files are age-keygen's format (`# public key: age1...` comments, one key per line) and
must be readable by their owner only, as ssh requires of its keys. gmac's earlier keys
(`GMAC-SK-...`) are read too: they are the same X25519 keys. Identities never live in the
repository.
"""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path

from gmac.age import CryptoError, Identity
from gmac.errors import IdentityError

IDENTITY_VARIABLE = "GMAC_IDENTITY"
IDENTITY_FILE_VARIABLE = "GMAC_IDENTITY_FILE"
SOPS_KEY_VARIABLE = "SOPS_AGE_KEY"
SOPS_KEY_FILE_VARIABLE = "SOPS_AGE_KEY_FILE"


def _config_home() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config"))


def identity_path() -> Path:
    """gmac's own key file (`gmac secrets keygen` writes it)."""
    return _config_home() / "gmac" / "identity"


def sops_keys_path() -> Path:
    return _config_home() / "sops" / "age" / "keys.txt"


def identity_files() -> list[Path]:
    """Every file an identity may be read from, whether it exists or not."""
    named = [os.environ.get(IDENTITY_FILE_VARIABLE), os.environ.get(SOPS_KEY_FILE_VARIABLE)]
    return [*(Path(path).expanduser() for path in named if path), identity_path(), sops_keys_path()]


def _parse_lines(text: str, source: str) -> list[Identity]:
    found: list[Identity] = []
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.split("#", 1)[0].split()
        for word in words:
            try:
                found.append(Identity.parse(word, source))
            except CryptoError as error:
                shown = source in (IDENTITY_VARIABLE, SOPS_KEY_VARIABLE)
                where = source if shown else f"{source}:{number}"
                raise IdentityError(f"{where}: not an age identity ({error})") from None
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
    """The identities of the first source that has any (see the module); empty when none."""
    for variable in (IDENTITY_VARIABLE,):
        text = os.environ.get(variable, "")
        if text.strip():
            return _parse_lines(text, variable)
    named = os.environ.get(IDENTITY_FILE_VARIABLE, "")
    if named.strip():
        found = _read_file(Path(named).expanduser())
        if not found:
            raise IdentityError(f"{IDENTITY_FILE_VARIABLE}={named}: no identity in that file")
        return found
    found = _read_file(identity_path())
    if found:
        return found
    text = os.environ.get(SOPS_KEY_VARIABLE, "")
    if text.strip():
        return _parse_lines(text, SOPS_KEY_VARIABLE)
    sops_file = os.environ.get(SOPS_KEY_FILE_VARIABLE, "")
    return _read_file(Path(sops_file).expanduser() if sops_file else sops_keys_path())


def describe_sources() -> str:
    return f"{IDENTITY_VARIABLE}, {IDENTITY_FILE_VARIABLE}, {identity_path()} or sops' age keys"


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
    # age-keygen's own layout: age, rage and sops read this file as it is.
    text = f"# created: {created}\n# public key: {identity.recipient}\n{identity}\n"
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
