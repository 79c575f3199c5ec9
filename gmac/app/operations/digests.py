"""The digests the no-change record is keyed by: files, folders, the commit checked out, gmac's
own code and toolchain, each part an HMAC under a key derived from the stack's passphrase.

They read files only, and import neither the spec language nor Pulumi: the short way to the
record (gmac.app.operations.plan_index) takes them before any spec is loaded.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import gmac
from gmac.engine.toolchain import (
    STAMP,
    find,
    kubernetes_plugin_version,
    python_sdk_version,
    version_dir,
)

_SOURCE = Path(gmac.__file__).resolve().parent
_PACKAGES = (_SOURCE, _SOURCE.parent / "components")  # gmac's own code
_SKIPPED_DIRS = frozenset({".git", "__pycache__"})


def record_key(passphrase: str) -> bytes:
    """The HMAC key of every part: derived from the passphrase, held in memory only."""
    return hmac.new(passphrase.encode("utf-8"), b"gmac no-change record", hashlib.sha256).digest()


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()


def file_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def file_digest(path: Path) -> str:
    data = file_bytes(path)
    return "absent" if data is None else hashlib.sha256(data).hexdigest()


def folder_digest(folder: Path) -> str:
    """Every file under `folder` (`.git` aside): paths, executable bits, contents, and each
    symlink's target; "absent" when there is no such folder."""
    if not folder.is_dir():
        return "absent" if not folder.exists() else file_digest(folder)
    digest = hashlib.sha256()
    for directory, subdirs, names in os.walk(folder):
        subdirs[:] = sorted(d for d in subdirs if d not in _SKIPPED_DIRS)
        base = Path(directory)
        for name in sorted([*names, *(d for d in subdirs if (base / d).is_symlink())]):
            path = base / name
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            if path.is_symlink():
                digest.update(b"link:" + str(path.readlink()).encode() + b"\0")
                continue
            executable = os.access(path, os.X_OK)
            digest.update(b"x" if executable else b"-")
            digest.update(file_digest(path).encode() + b"\0")
    return digest.hexdigest()


def _git_dir(folder: Path) -> Path | None:
    for candidate in (folder, *folder.parents):
        dot_git = candidate / ".git"
        if dot_git.is_dir():
            return dot_git
        if dot_git.is_file():  # a worktree or submodule: `gitdir: PATH`
            text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
            if text.startswith("gitdir:"):
                return (candidate / text.removeprefix("gitdir:").strip()).resolve()
    return None


def checked_out(folder: Path) -> str:
    """What identifies the commit checked out where `folder` is: HEAD, the ref it names and
    the packed refs, read as files (a new commit changes one of them)."""
    git = _git_dir(folder)
    if git is None:
        return "no git"
    common = git
    pointer = file_bytes(git / "commondir")
    if pointer is not None:
        common = (git / pointer.decode().strip()).resolve()
    head = file_bytes(git / "HEAD") or b""
    parts = [head]
    if head.startswith(b"ref:"):
        ref = head.removeprefix(b"ref:").strip().decode()
        parts.append(file_bytes(git / ref) or file_bytes(common / ref) or b"")
    parts.append(file_bytes(common / "packed-refs") or b"")
    return hashlib.sha256(b"\0".join(parts)).hexdigest()


def code_identity(version: str | None = None, packages: Sequence[Path] = _PACKAGES) -> str:
    """gmac's version and a digest of its source: an edit of an editable install counts."""
    if version is None and packages is _PACKAGES:
        return _running_code_identity()
    return _code_identity(version or gmac.__version__, packages)


@functools.cache
def _running_code_identity() -> str:
    # Taken once per process: the code a process runs is what it loaded when it started, and
    # a plan takes this part three times (the index's sources before and after, the key).
    return _code_identity(gmac.__version__, _PACKAGES)


def _code_identity(version: str, packages: Sequence[Path]) -> str:
    digest = hashlib.sha256(version.encode() + b"\0")
    for package in packages:
        digest.update(package.name.encode() + b":" + folder_digest(package).encode() + b"\0")
    return digest.hexdigest()


def _stat(path: Path) -> str:
    try:
        found = path.stat()
    except OSError:
        return "absent"
    return f"{found.st_size}:{found.st_mtime_ns}"


def toolchain_identity() -> dict[str, Any]:
    """The Pulumi CLI, its plugins and the Python SDKs, from files: nothing is run."""
    toolchain = find()
    if toolchain is None:
        return {"toolchain": "none"}
    plugins = toolchain.pulumi_home / "plugins"
    # Each plugin is a folder; the CLI touches files beside them (`.lastused`, `.lock`) as it
    # runs, which change nothing it loads.
    found = plugins.iterdir() if plugins.is_dir() else iter(())
    installed = sorted(p.name for p in found if p.is_dir() and not p.name.endswith(".partial"))
    return {
        "cli": (file_bytes(version_dir() / STAMP) or b"").decode().strip(),
        "binary": _stat(toolchain.pulumi),
        "plugins": installed,
        "python": [python_sdk_version(), kubernetes_plugin_version()],
        "dynamic": str(toolchain.plugin_dir),
    }


def part_digest(key: bytes, name: str, value: Any) -> str:
    """One part of the key: the HMAC of its name and its canonical JSON."""
    return hmac.new(key, name.encode() + b"\0" + _canonical(value), hashlib.sha256).hexdigest()


def differing(one: Mapping[str, str], other: Mapping[str, str]) -> list[str]:
    """The parts in which two keys differ (a part only one has counts)."""
    names: Iterable[str] = sorted({*one, *other})
    return [name for name in names if one.get(name) != other.get(name)]
