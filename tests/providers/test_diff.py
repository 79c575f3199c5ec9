"""Every provider's `diff`, called directly with olds/news as the engine passes them."""

from __future__ import annotations

import base64
from typing import Any

import dill
import pytest
from pulumi.dynamic import ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.output import Unknown
from pulumi.runtime import rpc

from gmac import providers
from gmac.providers import (
    GiteaBranchProtectionProvider,
    GiteaRepositoryProvider,
    GiteaWebhookProvider,
    ImageBuildProvider,
    StripePriceProvider,
    StripeProductProvider,
    StripeWebhookEndpointProvider,
    TursoDatabaseProvider,
    TursoDatabaseTokenProvider,
)

REPOSITORY = {
    "base_url": "https://git.example.com",
    "token": "t1",
    "token_secret": "gitea-token",
    "owner": "shop",
    "repo": "api",
    "description": "d",
    "private": True,
    "default_branch": "main",
    "files": {"README.md": "hello"},
}
PROTECTION = {
    "base_url": "https://git.example.com",
    "token": "t1",
    "owner": "shop",
    "repo": "api",
    "branch": "main",
    "enable_push": False,
    "enable_force_push": False,
    "required_approvals": 0,
    "dismiss_stale_approvals": True,
}
HOOK = {
    "base_url": "https://git.example.com",
    "token": "t1",
    "owner": "shop",
    "repo": "api",
    "url": "https://ci.example.com/hook",
    "events": ["push", "pull_request"],
    "secret": "s1",
    "content_type": "json",
    "active": True,
    "branch_filter": "*",
}
PRODUCT = {
    "api_key": "sk_1",
    "api_base": "https://api.stripe.com",
    "key": "pro",
    "name": "Pro",
    "description": "",
    "metadata": {"gmac_id": "pro"},
    "active": True,
}
PRICE = {
    "api_key": "sk_1",
    "api_base": "https://api.stripe.com",
    "key": "pro-monthly",
    "product": "prod_1",
    "currency": "usd",
    "unit_amount": 1900,
    "interval": "month",
    "interval_count": 1,
    "lookup_key": "shop-production-pro-monthly",
    "metadata": {"gmac_id": "pro-monthly"},
    "active": True,
}
ENDPOINT = {
    "api_key": "sk_1",
    "api_base": "https://api.stripe.com",
    "key": "hook",
    "url": "https://api.example.com/stripe",
    "enabled_events": ["a.b", "c.d"],
    "description": "",
    "metadata": {},
}
DATABASE = {
    "api_base": "https://api.turso.tech",
    "token": "p1",
    "organization": "shop",
    "name": "orders",
    "group": "eu",
}
TOKEN = {
    "api_base": "https://api.turso.tech",
    "token": "p1",
    "organization": "shop",
    "database": "orders",
    "authorization": "full-access",
    "expiration": "60d",
    "rotate_after": 2592000,
}
BUILD = {
    "service": "api",
    "image": "registry.example.com/shop/api",
    "git_url": "https://git.example.com/shop/api.git",
    "commit": "0123456789abcdef",
    "git_token": "t1",
    "namespace": "shop",
    "kubeconfig": "",
    "context": "prod",
    "dockerfile": "Dockerfile",
    "registry_secret": "gmac-registry",
    "builder_image": "moby/buildkit:v0.22.0-rootless",
    "timeout": 1800,
}

CASES: list[tuple[ResourceProvider, dict[str, Any]]] = [
    (GiteaRepositoryProvider(), REPOSITORY),
    (GiteaBranchProtectionProvider(), PROTECTION),
    (GiteaWebhookProvider(), HOOK),
    (StripeProductProvider(), PRODUCT),
    (StripePriceProvider(), PRICE),
    (StripeWebhookEndpointProvider(), ENDPOINT),
    (TursoDatabaseProvider(), DATABASE),
    (TursoDatabaseTokenProvider(), TOKEN),
    (ImageBuildProvider(), BUILD),
]


def _state(inputs: dict[str, Any], **outputs: Any) -> dict[str, Any]:
    """What the engine passes as `olds`: the stored outputs, which hold the inputs."""
    return {**inputs, "__provider": "old-pickle", **outputs}


def _news(inputs: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**inputs, "__provider": "new-pickle", **changes}


def _kind(result: Any) -> str:
    if result.replaces:
        return "replace"
    return "update" if result.changes else "none"


