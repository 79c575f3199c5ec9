"""Adopting a Turso database made before the first apply, end to end through the gmac console
script and the real engine, against the Turso Platform API stand-in
(tests/integrations/turso_api.py, written from Turso's API reference): a plain apply stops and
names it, `gmac adopt` finds it by name, `gmac apply --adopt` imports it (the same `DbId`, no
second database), and from then on it is managed: its token is minted for it, a spec change
applies without replacing it, and the next plan exits 0.
"""

from __future__ import annotations

import json
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from gmac.dev import servers
from gmac.engine.toolchain import find
from tests.integrations.conftest import Receiver, RecordingProxy, require
from tests.integrations.live import ENV, make_live_project
from tests.integrations.turso_api import TursoStandIn

ORG = "gmac"  # the example's `organization: gmac`
TURSO = "specs/integrations/turso.yaml"


def _create_database(api: TursoStandIn, name: str) -> dict[str, Any]:
    """A database made through the stand-in's API, as a person would with Turso's."""
    request = urllib.request.Request(
        f"{api.url}/v1/organizations/{ORG}/databases",
        data=json.dumps({"name": name, "group": "default"}).encode(),
        headers={"Authorization": f"Bearer {api.api_token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        made: dict[str, Any] = json.loads(answer.read())["database"]
    return made


def test_a_turso_database_made_by_hand_is_adopted_then_managed(
    tmp_path: Path,
    gitea: servers.Gitea,
    stripe_proxy: RecordingProxy,
    turso_stand_in: TursoStandIn,
    receiver: Receiver,
) -> None:
    require(find(), "the Pulumi toolchain", "run gmac toolchain install")
    org = f"shop-{uuid.uuid4().hex[:6]}"
    gitea.create_org(org)
    stripe_proxy.additions[("POST", "/v1/webhook_endpoints")] = lambda: {
        "secret": f"whsec_{uuid.uuid4().hex}"
    }
    project = make_live_project(
        tmp_path / "project",
        gitea_url=gitea.url,
        gitea_token=gitea.token,
        org=org,
        stripe_url=stripe_proxy.url,
        turso_url=turso_stand_in.url,
        turso_token=turso_stand_in.api_token,
        hook_url=f"{receiver.url}/hooks/gitea",
    )
    db_id = _create_database(turso_stand_in, "registry")["DbId"]

    # Never a silent takeover.
    refused = project.run("apply", "--env", ENV, "--yes", timeout=600)
    assert refused.code == 1, str(refused)
    lines = refused.stderr.strip().splitlines()
    assert lines[-1] == "nothing was changed", refused.stderr
    assert f"Turso database {ORG}/registry ({db_id}) already exists and gmac did not make it: " in (
        refused.stderr
    )
    assert turso_stand_in.called("create_database_token") == []

    # Bad input: an `adopt:` key that names no resource of the document, at its line.
    project.edit(TURSO, "credentials:", "adopt: {turso-db-registy: x}\ncredentials:")
    wrong = project.run("adopt", "--env", ENV, timeout=600)
    assert wrong.code == 1, str(wrong)
    (line,) = [line for line in wrong.stderr.splitlines() if "turso-db-registy" in line]
    assert "turso.yaml:6:" in line, wrong.stderr  # the key's line in the file
    assert line.endswith(
        ": adopt.turso-db-registy: no Gitea, Stripe or Turso resource 'turso-db-registy' in "
        "integration 'turso' (did you mean 'turso-db-registry'?) "
        "(its resources: turso-db-registry)"
    ), wrong.stderr
    project.edit(TURSO, "adopt: {turso-db-registy: x}\n", "")

    # Found by name; nothing of it differs from the spec. The report also as Markdown.
    markdown = tmp_path / "adopt.md"
    report = project.ok(
        "adopt", "--env", ENV, "--json", "--markdown-out", str(markdown), timeout=600
    ).json()
    comment = markdown.read_text(encoding="utf-8")
    assert comment.startswith("## gmac adopt\n"), comment
    (row,) = [row for row in comment.splitlines() if "turso-db-registry" in row]
    assert row.startswith("| found | ") and f"Turso database {ORG}/registry | by name |" in row
    (database,) = [r for r in report["resources"] if r["name"] == "turso-db-registry"]
    assert (database["status"], database["id"], database["how"]) == ("found", db_id, "by name")
    assert (database["changes"], database["then"]) == ([], "")

    # Imported: the same database, and gmac's token minted for it.
    project.ok("apply", "--env", ENV, "--adopt", "--yes", timeout=600)
    assert [r["id"] for r in project.state_of("turso:Database")] == [db_id]
    assert turso_stand_in.databases[(ORG, "registry")]["DbId"] == db_id
    assert len(turso_stand_in.called("create_database")) == 1  # the one made by hand
    assert turso_stand_in.called("create_database_token")
    code, plan = project.plan_json()
    assert code == 0, plan

    # Managed: a spec change applies to it, and it stays the same database.
    project.edit(TURSO, "rotate_every: 30d", "rotate_every: 60d")
    code, plan = project.plan_json()
    assert all(c["name"] != "turso-db-registry" for c in plan["changes"]), plan
    project.apply()
    assert [r["id"] for r in project.state_of("turso:Database")] == [db_id]
    assert turso_stand_in.databases[(ORG, "registry")]["DbId"] == db_id
    for text in project.outputs:
        assert "Traceback" not in text, text
