"""The short way to the no-change record: from the bytes a plan would read, before reading
them as specs.

The record's key (gmac.app.operations.plan_key) is taken from the effective spec, and loading
and validating the specs is most of what a plan answered from the record costs. But the
effective spec, the secrets and every other part of the key are a function of files and
variables alone. So whenever a plan takes the key, this checkout keeps, in
`.gmac/plan-index/<env>.json`, a digest of those files and variables (the *sources*) beside
the key's parts: a later plan that finds the same sources knows every part of the key but the
state's without loading a spec, takes the state's part anew, and reads the record as ever.

The sources are more than the key reads, never less: every file under the specs folder (a
comment counts here; such a plan takes the long way, which still answers from the record),
the templates folder, the folders and files the last key read (initial files, build
contexts, the stack's settings, kubeconfigs, identities), the commit checked out where
images are built, gmac's code and toolchain, every variable named GMAC_*, PULUMI_* or SOPS_*
and HOME, KUBECONFIG and XDG_CONFIG_HOME, and the working folder. Like the key, the digest is
an HMAC under the stack passphrase's key; the index holds digests and paths, nothing in
clear. An index that cannot be read or written is no index: the long way answers as before.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from gmac.app.operations.digests import (
    checked_out,
    code_identity,
    file_digest,
    folder_digest,
    part_digest,
    record_key,
    toolchain_identity,
)
from gmac.app.operations.request import RunRequest
from gmac.engine.plan_records import RecordStore, record_store
from gmac.engine.settings import STATE_DIR, existing_passphrase
from gmac.errors import GmacError
from gmac.fs import write_atomically
from gmac.plan import Plan, RecordOrigin, plan_from_dict

FORMAT = "1"
INDEX_DIR = Path(STATE_DIR) / "plan-index"
PROJECT = "gmac"  # the Pulumi project every stack belongs to (gmac.engine.stack)
_PREFIXES = ("GMAC_", "PULUMI_", "SOPS_")
_VARIABLES = ("HOME", "KUBECONFIG", "XDG_CONFIG_HOME")
# Who runs and how gmac prints change no answer; the passphrase is the digest's key itself.
_UNREAD = frozenset({"GMAC_ACTOR", "GMAC_DEBUG", "GMAC_PASSPHRASE"})


@dataclass(frozen=True)
class Read:
    """What a key read besides the specs folder, as the long way found it."""

    templates: Path
    folders: Sequence[Path] = ()
    builds: Sequence[Path] = ()  # where images are built: the commit checked out there
    files: Sequence[Path] = ()


def eligible(request: RunRequest) -> bool:
    """Whether `request` is a plain plan of a project's environment, as the index keeps."""
    return not (
        request.targets
        or request.rotate
        or request.load_spec is not None
        or request.secret_values is not None
    )


def index_path(request: RunRequest) -> Path:
    return request.root / INDEX_DIR / f"{request.env}.json"


def _key(request: RunRequest) -> bytes | None:
    passphrase = existing_passphrase(request.root)
    return None if passphrase is None else record_key(passphrase)


def _variables(environ: Mapping[str, str]) -> dict[str, str]:
    return {
        name: value
        for name, value in sorted(environ.items())
        if (name.startswith(_PREFIXES) or name in _VARIABLES) and name not in _UNREAD
    }


def sources(
    request: RunRequest,
    read: Read,
    key: bytes,
    *,
    environ: Mapping[str, str] | None = None,
    code: str | None = None,
) -> str:
    """The digest of everything a key of `request` depends on, as files and variables."""
    parts: dict[str, Any] = {
        "format": FORMAT,
        "env": request.env,
        "specs": str(request.specs.resolve()),
        "cwd": str(Path.cwd()),
        "spec_files": folder_digest(request.specs),
        "templates": [str(read.templates), folder_digest(read.templates)],
        "folders": {str(path): folder_digest(path) for path in read.folders},
        "builds": {str(path): checked_out(path) for path in read.builds},
        "files": {str(path): file_digest(path) for path in read.files},
        "variables": _variables(os.environ if environ is None else environ),
        "code": code if code is not None else code_identity(),
        "toolchain": toolchain_identity(),
    }
    return part_digest(key, "sources", parts)


