"""The integration components under Pulumi's mocks: resource tree, names, parents, secrets."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pulumi
import pytest
from pulumi.runtime import rpc

from components.context import CompileContext
from components.image import Image, local_inputs
from components.repository import Repository
from components.stripe import Stripe
from components.turso import Turso, token_expiration
from components.webhook import Webhook
from gmac.errors import IntegrationError
from gmac.models import StripeIntegration, TursoIntegration, WebhookIntegration
from gmac.models.service import Image as ImageSpec
from tests.providers.conftest import RecordingMocks


def _settled(*resources: pulumi.Resource) -> pulumi.Output[list[str]]:
    """Resolves once every resource (and so every child registered before it) is registered."""
    return pulumi.Output.all(*[resource.urn for resource in resources])


def _is_secret(value: object) -> bool:
    return rpc.is_rpc_secret(value)


def _parent_type(urn: str) -> str:
    """The parent's type, from the URN's type chain (`gmac:index:Stripe$pulumi-python:...`)."""
    chain = urn.split("::")[2].split("$")
    return chain[-2] if len(chain) > 1 else ""


def _ci(ctx: CompileContext) -> WebhookIntegration:
    found = ctx.spec.integration("ci")
    assert isinstance(found, WebhookIntegration)
    return found


@pulumi.runtime.test
def test_repository_tree(mocks: RecordingMocks, ctx: CompileContext) -> pulumi.Output[None]:
    service = ctx.spec.service("api")
    repository = Repository("api", service, ctx, [_ci(ctx)])
    assert repository.default_branch == "main"
    assert repository.full_name == "shop/api"

    def check(_: object) -> None:
        urns = mocks.urns()
        children = ["api-repo", "api-protect-main", "api-protect-release", "api-hook-ci"]
        for name in children:
            assert _parent_type(urns[name]) == "gmac:index:Repository", name
            assert mocks.named(name).custom
        assert mocks.named("api").typ == "gmac:index:Repository"
        assert not mocks.named("api").custom

        repo = mocks.named("api-repo")
        assert repo.typ == "pulumi-python:dynamic/gitea:Repository"
        assert repo.inputs["base_url"] == "https://git.example.com"
        assert repo.inputs["owner"] == "shop"
        assert repo.inputs["repo"] == "api"
        assert repo.inputs["private"] is True
        assert _is_secret(repo.inputs["token"])
        assert rpc.unwrap_rpc_secret(repo.inputs["token"]) == "gitea-secret-token"
        assert repo.inputs["token_secret"] == "gitea-token"

        release = mocks.named("api-protect-release")
        assert release.typ == "pulumi-python:dynamic/gitea:BranchProtection"
        assert release.inputs["branch"] == "release/*"
        assert release.inputs["enable_push"] is False
        assert release.inputs["repo"] == "api"

        hook = mocks.named("api-hook-ci")
        assert hook.typ == "pulumi-python:dynamic/gitea:Webhook"
        assert hook.inputs["url"] == "https://ci.example.com/hooks/gitea"
        assert hook.inputs["events"] == ["push", "pull_request"]
        assert _is_secret(hook.inputs["secret"])

    return pulumi.Output.all(_settled(*repository.protections, *repository.hooks)).apply(check)


@pulumi.runtime.test
def test_repository_outputs(mocks: RecordingMocks, ctx: CompileContext) -> pulumi.Output[None]:
    repository = Repository("api", ctx.spec.service("api"), ctx, [])

    def check(values: list[str]) -> None:
        clone_url, head = values
        assert clone_url == "https://git.example.com/shop/api.git"
        assert head.startswith("0123456789ab")
        assert not any(r.name.startswith("api-hook") for r in mocks.resources)

    return pulumi.Output.all(repository.clone_url, repository.head_commit).apply(check)


@pulumi.runtime.test
def test_image_builds_from_the_repository(
    mocks: RecordingMocks, ctx: CompileContext
) -> pulumi.Output[None]:
    service = ctx.spec.service("api")
    repository = Repository("api", service, ctx, [])
    image = Image("api", service, ctx, repository)

    def check(ref: str) -> None:
        assert ref.startswith("registry.example.com/shop/api@sha256:")
        build = mocks.named("api-build")
        assert build.typ == "pulumi-python:dynamic/image:Build"
        assert _parent_type(mocks.urns()["api-build"]) == "gmac:index:Image"
        assert build.inputs["image"] == "registry.example.com/shop/api"
        assert build.inputs["git_url"] == "https://git.example.com/shop/api.git"
        assert build.inputs["commit"] == "0123456789abcdef0123456789abcdef01234567"
        assert build.inputs["namespace"] == "shop"
        assert build.inputs["context"] == "prod"
        assert build.inputs["dockerfile"] == "build/Dockerfile"
        assert _is_secret(build.inputs["git_token"])
        assert _is_secret(build.inputs["registry_password"])

    return image.ref.apply(check)


@pytest.mark.parametrize("ignored", [False, True])
def test_a_local_image_is_rebuilt_only_when_what_it_reads_changes(
    ctx: CompileContext, tmp_path: Path, ignored: bool
) -> None:
    """The inputs' digest follows the context's files, less what `.dockerignore` excludes."""
    context = tmp_path / "web"
    context.mkdir()
    (context / "Dockerfile").write_text("FROM scratch\nCOPY . /\n")
    (context / ".dockerignore").write_text("*.md\n")
    (context / "server.js").write_text("serve()\n")
    image = ImageSpec(build=True, builder="local", context="web")
    service = ctx.spec.service("api").model_copy(update={"name": "web", "image": image})
    local = replace(ctx, spec=replace(ctx.spec, root=tmp_path))
    before = local_inputs(service, local)
    changed = context / ("NOTES.md" if ignored else "server.js")
    changed.write_text("something else\n")
    after = local_inputs(service, local)
    assert (before.inputs == after.inputs) is ignored
    assert before.tag == f"ctx-{before.inputs[7:19]}"
    assert before.dockerfile == context / "Dockerfile"


@pulumi.runtime.test
def test_a_local_image_build_declares_its_inputs(
    mocks: RecordingMocks, ctx: CompileContext, tmp_path: Path
) -> pulumi.Output[None]:
    context = tmp_path / "services" / "web"
    context.mkdir(parents=True)
    (context / "Dockerfile").write_text("FROM scratch\n")
    image = ImageSpec(build=True, builder="local", build_args={"MODE": "prod"})
    service = ctx.spec.service("api").model_copy(update={"name": "web", "image": image})
    local = replace(ctx, spec=replace(ctx.spec, root=tmp_path))
    built = Image("web", service, local)

    def check(ref: str) -> None:
        build = mocks.named("web-build")
        assert build.typ == "pulumi-python:dynamic/image:LocalBuild"
        assert ref.startswith("registry.example.com/shop/web@sha256:")
        assert build.inputs["context"] == str(context)
        assert build.inputs["build_args"] == {"MODE": "prod"}
        assert build.inputs["inputs"].startswith("sha256:")
        assert build.inputs["tag"] == f"ctx-{build.inputs['inputs'][7:19]}"
        assert build.inputs["log"] == str(tmp_path / ".gmac/builds/production/web.log")

    return built.ref.apply(check)


def test_image_needs_a_cluster(mocks: RecordingMocks, ctx: CompileContext) -> None:
    project = ctx.project
    environment = project.environments["production"]
    rendered = environment.model_copy(
        update={"kubernetes": environment.kubernetes.model_copy(update={"context": None})}
    )
    changed = project.model_copy(update={"environments": {"production": rendered}})
    no_cluster = CompileContext(spec=replace(ctx.spec, project=changed), secret_values=None)
    service = ctx.spec.service("api")

    @pulumi.runtime.test
    def build() -> None:
        repository = Repository("api", service, no_cluster, [])
        Image("api", service, no_cluster, repository)

    with pytest.raises(IntegrationError, match="has none"):
        build()


@pulumi.runtime.test
def test_stripe_tree_and_secrets(mocks: RecordingMocks, ctx: CompileContext) -> pulumi.Output[None]:
    integration = ctx.spec.integration("billing")
    assert isinstance(integration, StripeIntegration)
    stripe = Stripe("billing", integration, ctx)
    assert set(stripe.product_ids) == {"pro"}
    assert set(stripe.price_ids) == {"pro-monthly", "pro-once"}
    assert set(stripe.signing_secrets) == {"stripe-hook-secret"}

    async def check() -> None:
        await _settled(stripe).future()
        # The children register after the component: wait for every one of them.
        await pulumi.Output.all(
            *stripe.price_ids.values(), *stripe.signing_secrets.values()
        ).future()
        secret = stripe.signing_secrets["stripe-hook-secret"]
        assert await secret.is_secret()
        assert await secret.future() == "whsec_mock"
        assert await stripe.price_ids["pro-monthly"].future() == "billing-price-pro-monthly-id"
        names = {r.name for r in mocks.resources if r.custom}
        assert names == {
            "billing-product-pro",
            "billing-price-pro-monthly",
            "billing-price-pro-once",
            "billing-webhook-stripe-hook-secret",
        }
        urns = mocks.urns()
        assert all(_parent_type(urns[name]) == "gmac:index:Stripe" for name in names)

        monthly = mocks.named("billing-price-pro-monthly").inputs
        assert monthly["product"] == "billing-product-pro-id"
        assert monthly["unit_amount"] == 1900
        assert monthly["interval"] == "month"
        assert monthly["lookup_key"] == "shop-production-pro-monthly"
        assert _is_secret(monthly["api_key"])
        assert mocks.named("billing-price-pro-once").inputs["interval"] == ""
        hook = mocks.named("billing-webhook-stripe-hook-secret").inputs
        assert hook["url"] == "https://api.shop.example.com/stripe"
        assert hook["api_base"] == "https://api.stripe.com"

    return pulumi.Output.from_input(check())


@pulumi.runtime.test
def test_stripe_api_base_from_the_environment(
    mocks: RecordingMocks, ctx: CompileContext, monkeypatch: pytest.MonkeyPatch
) -> pulumi.Output[None]:
    monkeypatch.setenv("GMAC_STRIPE_API_BASE", "http://127.0.0.1:12111")
    integration = ctx.spec.integration("billing")
    assert isinstance(integration, StripeIntegration)
    stripe = Stripe("billing", integration, ctx)

    def check(_: object) -> None:
        assert mocks.named("billing-product-pro").inputs["api_base"] == "http://127.0.0.1:12111"

    return pulumi.Output.all(*stripe.price_ids.values()).apply(check)


@pulumi.runtime.test
def test_turso_tree_and_secrets(mocks: RecordingMocks, ctx: CompileContext) -> pulumi.Output[None]:
    integration = ctx.spec.integration("turso")
    assert isinstance(integration, TursoIntegration)
    turso = Turso("turso", integration, ctx)

    async def check() -> None:
        await _settled(turso).future()
        assert await turso.database_urls["orders"].future() == "libsql://orders-shop.turso.io"
        for name in ("turso-db-token", "turso-reader-token"):
            assert await turso.tokens[name].is_secret()
        urns = mocks.urns()
        for name in (
            "turso-db-orders",
            "turso-token-turso-db-token",
            "turso-token-turso-reader-token",
        ):
            assert _parent_type(urns[name]) == "gmac:index:Turso"
        database = mocks.named("turso-db-orders").inputs
        assert (database["organization"], database["name"], database["group"]) == (
            "shop",
            "orders",
            "eu",
        )
        rotated = mocks.named("turso-token-turso-db-token").inputs
        assert rotated["rotate_after"] == 30 * 86400
        assert rotated["expiration"] == "60d"
        reader = mocks.named("turso-token-turso-reader-token").inputs
        assert (reader["authorization"], reader["expiration"]) == ("read-only", "never")
        assert _is_secret(reader["token"])

    return pulumi.Output.from_input(check())


@pulumi.runtime.test
def test_webhook_owns_nothing_remote(
    mocks: RecordingMocks, ctx: CompileContext
) -> pulumi.Output[None]:
    webhook = Webhook("ci", _ci(ctx), ctx)
    assert webhook.url == "https://ci.example.com/hooks/gitea"
    assert webhook.events == ["push", "pull_request"]

    async def check() -> None:
        await _settled(webhook).future()
        assert await webhook.secret.is_secret()
        assert await webhook.secret.future() == "ci-hook-secret"
        assert [r.typ for r in mocks.resources] == ["gmac:index:Webhook"]

    return pulumi.Output.from_input(check())


@pulumi.runtime.test
def test_without_secret_values_credentials_are_empty_secrets(
    mocks: RecordingMocks, ctx: CompileContext
) -> pulumi.Output[None]:
    blind = CompileContext(spec=ctx.spec, secret_values=None)
    repository = Repository("api", ctx.spec.service("api"), blind, [_ci(ctx)])

    def check(_: object) -> None:
        for name in ("api-repo", "api-hook-ci"):
            inputs = mocks.named(name).inputs
            assert _is_secret(inputs["token"])
            assert rpc.unwrap_rpc_secret(inputs["token"]) == ""

    return _settled(*repository.hooks).apply(check)


def test_token_expiration() -> None:
    assert token_expiration(0) == "never"
    assert token_expiration(30 * 86400) == "60d"
    assert token_expiration(90 * 60) == "3h"
    assert token_expiration(36 * 3600 + 30) == "3d1m"
