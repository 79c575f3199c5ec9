"""gmac.plan and gmac.render.plan on their own: engine steps in, a Plan out, rendered as a
table, JSON and Markdown, and compared with a saved plan."""

from __future__ import annotations

import io
import json

from rich.console import Console

from gmac.engine.steps import PropertyDiffRecord, StepRecord, mask_secrets
from gmac.plan import (
    DEPENDENCY_REPLACED,
    ROTATION_ASKED,
    Change,
    Plan,
    PropertyChange,
    build_plan,
    path_parts,
    plan_differences,
    plan_from_dict,
)
from gmac.render.plan import MARKDOWN_LIMIT, render_json, render_markdown, render_table

STACK = "urn:pulumi:local::gmac::pulumi:pulumi:Stack::gmac-local"
SERVICE = "urn:pulumi:local::gmac::gmac:index:Service::api"
DEPLOYMENT = "urn:pulumi:local::gmac::gmac:index:Service$kubernetes:apps/v1:Deployment::api"
CONFIGMAP = "urn:pulumi:local::gmac::gmac:index:Service$kubernetes:core/v1:ConfigMap::api-env"
SECRET = "urn:pulumi:local::gmac::gmac:index:Service$kubernetes:core/v1:Secret::api-secrets"
PROVIDER = "urn:pulumi:local::gmac::pulumi:providers:kubernetes::kubernetes"
# How the engine marks a secret inside a property map.
SECRET_VALUE = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}


def step(op: str, urn: str, type_: str, **kwargs: object) -> StepRecord:
    parent = kwargs.pop("parent", SERVICE if "$" in urn else STACK)
    return StepRecord(op, urn, type_, parent=parent, **kwargs)  # type: ignore[arg-type]


def table_of(plan: Plan) -> str:
    buffer = io.StringIO()
    render_table(plan, Console(file=buffer, width=250, color_system=None))
    return buffer.getvalue()


def test_a_replacement_is_one_change_with_every_steps_reasons() -> None:
    namespace = PropertyDiffRecord("metadata.namespace", "update-replace")
    old = {"metadata": {"namespace": "a"}}
    new = {"metadata": {"namespace": "b"}}
    steps = [
        step("same", SERVICE, "gmac:index:Service", parent=STACK),
        step("delete-replaced", DEPLOYMENT, "kubernetes:apps/v1:Deployment", old_inputs=old),
        step(
            "replace", DEPLOYMENT, "kubernetes:apps/v1:Deployment", old_inputs=old, new_inputs=new
        ),
        step(
            "create-replacement",
            DEPLOYMENT,
            "kubernetes:apps/v1:Deployment",
            replace_keys=("metadata.namespace",),
            detailed=(namespace,),
            old_inputs=old,
            new_inputs=new,
        ),
        step("discard-replaced", DEPLOYMENT, "kubernetes:apps/v1:Deployment"),
    ]
    plan = build_plan("local", steps)
    [change] = plan.changes
    assert (change.op, change.name, change.owner) == ("replace", "api", "Service api")
    assert change.replace_reasons == ("metadata.namespace",)
    assert change.properties == (PropertyChange("metadata.namespace", "update-replace", "a", "b"),)
    assert plan.counts()["replace"] == 1 and plan.unchanged == 1
    assert "replace: metadata.namespace" in table_of(plan)
    assert json.loads(render_json(plan))["changes"][0]["replace_reasons"] == ["metadata.namespace"]


def test_a_replacement_without_a_key_is_blamed_on_a_dependency() -> None:
    steps = [
        step("delete-replaced", DEPLOYMENT, "kubernetes:apps/v1:Deployment"),
        step("replace", DEPLOYMENT, "kubernetes:apps/v1:Deployment"),
        step("create-replacement", DEPLOYMENT, "kubernetes:apps/v1:Deployment"),
    ]
    [change] = build_plan("local", steps).changes
    assert change.replace_reasons == (DEPENDENCY_REPLACED,)