def _read_paths(found: Mapping[str, Any]) -> Read:
    def paths(name: str) -> list[Path]:
        return [Path(item) for item in found.get(name, [])]

    return Read(Path(found["templates"]), paths("folders"), paths("builds"), paths("files"))


def _load(request: RunRequest) -> dict[str, Any] | None:
    try:
        found = json.loads(index_path(request).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) and found.get("format") == FORMAT else None


def recorded_answer(found: object, key: Mapping[str, str]) -> Plan | None:
    """The plan a record holds (`found`, parsed, or its JSON text), when its key is `key` and
    it found no changes; otherwise None."""
    if isinstance(found, str):
        try:
            found = json.loads(found)
        except ValueError:
            return None
    if not isinstance(found, dict) or found.get("key") != key:
        return None
    plan, origin = found.get("plan"), found.get("origin")
    if not isinstance(plan, dict) or not isinstance(origin, dict):
        return None
    try:
        recorded = plan_from_dict(plan)
    except (KeyError, TypeError, ValueError):
        return None
    if recorded.has_changes:
        return None
    made = RecordOrigin(str(origin.get("command", "")), str(origin.get("at", "")))
    return replace(recorded, origin=made)


@dataclass(frozen=True)
class _Known:
    """What the index knows of a plan: the key it would take and where its record lives."""

    parts: dict[str, str]
    store: RecordStore
    index: dict[str, Any]


def _known(request: RunRequest, code: str | None) -> _Known | None:
    found, key = _load(request), _key(request)
    if found is None or key is None or not eligible(request):
        return None
    if found.get("shared") and not os.environ.get("GMAC_PASSPHRASE"):
        return None  # the long way says why a shared environment needs the variable
    try:
        if sources(request, _read_paths(found), key, code=code) != found.get("sources"):
            return None
        store = record_store(str(found["backend"]), PROJECT, request.env)
        if store is None:
            return None
        parts = {str(name): str(value) for name, value in dict(found["key"]).items()}
        parts["state"] = part_digest(key, "state", store.state_version())
    except (GmacError, KeyError, TypeError, ValueError):
        return None
    return _Known(parts, store, found)


def short_key(request: RunRequest, *, code: str | None = None) -> dict[str, str] | None:
    """The key a plan of `request` would take, known from the index alone, with the state's
    part taken anew: None when there is no index, or the sources are not those it names."""
    known = _known(request, code)
    return known.parts if known is not None else None


def answer(request: RunRequest) -> Plan | None:
    """The record's answer to `request`, when the index knows the key the plan would take
    and the record is under that key; otherwise None (the long way decides)."""
    known = _known(request, None)
    if known is None:
        return None
    try:
        text = known.store.read()
    except GmacError:
        return None
    plan = recorded_answer(text, known.parts) if text is not None else None
    if plan is None or known.index.get("cluster") is None:
        return plan
    # A cluster's reachability is the plan's to say, whatever the record holds.
    from gmac.app.cluster_check import with_cluster_warning  # noqa: PLC0415
    from gmac.models.project import KubernetesTarget  # noqa: PLC0415

    target = KubernetesTarget.model_validate(known.index["cluster"])
    return with_cluster_warning(plan, target, request.root)


def remember(
    request: RunRequest,
    *,
    sources_digest: str,
    read: Read,
    parts: Mapping[str, str],
    backend: str,
    shared: bool,
    cluster: Mapping[str, Any] | None,
) -> None:
    """Keep the key a plan of `request` took under the sources it was taken from."""
    index = {
        "format": FORMAT,
        "sources": sources_digest,
        "key": {name: value for name, value in parts.items() if name != "state"},
        "backend": backend,
        "shared": shared,
        "cluster": dict(cluster) if cluster is not None else None,
        "templates": str(read.templates),
        "folders": [str(path) for path in read.folders],
        "builds": [str(path) for path in read.builds],
        "files": [str(path) for path in read.files],
    }
    text = json.dumps(index, indent=1, sort_keys=True) + "\n"
    # An index that cannot be written costs time only: the next plan takes the long way.
    with contextlib.suppress(OSError):
        write_atomically(index_path(request), text, mode=0o600)
