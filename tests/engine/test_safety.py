"""Secrets never printed or stored in the clear; protected environments; drift, refresh and
destroy; the errors a user meets, each one clear message and never a traceback."""

from __future__ import annotations

from pathlib import Path

from tests.engine.conftest import ENV, RENDER, Project, base64_of

CANARY = "canary-7f3a9c"
# Every secret the example services use, each with a value of its own.
SECRET_VARIABLES = {
    "GMAC_SECRET_STRIPE_SECRET_KEY": CANARY,
    "GMAC_SECRET_TURSO_APP_TOKEN": f"{CANARY}-turso",
    "GMAC_SECRET_NEXTAUTH_SECRET": f"{CANARY}-nextauth",
    "GMAC_SECRET_STRIPE_WEBHOOK_SECRET": f"{CANARY}-webhook",
}


def assert_no_canary(text: str, where: str) -> None:
    for value in {CANARY, *SECRET_VARIABLES.values()}:
        assert value not in text, f"a secret value in {where}"
        assert base64_of(value) not in text, f"a secret value (base64) in {where}"
    assert base64_of(CANARY)[:16] not in text, f"a secret value (base64 prefix) in {where}"


def test_secret_values_appear_nowhere_gmac_writes(project: Project) -> None:
    project.env.update(SECRET_VARIABLES)
    printed = [project.plan("--json", "--json-out", "plan.json", "--markdown-out", "plan.md")]
    printed.append(project.apply())
    printed.append(project.plan(code=0))
    # A changed value: the plan may show the Secret changing, never the value.
    project.env["GMAC_SECRET_STRIPE_SECRET_KEY"] = f"{CANARY}-rotated"
    changed = project.plan("--json")
    printed += [changed, project.plan()]
    for change in changed.json()["changes"]:
        if change["type"] == "kubernetes:core/v1:Secret":
            for prop in change["properties"]:
                assert prop["old"] in (None, "[secret]") and prop["new"] in (None, "[secret]")
    printed.append(project.apply())
    printed.append(project.run("drift", "--env", ENV, "--json"))
    for result in printed:
        assert_no_canary(result.stdout + result.stderr, f"the output of gmac {result.args}")
    for name in ("plan.json", "plan.md"):
        assert_no_canary(project.path(name).read_text(encoding="utf-8"), name)
    state = project.path(".gmac/state")
    files = [path for path in state.rglob("*") if path.is_file()]
    assert files, "no state was written"
    for path in files:
        assert_no_canary(path.read_text(encoding="utf-8", errors="replace"), str(path))
    # Not asserted here: what .gmac/render holds (the render folder is a separate issue).


def test_a_protected_environment_needs_allow_destroy(project: Project) -> None:
    project.edit(
        "specs/project.yaml", "integrations: offline", "integrations: offline\n    protect: true"
    )
    project.apply()  # creating is never refused
    count = len(project.kubernetes_in_state())

    # An edit that deletes nothing applies as usual.
    project.edit("specs/services/control-panel.yaml", "panel.{domain}", "dash.{domain}")
    project.apply()

    refused = project.run("destroy", "--env", ENV, "--yes")
    assert refused.code == 1, str(refused)
    assert f"'{ENV}' is protected: destroying it needs --allow-destroy" in refused.stderr
    assert len(project.kubernetes_in_state()) == count  # nothing deleted

    project.ok("destroy", "--env", ENV, "--yes", "--allow-destroy")
    assert project.kubernetes_in_state() == set()


def test_drift_refresh_and_destroy(project: Project) -> None:
    project.apply()
    # The local environment renders manifests: no live cluster, so nothing to drift from.
    drift = project.run("drift", "--env", ENV)
    assert drift.code == 0, str(drift)
    assert "renders Kubernetes manifests to .gmac/render/local" in drift.stdout
    assert "no live cluster" in drift.stdout
    assert project.run("drift", "--env", ENV, "--json").json()["has_changes"] is False
    refreshed = project.ok("refresh", "--env", ENV)
    assert f"refreshed: {ENV}: no changes" in refreshed.stdout
    project.plan(code=0)

    before = project.kubernetes_in_state()
    asked = project.run("destroy", "--env", ENV)
    assert asked.code == 1, str(asked)
    assert "destroy needs confirmation: run with --yes" in asked.stderr
    assert project.kubernetes_in_state() == before

    destroyed = project.ok("destroy", "--env", ENV, "--yes")
    assert destroyed.stdout.startswith("destroyed ") and f"resources in {ENV}" in destroyed.stdout
    assert "✓ delete kubernetes:apps/v1:Deployment api" in destroyed.stderr
    left = [r["type"] for r in project.state_resources()]
    assert set(left) <= {"pulumi:pulumi:Stack"}, left
    assert not list(project.path(RENDER).rglob("*.yaml"))
    again = project.ok("destroy", "--env", ENV, "--yes")
    assert f"{ENV}: nothing to destroy" in again.stdout
    project.plan(code=2)  # everything would be created again


def test_an_invalid_spec_is_one_clear_problem(project: Project) -> None:
    project.edit("specs/services/api.yaml", "port: 8080", "port: eighty")
    for command in (("plan",), ("apply", "--yes"), ("drift",)):
        result = project.run(*command, "--env", ENV)
        assert result.code == 1, str(result)
        assert "specs/services/api.yaml:" in result.stderr and "port" in result.stderr
        assert "problem" in result.stderr
    assert not project.path(".gmac/state").exists() or not project.state_resources()


def test_a_missing_toolchain_says_how_to_install_it(project: Project, tmp_path: Path) -> None:
    empty = {"GMAC_TOOLCHAIN_CACHE": str(tmp_path / "no-toolchain")}
    for command in (("plan",), ("apply", "--yes"), ("destroy", "--yes")):
        result = project.run(*command, "--env", ENV, extra_env=empty)
        assert result.code == 1, str(result)
        assert "run `gmac toolchain install`" in result.stderr
        assert str(tmp_path / "no-toolchain") in result.stderr


def test_a_wrong_passphrase_is_one_clear_message(project: Project) -> None:
    project.apply()  # the stack is created with the key generated into .gmac/passphrase
    wrong = {"GMAC_PASSPHRASE": "not-the-passphrase"}
    for command in (("plan",), ("apply", "--yes")):
        result = project.run(*command, "--env", ENV, extra_env=wrong)
        assert result.code == 1, str(result)
        assert result.stderr.count("error:") == 1, result.stderr
        assert "the passphrase from GMAC_PASSPHRASE does not open the secrets" in result.stderr
        assert "set GMAC_PASSPHRASE to the passphrase the stack was created with" in result.stderr
        assert "not-the-passphrase" not in result.stderr
        assert "code: 1" not in result.stderr and "stdout:" not in result.stderr
    project.plan(code=0)  # and with the right one all is well
