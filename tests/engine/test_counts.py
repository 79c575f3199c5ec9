"""Every number of resources follows one rule (gmac.plan.counting): the count a plan gives a
new stack is the count `gmac graph` draws, and right after an apply, drift and refresh find
that many up to date (they once said "no changes (0 resources up to date)")."""

from __future__ import annotations

import re

from tests.engine.conftest import ENV, Project


def test_plan_graph_apply_drift_and_refresh_count_alike(project: Project) -> None:
    graph = project.ok("graph", "--env", ENV, "--json").json()
    drawn = len(graph["resources"])
    header = project.ok("graph", "--env", ENV).stdout.splitlines()[0]
    assert header == f"stack {ENV} ({drawn} resources)"

    plan = project.plan_json(code=2)
    assert plan["summary"]["create"] == len(plan["changes"]) == drawn
    assert {change["urn"] for change in plan["changes"]} == {
        node["urn"] for node in graph["resources"]
    }

    applied = project.apply()
    assert f"applied: {ENV}: {drawn} to create; 0 unchanged" in applied.stdout

    up_to_date = f"{ENV}: no changes ({drawn} resources up to date)"
    assert up_to_date in project.plan(code=0).stdout
    drift = project.ok("drift", "--env", ENV)
    assert up_to_date in drift.stdout, str(drift)
    assert project.ok("drift", "--env", ENV, "--json").json()["summary"]["same"] == drawn
    refreshed = project.ok("refresh", "--env", ENV)
    assert f"refreshed: {up_to_date}" in refreshed.stdout, str(refreshed)

    destroyed = project.ok("destroy", "--env", ENV, "--yes")
    assert re.search(rf"destroyed {drawn} resources in {ENV}\b", destroyed.stdout), str(destroyed)
