"""Adopting Stripe products and prices made by hand before the first apply, end to end through
the gmac console script and the real engine, against the Stripe stand-in
(tests/integrations/stripe_api.py, written from Stripe's API reference).

stripe-mock, the real mock server, keeps no state: a product made through it is not in its
next list, so it cannot show a look-up finding what was made first. The stand-in keeps the
objects made through its API, which is what adoption needs.

- found by gmac's metadata (a product made by an earlier, lost state), by lookup key and by
  amount and interval (prices), and by name (a product made by hand);
- two live products of one name are ambiguous: `gmac adopt` lists both and exits 1, and
  `gmac apply --adopt` imports nothing;
- bad input: an `adopt:` ID that does not exist, and two specs adopting the same object,
  each one line and exit 1, nothing imported;
- named in the spec, the apply imports every object, makes no product or price, and the next
  plan exits 0.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gmac.app.run_secrets import variable_name
from gmac.dev import servers
from gmac.engine.toolchain import find
from tests.integrations.conftest import Receiver, require
from tests.integrations.live import ENV, LiveProject, make_live_project
from tests.integrations.stripe_api import KEY, StripeStandIn, serve
from tests.integrations.turso_api import TursoStandIn

STRIPE = "specs/integrations/stripe.yaml"
SPEC = """apiVersion: gmac.io/v1
kind: Integration
name: stripe
type: stripe
credentials: {secret: stripe-secret-key}
products:
  - id: pro
    name: gmac Pro
    prices:
      - {id: pro-monthly, currency: usd, unit_amount: 1900, interval: month}
      - {id: pro-yearly, currency: usd, unit_amount: 19000, interval: year}
  - id: team
    name: gmac Team
  - id: enterprise
    name: gmac Enterprise
webhooks:
  - url: "https://api.{domain}/stripe/webhook"
    events: [checkout.session.completed, customer.subscription.updated, invoice.payment_failed]
    signing_secret: stripe-webhook-secret
"""
# A second Stripe integration: a spec of its own that can name the same live object.
SECOND = """apiVersion: gmac.io/v1
kind: Integration
name: stripe-eu
type: stripe
credentials: {secret: stripe-secret-key}
products:
  - {id: eu, name: gmac EU}
