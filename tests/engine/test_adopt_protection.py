"""Protected environments and adoption: importing a stateful resource is allowed, and so is
the update that follows; an import that the apply would then replace needs --allow-destroy,
as any replacement of something stateful does."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gmac.app.operations import destructive_changes
from gmac.app.operations.protection import refuse_destructive
from gmac.errors import ProtectedResourceError
from gmac.plan import Change, Plan

DYNAMIC = "pulumi-python:dynamic/stripe:Product"
PRODUCT = Change(
    "import",
    f"urn:pulumi:production::gmac::gmac:index:Stripe${DYNAMIC}::stripe-product-pro",
    DYNAMIC,
    "stripe-product-pro",
    "Stripe",
    import_id="prod_1",
)


@pytest.mark.parametrize("then", ["", "update"])
def test_an_import_and_the_update_after_it_are_allowed(then: str) -> None:
    plan = Plan("production", (replace(PRODUCT, then=then),))
    assert destructive_changes(plan) == []
    refuse_destructive(plan, "production")  # nothing to refuse


def test_an_import_then_replaced_needs_allow_destroy() -> None:
    risky = replace(PRODUCT, then="replace", replace_reasons=("api_base",))
    plan = Plan("production", (risky,))
    assert destructive_changes(plan) == [risky]
    with pytest.raises(ProtectedResourceError) as refused:
        refuse_destructive(plan, "production")
    assert f"import then replace {DYNAMIC} stripe-product-pro" in str(refused.value)
    assert "--allow-destroy" in str(refused.value)
