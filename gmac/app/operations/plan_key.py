"""What a plan depends on, part by part: the key of the no-change record.

A preview's answer is a function of what the program declares and of the state it is
compared with. The program is compiled deterministically from the inputs below, so two plans
whose inputs are all equal give the same answer, and the key needs no compile:

    spec         the effective spec (template defaults applied, per-environment values
                 picked, variables filled in), the project root, and each template used
    files        every folder the compile reads: `repo.initial_files`, an image's build
                 context and Dockerfile, `database.migrations`, read whole (`.git` aside),
                 and the commit checked out where images are built (their tags carry it)
    secrets      the values the program reads (store values, GMAC_SECRET_ overrides), the
                 sealed values and their recipients, and what is missing
    settings     the backend URL, the workspace, the stack's settings file and Pulumi.yaml
    state        the state's checkpoint as it is now (gmac.engine.plan_records)
    code         gmac's version and a digest of its own source (gmac/ and components/)
    toolchain    the Pulumi CLI, its plugins and the pulumi Python packages, by version
    environment  the variables the program or the engine may read (GMAC_*, PULUMI_*,
                 KUBECONFIG) and, for a cluster, the kubeconfig it names

Nothing is kept in clear: each part is an HMAC-SHA256 under a key derived from the stack's
passphrase (`record_key`), which is itself never written anywhere; without it, a record
says nothing about a secret value, not even whether it equals a guess.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import gmac
from gmac.app.run_secrets import PREFIX as SECRET_PREFIX
from gmac.app.run_secrets import RunSecrets
from gmac.engine.settings import EngineSettings, stack_settings_path
from gmac.engine.toolchain import (
    STAMP,
    find,
    kubernetes_plugin_version,
    python_sdk_version,
    version_dir,
)
from gmac.load.templates import templates_dir
from gmac.validate import Spec

FORMAT = "1"
_SOURCE = Path(gmac.__file__).resolve().parent
_PACKAGES = (_SOURCE, _SOURCE.parent / "components")  # gmac's own code
_SKIPPED_DIRS = frozenset({".git", "__pycache__"})
# Variables that reach neither the program nor the engine's preview: who runs, where the
# registry is, how gmac prints. The passphrase is the key itself; GMAC_SECRET_* are secrets.
_UNRELATED = frozenset(
    {
        "GMAC_ACTOR",
        "GMAC_DEBUG",
        "GMAC_EPHEMERAL_REGISTRY",
        "GMAC_IDENTITY",
        "GMAC_IDENTITY_FILE",
        "GMAC_LOCK_LEASE_SECONDS",
        "GMAC_PASSPHRASE",
        "GMAC_REGISTRY_AUTH_TOKEN",
        "GMAC_REGISTRY_URL",
    }
)
_ENGINE_PREFIXES = ("GMAC_", "PULUMI_")
_ENGINE_VARIABLES = ("KUBECONFIG",)


def record_key(passphrase: str) -> bytes:
    """The HMAC key of every part: derived from the passphrase, held in memory only."""
    return hmac.new(passphrase.encode("utf-8"), b"gmac no-change record", hashlib.sha256).digest()


class PlanInputs(Protocol):
    """What one plan reads, gathered before the engine (gmac.app.operations.inputs)."""

    @property
    def spec(self) -> Spec: ...
    @property
    def settings(self) -> EngineSettings: ...
    @property
    def secrets(self) -> RunSecrets: ...
    @property
    def values(self) -> Mapping[str, str]:  # the values the program reads
        ...


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()


def _file_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _digest_of(path: Path) -> str:
    data = _file_bytes(path)
    return "absent" if data is None else hashlib.sha256(data).hexdigest()


def folder_digest(folder: Path) -> str:
    """Every file under `folder` (`.git` aside): paths, executable bits, contents, and each
    symlink's target; "absent" when there is no such folder."""
    if not folder.is_dir():
        return "absent" if not folder.exists() else _digest_of(folder)
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
            digest.update(_digest_of(path).encode() + b"\0")
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
    pointer = _file_bytes(git / "commondir")
    if pointer is not None:
        common = (git / pointer.decode().strip()).resolve()
    head = _file_bytes(git / "HEAD") or b""
    parts = [head]
    if head.startswith(b"ref:"):
        ref = head.removeprefix(b"ref:").strip().decode()
        parts.append(_file_bytes(git / ref) or _file_bytes(common / ref) or b"")
    parts.append(_file_bytes(common / "packed-refs") or b"")
    return hashlib.sha256(b"\0".join(parts)).hexdigest()


