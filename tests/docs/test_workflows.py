"""The example workflows, read as their CI reads them: `gmac drift` exits 2 when it finds
drift, which fails its step (the runners' default shell is `bash -e`), and a failed step stops
the steps after it unless they say `if: always()`. So whatever follows a drift check in a job
(the daily preview cleanup) is a step of its own that runs always, and the drift step runs
nothing after gmac drift."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((REPO / "examples" / "workflows").glob("*/gmac.yaml"))


def _commands(step: dict[str, Any]) -> list[str]:
    run = str(step.get("run", ""))
    return [
        line.strip()
        for line in run.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: path.parent.name)
def test_a_drift_does_not_stop_what_follows_it(workflow: Path) -> None:
    jobs = yaml.safe_load(workflow.read_text(encoding="utf-8"))["jobs"]
    drift_jobs = 0
    for name, job in jobs.items():
        steps = job.get("steps", [])
        drift = [
            i for i, step in enumerate(steps) if any("gmac drift" in c for c in _commands(step))
        ]
        if not drift:
            continue
        drift_jobs += 1
        for index in drift:
            commands = _commands(steps[index])
            assert commands[-1].startswith(".venv/bin/gmac drift"), (name, commands)
            for later in steps[index + 1 :]:
                assert "always()" in str(later.get("if", "")), (name, later)
        assert any("preview cleanup" in c for s in steps for c in _commands(s)), name
    assert drift_jobs == 1, workflow
