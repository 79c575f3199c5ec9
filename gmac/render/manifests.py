"""Kubernetes manifests as a YAML stream, for `kubectl apply -f -`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml


def dump_manifests(manifests: Sequence[dict[str, Any]]) -> str:
    return yaml.safe_dump_all(list(manifests), sort_keys=False, explicit_start=True)
