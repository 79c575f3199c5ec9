"""The providers' public names: each class is pickled into the state as `gmac.providers.X`,
and reading one name imports its own module only (the engine's dynamic-provider process
unpickles a generated secret's provider without importing the Gitea, Stripe or Turso
clients)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import dill
import pytest
from pulumi.dynamic.dynamic import serialize_provider

from gmac import providers


def test_every_provider_is_pickled_by_its_public_name() -> None:
    for cls in providers.PROVIDERS:
        assert cls.__module__ == "gmac.providers"
        assert getattr(providers, cls.__name__) is cls
        pickled = dill.loads(base64.b64decode(serialize_provider(cls())))
        assert type(pickled) is cls


def test_every_public_name_resolves() -> None:
    for name in providers.__all__:
        assert getattr(providers, name) is not None
    assert set(providers.__all__) <= set(dir(providers))


def test_a_generated_secret_s_provider_imports_no_http_client() -> None:
    script = (
        "import base64, json, sys, dill\n"
        "provider = dill.loads(base64.b64decode(sys.argv[1]))\n"
        "print(json.dumps([type(provider).__name__, sorted(sys.modules)]))\n"
    )
    pickled = serialize_provider(providers.GeneratedSecretProvider())
    done = subprocess.run(
        [sys.executable, "-c", script, pickled], capture_output=True, text=True, check=True
    )
    name, modules = json.loads(done.stdout)
    assert name == "GeneratedSecretProvider"
    assert "gmac.providers._generated" in modules
    heavy = {"aiohttp", "httpx", "requests", "stripe", "libsql_client", "gmac.clients", "gmac.age"}
    assert not heavy & set(modules), heavy & set(modules)
    assert not [
        m for m in modules if m.startswith(("gmac.providers._gitea", "gmac.providers._turso"))
    ]


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchProvider"):
        _ = providers.NoSuchProvider  # type: ignore[attr-defined]
