"""Preview environments for pull requests.

`pr-12` is derived from a base environment (staging by default): its own stack and
namespace (`gmac-staging-pr-12`), host names under `pr-12.<base domain>`, the base's
per-environment values where it has none, then cheaper defaults: one replica, no autoscaler.
It creates no repositories, Stripe or Turso resources (integrations are offline: it shares
the base's) and builds its images from the pull request (tag `pr-N`), or reuses the base's
(gmac.app.preview_images). It is never protected: a preview is meant to
be destroyed when its pull request closes.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gmac.errors import UsageError
from gmac.load import Document, load_specs
from gmac.load.files import display_path
from gmac.suggest import did_you_mean
from gmac.validate import DEFAULT_DOMAIN, Spec, validate_all

PREFIX = "pr-"
DEFAULT_BASE = "staging"
_NAME = re.compile(rf"^{PREFIX}(?P<number>[1-9][0-9]*)$")


def preview_name(number: int) -> str:
    if number < 1:
        raise UsageError(f"--pr must be a pull request number, not {number}")
    return f"{PREFIX}{number}"


def preview_number(stack: str) -> int | None:
    """The pull request number of a preview stack's name, or None for another stack."""
    match = _NAME.match(stack)
    return int(match.group("number")) if match else None


def _preview_environment(base: dict[str, Any], base_name: str, name: str, project: str) -> Any:
    environment = copy.deepcopy(base)
    environment["inherits"] = base_name
    environment["protect"] = False
    # Repositories, Stripe and Turso belong to the base environment: a preview shares them
    # and deploys the images CI built for the pull request.
    environment["integrations"] = "offline"
    # Its images are its own, though: built from the pull request (gmac.app.preview_images).
    environment["build_images"] = True
    kubernetes = environment.setdefault("kubernetes", {})
    if isinstance(kubernetes, dict):
        namespace = kubernetes.get("namespace") or project
        kubernetes["namespace"] = f"{namespace}-{name}"[:63].rstrip("-")
        if kubernetes.get("render_to"):
            kubernetes["render_to"] = f"{str(kubernetes['render_to']).rstrip('/')}-{name}"
    # Host names must differ from the base's even when it has no domain of its own.
    environment["domain"] = f"{name}.{environment.get('domain') or DEFAULT_DOMAIN}"
    return environment


def with_preview(documents: Sequence[Document], number: int, base: str) -> list[Document]:
    """The documents with a `pr-N` environment added to the Project, derived from `base`."""
    name = preview_name(number)
    result: list[Document] = []
    for document in documents:
        environments = document.data.get("environments")
        if document.kind != "Project" or not isinstance(environments, dict):
            result.append(document)
            continue
        if base not in environments:
            known = [str(key) for key in environments]
            raise UsageError(
                f"no environment '{base}' to base previews on"
                f"{did_you_mean(base, known)}; choose one with --base"
            )
        derived = _preview_environment(environments[base], base, name, str(document.name))
        data = {**document.data, "environments": {**environments, name: derived}}
        result.append(Document(document.file, data, document.source))
    return result


def cheaper(spec: Spec) -> Spec:
    """One replica and no autoscaler for every service: previews are for looking, not load."""
    services = tuple(
        service.model_copy(update={"replicas": min(service.replicas, 1), "autoscale": None})
        for service in spec.services
    )
    return dataclasses.replace(spec, services=services)


def preview_spec(specs: Path, number: int, base: str = DEFAULT_BASE) -> Spec:
    documents, problems = load_specs(specs)
    name = preview_name(number)
    derived = with_preview(documents, number, base)
    specs_by_env = validate_all(
        derived, env=name, load_problems=problems, specs_label=display_path(specs)
    )
    return cheaper(specs_by_env[name])
