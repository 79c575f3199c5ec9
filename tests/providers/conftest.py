"""Fixtures for the provider and integration component tests.

- `spec`/`ctx`: the small project in tests/providers/specs, validated for `production`.
- `mocks`: Pulumi's mocks, recording every resource registered (components too).
- `server`: a real HTTP server on 127.0.0.1 whose routes a test defines (`tests.local_http`);
  it records every request so a test can check what a provider sent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi.runtime.mocks import MockMonitor

from components.context import CompileContext
from gmac.validate import Spec, validate_directory

# The shared local HTTP server, as a fixture of these tests.
from tests.local_http import server

__all__ = ["RecordingMocks", "server"]

SPECS = Path(__file__).resolve().parent / "specs"
SECRET_VALUES = {
    "gitea-token": "gitea-secret-token",
    "stripe-key": "sk_test_secretkey",
    "turso-api-token": "turso-platform-token",
    "ci-secret": "ci-hook-secret",
}

# What the fake engine answers for the outputs a provider computes.
FAKE_OUTPUTS: dict[str, dict[str, Any]] = {
    "pulumi-python:dynamic/gitea:Repository": {
        "clone_url": "https://git.example.com/shop/api.git",
        "html_url": "https://git.example.com/shop/api",
        "full_name": "shop/api",
        "head_commit": "0123456789abcdef0123456789abcdef01234567",
    },
    "pulumi-python:dynamic/stripe:WebhookEndpoint": {"signing_secret": "whsec_mock"},
    "pulumi-python:dynamic/turso:Database": {"url": "libsql://orders-shop.turso.io"},
    "pulumi-python:dynamic/turso:DatabaseToken": {"jwt": "jwt-mock"},
    "pulumi-python:dynamic/image:Build": {
        "ref": "registry.example.com/shop/api@sha256:" + "a" * 64
    },
    "pulumi-python:dynamic/image:LocalBuild": {
        "ref": "registry.example.com/shop/web@sha256:" + "b" * 64
    },
}


@pytest.fixture(scope="session")
def spec() -> Spec:
    return validate_directory(SPECS, "production")["production"]


@pytest.fixture
def ctx(spec: Spec) -> CompileContext:
    return CompileContext(spec=spec, secret_values=SECRET_VALUES)


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []
        self.monitor = MockMonitor(self)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        self.resources.append(args)
        state = {**args.inputs, **FAKE_OUTPUTS.get(args.typ, {})}
        return (f"{args.name}-id" if args.custom else None), state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list | None]:
        return {}, None

    def named(self, name: str) -> pulumi.runtime.MockResourceArgs:
        for item in self.resources:
            if item.name == name:
                return item
        raise KeyError(f"no resource {name!r} among {[item.name for item in self.resources]}")

    def urns(self) -> dict[str, str]:
        """Resource name -> URN, as the mock monitor made them (the URN carries the parent)."""
        return {urn.rsplit("::", 1)[1]: urn for urn in self.monitor.resources}


@pytest.fixture
def mocks() -> RecordingMocks:
    recording = RecordingMocks()
    pulumi.runtime.set_mocks(
        recording, project="gmac", stack="production", preview=False, monitor=recording.monitor
    )
    return recording
