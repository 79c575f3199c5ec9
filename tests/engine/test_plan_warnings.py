"""A plan warns about what its reader can act on, and only that: in all three renderings
(table, JSON, Markdown) it says when the environment's cluster cannot be reached (no such
context in the kubeconfig, or an API server that does not answer), and it no longer passes
on the engine's notes about what gmac does on purpose (its dynamic-provider plugin on PATH,
the provider's "secret value in plaintext" for rendered Secrets, which hold sealed values
only: tests/secrets/test_canary.py)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import yaml

from tests.engine.conftest import ENV, Project

FALSE_ALARMS = ("plaintext", "from $PATH", "pulumi-resource-pulumi-python")


def _kubeconfig(path: Path, context: str, server: str) -> Path:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": server}}],
        "contexts": [{"name": context, "context": {"cluster": "c", "user": "u"}}],
        "users": [{"name": "u", "user": {"token": "not-a-real-token"}}],
        "current-context": context,
    }
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def staging(project: Project) -> Project:
    project.env["GMAC_PASSPHRASE"] = "the team's passphrase, for this test"
    project.ok("stack", "init", "--env", "staging")
    return project


def _plan(project: Project, env: str) -> tuple[str, list[str], str]:
    result = project.run(
        "plan", "--env", env, "--json-out", "plan.json", "--markdown-out", "plan.md"
    )
    assert result.code == 2, str(result)
    plan = json.loads(project.path("plan.json").read_text(encoding="utf-8"))
    markdown = project.path("plan.md").read_text(encoding="utf-8")
    return result.stdout + result.stderr, list(plan["diagnostics"]), markdown


def test_a_local_plan_has_no_false_alarm(project: Project) -> None:
    printed, diagnostics, markdown = _plan(project, ENV)
    for text in (printed, "\n".join(diagnostics), markdown):
        for alarm in FALSE_ALARMS:
            assert alarm not in text, text
    applied = project.apply()
    for alarm in FALSE_ALARMS:
        assert alarm not in applied.stdout + applied.stderr


def _warned_everywhere(printed: str, diagnostics: list[str], markdown: str, words: str) -> None:
    [warning] = [message for message in diagnostics if words in message]
    assert f"warning: {warning}" in printed
    assert f"> **warning** (staging): {warning}" in markdown
    assert "an apply would fail" in warning


def test_a_missing_context_is_a_warning_in_every_rendering(
    staging: Project, tmp_path: Path
) -> None:
    kubeconfig = _kubeconfig(tmp_path / "kubeconfig", "elsewhere", "https://127.0.0.1:6443")
    staging.env["KUBECONFIG"] = str(kubeconfig)
    printed, diagnostics, markdown = _plan(staging, "staging")
    words = "the kubeconfig has no context 'k3s-staging' (its contexts: elsewhere)"
    _warned_everywhere(printed, diagnostics, markdown, words)
    for alarm in FALSE_ALARMS:
        assert alarm not in printed


def test_an_unreachable_api_server_is_a_warning_in_every_rendering(
    staging: Project, tmp_path: Path
) -> None:
    server = f"https://127.0.0.1:{_closed_port()}"
    staging.env["KUBECONFIG"] = str(_kubeconfig(tmp_path / "kubeconfig", "k3s-staging", server))
    printed, diagnostics, markdown = _plan(staging, "staging")
    _warned_everywhere(
        printed, diagnostics, markdown, f"the API server {server} (context 'k3s-staging')"
    )