def test_values_are_found_by_the_engines_paths() -> None:
    assert path_parts('spec.template.metadata.annotations["gmac.io/config-hash"]') == [
        "spec",
        "template",
        "metadata",
        "annotations",
        "gmac.io/config-hash",
    ]
    assert path_parts("spec.rules[0].host") == ["spec", "rules", 0, "host"]
    old = {"spec": {"template": {"metadata": {"annotations": {"gmac.io/config-hash": "a1"}}}}}
    new = {"spec": {"template": {"metadata": {"annotations": {"gmac.io/config-hash": "b2"}}}}}
    path = 'spec.template.metadata.annotations["gmac.io/config-hash"]'
    detailed = (PropertyDiffRecord(path, "update"),)
    [change] = build_plan(
        "local",
        [
            step(
                "update",
                DEPLOYMENT,
                "kubernetes:apps/v1:Deployment",
                detailed=detailed,
                old_inputs=old,
                new_inputs=new,
            )
        ],
    ).changes
    assert (change.properties[0].old, change.properties[0].new) == ("a1", "b2")


def test_a_provider_diff_without_details_still_shows_values() -> None:
    [change] = build_plan(
        "local",
        [
            step(
                "update",
                PROVIDER,
                "pulumi:providers:kubernetes",
                diffs=("namespace",),
                old_inputs={"namespace": "gmac-io"},
                new_inputs={"namespace": "gmac-dev"},
            )
        ],
    ).changes
    assert change.properties == (PropertyChange("namespace", "update", "gmac-io", "gmac-dev"),)


def test_secrets_show_as_secret_in_the_table_and_the_json() -> None:
    old = mask_secrets({"data": SECRET_VALUE, "metadata": {"name": "api-secrets"}})
    new = mask_secrets({"data": SECRET_VALUE, "metadata": {"name": "api-secrets"}})
    detailed = (PropertyDiffRecord("data.stripe-secret-key", "update"),)
    plan = build_plan(
        "local",
        [
            step(
                "update",
                SECRET,
                "kubernetes:core/v1:Secret",
                detailed=detailed,
                old_inputs=old,
                new_inputs=new,
            ),
            step("create", CONFIGMAP, "kubernetes:core/v1:ConfigMap", new_inputs=new),
        ],
    )
    secret = next(change for change in plan.changes if change.name == "api-secrets")
    assert (secret.properties[0].old, secret.properties[0].new) == ("[secret]", "[secret]")
    assert "data.stripe-secret-key: [secret] → [secret]" in table_of(plan)
    data = json.loads(render_json(plan))
    assert data["changes"][1]["properties"][0]["new"] == "[secret]"
    assert "1b47061264138c4ac30d75fd1eb44270" not in render_json(plan)


def test_markdown_is_cut_under_the_limit_with_a_note_and_the_summary_first() -> None:
    changes = tuple(
        Change(
            "create",
            f"urn:pulumi:local::gmac::gmac:index:Service$kubernetes:apps/v1:Deployment::svc-{i}",
            "kubernetes:apps/v1:Deployment",
            f"svc-{i}",
            "Service",
            properties=tuple(
                PropertyChange(f"spec.field{n}", "add", None, "x" * 30) for n in range(8)
            ),
        )
        for i in range(2000)
    )
    plan = Plan("production", changes)
    text = render_markdown(plan)
    assert len(text) <= MARKDOWN_LIMIT
    lines = text.splitlines()
    assert lines[0] == "## gmac plan"
    assert lines[2] == "- **production: 2000 to create; 0 unchanged**"
    kept = sum(line.startswith("| `") for line in lines)
    assert 0 < kept < 2000
    assert lines[-1] == (
        f"> **{2000 - kept} of 2000 changes were cut** to keep this comment under "
        f"{MARKDOWN_LIMIT:,} characters. Run `gmac plan` for the full plan."
    )
    # Whole rows only: the last row kept is complete.
    last_row = [line for line in lines if line.startswith("| `")][-1]
    assert last_row.endswith(" |")

    small = render_markdown(Plan("local", changes[:3]))
    assert "were cut" not in small
    assert sum(line.startswith("| `") for line in small.splitlines()) == 3
    assert render_markdown(Plan("local", changes[:3]), limit=300).endswith(
        "Run `gmac plan` for the full plan.\n"
    )


def test_markdown_rows_stay_one_line() -> None:
    change = Change(
        "update",
        CONFIGMAP,
        "kubernetes:core/v1:ConfigMap",
        "api-env",
        "Service",
        properties=(PropertyChange("data.A", "update", "a|b", "line\nbreak"),),
    )
    text = render_markdown(Plan("local", (change,)))
    [row] = [line for line in text.splitlines() if line.startswith("| `")]
    assert "a\\|b" in row


