"""One counting rule (gmac.plan.counting): the specs' resources, as `gmac graph` draws them;
the stack and Pulumi's providers left out, unless a provider's own settings change."""

from __future__ import annotations

from gmac.engine.steps import StepRecord
from gmac.plan import build_plan, counted

STACK = "urn:pulumi:local::gmac::pulumi:pulumi:Stack::gmac-local"
SERVICE = "urn:pulumi:local::gmac::gmac:index:Service::api"
DEPLOYMENT = "urn:pulumi:local::gmac::gmac:index:Service$kubernetes:apps/v1:Deployment::api"
KUBERNETES = "urn:pulumi:local::gmac::pulumi:providers:kubernetes::kubernetes"
DYNAMIC = "urn:pulumi:local::gmac::pulumi:providers:pulumi-python::default"


def _steps(op: str) -> list[StepRecord]:
    return [
        StepRecord(op, STACK, "pulumi:pulumi:Stack"),
        StepRecord(op, KUBERNETES, "pulumi:providers:kubernetes", parent=STACK),
        StepRecord(op, DYNAMIC, "pulumi:providers:pulumi-python", parent=STACK),
        StepRecord(op, SERVICE, "gmac:index:Service", parent=STACK),
        StepRecord(op, DEPLOYMENT, "kubernetes:apps/v1:Deployment", parent=SERVICE),
    ]


def test_a_new_stack_counts_only_the_specs_resources() -> None:
    plan = build_plan("local", _steps("create"))
    assert [change.name for change in plan.changes] == ["api", "api"]
    assert plan.counts()["create"] == 2


def test_an_unchanged_stack_counts_the_same_resources_up_to_date() -> None:
    plan = build_plan("local", _steps("same"))
    assert not plan.has_changes and plan.unchanged == 2


def test_a_provider_whose_settings_change_is_shown_as_that_change() -> None:
    steps = _steps("same")
    steps[1] = StepRecord(
        "update", KUBERNETES, "pulumi:providers:kubernetes", parent=STACK, diffs=("namespace",)
    )
    plan = build_plan("local", steps)
    [change] = plan.changes
    assert (change.op, change.type) == ("update", "pulumi:providers:kubernetes")
    assert plan.unchanged == 2


def test_the_rule() -> None:
    assert counted("gmac:index:Service") and counted("kubernetes:apps/v1:Deployment")
    assert counted("pulumi-python:dynamic/secrets:Generated")
    assert not counted("pulumi:pulumi:Stack") and not counted("pulumi:providers:kubernetes")