"""


def _post(api: StripeStandIn, path: str, fields: dict[str, str]) -> dict[str, Any]:
    """An object made through the stand-in's API, as a person would with Stripe's."""
    request = urllib.request.Request(
        f"{api.url}/v1/{path}",
        data=urllib.parse.urlencode(fields).encode(),
        headers={"Authorization": f"Bearer {KEY}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        made: dict[str, Any] = json.loads(answer.read())
    return made


@pytest.fixture
def shop(
    tmp_path: Path, *, gitea: servers.Gitea, turso_stand_in: TursoStandIn, receiver: Receiver
) -> Iterator[tuple[LiveProject, StripeStandIn, dict[str, str]]]:
    require(find(), "the Pulumi toolchain", "run gmac toolchain install")
    org = f"shop-{uuid.uuid4().hex[:6]}"
    gitea.create_org(org)
    with serve() as stripe:
        project = make_live_project(
            tmp_path / "project",
            gitea_url=gitea.url,
            gitea_token=gitea.token,
            org=org,
            stripe_url=stripe.url,
            turso_url=turso_stand_in.url,
            turso_token=turso_stand_in.api_token,
            hook_url=f"{receiver.url}/hooks/gitea",
        )
        project.env[variable_name("stripe-secret-key")] = KEY
        project.path(STRIPE).write_text(SPEC, encoding="utf-8")
        ours = {"gmac_project": "gmac-io", "gmac_environment": ENV, "gmac_id": "pro"}
        pro = _post(
            stripe,
            "products",
            {"name": "gmac Pro", **{f"metadata[{k}]": v for k, v in ours.items()}},
        )
        ids = {
            "pro": pro["id"],
            "team": _post(stripe, "products", {"name": "gmac Team"})["id"],
            "enterprise-1": _post(stripe, "products", {"name": "gmac Enterprise"})["id"],
            "enterprise-2": _post(stripe, "products", {"name": "gmac Enterprise"})["id"],
        }
        price = {"product": pro["id"], "currency": "usd"}
        ids["pro-monthly"] = _post(
            stripe,
            "prices",
            {
                **price,
                "unit_amount": "1900",
                "recurring[interval]": "month",
                "lookup_key": f"gmac-io-{ENV}-pro-monthly",
            },
        )["id"]
        ids["pro-yearly"] = _post(
            stripe, "prices", {**price, "unit_amount": "19000", "recurring[interval]": "year"}
        )["id"]
        yield project, stripe, ids
    for text in project.outputs:
        assert "Traceback" not in text, text


def _counts(stripe: StripeStandIn) -> tuple[int, int]:
    return len(stripe.of_kind("products")), len(stripe.of_kind("prices"))


def _found(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in report["resources"] if r["status"] == "found"}


def test_stripe_products_and_prices_made_by_hand_are_adopted(
    shop: tuple[LiveProject, StripeStandIn, dict[str, str]],
) -> None:
    project, stripe, ids = shop
    made = _counts(stripe)

    # Found by gmac's metadata, by lookup key, by amount and interval, by name; one ambiguous.
    looked = project.run("adopt", "--env", ENV, "--json", timeout=600)
    assert looked.code == 1, str(looked)  # not ready: a resource is ambiguous
    report = looked.json()
    assert report["ready"] is False
    found = _found(report)
    assert (found["stripe-product-pro"]["id"], found["stripe-product-pro"]["how"]) == (
        ids["pro"],
        "by gmac's metadata",
    )
    assert (found["stripe-product-team"]["id"], found["stripe-product-team"]["how"]) == (
        ids["team"],
        "by name",
    )
    assert found["stripe-price-pro-monthly"]["id"] == ids["pro-monthly"]
    assert found["stripe-price-pro-monthly"]["how"] == "by lookup key"
    assert found["stripe-price-pro-yearly"]["id"] == ids["pro-yearly"]
    assert found["stripe-price-pro-yearly"]["how"] == "by amount and interval"
    # What adopting the yearly price changes: the lookup key gmac gives it.
    yearly = {c["path"]: c for c in found["stripe-price-pro-yearly"]["changes"]}
    assert yearly["lookup_key"]["new"] == f"gmac-io-{ENV}-pro-yearly"
    (ambiguous,) = [r for r in report["resources"] if r["status"] == "ambiguous"]
    assert ambiguous["name"] == "stripe-product-enterprise"
    assert {c["id"] for c in ambiguous["candidates"]} == {ids["enterprise-1"], ids["enterprise-2"]}
    table = project.run("adopt", "--env", ENV, timeout=600)
    assert table.code == 1
    assert ids["enterprise-1"] in table.stdout and ids["enterprise-2"] in table.stdout
    assert "adopt: {stripe-product-enterprise: ID}" in table.stdout

    # An ambiguous resource: apply --adopt imports nothing.
    refused = project.run("apply", "--env", ENV, "--adopt", "--yes", timeout=600)
    assert refused.code == 1, str(refused)
    lines = refused.stderr.strip().splitlines()
    assert lines[-1] == "nothing was imported", refused.stderr
    (line,) = [line for line in lines if "stripe-product-enterprise: 2 candidates by name" in line]
    assert ids["enterprise-1"] in line and ids["enterprise-2"] in line, refused.stderr
    assert project.state_of("stripe:Product") == []

    # Bad input: an ID that does not exist, one line, exit 1, nothing imported.
    project.edit(
        STRIPE, "credentials:", "adopt: {stripe-product-enterprise: prod_nope}\ncredentials:"
    )
    missing = project.run("apply", "--env", ENV, "--adopt", "--yes", timeout=600)
    assert missing.code == 1, str(missing)
    assert (
        missing.stderr.strip()
        .splitlines()[-1]
        .endswith(
            "integration stripe: adopt: stripe-product-enterprise: "
            "no Stripe product 'gmac Enterprise' prod_nope"
        )
    ), missing.stderr
    assert project.state_of("stripe:Product") == []

    # Two specs adopting one object: a line for each, exit 1, nothing imported.
    chosen = ids["enterprise-2"]
    project.edit(STRIPE, "prod_nope", chosen)
    second = SECOND.replace(
        "credentials:", f"adopt: {{stripe-eu-product-eu: {chosen}}}\ncredentials:"
    )
    project.path("specs/integrations/stripe-eu.yaml").write_text(second, encoding="utf-8")
    doubled = project.run("adopt", "--env", ENV, timeout=600)
    assert doubled.code == 1, str(doubled)
    (line,) = [line for line in doubled.stderr.splitlines() if "would be adopted by" in line]
    assert f"({chosen}) would be adopted by " in line, doubled.stderr
    assert "stripe-eu-product-eu (integration stripe-eu)" in line
    assert "stripe-product-enterprise (integration stripe)" in line
    again = project.run("apply", "--env", ENV, "--adopt", "--yes", timeout=600)
    assert again.code == 1, str(again)
    assert "would be adopted by" in again.stderr
    assert project.state_of("stripe:Product") == []
    assert _counts(stripe) == made

    # Named in the spec: every object imported, none made; the next plan has nothing to do.
    project.path("specs/integrations/stripe-eu.yaml").unlink()
    report = project.ok("adopt", "--env", ENV, "--json", timeout=600).json()
    assert _found(report)["stripe-product-enterprise"]["how"] == "named in the spec"
    project.ok("apply", "--env", ENV, "--adopt", "--yes", timeout=600)
    assert _counts(stripe) == made
    products = {r["urn"].rsplit("::", 1)[-1]: r["id"] for r in project.state_of("stripe:Product")}
    assert products == {
        "stripe-product-pro": ids["pro"],
        "stripe-product-team": ids["team"],
        "stripe-product-enterprise": chosen,
    }
    prices = {r["urn"].rsplit("::", 1)[-1]: r["id"] for r in project.state_of("stripe:Price")}
    assert prices == {
        "stripe-price-pro-monthly": ids["pro-monthly"],
        "stripe-price-pro-yearly": ids["pro-yearly"],
    }
    yearly_live = stripe.objects[ids["pro-yearly"]]
    assert yearly_live["lookup_key"] == f"gmac-io-{ENV}-pro-yearly"
    code, plan = project.plan_json()
    assert code == 0, plan