def _compiled_folders(spec: Spec) -> tuple[dict[str, str], set[Path]]:
    """The folders the compile reads, by what they are for, and where images are built."""
    root = (spec.root or Path.cwd()).resolve()
    folders: dict[str, str] = {}
    builds: set[Path] = set()
    for service in spec.services:
        if service.repo is not None and service.repo.initial_files:
            folders[f"{service.name}:initial_files"] = service.repo.initial_files
        if service.database is not None and service.database.migrations:
            folders[f"{service.name}:migrations"] = service.database.migrations
        image = service.image
        if image is not None and image.build:
            initial = service.repo.initial_files if service.repo is not None else None
            # `image.context` where the spec language has it (the local builder's folder).
            named = getattr(image, "context", None)
            context = str(named or initial or f"services/{service.name}")
            folders[f"{service.name}:context"] = context
            builds.add(root / context)
    return {key: folder_digest(root / value) for key, value in folders.items()}, builds


def _spec_part(spec: Spec) -> dict[str, Any]:
    templates = sorted({s.template for s in spec.services if s.template is not None})
    return {
        "env": spec.env,
        "root": str((spec.root or Path.cwd()).resolve()),
        "project": spec.project.model_dump(mode="json"),
        "services": [service.model_dump(mode="json") for service in spec.services],
        "integrations": [item.model_dump(mode="json") for item in spec.integrations],
        "variables": dict(spec.variables),
        "templates": {
            name: _digest_of(templates_dir() / name / "template.yaml") for name in templates
        },
    }


def _files_part(spec: Spec) -> dict[str, Any]:
    folders, builds = _compiled_folders(spec)
    return {"folders": folders, "commits": sorted({checked_out(path) for path in builds})}


def _secrets_part(inputs: PlanInputs) -> dict[str, Any]:
    found = inputs.secrets
    return {
        "values": dict(inputs.values),
        "sealed": dict(found.sealed),
        "recipients": list(found.seal_recipients),
        "missing": list(found.missing),
        "migrated": list(found.migrated),
        "notes": list(found.notes),
    }


def _settings_part(settings: EngineSettings, env: str) -> dict[str, Any]:
    workspace = settings.workspace
    stack_file = (
        workspace / f"Pulumi.{env}.yaml"
        if settings.work_dir is not None
        else stack_settings_path(settings.root, env)
    )
    return {
        "backend": settings.backend_url,
        "workspace": str(workspace),
        "project": _digest_of(workspace / "Pulumi.yaml"),
        "stack": _digest_of(stack_file),
    }


def code_identity(version: str | None = None, packages: Sequence[Path] = _PACKAGES) -> str:
    """gmac's version and a digest of its source: an edit of an editable install counts."""
    digest = hashlib.sha256((version or gmac.__version__).encode() + b"\0")
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
        "cli": (_file_bytes(version_dir() / STAMP) or b"").decode().strip(),
        "binary": _stat(toolchain.pulumi),
        "plugins": installed,
        "python": [python_sdk_version(), kubernetes_plugin_version()],
        "dynamic": str(toolchain.plugin_dir),
    }


def _kubeconfigs(spec: Spec, environ: Mapping[str, str]) -> list[Path]:
    target = spec.environment.kubernetes
    if target.render_to is not None:
        return []
    if target.kubeconfig:
        return [Path(target.kubeconfig).expanduser()]
    named = environ.get("KUBECONFIG")
    if named:
        return [Path(part).expanduser() for part in named.split(os.pathsep) if part]
    return [Path.home() / ".kube" / "config"]


def _environment_part(spec: Spec, environ: Mapping[str, str]) -> dict[str, Any]:
    variables = {
        name: value
        for name, value in environ.items()
        if (name.startswith(_ENGINE_PREFIXES) or name in _ENGINE_VARIABLES)
        and name not in _UNRELATED
        and not name.startswith(SECRET_PREFIX)
    }
    kubeconfigs = {str(path): _digest_of(path) for path in _kubeconfigs(spec, environ)}
    return {"variables": variables, "kubeconfigs": kubeconfigs}


def plan_key(
    inputs: PlanInputs,
    state: str,
    *,
    environ: Mapping[str, str] | None = None,
    code: str | None = None,
) -> dict[str, str]:
    """Each part of the key as an HMAC (hex) under `record_key`; see the module's docs."""
    source = os.environ if environ is None else environ
    parts: dict[str, Any] = {
        "format": FORMAT,
        "spec": _spec_part(inputs.spec),
        "files": _files_part(inputs.spec),
        "secrets": _secrets_part(inputs),
        "settings": _settings_part(inputs.settings, inputs.spec.env),
        "state": state,
        "code": code if code is not None else code_identity(),
        "toolchain": toolchain_identity(),
        "environment": _environment_part(inputs.spec, source),
    }
    key = record_key(inputs.settings.passphrase)
    return {name: part_digest(key, name, value) for name, value in parts.items()}


def part_digest(key: bytes, name: str, value: Any) -> str:
    """One part of the key: the HMAC of its name and its canonical JSON."""
    return hmac.new(key, name.encode() + b"\0" + _canonical(value), hashlib.sha256).hexdigest()


def differing(one: Mapping[str, str], other: Mapping[str, str]) -> list[str]:
    """The parts in which two keys differ (a part only one has counts)."""
    names: Iterable[str] = sorted({*one, *other})
    return [name for name in names if one.get(name) != other.get(name)]
