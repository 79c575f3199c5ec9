"""What the last load made of each spec file, so that an unchanged file is not parsed again.

Parsing YAML with the position of every node is most of what loading a large project costs
(some 0.2 s for 1,000 services). A file that parsed without a problem is kept here as its
documents' data, under a digest of its text; the next load of the same text takes the data
from here, and its positions only when something asks where a node stands (a problem to
report), by parsing that one file's text again then.

The cache is a single file per specs folder, `.gmac/parsed/specs.bin` in the project (beside
the plan index): the data in `marshal`'s format (plain values only: it runs no code), after an
HMAC-SHA256 under a key of this user's own (`~/.cache/gmac/spec-cache.key`, made on first use,
mode 0600). A cache file that a checkout brought along, or that anyone but this user wrote,
fails the HMAC and is ignored: it cannot put other data behind a spec than its text says. So
is a cache written by another version of the parser, Python or PyYAML, and one that cannot be
read at all; one that cannot be written is left unwritten. `GMAC_SPEC_CACHE=off` turns it off.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import marshal
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from gmac.fs import create_exclusively, write_bytes_atomically
from gmac.load.documents import Document
from gmac.load.interpolate import variable_paths
from gmac.load.lazy_positions import placed_on_demand

CACHE_DIR = Path(".gmac") / "parsed"
_KEY_NAME = "spec-cache.key"
_DIGEST = hashlib.sha256
_MAC_SIZE = _DIGEST().digest_size
# The modules whose code decides what a file parses to (and the paths of its variables).
_PARSER_SOURCES = (
    "yaml_source.py",
    "data_only.py",
    "documents.py",
    "interpolate.py",
    "parse_cache.py",
)


def _cache_home() -> Path:
    return Path.home() / ".cache" / "gmac"


@functools.cache
def _format() -> bytes:
    """What else the parsed data depends on: the parser's own code and what it runs on."""
    here = Path(__file__).parent
    parts = [(here / name).read_bytes() for name in _PARSER_SOURCES]
    versions = f"{sys.version}|{yaml.__version__}|{yaml.__with_libyaml__}|{marshal.version}"
    return _DIGEST(b"\0".join([*parts, versions.encode()])).digest()


def _user_key() -> bytes | None:
    """This user's key, made on first use; None where there is no home to keep it in."""
    path = _cache_home() / _KEY_NAME
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        try:
            create_exclusively(path, os.urandom(32), mode=0o600)
            key = path.read_bytes()
        except OSError:
            return None
    except OSError:
        return None
    return key if len(key) == 32 else None


def _text_digest(text: str) -> bytes:
    return _DIGEST(text.encode("utf-8", "surrogatepass")).digest()


class ParseCache:
    """The parsed data of one specs folder's files, read once per load and written back
    when the load found something new."""

    def __init__(self, path: Path | None, key: bytes | None, entries: dict[str, Any]) -> None:
        self._path = path
        self._key = key
        self._entries: dict[str, tuple[bytes, bytes]] = entries
        self._seen: set[str] = set()
        self._changed = False

    @classmethod
    def disabled(cls) -> ParseCache:
        return cls(None, None, {})

    @classmethod
    def open(cls, specs: Path) -> ParseCache:
        if os.environ.get("GMAC_SPEC_CACHE", "").lower() in ("off", "0", "no", "false"):
            return cls.disabled()
        key = _user_key()
        if key is None:
            return cls.disabled()
        folder = specs.resolve()
        path = folder.parent / CACHE_DIR / f"{folder.name or 'root'}.bin"
        return cls(path, key, _read(path, key))

    def documents(self, relative: str, text: str, file: str) -> list[Document] | None:
        """The documents of `text` as the last load parsed them, or None."""
        self._seen.add(relative)
        entry = self._entries.get(relative)
        if entry is None or entry[0] != _text_digest(text):
            return None
        try:
            parsed = marshal.loads(entry[1])
        except (EOFError, ValueError, TypeError):
            return None
        return placed_on_demand(file, text, parsed)

    def remember(self, relative: str, text: str, found: list[Document]) -> list[Document]:
        """Keep what a file without problems parsed to; its documents, with the paths of
        their variables found."""
        if self._path is None:
            return found
        self._seen.add(relative)
        found = [replace(document, variables=variable_paths(document.data)) for document in found]
        try:
            blob = marshal.dumps([(document.data, document.variables) for document in found])
        except ValueError:  # a value marshal cannot hold: parsed anew each time
            return found
        self._entries[relative] = (_text_digest(text), blob)
        self._changed = True
        return found

    def forget(self, relative: str) -> None:
        self._seen.add(relative)
        if self._entries.pop(relative, None) is not None:
            self._changed = True

    def save(self) -> None:
        """Write the entries of the files this load saw, when any changed or went away."""
        if self._path is None or self._key is None:
            return
        gone = self._entries.keys() - self._seen
        if not self._changed and not gone:
            return
        kept = {name: entry for name, entry in self._entries.items() if name in self._seen}
        body = marshal.dumps((_format(), kept))
        signed = hmac.new(self._key, body, _DIGEST).digest() + body
        # A cache that cannot be written is only slower next time.
        with contextlib.suppress(OSError):
            write_bytes_atomically(self._path, signed, mode=0o600)


def _read(path: Path, key: bytes) -> dict[str, Any]:
    try:
        signed = path.read_bytes()
    except OSError:
        return {}
    mac, body = signed[:_MAC_SIZE], signed[_MAC_SIZE:]
    if not hmac.compare_digest(mac, hmac.new(key, body, _DIGEST).digest()):
        return {}
    try:
        found_format, entries = marshal.loads(body)
    except (EOFError, ValueError, TypeError):
        return {}
    if found_format != _format() or not isinstance(entries, dict):
        return {}
    return entries
