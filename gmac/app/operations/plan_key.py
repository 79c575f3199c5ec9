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

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from gmac.app.operations.digests import (
    checked_out,
    code_identity,
    differing,
    file_digest,
    folder_digest,
    part_digest,
    record_key,
    toolchain_identity,
)
from gmac.app.run_secrets import PREFIX as SECRET_PREFIX
from gmac.app.run_secrets import RunSecrets
from gmac.engine.settings import EngineSettings, stack_settings_path
from gmac.load.templates import templates_dir
from gmac.secrets import identity_files
from gmac.validate import Spec

FORMAT = "1"
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


def _compiled_folders(spec: Spec) -> tuple[dict[str, Path], set[Path]]:
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
    return {key: root / value for key, value in folders.items()}, builds


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
            name: file_digest(templates_dir() / name / "template.yaml") for name in templates
        },
    }


def _files_part(spec: Spec) -> dict[str, Any]:
    folders, builds = _compiled_folders(spec)
    digests = {name: folder_digest(path) for name, path in folders.items()}
    return {"folders": digests, "commits": sorted({checked_out(path) for path in builds})}


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


def _stack_file(settings: EngineSettings, env: str) -> Path:
    if settings.work_dir is not None:
        return settings.workspace / f"Pulumi.{env}.yaml"
    return stack_settings_path(settings.root, env)


def _settings_part(settings: EngineSettings, env: str) -> dict[str, Any]:
    workspace = settings.workspace
    stack_file = _stack_file(settings, env)
    return {
        "backend": settings.backend_url,
        "workspace": str(workspace),
        "project": file_digest(workspace / "Pulumi.yaml"),
        "stack": file_digest(stack_file),
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
    kubeconfigs = {str(path): file_digest(path) for path in _kubeconfigs(spec, environ)}
    return {"variables": variables, "kubeconfigs": kubeconfigs}


def read_paths(
    inputs: PlanInputs, environ: Mapping[str, str] | None = None
) -> tuple[list[Path], list[Path], list[Path]]:
    """The folders, the build folders and the files a key of `inputs` read, besides the
    specs: what the short way to the record (gmac.app.operations.plan_index) digests."""
    source = os.environ if environ is None else environ
    folders, builds = _compiled_folders(inputs.spec)
    settings = inputs.settings
    files = [
        settings.workspace / "Pulumi.yaml",
        _stack_file(settings, inputs.spec.env),
        *_kubeconfigs(inputs.spec, source),
        *identity_files(),
    ]
    return sorted(set(folders.values())), sorted(builds), files


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


__all__ = [
    "checked_out",
    "code_identity",
    "differing",
    "folder_digest",
    "part_digest",
    "plan_key",
    "record_key",
]