def test_plan_differences() -> None:
    host = PropertyChange("spec.rules[0].host", "update", "panel.localhost", "dash.localhost")
    ingress = Change(
        "update",
        "urn:x::gmac::k:Ingress::cp",
        "kubernetes:networking.k8s.io/v1:Ingress",
        "cp",
        "Service",
        (host,),
    )
    create = Change(
        "create",
        "urn:x::gmac::k:ConfigMap::e",
        "kubernetes:core/v1:ConfigMap",
        "e",
        "Service",
        inputs_digest="aaaa",
    )
    saved = Plan("local", (ingress, create))
    assert plan_differences(saved, saved) == []
    # Through JSON and back, as `--out` and `--plan` do.
    assert plan_differences(plan_from_dict(json.loads(render_json(saved))), saved) == []

    other_host = PropertyChange("spec.rules[0].host", "update", "panel.localhost", "x.localhost")
    other_inputs = Change(**{**vars(create), "inputs_digest": "bbbb"})
    current = Plan(
        "local", (Change(**{**vars(ingress), "properties": (other_host,)}), other_inputs)
    )
    differences = plan_differences(saved, current)
    assert any(
        line.startswith("~ update kubernetes:networking.k8s.io/v1:Ingress cp: the plan said")
        and '"dash.localhost"' in line
        and '"x.localhost"' in line
        for line in differences
    ), differences
    assert "~ create kubernetes:core/v1:ConfigMap e: its inputs differ from the plan's" in (
        differences
    )

    assert plan_differences(saved, Plan("local", (ingress,))) == [
        "- no longer: create kubernetes:core/v1:ConfigMap e"
    ]
    assert plan_differences(Plan("local", (ingress,)), saved) == [
        "+ now also: create kubernetes:core/v1:ConfigMap e"
    ]
    replaced = Change(**{**vars(ingress), "op": "replace"})
    assert plan_differences(saved, Plan("local", (replaced, create))) == [
        "~ now replace kubernetes:networking.k8s.io/v1:Ingress cp, the plan said update"
    ]
    assert plan_differences(saved, Plan("staging", saved.changes))[0] == (
        "environment: plan is for 'local', not 'staging'"
    )


GENERATED_TYPE = "pulumi-python:dynamic/secrets:Generated"
GENERATED = f"urn:pulumi:local::gmac::gmac:index:Secrets${GENERATED_TYPE}::key"


def test_what_will_hold_a_secret_is_marked_in_every_rendering() -> None:
    inputs = mask_secrets({"length": 48, "initial": SECRET_VALUE})
    steps = [step("create", GENERATED, GENERATED_TYPE, new_inputs=inputs)]
    plan = build_plan("local", steps)
    (change,) = plan.changes
    assert change.secret
    row = [line for line in table_of(plan).splitlines() if "Generated key" in line]
    assert row and row[0].rstrip().endswith("[secret]")
    assert json.loads(render_json(plan))["changes"][0]["secret"] is True
    assert "[secret]" in render_markdown(plan)
    assert plan_from_dict(json.loads(render_json(plan))).changes[0].secret


def test_a_rotation_is_named_and_what_is_not_known_yet_says_so() -> None:
    unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # the engine's unknown value
    annotation = PropertyDiffRecord('metadata.annotations["gmac.io/secrets-digest"]', "update")
    steps = [
        step("replace", GENERATED, GENERATED_TYPE),
        step("create-replacement", GENERATED, GENERATED_TYPE, replace_keys=("id",)),
        step(
            "update",
            DEPLOYMENT,
            "kubernetes:apps/v1:Deployment",
            detailed=(annotation,),
            old_inputs={"metadata": {"annotations": {"gmac.io/secrets-digest": "56fc18ee"}}},
            new_inputs=mask_secrets(
                {"metadata": {"annotations": {"gmac.io/secrets-digest": unknown}}}
            ),
        ),
    ]
    plan = build_plan("local", steps)
    by_name = {change.name: change for change in plan.changes}
    assert by_name["key"].replace_reasons == (ROTATION_ASKED,)
    table = table_of(plan)
    assert "56fc18ee → (known after apply)" in table
    assert unknown not in table + render_json(plan)
