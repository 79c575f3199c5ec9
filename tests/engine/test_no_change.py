"""A no-change plan answered from the record beside the state, without the engine: after an
apply or a plan that found nothing to do, and only while nothing the plan depends on has
changed (gmac.app.operations.no_change). Every other plan runs the real engine.

That the engine did not run is read from the process itself: Python's import log
(PYTHONPROFILEIMPORTTIME) of a plan answered from the record names no Pulumi module at all.
Which inputs count is proven part by part in tests/plan/test_plan_key.py.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from tests.engine.conftest import ENV, REPO, S3_BUCKET, STACK_FILE, Project, copy_project
from tests.gmac_result import Result

RECORD = Path(".gmac/state/.gmac-plans/gmac/local.json")
ANSWERED = "answered from the record of the"
API = "specs/services/api.yaml"
IMPORTED_PULUMI = re.compile(r"^import time:.*\|\s+pulumi$")
LOADED_SPECS = re.compile(r"^import time:.*\|\s+gmac\.validate$")


def imported_pulumi(result: Result) -> bool:
    """Whether the process imported the Pulumi SDK (PYTHONPROFILEIMPORTTIME's log)."""
    return any(IMPORTED_PULUMI.search(line) for line in result.stderr.splitlines())


def loaded_specs(result: Result) -> bool:
    """Whether the process imported the spec language: the long way to the record does,
    the short way (gmac.app.operations.plan_index) does not."""
    return any(LOADED_SPECS.search(line) for line in result.stderr.splitlines())


def plan(project: Project, *args: str, code: int = 0) -> tuple[dict[str, Any], Result]:
    result = project.run(
        "plan", "--env", ENV, "--json", *args, extra_env={"PYTHONPROFILEIMPORTTIME": "1"}
    )
    assert result.code == code, str(result)
    data: dict[str, Any] = result.json()
    return data, result


def from_record(project: Project, command: str, *, short: bool | None = None) -> dict[str, Any]:
    """A plan answered from the record; `short`: whether it must have taken the short way
    (True), the long way (False), or either."""
    data, result = plan(project)
    assert data["from_record"] is not None, str(result)
    assert data["from_record"]["command"] == command
    assert not imported_pulumi(result), "a plan answered from the record imported Pulumi"
    if short is not None:
        assert loaded_specs(result) != short, f"short way expected: {short}"
    return data


def from_engine(project: Project, *args: str, code: int = 0) -> dict[str, Any]:
    data, result = plan(project, *args, code=code)
    assert data["from_record"] is None, str(result)
    assert imported_pulumi(result), "no Pulumi module was imported: the engine did not run"
    return data


def test_after_an_apply_the_plan_answers_from_the_record_in_every_rendering(
    project: Project,
) -> None:
    project.apply()
    # The apply left the index of what it read too: the plan loads no spec at all.
    recorded = from_record(project, "apply", short=True)
    assert recorded["has_changes"] is False and recorded["changes"] == []

    # The engine, asked with --no-cache, says the same: no changes, as many resources.
    engine = from_engine(project, "--no-cache")
    assert engine["summary"] == recorded["summary"] and engine["summary"]["same"] > 0
    assert engine["diagnostics"] == recorded["diagnostics"]

    table = project.plan("--markdown-out", "plan.md", code=0).stdout
    (summary,) = [line for line in table.splitlines() if line.startswith(f"{ENV}: ")]
    assert ANSWERED in summary and "the engine did not run" in summary, table
    assert "--no-cache runs it" in summary
    markdown = project.path("plan.md").read_text(encoding="utf-8")
    assert ANSWERED in markdown.splitlines()[2]
    # --no-cache recorded anew: the record is now the plan's.
    record = json.loads(project.path(RECORD).read_text(encoding="utf-8"))
    assert record["origin"]["command"] == "plan"


def test_an_apply_that_creates_the_users_identity_leaves_the_short_way(
    project: Project, tmp_path: Path
) -> None:
    """On a machine with no identity yet the first apply creates it (to seal what it
    generates for): the index it leaves still serves the next plan, the short way."""
    config = tmp_path / "config"
    project.env["XDG_CONFIG_HOME"] = str(config)
    identity = config / "gmac" / "identity"
    applied = project.apply()
    assert identity.is_file(), f"the apply created no identity:\n{applied}"
    assert f"created your identity in {identity}" in applied.stdout + applied.stderr
    from_record(project, "apply", short=True)
    # An identity file edited after the apply is another source: the long way decides.
    identity.write_text(identity.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    from_record(project, "apply", short=False)


def test_a_plan_that_finds_nothing_to_do_leaves_the_record_the_next_plan_uses(
    project: Project,
) -> None:
    project.apply()
    project.path(RECORD).unlink()
    from_engine(project)
    assert project.path(RECORD).is_file()
    from_record(project, "plan")
    # A record that cannot be read is no record: the engine runs and writes it anew.
    project.path(RECORD).write_text("{not json", encoding="utf-8")
    from_engine(project)
    from_record(project, "plan")


def test_a_plan_with_changes_leaves_no_record(project: Project) -> None:
    from_engine(project, code=2)
    assert not project.path(RECORD).exists()
    from_engine(project, code=2)


def test_the_record_holds_keyed_digests_and_the_plan_only(project: Project) -> None:
    project.env["GMAC_SECRET_STRIPE_SECRET_KEY"] = "sk_test_value_in_no_record"
    project.apply()
    text = project.path(RECORD).read_text(encoding="utf-8")
    record = json.loads(text)
    assert set(record) == {"key", "origin", "plan"}
    assert all(len(value) == 64 for value in record["key"].values())  # HMAC-SHA256, hex
    assert "sk_test_value_in_no_record" not in text
    # Written whole, then renamed into place: nothing else is left beside it.
    assert [p.name for p in project.path(RECORD).parent.iterdir()] == [RECORD.name]


def test_an_edit_that_leaves_the_environment_alone_still_answers(project: Project) -> None:
    """The key holds the effective spec of the environment planned: a production-only value
    changes nothing `local` compiles."""
    project.apply()
    project.edit(API, "production: 3}", "production: 4}")
    # Other bytes: the short way refuses, the long way finds the same key...
    from_record(project, "apply", short=False)
    # ...and leaves the index of these bytes for the next plan.
    from_record(project, "apply", short=True)


def test_a_spec_edit_runs_the_engine(project: Project) -> None:
    project.apply()
    project.edit(API, "LOG_LEVEL: info", "LOG_LEVEL: debug")
    changed = from_engine(project, code=2)
    assert any(c["name"] == "api-env" for c in changed["changes"])


def test_a_template_edit_runs_the_engine(project: Project) -> None:
    templates = project.path("templates")
    shutil.copytree(REPO / "service_templates", templates)
    project.env["GMAC_TEMPLATES"] = str(templates)
    project.apply()
    from_record(project, "apply")
    template = templates / "go-api" / "template.yaml"
    template.write_text(template.read_text(encoding="utf-8") + "\n# edited\n", "utf-8")
    from_engine(project)  # the engine decides: a comment changes nothing it declares


def test_a_secret_value_change_runs_the_engine(project: Project) -> None:
    project.env["GMAC_SECRET_STRIPE_SECRET_KEY"] = "sk_test_first"
    project.apply()
    from_record(project, "apply")
    project.env["GMAC_SECRET_STRIPE_SECRET_KEY"] = "sk_test_second"
    from_engine(project)


def test_a_hand_edit_of_the_state_runs_the_engine(project: Project) -> None:
    project.apply()
    from_record(project, "apply")
    path = project.path(STACK_FILE)
    state = json.loads(path.read_text(encoding="utf-8"))
    resources = state["checkpoint"]["latest"]["resources"]
    config = next(r for r in resources if r["urn"].endswith("::api-env"))
    # The value as the state records it: the inputs, and what the provider read back (its
    # diff compares the program with the outputs).
    for held in (config["inputs"], config["outputs"], config["outputs"]["__inputs"]):
        held["data"] = {**held["data"], "EDITED": "by hand"}
    path.write_text(json.dumps(state, indent=4), encoding="utf-8")
    changed = from_engine(project, code=2)
    assert [c["name"] for c in changed["changes"]] == ["api-env"]


def test_another_apply_to_the_shared_state_runs_the_engine(tmp_path: Path, toolchain: Any) -> None:
    """Two checkouts sharing one state: the record names the state it was made against, so
    the other checkout's apply makes it stale even when the record itself is not replaced."""
    state = tmp_path / "shared-state"
    state.mkdir()
    first, second = (Project(copy_project(tmp_path / name)) for name in ("first", "second"))
    for project in (first, second):
        project.env.update(GMAC_BACKEND=f"file://{state}", GMAC_PASSPHRASE="shared")
    record = state / ".gmac-plans" / "gmac" / f"{ENV}.json"
    first.apply()
    from_record(first, "apply")
    kept = record.read_bytes()
    second.edit(API, "LOG_LEVEL: info", "LOG_LEVEL: debug")
    second.apply()
    record.write_bytes(kept)  # as if the second checkout had kept no record
    changed = from_engine(first, code=2)
    assert any(c["name"] == "api-env" for c in changed["changes"])
    for text in first.outputs + second.outputs:
        assert "Traceback" not in text, text


def test_an_s3_backend_keeps_the_record_in_its_bucket(
    tmp_path: Path, toolchain: Any, seaweedfs: Any
) -> None:
    import boto3

    prefix = f"no-change-{tmp_path.name}"
    project = Project(copy_project(tmp_path / "project"))
    project.env.update(seaweedfs.credentials())
    backend = seaweedfs.backend_url(S3_BUCKET, prefix)
    project.env.update(GMAC_BACKEND=backend, GMAC_PASSPHRASE="s3")
    project.apply()
    from_record(project, "apply")
    client = boto3.client(
        "s3",
        endpoint_url=seaweedfs.endpoint,
        aws_access_key_id=seaweedfs.access_key,
        aws_secret_access_key=seaweedfs.secret_key,
        region_name=seaweedfs.region,
    )
    key = f"{prefix}/.gmac-plans/gmac/{ENV}.json"
    record = json.loads(client.get_object(Bucket=S3_BUCKET, Key=key)["Body"].read())
    assert record["origin"]["command"] == "apply"
    assert not project.path(".gmac/state").exists()
    project.edit(API, "LOG_LEVEL: info", "LOG_LEVEL: debug")
    from_engine(project, code=2)
    for text in project.outputs:
        assert "Traceback" not in text, text