@pytest.mark.parametrize(("provider", "inputs"), CASES, ids=lambda c: type(c).__name__)
def test_same_inputs_and_a_new_provider_pickle_are_no_change(
    provider: ResourceProvider, inputs: dict[str, Any]
) -> None:
    result = provider.diff("id", _state(inputs, computed="x"), _news(inputs))
    assert result.changes is False
    assert result.replaces == []


@pytest.mark.parametrize(("provider", "inputs"), CASES, ids=lambda c: type(c).__name__)
def test_numbers_come_back_as_floats_and_secrets_wrapped(
    provider: ResourceProvider, inputs: dict[str, Any]
) -> None:
    def engine_form(value: Any) -> Any:
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else value

    olds = {k: engine_form(v) for k, v in inputs.items()}
    news = {
        k: rpc.wrap_rpc_secret(v) if k in ("token", "api_key") else v for k, v in inputs.items()
    }
    assert _kind(provider.diff("id", _state(olds), _news(news))) == "none"


@pytest.mark.parametrize(
    ("provider", "inputs", "field", "value", "expected"),
    [
        (GiteaRepositoryProvider(), REPOSITORY, "description", "new", "update"),
        (GiteaRepositoryProvider(), REPOSITORY, "private", False, "update"),
        (GiteaRepositoryProvider(), REPOSITORY, "default_branch", "trunk", "update"),
        (GiteaRepositoryProvider(), REPOSITORY, "repo", "api2", "update"),
        (GiteaRepositoryProvider(), REPOSITORY, "owner", "other", "replace"),
        (GiteaRepositoryProvider(), REPOSITORY, "base_url", "https://git2", "replace"),
        (GiteaRepositoryProvider(), REPOSITORY, "files", {"other": "x"}, "none"),
        (GiteaRepositoryProvider(), REPOSITORY, "token_secret", "renamed", "none"),
        (GiteaBranchProtectionProvider(), PROTECTION, "required_approvals", 2, "update"),
        (GiteaBranchProtectionProvider(), PROTECTION, "enable_push", True, "update"),
        (GiteaBranchProtectionProvider(), PROTECTION, "branch", "dev", "replace"),
        (GiteaBranchProtectionProvider(), PROTECTION, "repo", "api2", "replace"),
        (GiteaWebhookProvider(), HOOK, "url", "https://ci2", "update"),
        (GiteaWebhookProvider(), HOOK, "events", ["push"], "update"),
        (GiteaWebhookProvider(), HOOK, "events", ["pull_request", "push"], "none"),
        (GiteaWebhookProvider(), HOOK, "secret", "s2", "update"),
        (GiteaWebhookProvider(), HOOK, "secret", "", "none"),
        (GiteaWebhookProvider(), HOOK, "repo", "api2", "replace"),
        (StripeProductProvider(), PRODUCT, "name", "Pro 2", "update"),
        (StripeProductProvider(), PRODUCT, "metadata", {"gmac_id": "x"}, "update"),
        (StripeProductProvider(), PRODUCT, "api_base", "http://127.0.0.1:12111", "replace"),
        (StripeProductProvider(), PRODUCT, "key", "renamed", "none"),
        (StripePriceProvider(), PRICE, "unit_amount", 2900, "replace"),
        (StripePriceProvider(), PRICE, "currency", "eur", "replace"),
        (StripePriceProvider(), PRICE, "interval", "year", "replace"),
        (StripePriceProvider(), PRICE, "interval_count", 3, "replace"),
        (StripePriceProvider(), PRICE, "product", "prod_2", "replace"),
        (StripePriceProvider(), PRICE, "lookup_key", "other", "update"),
        (StripePriceProvider(), PRICE, "metadata", {"gmac_id": "y"}, "update"),
        (StripeWebhookEndpointProvider(), ENDPOINT, "url", "https://x", "update"),
        (StripeWebhookEndpointProvider(), ENDPOINT, "enabled_events", ["c.d", "a.b"], "none"),
        (StripeWebhookEndpointProvider(), ENDPOINT, "enabled_events", ["a.b"], "update"),
        (TursoDatabaseProvider(), DATABASE, "group", "us", "replace"),
        (TursoDatabaseProvider(), DATABASE, "name", "orders2", "replace"),
        (TursoDatabaseProvider(), DATABASE, "organization", "other", "replace"),
        (TursoDatabaseTokenProvider(), TOKEN, "authorization", "read-only", "replace"),
        (TursoDatabaseTokenProvider(), TOKEN, "expiration", "never", "replace"),
        (TursoDatabaseTokenProvider(), TOKEN, "database", "other", "replace"),
        (ImageBuildProvider(), BUILD, "commit", "fedcba9876543210", "update"),
        (ImageBuildProvider(), BUILD, "dockerfile", "build/Dockerfile", "update"),
        (ImageBuildProvider(), BUILD, "image", "registry.example.com/shop/api2", "update"),
        (ImageBuildProvider(), BUILD, "namespace", "other", "none"),
        (ImageBuildProvider(), BUILD, "git_url", "https://git2/shop/api.git", "none"),
        (ImageBuildProvider(), BUILD, "builder_image", "moby/buildkit:v1-rootless", "none"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_each_input_changes_as_the_api_allows(
    provider: ResourceProvider, inputs: dict[str, Any], field: str, value: Any, expected: str
) -> None:
    result = provider.diff("id", _state(inputs), _news(inputs, **{field: value}))
    assert _kind(result) == expected
    if expected == "replace":
        assert result.replaces == [field]


@pytest.mark.parametrize(("provider", "inputs"), CASES, ids=lambda c: type(c).__name__)
def test_credentials_rotate_in_place_and_an_empty_one_is_kept(
    provider: ResourceProvider, inputs: dict[str, Any]
) -> None:
    field = next(k for k in ("token", "api_key", "git_token") if k in inputs)
    rotated = provider.diff("id", _state(inputs), _news(inputs, **{field: "rotated"}))
    assert _kind(rotated) == "update"
    # A run without the secret store passes an empty credential: nothing to change.
    blind = provider.diff("id", _state(inputs), _news(inputs, **{field: ""}))
    assert _kind(blind) == "none"


def test_unknown_values_in_a_preview_count_as_changes() -> None:
    price = StripePriceProvider().diff("id", _state(PRICE), _news(PRICE, product=Unknown()))
    assert price.replaces == ["product"]
    hook = GiteaWebhookProvider().diff("id", _state(HOOK), _news(HOOK, url=rpc.UNKNOWN))
    assert _kind(hook) == "update"
    build = ImageBuildProvider().diff("id", _state(BUILD), _news(BUILD, commit=Unknown()))
    assert _kind(build) == "update"


def test_a_stripe_price_is_created_before_the_old_one_is_archived() -> None:
    result = StripePriceProvider().diff("id", _state(PRICE), _news(PRICE, unit_amount=2900))
    assert result.delete_before_replace is False


def test_a_turso_database_keeping_its_name_is_deleted_before_it_is_replaced() -> None:
    provider = TursoDatabaseProvider()
    moved = provider.diff("id", _state(DATABASE), _news(DATABASE, group="us"))
    assert moved.delete_before_replace is True
    renamed = provider.diff("id", _state(DATABASE), _news(DATABASE, name="orders2"))
    assert renamed.delete_before_replace is False


def test_a_turso_token_is_replaced_once_its_rotation_is_due(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    provider = TursoDatabaseTokenProvider()
    monkeypatch.setattr("gmac.providers._turso._now", lambda: 1_000_000)
    fresh = provider.diff("id", _state(TOKEN, rotate_at=1_000_001), _news(TOKEN))
    assert _kind(fresh) == "none"
    due = provider.diff("id", _state(TOKEN, rotate_at=1_000_000), _news(TOKEN))
    assert due.replaces == ["rotate_at"]
    never = provider.diff("id", _state(TOKEN, rotate_at=0), _news(TOKEN))
    assert _kind(never) == "none"


def test_drift_found_by_read_shows_as_a_change() -> None:
    live = _state(REPOSITORY, description="edited by hand")
    assert _kind(GiteaRepositoryProvider().diff("id", live, _news(REPOSITORY))) == "update"


@pytest.mark.parametrize("provider", providers.PROVIDERS, ids=lambda c: c.__name__)
def test_providers_pickle_by_reference_to_gmac_providers(provider: type[ResourceProvider]) -> None:
    pickled = base64.b64decode(serialize_provider(provider()))
    assert b"gmac.providers" in pickled
    assert b"gmac.providers._" not in pickled
    assert len(pickled) < 200  # a reference, not the class's code
    assert type(dill.loads(pickled)) is provider
