"""A canary secret value goes through the real `gmac plan` and `gmac apply` (the Pulumi
engine, rendering manifests for `local`) and must appear nowhere: not in their output, their
JSON, their errors, nor in any file under .gmac/ (state, backups, history, registry, rendered
manifests, locks) or specs/. Rendered Secrets carry the value sealed instead
(docs/secrets.md). The same holds for a value gmac generates in the state."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import yaml

from tests.real import require_toolchain
from tests.secrets.conftest import CANARY, Gmac, no_traceback

SECOND = CANARY.replace("canary", "second-canary")


def _forms(value: str) -> list[bytes]:
    raw = value.encode()
    return [
        raw,
        base64.b64encode(raw),
        base64.urlsafe_b64encode(raw).rstrip(b"="),
        raw.hex().encode(),
    ]


def _leaks(texts: dict[str, bytes], values: list[str]) -> list[str]:
    return [
        f"{where} holds {value!r} (as {form[:12]!r}...)"
        for where, text in texts.items()
        for value in values
        for form in _forms(value)
        if form in text
    ]


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(autouse=True)
def _toolchain() -> None:
    require_toolchain()


def test_the_canary_never_leaves_the_store(gmac: Gmac, project: Path) -> None:
    outputs: dict[str, bytes] = {}

    def run(label: str, *args: str, stdin: str | None = None, code: int | None = 0) -> str:
        result = gmac(*args, stdin=stdin)
        outputs[f"{label} stdout"] = result.stdout.encode()
        outputs[f"{label} stderr"] = result.stderr.encode()
        no_traceback(result)
        if code is not None:
            assert result.returncode == code, result.stderr
        return result.stdout

    run("set 1", "secrets", "set", "stripe-secret-key", "--env", "local", stdin=CANARY)
    # Provided by Stripe where integrations are online; set by hand in `local`.
    run("set 2", "secrets", "set", "stripe-webhook-secret", "--env", "local", stdin=CANARY)
    run(
        "plan",
        "plan",
        "--env",
        "local",
        "--json-out",
        "plan.json",
        "--markdown-out",
        "plan.md",
        code=2,
    )
    plan = json.loads(run("plan --json", "plan", "--env", "local", "--json", code=2))
    assert any(change["name"] == "api-secrets" for change in plan["changes"])
    run("apply", "apply", "--env", "local", "--yes")

    # Rendered Secrets have no value, only the value sealed: as the store holds it, or (the
    # generated one) encrypted for the recipients.
    render = project / ".gmac" / "render" / "local"
    for name, secret in (
        ("billing-worker", "stripe-webhook-secret"),
        ("control-panel", "nextauth-secret"),
    ):
        (rendered,) = render.rglob(f"*secret*{name}-secrets.yaml")
        document = yaml.safe_load(rendered.read_text())
        assert not document.get("data") and not document.get("stringData")
        assert f"sealed.gmac.io/{secret}" in document["metadata"]["annotations"]
    generated = run("get generated", "secrets", "get", "nextauth-secret", "--env", "local")
    assert len(generated) == 48  # `generate: {length: 48}`
    del outputs["get generated stdout"]

    # A changed value: the plan shows an update of the sealed annotation and the Deployments
    # that read it roll (their digest changes), nothing else and no value.
    run("set again", "secrets", "set", "stripe-webhook-secret", "--env", "local", stdin=SECOND)
    changed = json.loads(run("plan changed", "plan", "--env", "local", "--json", code=2))
    updated = sorted((c["type"].rsplit(":", 1)[-1], c["name"]) for c in changed["changes"])
    assert updated == [("Deployment", "billing-worker"), ("Secret", "billing-worker-secrets")]
    run("apply changed", "apply", "--env", "local", "--yes")
    run("drift", "drift", "--env", "local", "--json", code=None)

    # What the reports and registry commands print.
    run("list", "secrets", "list", "--env", "local", "--json")
    run("audit", "audit", "--json")
    run("verify", "audit", "--verify")
    run("history", "history", "--json")
    run("services", "services", "list", "--json")
    # An error with the store in play: a stranger's identity.
    stranger = "GMAC-SK-" + base64.urlsafe_b64encode(bytes(range(32))).decode().rstrip("=")
    result = gmac("secrets", "get", "stripe-secret-key", "--env", "local", GMAC_IDENTITY=stranger)
    assert result.returncode == 1
    outputs["stranger stderr"] = result.stderr.encode()

    # Opening the sealed values works for the recipient, and is the one place they show.
    unsealed = run("unseal", "secrets", "unseal", "--env", "local")
    assert SECOND in unsealed and CANARY in unsealed
    del outputs["unseal stdout"]

    files = _files(project)  # .gmac/ (state, render, registry, locks), specs/, plan files
    assert any(name.startswith(".gmac/state/") for name in files)
    assert any(name.startswith(".gmac/render/") for name in files)
    assert ".gmac/registry.db" in files and "plan.json" in files
    assert _leaks(outputs, [CANARY, SECOND, generated]) == []
    assert _leaks(files, [CANARY, SECOND, generated]) == []
